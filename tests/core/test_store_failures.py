"""Store failures on real databases: busy, read-only, full, gone (issue #7, "Nothing lost").

Each test provokes the failure for real (another connection holding the write lock, a
store opened read-only, a page limit, a moved folder, a killed backend, a cut
connection), then checks that the save is refused with a ``StorageError`` of the right
kind, in words and without a traceback, that the last good revision is unchanged, that
the store passes SQLite's ``PRAGMA integrity_check``, and that the same save succeeds
once the condition clears. ``test_driver_errors_are_classified`` covers the SQLSTATEs
that a test cannot provoke cheaply (serialization failures, deadlocks).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import psycopg.errors
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from tests.support.factories import sqlite_integrity
from tests.support.programs import psycopg_conninfo
from workbook.errors import StorageError, StoreUnavailable
from workbook.schema.responses import Answer
from workbook.store import Store, provision, tables
from workbook.store.failures import failure_kind, storage_error

CYCLE = "c1"
FIRST = {"p-1": Answer(rating="red", evidence="First audit")}
SECOND = {"p-1": Answer(rating="amber", evidence="Second audit"), "p-2": Answer(rating="green")}
BIG = {  # about 90 kB: needs new pages in the file
    cid: Answer(
        rating="green", evidence="e" * 10_000, going_well="g" * 10_000, development="d" * 10_000
    )
    for cid in ("p-1", "p-2", "i-1")
}


# ------------------------------------------------------------------ helpers


def provisioned(url: str, partnership_files: tuple[Path, Path]) -> Store:
    store = Store.open(url)
    provision.install(store, *partnership_files)
    return store


def save(store: Store, answers: dict[str, Answer], based_on: int | None):
    return store.save(CYCLE, "alpha", answers, author="Return lead", based_on=based_on)


def revision_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(tables.revision))


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database)


def assert_refused(caught: pytest.ExceptionInfo[StorageError], kind: str, words: str) -> None:
    """The save failed with ``kind``, said in plain words, worth retrying."""
    error = caught.value
    assert error.kind == kind
    assert error.transient
    text = str(error)
    assert words in text
    assert "the last saved revision is intact" in text.lower()
    assert "Traceback" not in text
    assert "\n" not in text  # one sentence or two, not a driver dump


def assert_intact(store: Store, revisions: int, answers: dict[str, Answer]) -> None:
    """Nothing half-written: the last good revision is still the latest, as it was."""
    assert revision_count(store) == revisions
    latest = store.latest(CYCLE, "alpha")
    assert latest is not None
    assert (latest.revision, latest.answers) == (revisions, answers)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite store whose writers wait 0.3 s (not 30) for a lock, in its own folder."""
    return f"sqlite:///{tmp_path}/store/wb.db?timeout=0.3"


@pytest.fixture
def pg_store_url(pg_databases: Callable[[str], str]) -> str:
    """A fresh PostgreSQL database on the session's server; dropped afterwards."""
    return pg_databases("wbfail")


# ------------------------------------------------------------------ SQLite


def test_sqlite_store_locked_by_another_writer_is_busy(
    sqlite_url: str, partnership_files: tuple[Path, Path]
) -> None:
    with provisioned(sqlite_url, partnership_files) as store:
        save(store, FIRST, None)
        other = sqlite3.connect(sqlite_path(sqlite_url), isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            started = time.monotonic()
            with pytest.raises(StorageError) as caught:
                save(store, SECOND, 1)
            waited = time.monotonic() - started
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert_refused(caught, "store_busy", "it is busy with other saves (database is locked)")
        assert 0.25 < waited < 10  # the URL's timeout, not the 30 s default
        assert sqlite_integrity(sqlite_path(sqlite_url)) == [("ok",)]
        assert_intact(store, 1, FIRST)
        assert save(store, SECOND, 1).revision == 2


def test_sqlite_store_opened_read_only(
    sqlite_url: str, partnership_files: tuple[Path, Path]
) -> None:
    path = sqlite_path(sqlite_url)
    with provisioned(sqlite_url, partnership_files) as store:
        save(store, FIRST, None)
    # tests run as root in CI, where chmod does not stop writes; mode=ro does
    with Store.open(f"sqlite:///file:{path}?mode=ro&uri=true") as read_only:
        assert read_only.latest(CYCLE, "alpha").answers == FIRST  # reading still works
        with pytest.raises(StorageError) as caught:
            save(read_only, SECOND, 1)
    assert_refused(caught, "store_read_only", "it can only be read at the moment")
    assert "attempt to write a readonly database" in str(caught.value)
    assert sqlite_integrity(path) == [("ok",)]
    with Store.open(sqlite_url) as store:
        assert_intact(store, 1, FIRST)
        assert save(store, SECOND, 1).revision == 2


def _query_only(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA query_only=1")


def _no_room(dbapi_connection, _record) -> None:
    pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
    dbapi_connection.execute(f"PRAGMA max_page_count={pages}")


@pytest.mark.parametrize(
    ("on_connect", "answers", "kind", "words"),
    [
        pytest.param(_query_only, SECOND, "store_read_only", "readonly database", id="query-only"),
        pytest.param(
            _no_room,
            BIG,
            "store_full",
            "it has run out of space (database or disk is full)",
            id="cannot-grow",
        ),
    ],
)
def test_sqlite_store_that_refuses_writes_on_every_connection(
    sqlite_url: str,
    partnership_files: tuple[Path, Path],
    on_connect,
    answers,
    kind: str,
    words: str,
) -> None:
    """Switched to query_only (read-only) or unable to grow (full): refused, intact, then fine."""
    with provisioned(sqlite_url, partnership_files) as store:
        save(store, FIRST, None)
        store.engine.dispose()
        event.listen(store.engine, "connect", on_connect)
        with pytest.raises(StorageError) as caught:
            save(store, answers, 1)
        assert_refused(caught, kind, words)
        event.remove(store.engine, "connect", on_connect)
        store.engine.dispose()
        assert sqlite_integrity(sqlite_path(sqlite_url)) == [("ok",)]
        assert_intact(store, 1, FIRST)
        assert save(store, answers, 1).revision == 2


def test_sqlite_store_whose_folder_is_moved_away_is_unreachable(
    sqlite_url: str, partnership_files: tuple[Path, Path]
) -> None:
    folder = sqlite_path(sqlite_url).parent
    with provisioned(sqlite_url, partnership_files) as store:
        save(store, FIRST, None)
        folder.rename(folder.with_name("elsewhere"))
        # first on the pooled connection (which still holds the moved file), then anew
        for _attempt in range(2):
            with pytest.raises(StorageError) as caught:
                save(store, SECOND, 1)
            assert_refused(caught, "store_unreachable", "it cannot be reached")
        folder.with_name("elsewhere").rename(folder)
        assert sqlite_integrity(sqlite_path(sqlite_url)) == [("ok",)]
        assert_intact(store, 1, FIRST)
        assert save(store, SECOND, 1).revision == 2


def test_sqlite_store_whose_folder_is_deleted_never_reports_a_save(
    sqlite_url: str, partnership_files: tuple[Path, Path]
) -> None:
    """SQLite would go on writing into the deleted file; the store must say it is gone."""
    path = sqlite_path(sqlite_url)
    with provisioned(sqlite_url, partnership_files) as store:
        save(store, FIRST, None)
        shutil.copytree(path.parent, path.parent.with_name("backup"))
        shutil.rmtree(path.parent)
        for _attempt in range(2):
            with pytest.raises(StorageError) as caught:
                save(store, SECOND, 1)
            assert_refused(caught, "store_unreachable", "it cannot be reached")
            assert not path.exists()
        shutil.copytree(path.parent.with_name("backup"), path.parent)  # restored
        assert sqlite_integrity(path) == [("ok",)]
        assert_intact(store, 1, FIRST)
        assert save(store, SECOND, 1).revision == 2


# ------------------------------------------------------------------ PostgreSQL


class Relay:
    """A TCP relay in front of the PostgreSQL server that can be cut and restored.

    To the store, a cut looks like the server stopping: open connections are dropped and
    new ones are refused. Restarting listens on the same port again.
    """

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._open = self._open, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@pytest.mark.postgres
def test_postgres_lock_timeout_is_busy(
    pg_store_url: str, partnership_files: tuple[Path, Path]
) -> None:
    url = f"{pg_store_url}?options=-c%20lock_timeout%3D300"  # as a DBA would set it
    with provisioned(url, partnership_files) as store:
        save(store, FIRST, None)
        with psycopg.connect(psycopg_conninfo(pg_store_url)) as other:
            other.execute("LOCK TABLE revision IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(StorageError) as caught:
                save(store, SECOND, 1)
            other.rollback()
        assert_refused(caught, "store_busy", "lock timeout")
        assert_intact(store, 1, FIRST)
        assert save(store, SECOND, 1).revision == 2


@pytest.mark.postgres
def test_postgres_read_only_database(
    pg_store_url: str, pg_url: str, partnership_files: tuple[Path, Path]
) -> None:
    name = make_url(pg_store_url).database
    with provisioned(pg_store_url, partnership_files) as store:
        save(store, FIRST, None)
        with psycopg.connect(psycopg_conninfo(pg_url), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
            store.engine.dispose()  # new sessions start read-only, as on a standby
            with pytest.raises(StorageError) as caught:
                save(store, SECOND, 1)
            assert store.latest(CYCLE, "alpha").answers == FIRST  # reads still work
            admin.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
        store.engine.dispose()
        assert_refused(caught, "store_read_only", "read-only transaction")
        assert_intact(store, 1, FIRST)
        assert save(store, SECOND, 1).revision == 2


@pytest.mark.postgres
def test_postgres_disk_full(pg_store_url: str, partnership_files: tuple[Path, Path]) -> None:
    """The server reports disk_full (53100) as it does when it cannot extend a file.

    Filling a real disk needs a mount the tests cannot make; a trigger on the revision
    table raises the server's own error instead, so the driver, SQLAlchemy and the
    classification see exactly what a full disk sends.
    """
    with provisioned(pg_store_url, partnership_files) as store:
        save(store, FIRST, None)
        with psycopg.connect(psycopg_conninfo(pg_store_url), autocommit=True) as admin:
            admin.execute(
                "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file \"base/1/2\": No space left on device' "
                "USING ERRCODE = 'disk_full'; END $$"
            )
            admin.execute(
                "CREATE TRIGGER full_disk BEFORE INSERT ON answer "
                "FOR EACH ROW EXECUTE FUNCTION disk_full()"
            )
            with pytest.raises(StorageError) as caught:
                save(store, SECOND, 1)
            admin.execute("DROP TRIGGER full_disk ON answer")
        assert_refused(caught, "store_full", "No space left on device")
        # the revision row was inserted before the answers failed: rolled back with them
        assert_intact(store, 1, FIRST)
        assert save(store, SECOND, 1).revision == 2


@pytest.mark.postgres
def test_postgres_backend_terminated(
    pg_store_url: str, partnership_files: tuple[Path, Path]
) -> None:
    name = make_url(pg_store_url).database
    with provisioned(pg_store_url, partnership_files) as store:
        save(store, FIRST, None)
        with psycopg.connect(psycopg_conninfo(pg_store_url), autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchone()[0]
        assert killed >= 1  # the store's pooled connection
        with pytest.raises(StorageError) as caught:
            save(store, SECOND, 1)
        assert_refused(caught, "store_unreachable", "it cannot be reached")
        assert_intact(store, 1, FIRST)  # a new connection: the store is back at once
        assert save(store, SECOND, 1).revision == 2


@pytest.mark.postgres
def test_postgres_server_gone_and_back(
    pg_store_url: str, partnership_files: tuple[Path, Path]
) -> None:
    target = make_url(pg_store_url)
    relay = Relay(target.host, target.port)
    relay.start()
    try:
        url = target.set(port=relay.port).render_as_string(hide_password=False)
        with provisioned(url, partnership_files) as store:
            save(store, FIRST, None)
            relay.stop()
            for _attempt in range(2):  # the dropped connection, then a refused one
                with pytest.raises(StorageError) as caught:
                    save(store, SECOND, 1)
                assert_refused(caught, "store_unreachable", "it cannot be reached")
            relay.start()
            assert_intact(store, 1, FIRST)
            assert save(store, SECOND, 1).revision == 2
    finally:
        relay.stop()


def test_opening_a_store_nobody_listens_for_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connections are refused
        with pytest.raises(StorageError) as caught:
            Store.open(f"postgresql+psycopg://nobody:secret@127.0.0.1:{port}/workbook")
    assert_refused(caught, "store_unreachable", "it cannot be reached")
    assert "secret" not in str(caught.value)


# ------------------------------------------------------------------ classification


def wrapped(orig: Exception, invalidated: bool = False) -> DBAPIError:
    return OperationalError("SELECT 1", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("orig", "kind"),
    [
        (psycopg.errors.SerializationFailure("could not serialize access"), "store_busy"),
        (psycopg.errors.DeadlockDetected("deadlock detected"), "store_busy"),
        (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), "store_busy"),
        (psycopg.errors.TooManyConnections("too many clients already"), "store_busy"),
        (psycopg.errors.ReadOnlySqlTransaction("cannot execute INSERT"), "store_read_only"),
        (psycopg.errors.DiskFull("could not extend file"), "store_full"),
        (psycopg.errors.IoError("could not write block: No space left on device"), "store_full"),
        (psycopg.errors.AdminShutdown("terminating connection"), "store_unreachable"),
        (
            psycopg.errors.CannotConnectNow("the database system is starting up"),
            "store_unreachable",
        ),
        (psycopg.OperationalError("connection failed: Connection refused"), "store_unreachable"),
        (psycopg.errors.UndefinedTable('relation "x" does not exist'), "database"),
        (sqlite3.OperationalError("database is locked"), "store_busy"),
        (sqlite3.OperationalError("database or disk is full"), "store_full"),
        (sqlite3.OperationalError("disk I/O error"), "store_unreachable"),
        (sqlite3.OperationalError("no such table: revision"), "database"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else value,
)
def test_driver_errors_are_classified(orig: Exception, kind: str) -> None:
    assert failure_kind(wrapped(orig)) == kind
    error = storage_error(wrapped(orig), "sqlite:///wb.db")
    assert error.kind == kind
    assert error.transient == (kind != "database")
    assert isinstance(error, StoreUnavailable) == (kind != "database")


def test_a_dropped_connection_without_a_code_is_unreachable() -> None:
    orig = psycopg.InterfaceError("the connection is lost")
    assert failure_kind(wrapped(orig, invalidated=True)) == "store_unreachable"
