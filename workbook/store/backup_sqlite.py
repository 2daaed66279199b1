"""SQLite stores: copied with SQLite's online backup API, restored into a new file.

One consistent snapshot, taken while the form goes on saving (in WAL mode a reader
never blocks a writer); the backup is itself a store file, switched to rollback-journal
mode so it is one self-contained file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from workbook.errors import StorageError
from workbook.store.archive import (
    Summary,
    Unusable,
    driver_reason,
    is_store,
    refuse_newer,
    shown_url,
    staging,
    summarise,
    why_occupied,
)

# -- SQLite ------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise StorageError(
            "database",
            url=shown_url(url),
            reason="backup and restore need a SQLite store in a file",
        )
    return Path(database)


def _sqlite_reader(path: Path) -> Engine:
    """A read-only engine on a SQLite file: reading a backup must never change it."""
    uri = f"{path.absolute().as_uri()}?mode=ro"
    return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))


def _check_sqlite_file(path: Path) -> Summary:
    """Integrity, workbook schema and counts of a SQLite file (``Unusable`` says what is wrong)."""
    engine = _sqlite_reader(path)
    try:
        with engine.connect() as conn:
            problems = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise Unusable(f"SQLite finds it damaged ({'; '.join(problems[:3])})")
            if not is_store(conn):
                raise Unusable("it is a SQLite database but not a workbook store (no meta table)")
            return summarise(conn, "sqlite")
    except SQLAlchemyError as exc:
        raise Unusable(driver_reason(exc)) from None
    finally:
        engine.dispose()


def sqlite_backup(url: str, output: Path) -> Summary:
    path = _sqlite_path(url)
    if not path.is_file():
        raise Unusable(f"there is no store file at {path}; check --db")
    with staging(output, path) as staged:
        try:
            source = sqlite3.connect(path, timeout=30)
            try:
                copy = sqlite3.connect(staged)
                try:
                    # all pages in one step: a single read transaction, so one snapshot
                    source.backup(copy)
                    copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
                finally:
                    copy.close()
            finally:
                source.close()
            return _check_sqlite_file(staged)
        except sqlite3.Error as exc:
            raise Unusable(str(exc)) from None


def sqlite_restore(file: Path, url: str) -> None:
    path = _sqlite_path(url)
    refuse_newer(_check_sqlite_file(file).schema_version)
    if path.exists():
        engine = _sqlite_reader(path)
        try:
            with engine.connect() as conn:
                occupied = why_occupied(conn)
        except SQLAlchemyError as exc:
            raise Unusable(driver_reason(exc)) from None
        finally:
            engine.dispose()
        if occupied:
            raise Unusable(
                f"{occupied}. Restore into a new file (--db sqlite:///NEW.db), or stop "
                f"everything using {path} and move it aside with its -wal and -shm files first."
            )
    else:
        # a WAL file left by another database would be replayed onto the restored one
        stale = [p for p in (Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
        if stale:
            raise Unusable(f"{stale[0]} is left from an earlier store; move it aside first.")
        path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    try:
        source = sqlite3.connect(f"{file.absolute().as_uri()}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(path, timeout=30)
            try:
                source.backup(target)  # one write transaction on the target: all or nothing
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        if created:
            path.unlink(missing_ok=True)
        raise Unusable(str(exc)) from None
