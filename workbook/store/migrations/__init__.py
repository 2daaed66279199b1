"""Bringing a store to this workbook's schema: Alembic counts and runs the steps.

The steps are Alembic revisions, one file each in ``versions/`` (revision ``0008`` is
schema 8). A store is created whole and stamped with the newest (the one row Alembic's
``stamp`` would write); an older one is upgraded in the same transaction that opens it,
so it is either fully migrated or untouched; one written by a newer workbook is refused.
``meta.schema_version`` is kept in step, because workbooks before Alembic read it to
refuse a store newer than they are.

To change the schema: change ``tables.py``, bump ``tables.SCHEMA_VERSION`` to N, and add
``versions/sNNNN_what.py`` with ``revision = "NNNN"`` revising the one before
(``alembic revision -m "what" --rev-id NNNN`` writes the file from ``script.py.mako``).
There are no downgrades: restore the backup taken before ``workbook migrate``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import insert, inspect, select, update
from sqlalchemy.engine import Connection

from workbook.errors import StorageError
from workbook.store import tables as T

if TYPE_CHECKING:
    from alembic.config import Config

STEPS = Path(__file__).parent
"""Alembic's script directory: ``env.py`` and the revisions in ``versions/``."""


def revision_of(version: int) -> str:
    """The Alembic revision that brings a store to schema ``version``.

    >>> revision_of(8)
    '0008'
    """
    return f"{version:04d}"


def _alembic(conn: Connection) -> Config:
    """Alembic's settings, handing ``env.py`` the connection (and transaction) to use.

    Alembic is imported here, not above: a page opening an up-to-date store never needs it.
    """
    from alembic.config import Config

    settings = Config()
    settings.set_main_option("script_location", str(STEPS))
    settings.attributes["connection"] = conn
    return settings


def _known(settings: Config) -> set[str]:
    from alembic.script import ScriptDirectory

    return {step.revision for step in ScriptDirectory.from_config(settings).walk_revisions()}


def _stamped(conn: Connection, tables: set[str]) -> str | None:
    """The revision Alembic recorded, or None in a store made before the workbook used it."""
    if T.alembic_version.name not in tables:
        return None
    return conn.scalar(select(T.alembic_version.c.version_num))


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
    tables = set(inspect(conn).get_table_names())  # one look, on every page's opening
    if T.meta.name not in tables:
        T.metadata.create_all(conn)
        conn.execute(insert(T.meta).values(key="schema_version", value=str(T.SCHEMA_VERSION)))
        # Alembic's stamp of an empty store is this one row; importing Alembic for it took
        # 0.1 s (a throwaway store in memory pays it too, issue #19)
        conn.execute(insert(T.alembic_version).values(version_num=revision_of(T.SCHEMA_VERSION)))
        return 0
    found = int(conn.scalar(select(T.meta.c.value).where(T.meta.c.key == "schema_version")) or 0)
    stamped = _stamped(conn, tables)
    head = revision_of(T.SCHEMA_VERSION)
    if found == T.SCHEMA_VERSION and stamped == head:
        return found  # every page's opening: no Alembic to import
    settings = _alembic(conn)
    if found > T.SCHEMA_VERSION or (stamped is not None and stamped not in _known(settings)):
        raise StorageError("newer_schema", url=url, found=found, supported=T.SCHEMA_VERSION)
    if found < T.SCHEMA_VERSION and not migrate:
        raise StorageError("older_schema", url=url, found=found, supported=T.SCHEMA_VERSION)
    from alembic import command

    if stamped is None:  # written before Alembic: its schema version says where it stands
        command.stamp(settings, revision_of(found))
    command.upgrade(settings, head)
    if found != T.SCHEMA_VERSION:
        conn.execute(
            update(T.meta)
            .where(T.meta.c.key == "schema_version")
            .values(value=str(T.SCHEMA_VERSION))
        )
    return found
