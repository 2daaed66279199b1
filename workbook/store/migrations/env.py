"""Alembic's environment: run the steps in the connection and transaction it is handed.

The workbook opens the store and holds the transaction (and, on PostgreSQL, the advisory
lock) itself; Alembic only counts and runs the steps. Run them with ``workbook migrate``,
not ``alembic upgrade``: that is what brings ``meta.schema_version`` along too, so an
older workbook still refuses the store instead of writing into a schema it does not know.
"""

from alembic import context

from workbook.store import tables as T


def run_steps() -> None:
    """Run the steps Alembic was asked for, in the workbook's connection and transaction."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise SystemExit("Upgrade a store with `workbook migrate --db URL`, not `alembic upgrade`.")
    context.configure(connection=connection, target_metadata=T.metadata)
    with context.begin_transaction():
        context.run_migrations()


if hasattr(context, "config"):  # run by Alembic; imported by a check or a doctest: nothing
    run_steps()
