"""Alembic environment: runs on the connection wenshu.db hands over."""

from alembic import context

# Both table modules, so autogenerate sees every table on the one metadata.
from wenshu.models import access_tables  # noqa: F401
from wenshu.models.tables import Base

connection = context.config.attributes.get("connection")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
