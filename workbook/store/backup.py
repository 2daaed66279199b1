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

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, MetaData, Table, create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from workbook import config
from workbook.errors import StorageError
from workbook.store import tables
from workbook.store.engine import normalise_url
from workbook.store.facade import Store

T = tables
Kind = Literal["sqlite", "postgres"]

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"  # pg_dump's custom format; plain SQL dumps are not accepted
PG_BIN_GLOB = "usr/lib/postgresql/*/bin"  # Debian keeps each major version's tools here
KIND_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


@dataclass(frozen=True)
class Summary:
    """What a backup holds (or a restored store now holds), for the command's report."""

    url: str  # the store backed up or restored into, without its password
    kind: Kind
    schema_version: int
    partnerships: int
    cycles: int
    revisions: int

    def __str__(self) -> str:
        def n(count: int, noun: str) -> str:
            return f"{count} {noun}{'' if count == 1 else 's'}"

        return (
            f"{n(self.partnerships, 'partnership')}, {n(self.cycles, 'cycle')}, "
            f"{n(self.revisions, 'revision')} (schema {self.schema_version})"
        )


# -- shared helpers ----------------------------------------------------------------------


class _Bad(Exception):
    """Why a file or store cannot be used, turned into a StorageError by the caller."""


def _reason(exc: BaseException) -> str:
    """The database's own first line of a SQLAlchemy error, not SQLAlchemy's wrapping."""
    orig = getattr(exc, "orig", None)
    return str(orig or exc).splitlines()[0]


def _shown(url: str) -> str:
    """The URL for messages: never the password."""
    return make_url(url).render_as_string(hide_password=True)


def _kind(url: str) -> Kind:
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgres"
    raise StorageError(
        "database",
        url=_shown(url),
        reason="backup and restore support SQLite and PostgreSQL stores only",
    )


def _file_kind(file: Path) -> Kind:
    """Which kind of store a backup file is from, by its first bytes."""
    try:
        with file.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise _Bad(exc.strerror or str(exc)) from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgres"
    raise _Bad(
        "it is not a workbook backup (expected a SQLite store file or a pg_dump "
        "custom-format archive, as `workbook backup` writes)."
    )


def _summary(conn: Connection, kind: Kind) -> Summary:
    """Schema version and row counts of the store ``conn`` is in (``url`` left blank)."""
    version = conn.scalar(select(T.meta.c.value).where(T.meta.c.key == "schema_version"))

    def count(table: Table) -> int:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)

    return Summary(
        url="",
        kind=kind,
        schema_version=int(version or 0),
        partnerships=count(T.partnership),
        cycles=count(T.cycle),
        revisions=count(T.revision),
    )


def _is_store(conn: Connection) -> bool:
    return "meta" in inspect(conn).get_table_names()


def _occupied(conn: Connection) -> str | None:
    """Why the database ``conn`` is in may not be restored into, or None if it is empty.

    Empty means no tables, or only workbook tables holding no rows besides the schema
    version (as ``Store.open`` leaves a new store), so restoring over it loses nothing.
    """
    names = set(inspect(conn).get_table_names())
    foreign = sorted(names - set(T.metadata.tables))
    if foreign:
        return f"it holds tables the workbook did not make ({', '.join(foreign[:5])})"
    filled = [
        name
        for name in sorted(names - {"meta"})
        if conn.scalar(select(func.count()).select_from(T.metadata.tables[name]))
    ]
    if not filled:
        return None
    if {"meta", "partnership", "cycle", "revision"} <= names:
        return f"it already holds a store: {_summary(conn, 'sqlite')}"
    return f"its table {filled[0]!r} holds rows"


@contextlib.contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextlib.contextmanager
def _staged(output: Path, source: Path | None = None) -> Iterator[Path]:
    """A hidden file beside ``output`` that becomes ``output`` only if the block succeeds.

    The file is created readable by its owner only (``mkstemp``): a backup holds every
    return, like the store it came from.
    """
    output = output.absolute()
    if source is not None:
        taken = {source.resolve(), *(Path(f"{source.resolve()}{s}") for s in ("-wal", "-shm"))}
        if output.resolve() in taken:
            raise _Bad(f"{output} is the store itself; write the backup to another file.")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(
            prefix=f".{output.name}.", suffix=".partial", dir=output.parent
        )
    except OSError as exc:
        raise _Bad(f"{output}: {exc.strerror or exc}") from None
    os.close(handle)
    staged = Path(name)
    try:
        yield staged
        with staged.open("rb") as written:
            os.fsync(written.fileno())
        staged.replace(output)
        _fsync_dir(output.parent)
    finally:
        staged.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- SQLite ------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise StorageError(
            "database", url=_shown(url), reason="backup and restore need a SQLite store in a file"
        )
    return Path(database)


def _sqlite_reader(path: Path) -> Engine:
    """A read-only engine on a SQLite file: reading a backup must never change it."""
    uri = f"{path.absolute().as_uri()}?mode=ro"
    return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))


def _check_sqlite_file(path: Path) -> Summary:
    """Integrity, workbook schema and counts of a SQLite file (``_Bad`` says what is wrong)."""
    engine = _sqlite_reader(path)
    try:
        with engine.connect() as conn:
            problems = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise _Bad(f"SQLite finds it damaged ({'; '.join(problems[:3])})")
            if not _is_store(conn):
                raise _Bad("it is a SQLite database but not a workbook store (no meta table)")
            return _summary(conn, "sqlite")
    except SQLAlchemyError as exc:
        raise _Bad(_reason(exc)) from None
    finally:
        engine.dispose()


def _sqlite_backup(url: str, output: Path) -> Summary:
    path = _sqlite_path(url)
    if not path.is_file():
        raise _Bad(f"there is no store file at {path}; check --db")
    with _staged(output, path) as staged:
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
            raise _Bad(str(exc)) from None


def _sqlite_restore(file: Path, url: str) -> None:
    path = _sqlite_path(url)
    _refuse_newer(_check_sqlite_file(file).schema_version)
    if path.exists():
        engine = _sqlite_reader(path)
        try:
            with engine.connect() as conn:
                occupied = _occupied(conn)
        except SQLAlchemyError as exc:
            raise _Bad(_reason(exc)) from None
        finally:
            engine.dispose()
        if occupied:
            raise _Bad(
                f"{occupied}. Restore into a new file (--db sqlite:///NEW.db), or stop "
                f"everything using {path} and move it aside with its -wal and -shm files first."
            )
    else:
        # a WAL file left by another database would be replayed onto the restored one
        stale = [p for p in (Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
        if stale:
            raise _Bad(f"{stale[0]} is left from an earlier store; move it aside first.")
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
        raise _Bad(str(exc)) from None


# -- PostgreSQL --------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: from PATH, else Debian's newest server bin folder."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/").glob(f"{PG_BIN_GLOB}/{name}"),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)],
    )
    if candidates:
        return str(candidates[-1])
    raise _Bad(
        f"the PostgreSQL program {name} was not found; install the PostgreSQL client "
        "programs (Debian package 'postgresql-client') or put their folder on PATH"
    )


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI for the command line and an environment carrying the password.

    The password goes in ``PGPASSWORD``, not the arguments, which other users can list.
    """
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # no stdin: a missing password fails (--no-password) instead of waiting at a prompt
    done = subprocess.run(
        args, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        tool = Path(args[0]).name
        raise _Bad(f"{tool} failed: " + " / ".join(lines[:3]) if lines else f"{tool} failed")
    return done


def _pg_backup(url: str, output: Path) -> Summary:
    uri, env = _libpq(url)
    try:
        pg_dump = _pg_tool("pg_dump")
        with (
            _engine(url) as engine,
            engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn,
            conn.begin(),
        ):
            if not _is_store(conn):
                raise _Bad("the database holds no workbook store (no meta table); check --db")
            held = _summary(conn, "postgres")
            # pg_dump reads the very snapshot the counts above came from
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            with _staged(output) as staged:
                _run(
                    [
                        pg_dump,
                        "--no-password",
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        f"--file={staged}",
                        f"--dbname={uri}",
                    ],
                    env,
                )
                _run([_pg_tool("pg_restore"), "--list", str(staged)], env)  # readable?
        return held
    except SQLAlchemyError as exc:
        raise _Bad(_reason(exc)) from None


def _dump_schema_version(file: Path, env: dict[str, str]) -> int:
    """The schema version recorded in a dump's ``meta`` table, without restoring it."""
    sql = _run(
        [_pg_tool("pg_restore"), "--data-only", "--table=meta", "--file=-", str(file)], env
    ).stdout
    match = re.search(r"^schema_version\t(\d+)$", sql, re.MULTILINE)
    if match is None:
        raise _Bad("it is a pg_dump archive but not of a workbook store (no schema version)")
    return int(match.group(1))


def _pg_restore(file: Path, url: str) -> None:
    uri, env = _libpq(url)
    try:
        version = _dump_schema_version(file, env)
        _refuse_newer(version)
        with _engine(url) as engine, engine.begin() as conn:
            names = inspect(conn).get_table_names()
            ours = [n for n in names if n in T.metadata.tables]
            if ours:  # no writer may slip in between the check and the drop
                conn.exec_driver_sql(
                    "LOCK TABLE " + ", ".join(f'"{n}"' for n in ours) + " IN ACCESS EXCLUSIVE MODE"
                )
            occupied = _occupied(conn)
            if occupied:
                raise _Bad(
                    f"{occupied}. Restore into a new, empty database "
                    "(createdb NAME, then --db postgresql://.../NAME)."
                )
            # an empty store's tables (as Store.open made them) give way to the backup's
            reflected = MetaData()
            reflected.reflect(conn, only=ours)
            reflected.drop_all(conn)
        _run(
            [
                _pg_tool("pg_restore"),
                "--no-password",
                "--single-transaction",  # all or nothing
                "--no-owner",  # the restoring role owns the tables, whoever made the dump
                "--no-privileges",
                f"--dbname={uri}",
                str(file),
            ],
            env,
        )
    except SQLAlchemyError as exc:
        raise _Bad(_reason(exc)) from None


# -- the two commands --------------------------------------------------------------------


def _refuse_newer(version: int) -> None:
    if version > T.SCHEMA_VERSION:
        raise _Bad(
            f"it was made by a newer workbook (schema {version}; this version understands "
            f"up to {T.SCHEMA_VERSION}). Upgrade the workbook first."
        )


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
    kind = _kind(url)
    try:
        made = _sqlite_backup(url, output) if kind == "sqlite" else _pg_backup(url, output)
    except _Bad as exc:
        raise StorageError("backup", url=_shown(url), reason=str(exc)) from None
    return replace(made, url=_shown(url))


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
    kind = _kind(url)
    try:
        made_by = _file_kind(file)
        if kind != made_by:
            name = KIND_NAMES[made_by]
            raise _Bad(f"it is a backup of a {name} store; restore it into a {name} store (--db)")
        if kind == "sqlite":
            _sqlite_restore(file, url)
        else:
            _pg_restore(file, url)
    except _Bad as exc:
        raise StorageError("restore", file=file, url=_shown(url), reason=str(exc)) from None
    with Store.open(url) as store, store.engine.connect() as conn:
        return replace(_summary(conn, kind), url=_shown(url))
