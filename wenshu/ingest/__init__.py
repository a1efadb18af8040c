"""Importing input files: ledgers, the unit tree, base figures and targets.

Plain library calls for the CLI and the collect flow: each validates the whole file,
reports every problem by row and column, and stores nothing from a rejected file.
"""

from wenshu.ingest.figures import import_figures, import_targets
from wenshu.ingest.ledger import import_ledger_file
from wenshu.ingest.readers import ReadOptions, Table, read_table, read_tables
from wenshu.ingest.report import ImportResult, error_report_path
from wenshu.ingest.units import import_units

__all__ = [
    "ImportResult",
    "ReadOptions",
    "Table",
    "error_report_path",
    "import_figures",
    "import_ledger_file",
    "import_targets",
    "import_units",
    "read_table",
    "read_tables",
]
