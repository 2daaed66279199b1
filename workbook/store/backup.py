"""Back up the whole store to one file, and restore it (issue #7, "Nothing lost").

SQLite stores are copied with SQLite's online backup API: one consistent snapshot,
taken while the form goes on saving (in WAL mode a reader never blocks a writer). The
backup is itself a store file, switched to rollback-journal mode so it is one
self-contained file. PostgreSQL stores are dumped by ``pg_dump`` (custom format) from
a snapshot this module exports, so the counts it reports are those of the dump, and
restored by ``pg_restore`` in a single transaction.

Nothing partial is ever left: a backup is written to a hidden file beside the output,
checked, made durable and only then renamed over it, so a failed backup neither leaves
half a file nor destroys an earlier backup of the same name. A restore writes only into
an empty store (no file, or workbook tables without rows): restoring over a store in
use would silently drop every revision saved since the backup, which the append-only
store exists to prevent.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from workbook import config
from workbook.errors import StorageError
from workbook.store.archive import (
    KIND_NAMES,
    Summary,
    Unusable,
    file_kind,
    shown_url,
    store_kind,
    summarise,
)
from workbook.store.backup_pg import pg_backup, pg_restore
from workbook.store.backup_sqlite import sqlite_backup, sqlite_restore
from workbook.store.engine import normalise_url
from workbook.store.facade import Store


def backup(output: Path, url: str | None = None) -> Summary:
    """Copy the whole store to one file while it stays in use; return what the file holds.

    Parameters
    ----------
    output
        The backup file, replaced only once the new backup is complete and checked.
    url
        The store (default: ``--db``/``WORKBOOK_DB``/the default SQLite file). It is only
        read: an older store is backed up as it is, not migrated.
    """
    url = normalise_url(config.db_url(url))
    kind = store_kind(url)
    try:
        made = sqlite_backup(url, output) if kind == "sqlite" else pg_backup(url, output)
    except Unusable as exc:
        raise StorageError("backup", url=shown_url(url), reason=str(exc)) from None
    return replace(made, url=shown_url(url))


def restore(file: Path, url: str | None = None) -> Summary:
    """Restore a backup into an empty store of the same kind; return what it now holds.

    Parameters
    ----------
    file
        A file written by :func:`backup`.
    url
        The store to restore into: a SQLite file that does not exist yet or an empty
        PostgreSQL database. A backup from an older workbook is migrated once restored.
    """
    url = normalise_url(config.db_url(url))
    kind = store_kind(url)
    try:
        made_by = file_kind(file)
        if kind != made_by:
            name = KIND_NAMES[made_by]
            raise Unusable(
                f"it is a backup of a {name} store; restore it into a {name} store (--db)"
            )
        if kind == "sqlite":
            sqlite_restore(file, url)
        else:
            pg_restore(file, url)
    except Unusable as exc:
        raise StorageError("restore", file=file, url=shown_url(url), reason=str(exc)) from None
    with Store.open(url) as store, store.engine.connect() as conn:
        return replace(summarise(conn, kind), url=shown_url(url))
