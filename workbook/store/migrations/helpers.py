"""What more than one schema step does: write frameworks again, add missing columns."""

from __future__ import annotations

import hashlib

from sqlalchemy import inspect, select, update
from sqlalchemy.engine import Connection

from workbook.schema.framework import Framework
from workbook.store import tables as T


def rewrite_frameworks(conn: Connection) -> None:
    """Write each stored framework again as the framework model now writes it.

    When frameworks gain fields (with defaults), the same YAML loaded again must be
    recognised as the version already stored, not refused as changed: its definition
    and digest are brought up to the model's current form.
    """
    stored = conn.execute(
        select(T.framework.c.id, T.framework.c.version, T.framework.c.definition)
    ).all()  # read to the end before updating the table the cursor would still be reading
    for row in stored:
        definition = Framework.model_validate_json(row.definition).model_dump_json()
        conn.execute(
            update(T.framework)
            .where(T.framework.c.id == row.id, T.framework.c.version == row.version)
            .values(definition=definition, digest=hashlib.sha256(definition.encode()).hexdigest())
        )


def add_columns(conn: Connection, columns: tuple[tuple[str, str, str], ...]) -> None:
    """``ALTER TABLE`` in each column a step adds, unless it is there already."""
    for table, column, sql_type in columns:
        if column not in {c["name"] for c in inspect(conn).get_columns(table)}:
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")
