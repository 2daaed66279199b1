"""The steps from each schema version to the next, and bringing a store up to date.

A store written by an older workbook is upgraded in the same transaction that opens it,
so it is either fully migrated or untouched; one written by a newer workbook is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from sqlalchemy import insert, inspect, select, update
from sqlalchemy.engine import Connection

from workbook.errors import StorageError
from workbook.schema.framework import Framework
from workbook.store import tables as T
from workbook.store.migrate_actions import track_existing_actions

Migration = Callable[[Connection], None]


def _add_moderation(conn: Connection) -> None:
    """Schema 1 -> 2: add the moderation and action-mark tables (existing data untouched)."""
    T.metadata.create_all(conn, tables=list(T.V2_TABLES))


def _add_access(conn: Connection) -> None:
    """Schema 2 -> 3: personal links, cycle sharing, and who saved each revision."""
    T.metadata.create_all(conn, tables=list(T.V3_TABLES))
    columns = {c["name"] for c in inspect(conn).get_columns("revision")}
    if "saved_by" not in columns:
        conn.exec_driver_sql("ALTER TABLE revision ADD COLUMN saved_by TEXT")


def _add_hub_users(conn: Connection) -> None:
    """Schema 3 -> 4: users who sign in through JupyterHub, mapped to roles and agencies."""
    T.metadata.create_all(conn, tables=list(T.V4_TABLES))


def _rewrite_frameworks(conn: Connection) -> None:
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


def _add_evidence(conn: Connection) -> None:
    """Schema 4 -> 5: indicators, case audits and dismissed contradictions (issue #14).

    Frameworks gained contradiction rules (with defaults), so they are written again.
    """
    T.metadata.create_all(conn, tables=list(T.V5_TABLES))
    _rewrite_frameworks(conn)


def _add_board_paper(conn: Connection) -> None:
    """Schema 6 -> 7: highlights, "not applicable", the partnership's words (issue #16).

    Older answers were all applicable, older partnerships use the default words and no
    cycle had a board-meeting date: the new columns' defaults say exactly that.
    Frameworks gained short titles and sector scopes (with defaults), so they are
    written again.
    """
    T.metadata.create_all(conn, tables=list(T.V7_TABLES))
    _add_columns(conn, T.V7_COLUMNS)
    _rewrite_frameworks(conn)


def _add_shared_returns(conn: Connection) -> None:
    """Schema 7 -> 8: returns shared between partnerships, and notes for one (issue #17).

    No cycle accepted shared returns before, so no return is shared and none moves: the
    new column's default and the empty tables say exactly that.
    """
    T.metadata.create_all(conn, tables=list(T.V8_TABLES))
    _add_columns(conn, T.V8_COLUMNS)


def _add_columns(conn: Connection, columns: tuple[tuple[str, str, str], ...]) -> None:
    """``ALTER TABLE`` in each column a step adds, unless it is there already."""
    for table, column, sql_type in columns:
        if column not in {c["name"] for c in inspect(conn).get_columns(table)}:
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")


MIGRATIONS: dict[int, Migration] = {
    1: _add_moderation,
    2: _add_access,
    3: _add_hub_users,
    4: _add_evidence,
    5: track_existing_actions,
    6: _add_board_paper,
    7: _add_shared_returns,
}
"""``MIGRATIONS[n]`` upgrades a store from schema ``n`` to ``n + 1``."""


MIGRATION_LOCK = 0x5743_4B42  # "WCKB": one lock key for the workbook's schema changes
"""The PostgreSQL advisory lock every opening holds while it creates or migrates the store."""


def prepare(conn: Connection, url: str, migrate: bool = True) -> int:
    """Create the tables of an empty store, or migrate an older one, in ``conn``'s transaction.

    Returns the schema version the store had (0: none, just created).

    Parameters
    ----------
    conn
        A writing connection, so that two workbooks opening one store do not race.
    url
        The store's URL with any password hidden, for the message refusing a newer store.
    migrate
        Upgrade an older store; when False it is refused, naming ``workbook migrate``
        (pages and commands other than ``migrate`` upgrade nothing by themselves, #18).
    """
    if conn.dialect.name == "postgresql":
        # Pods starting together after an upgrade would each run the steps: the second
        # waits here until the first commits, then finds the store up to date (#18).
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    if not inspect(conn).has_table("meta"):
        T.metadata.create_all(conn)
        conn.execute(insert(T.meta).values(key="schema_version", value=str(T.SCHEMA_VERSION)))
        return 0
    found = int(conn.scalar(select(T.meta.c.value).where(T.meta.c.key == "schema_version")) or 0)
    if found > T.SCHEMA_VERSION:
        raise StorageError("newer_schema", url=url, found=found, supported=T.SCHEMA_VERSION)
    if found < T.SCHEMA_VERSION and not migrate:
        raise StorageError("older_schema", url=url, found=found, supported=T.SCHEMA_VERSION)
    for version in range(found, T.SCHEMA_VERSION):
        MIGRATIONS[version](conn)
    if found != T.SCHEMA_VERSION:
        conn.execute(
            update(T.meta)
            .where(T.meta.c.key == "schema_version")
            .values(value=str(T.SCHEMA_VERSION))
        )
    return found
