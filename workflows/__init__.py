"""Prefect flows: thin shells over the plain pipeline functions.

Importing this package points Prefect at wenshu's data directory before Prefect
itself is imported (its settings are read at import time).
"""

from wenshu.workflows.runtime import configure_prefect

configure_prefect()
