"""The store service: the store's process for the page kernels a template forks (issue #19).

:mod:`workbook.store.remote` says why. The service listens on a Unix socket; each page
kernel that connects gets a thread of its own, which opens the store as a page does and
carries out the kernel's calls on it, in order, through the ordinary :class:`Store`:
every read and write is checked for the identity the kernel's store acts for, as in any
other process. Only the store's public attributes are reached (no name starting with
``_``). A kernel's objects are dropped when it disconnects; the connections stay, one
set per store for every kernel (:class:`Databases`).

``python -m workbook.store.service SOCKET`` runs one on its own; the kernel template
(widgets/forkserver/template.py) forks one with :func:`start` before it imports
SQLAlchemy, which only the service then holds.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pickle
import select
import signal
import socket
import struct
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbook.errors import WorkbookError
from workbook.store.remote import PROTOCOL, receive, send

if TYPE_CHECKING:
    from workbook.store.engine import Database
    from workbook.store.facade import Store

log = logging.getLogger(__name__)

ENTERED = ("__enter__", "__exit__")
"""The only names starting with ``_`` a kernel may reach: a store's ``with`` block."""


def start(path: str, *, server: int) -> int:
    """Fork a service listening on ``path``; its pid, once it listens.

    The service imports the store (and SQLAlchemy) after the fork, so the process that
    forks it (the kernel template) and that process's later forks never hold them. It
    ends with the ``server`` process, or once the process that forked it has ended and
    no kernel is connected: the kernels, not their template, follow the server
    (widgets/forkserver/), so a retired template's kernels keep their store.
    """
    listener = listen(path)
    watched = (os.pidfd_open(server), os.pidfd_open(os.getpid()))
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        listener.close()
        for handle in watched:
            os.close(handle)
        return pid
    _title(listener)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C in the server's terminal: it
    # ends with its server, as the kernels do, when the server has finished with them
    code = 0
    try:
        server_gone, forker_gone = (_ended(handle) for handle in watched)
        serve(listener, until=lambda: server_gone() or (forker_gone() and not Session.open))
    except BaseException:  # the service's own end, reported in the server's log
        log.exception("the store service stopped")
        code = 1
    finally:
        with contextlib.suppress(OSError):
            Path(path).unlink()
            Path(path).parent.rmdir()  # the template's folder, if it has gone
        os._exit(code)


def _ended(pidfd: int) -> Callable[[], bool]:
    def ended() -> bool:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        return bool(poller.poll(0))

    return ended


def serve(listener: socket.socket, *, until: Callable[[], bool] = lambda: False) -> None:
    """Answer kernels on ``listener`` until ``until`` (asked every second) is True."""
    importlib.import_module("workbook.store.facade")  # before the first kernel waits for it
    poller = select.poll()
    poller.register(listener, select.POLLIN)
    try:
        while not until():
            if poller.poll(1000):
                connection, _ = listener.accept()
                if peer_uid(connection) != os.getuid():
                    connection.close()
                    continue
                threading.Thread(target=Session(connection).run, daemon=True).start()
    finally:
        DATABASES.close()


def _title(listener: socket.socket) -> None:
    """``ps`` shows the service as the command that would run it, its socket included."""
    import setproctitle

    setproctitle.setproctitle(f"{sys.executable} -m {__name__} {listener.getsockname()}")


def listen(path: str) -> socket.socket:
    """A Unix socket listening on ``path``, for a service to :func:`serve` on."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    return listener


def peer_uid(connection: socket.socket) -> int:
    """The user id of the process at the other end of a Unix socket."""
    creds = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


class Databases:
    """The stores the service has opened, one :class:`~workbook.store.engine.Database` (its
    connections and framework cache) per URL, shared by every kernel's store as
    :meth:`Store.as_identity` shares one: 200 open forms are not 200 connection pools."""

    def __init__(self) -> None:
        self._open: dict[str, tuple[Database, tuple[int, int] | None]] = {}
        self._lock = threading.Lock()

    def store(self, url: str, *, environ: dict[str, str]) -> Store:
        """A :class:`Store` at ``url`` as a page opens it (``create`` and ``migrate``
        False), deciding who visits in the page kernel's ``environ``
        (:func:`workbook.access.visitor_environment`), not the service's; opened again if
        its SQLite file has changed (gone, replaced), so that a page is refused as it
        would be in its own process."""
        from workbook.store.engine import Database, file_id
        from workbook.store.facade import Store

        with self._lock:
            found = self._open.get(url)
            now = file_id(url)
            if found is None or found[1] != now:
                found = (Database.open(url, create=False, migrate=False), now)
                self._open[url] = found
            return Store(found[0], environ=environ)

    def close(self) -> None:
        """Release every store's connections (the service is ending)."""
        with self._lock:
            for database, _ in self._open.values():
                with contextlib.suppress(Exception):
                    database.close()
            self._open.clear()


DATABASES = Databases()


class Session:
    """One kernel's connection: the store objects it refers to, by number."""

    open = 0
    """Kernels connected now: counted in as accepted (before the service next asks whether
    to end), out by the session's thread as it ends."""
    _count = threading.Lock()

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.objects: dict[int, Any] = {}
        self.numbers: dict[int, int] = {}
        with Session._count:
            Session.open += 1

    def run(self) -> None:
        try:
            while True:
                try:
                    message = receive(self.connection)
                except (EOFError, OSError):
                    return
                except Exception as exc:  # read whole, but not to be unpickled here
                    reply: tuple[bool, Any] = (False, sendable(exc))
                else:
                    try:
                        reply = (True, self.answer(message))
                    except Exception as exc:  # noqa: BLE001 - raised again in the kernel
                        reply = (False, sendable(exc))
                try:
                    send(self.connection, reply)
                except OSError:  # the kernel has gone meanwhile
                    return
        finally:
            self.objects.clear()
            self.numbers.clear()
            self.connection.close()
            with Session._count:
                Session.open -= 1

    def answer(self, message: tuple[Any, ...]) -> Any:
        what = message[0]
        if what == "open":
            return self.out(DATABASES.store(message[1], environ=message[2]))[1]
        target = self.objects[message[1]]
        if what == "exit":
            if _shares_connections(target):
                return None
            failed = message[2]
            error = RuntimeError("the page's block failed")
            target.__exit__(*((RuntimeError, error, None) if failed else (None, None, None)))
            return None
        name = message[2]
        if name.startswith("_") and name not in ENTERED:
            raise AttributeError(f"{name} is not the store's to give")
        if what == "get":
            value = getattr(target, name)
            if callable(value) and not isinstance(value, type):
                return ("method", None)
            return self.out(value)
        if what == "call":
            if name == "close" and _shares_connections(target):
                return self.out(None)
            args, kwargs = message[3], message[4]
            return self.out(getattr(target, name)(*args, **kwargs))
        raise ValueError(f"not a store service request: {what!r}")

    def keep(self, value: object) -> int:
        """The number ``value`` goes by: the same for the same object (``store.actions``
        asked for at every autosave is one entry, however long the page stays open)."""
        number = self.numbers.get(id(value))
        if number is None:
            number = self.numbers[id(value)] = len(self.objects) + 1
            self.objects[number] = value  # kept, so its id is not another object's
        return number

    def out(self, value: object) -> tuple[str, Any]:
        """A value pickled, or, for the store's own objects, a number to refer to it by
        with the names of its methods (the kernel then calls them without asking first)."""
        if not by_reference(value):
            with contextlib.suppress(TypeError, AttributeError, pickle.PicklingError):
                return ("value", pickle.dumps(value, PROTOCOL))
        return ("ref", (self.keep(value), methods(type(value))))


_METHODS: dict[type, frozenset[str]] = {}


def methods(cls: type) -> frozenset[str]:
    """The public methods of ``cls`` (not its properties or its instances' attributes).

    >>> sorted(methods(contextlib.ExitStack))[:3]
    ['callback', 'close', 'enter_context']
    """
    found = _METHODS.get(cls)
    if found is None:
        found = _METHODS[cls] = frozenset(
            name for name in dir(cls) if not name.startswith("_") and callable(getattr(cls, name))
        )
    return found


def _shares_connections(target: object) -> bool:
    """Whether ``target`` is a kernel's store, whose connections are every kernel's: its
    ``close()`` (or the end of its ``with`` block) leaves them open, for the others."""
    from workbook.store.facade import Store

    return isinstance(target, Store)


def by_reference(value: object) -> bool:
    """Whether ``value`` stays in the service: the store and its repositories, whose
    module is the store's own but which are no record (:mod:`workbook.store.records`)."""
    module = type(value).__module__
    return (
        module.startswith("workbook.store.")
        and module != "workbook.store.records"
        or isinstance(value, contextlib.AbstractContextManager)
    )


def sendable(exc: Exception) -> Exception:
    """``exc`` if the kernel can raise it as it is: the workbook's errors, with their facts,
    and Python's own; any other (a driver's) in words, logged here in full."""
    if isinstance(exc, WorkbookError) or type(exc).__module__ == "builtins":
        with contextlib.suppress(Exception):
            pickle.loads(pickle.dumps(exc, PROTOCOL))
            return exc
    log.error("the store service failed a request", exc_info=exc)
    return RuntimeError(f"{type(exc).__name__}: {exc}")


def main(argv: list[str] | None = None) -> None:
    """``python -m workbook.store.service SOCKET``: a service of its own, until stopped."""
    (path,) = argv if argv is not None else sys.argv[1:]
    listener = listen(path)
    _title(listener)
    try:
        serve(listener)
    finally:
        with contextlib.suppress(OSError):
            Path(path).unlink()


if __name__ == "__main__":
    main()
