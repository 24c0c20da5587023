"""Alembic environment: opencase always hands in an open connection (see core/migrate.py)."""

from alembic import context

from opencase.core.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
