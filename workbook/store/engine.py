"""Connections and transactions: the one door every store module goes through.

One SQLAlchemy implementation serves SQLite (embedded default, WAL mode) and
PostgreSQL. :class:`Database` owns the connections and the framework cache that every
identity's :class:`~workbook.store.facade.Store` shares, and turns every driver error
into a :class:`~workbook.errors.StorageError` in words (issue #7), so the repositories
only ever see :meth:`Database.reading` and :meth:`Database.writing`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from workbook import config
from workbook.errors import StorageError, StoreUnavailable, WorkbookError
from workbook.schema.framework import Framework
from workbook.store import tables as T
from workbook.store.failures import storage_error
from workbook.store.migrations import prepare


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs.

    >>> normalise_url("postgresql://u@h/db")
    'postgresql+psycopg://u@h/db'
    >>> normalise_url("sqlite:///x.db")
    'sqlite:///x.db'
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def utc(value: dt.datetime) -> dt.datetime:
    """A stored moment as UTC: SQLite gives timestamps back without their zone."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def utc_or_none(value: dt.datetime | None) -> dt.datetime | None:
    """:func:`utc` for a moment that may not have happened (expiry, removal, last use)."""
    return utc(value) if value is not None else None


SQLITE_TIMEOUT = 30.0
"""Seconds a SQLite save waits for another writer's lock before failing as busy.

``timeout`` in the URL's query overrides it (``sqlite:///x.db?timeout=2``).
"""


def sqlite_file(database: str | None) -> Path | None:
    """The file a SQLite URL's database names (``file:`` URIs too); None in memory.

    >>> sqlite_file("file:/srv/wb.db"), sqlite_file("/srv/wb.db"), sqlite_file(":memory:")
    (PosixPath('/srv/wb.db'), PosixPath('/srv/wb.db'), None)
    """
    if database and database.startswith("file:"):  # uri=true: file:/path or file:///path
        database = unquote(urlsplit(database).path)
    return Path(database).absolute() if database and database != ":memory:" else None


def file_id(url: str) -> tuple[int, int] | None:
    """The device and inode of the file a SQLite ``url`` names; None if there is none (a
    server's store, one in memory, a missing file): whether a store opened earlier is still
    the one there (the store service's shared connections, :mod:`workbook.store.service`)."""
    if not url.startswith("sqlite"):
        return None
    path = sqlite_file(make_url(url).database)
    return None if path is None else _file_id(path)


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _sqlite_engine(url: str, create: bool = True) -> Engine:
    parsed = make_url(url)
    path = sqlite_file(parsed.database)
    if path is not None and not create and not path.is_file():
        # SQLite would make the file (and we its folder): a read must not (issue #18)
        shown = parsed.render_as_string(hide_password=True)
        raise StorageError("missing_store", url=shown, reason=f"no file {path}")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    timeout = parsed.query.get("timeout", SQLITE_TIMEOUT)
    timeout = float(timeout if isinstance(timeout, str | float) else SQLITE_TIMEOUT)
    engine = create_engine(url, connect_args={"timeout": timeout})
    shown = parsed.render_as_string(hide_password=True)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's begin event issues BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        cursor.close()
        if path is not None:
            record.info["workbook_file"] = _file_id(path)

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        if path is not None and connection.info.get("workbook_file") != _file_id(path):
            # An open connection keeps a deleted or replaced file, and SQLite would go on
            # "saving" into it (issue #7): drop the connection, say the store is gone.
            connection.invalidate()
            raise StoreUnavailable(
                "store_unreachable", url=shown, reason=f"the file {path} was moved or deleted"
            )
        # writers take the lock up front so a read-then-write cannot fail half way
        immediate = connection.get_execution_options().get("write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


PG_LOCK_TIMEOUT_MS = 30_000
"""How long a PostgreSQL save waits for a lock, like SQLite's busy timeout (URL overrides)."""


def _server_engine(url: str) -> Engine:
    # without a lock timeout a save blocked by another could hang the page's kernel
    if make_url(url).get_backend_name() == "postgresql" and "options" not in make_url(url).query:
        return create_engine(url, connect_args={"options": f"-c lock_timeout={PG_LOCK_TIMEOUT_MS}"})
    return create_engine(url)


class Database:
    """The store's connections, shared by every identity that acts on it.

    Parameters
    ----------
    engine
        A SQLAlchemy engine on a prepared store (see :meth:`open`).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=True)
        self.frameworks: dict[tuple[str, str], Framework] = {}
        """Framework versions already read: they never change once stored."""
        self.found_version: int | None = None
        """The schema version the store had when opened (0: created then)."""
        self._snapshot = threading.local()

    @classmethod
    def open(cls, url: str | None = None, *, create: bool = True, migrate: bool = True) -> Database:
        """Open the store at ``url`` or the configured one.

        ``create``: make the store if there is none. Pages and every command but those
        that fill a store (``demo``, ``load``, ``generate``, ``restore``) pass False, so a
        mistyped address is refused in words instead of becoming an empty store.
        ``migrate``: upgrade a store an earlier version wrote; pages and commands pass
        False and refuse it, naming ``workbook migrate`` (issue #18).
        """
        url = normalise_url(config.db_url(url))
        try:
            sqlite = url.startswith("sqlite")
            engine = _sqlite_engine(url, create) if sqlite else _server_engine(url)
        except (SQLAlchemyError, ValueError, ModuleNotFoundError, OSError) as exc:
            raise StorageError("database", url=url, reason=str(exc)) from None
        database = cls(engine)
        try:
            if not create:
                with database.reading() as conn:
                    if not inspect(conn).has_table("meta"):
                        raise StorageError(
                            "missing_store", url=database.url, reason="it holds no workbook"
                        )
            with database.writing() as conn:
                database.found_version = prepare(conn, database.url, migrate)
        except BaseException:
            engine.dispose()  # a refused store must not leave connections open
            raise
        return database

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One writing transaction, holding the write lock from its start.

        A driver failure becomes a StorageError in words; our own errors and integrity
        errors (a lost race the caller turns into a conflict) pass through.
        """
        try:
            with self.engine.connect().execution_options(write=True) as conn, conn.begin():
                yield conn
        except (WorkbookError, IntegrityError):
            raise
        except DBAPIError as exc:  # busy, read-only, full, gone: in words (issue #7)
            raise storage_error(exc, self.url) from None

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One connection for reading; a driver failure becomes a StorageError in words.

        Inside :meth:`snapshot`, the snapshot's connection and transaction.
        """
        held: Connection | None = getattr(self._snapshot, "conn", None)
        try:
            if held is not None:
                yield held
                return
            with self.engine.connect() as conn:
                yield conn
        except DBAPIError as exc:
            raise storage_error(exc, self.url) from None

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read in this block (in this thread) from one connection and transaction.

        What several reads put together (a dashboard's frame of ten cycles) then comes
        from one consistent state of the store, even while others save, and each cycle is
        looked up once (:meth:`remembered`) instead of once for every read that checks
        access to it (issue #19). For reading only: a save made meanwhile, in this block
        or elsewhere, is not seen until it ends. A block inside another joins it.
        """
        if getattr(self._snapshot, "conn", None) is not None:
            yield
            return
        with self.reading() as conn:
            if conn.dialect.name == "postgresql":  # its default reads what each statement finds
                conn.execution_options(isolation_level="REPEATABLE READ")
            self._snapshot.conn, self._snapshot.memo = conn, {}
            try:
                yield
            finally:
                self._snapshot.conn = self._snapshot.memo = None

    def remembered(self) -> dict[Any, Any] | None:
        """What reads inside the current :meth:`snapshot` keep for each other; None outside."""
        memo: dict[Any, Any] | None = getattr(self._snapshot, "memo", None)
        return memo

    def may_hold(self, column: Any, cycle_id: str, cycles: Callable[[], Collection[str]]) -> bool:
        """Whether ``column`` may hold ``cycle_id``: False only when known that it does not.

        Inside a :meth:`snapshot`, the first call asks once which of ``cycles`` (the
        cycle's partnership's) appear in the column, so reads of the other cycles that
        find nothing there (no notes, no shared returns: most cycles) ask nothing.
        """
        memo = self.remembered()
        if memo is None:
            return True
        asked = frozenset(cycles())
        key = ("holds", column, asked)
        if key not in memo:
            with self.reading() as conn:
                memo[key] = set(conn.scalars(select(column).where(column.in_(asked)).distinct()))
        return cycle_id in memo[key] or cycle_id not in asked

    def schema_version(self) -> int:
        """The schema version recorded in the store."""
        with self.reading() as conn:
            value = conn.scalar(select(T.meta.c.value).where(T.meta.c.key == "schema_version"))
        return int(value) if value is not None else 0
