"""What a backup holds, and the careful steps every backup and restore shares.

A backup is written to a hidden file beside its output and renamed over it only once
complete, checked and durable (:func:`staging`); a restore goes only into an empty store
(:func:`why_occupied`). Problems are :class:`Unusable` in words, which ``backup`` turns
into the StorageError the command shows.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, Table, create_engine, func, inspect, select
from sqlalchemy.engine import Connection, make_url

from workbook.errors import StorageError
from workbook.store import tables as T

Kind = Literal["sqlite", "postgres"]

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"  # pg_dump's custom format; plain SQL dumps are not accepted
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


class Unusable(Exception):
    """Why a file or store cannot be used, turned into a StorageError by the caller."""


def driver_reason(exc: BaseException) -> str:
    """The database's own first line of a SQLAlchemy error, not SQLAlchemy's wrapping."""
    orig = getattr(exc, "orig", None)
    return str(orig or exc).splitlines()[0]


def shown_url(url: str) -> str:
    """The URL for messages: never the password."""
    return make_url(url).render_as_string(hide_password=True)


def store_kind(url: str) -> Kind:
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgres"
    raise StorageError(
        "database",
        url=shown_url(url),
        reason="backup and restore support SQLite and PostgreSQL stores only",
    )


def file_kind(file: Path) -> Kind:
    """Which kind of store a backup file is from, by its first bytes."""
    try:
        with file.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise Unusable(exc.strerror or str(exc)) from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgres"
    raise Unusable(
        "it is not a workbook backup (expected a SQLite store file or a pg_dump "
        "custom-format archive, as `workbook backup` writes)."
    )


def summarise(conn: Connection, kind: Kind) -> Summary:
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


def is_store(conn: Connection) -> bool:
    return "meta" in inspect(conn).get_table_names()


def why_occupied(conn: Connection) -> str | None:
    """Why the database ``conn`` is in may not be restored into, or None if it is empty.

    Empty means no tables, or only workbook tables holding no rows besides the schema
    version and Alembic's stamp (as ``Store.open`` leaves a new store), so restoring over
    it loses nothing.
    """
    names = set(inspect(conn).get_table_names())
    foreign = sorted(names - set(T.metadata.tables))
    if foreign:
        return f"it holds tables the workbook did not make ({', '.join(foreign[:5])})"
    filled = [
        name
        for name in sorted(names - {"meta", "alembic_version"})
        if conn.scalar(select(func.count()).select_from(T.metadata.tables[name]))
    ]
    if not filled:
        return None
    if {"meta", "partnership", "cycle", "revision"} <= names:
        return f"it already holds a store: {summarise(conn, 'sqlite')}"
    return f"its table {filled[0]!r} holds rows"


@contextlib.contextmanager
def temporary_engine(url: str) -> Iterator[Engine]:
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextlib.contextmanager
def staging(output: Path, source: Path | None = None) -> Iterator[Path]:
    """A hidden file beside ``output`` that becomes ``output`` only if the block succeeds.

    The file is created readable by its owner only (``mkstemp``): a backup holds every
    return, like the store it came from.
    """
    output = output.absolute()
    if source is not None:
        taken = {source.resolve(), *(Path(f"{source.resolve()}{s}") for s in ("-wal", "-shm"))}
        if output.resolve() in taken:
            raise Unusable(f"{output} is the store itself; write the backup to another file.")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(
            prefix=f".{output.name}.", suffix=".partial", dir=output.parent
        )
    except OSError as exc:
        raise Unusable(f"{output}: {exc.strerror or exc}") from None
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


def refuse_newer(version: int) -> None:
    if version > T.SCHEMA_VERSION:
        raise Unusable(
            f"it was made by a newer workbook (schema {version}; this version understands "
            f"up to {T.SCHEMA_VERSION}). Upgrade the workbook first."
        )
