"""A page's store through the store service: the kernel's side, without SQLAlchemy (issue #19).

A form's kernel is forked from a template (widgets/forkserver/), and every page of the
template it touches counts in its resident memory. SQLAlchemy and the store's queries
were 13 MiB of a form kernel's 67: the largest library in it, and the one thing a form
needs only to reach the database. So the template keeps the store in a process of its
own, the *store service* (:mod:`workbook.store.service`), and a form's kernel reads and
writes through it, over a Unix socket: :func:`open_store` gives the same
:class:`~workbook.store.Store` interface, its calls carried out by the service's own
``Store`` for the same identity, checks and all. A store that cannot be reached, or a
service that has stopped, is refused in words as an unreachable store is.

Objects go over the socket pickled: arguments, what the calls return (the records of
:mod:`workbook.store.records`, schema models) and the errors raised, with their facts
(:class:`workbook.errors.WorkbookError`). The store itself and its repositories stay in
the service; the kernel holds numbered references (:class:`Remote`) to them. Both ends
run as the same user, who alone may connect (the service checks the peer's user id).

The service is the template's, and only the pages it serves by forking use it
(:data:`ENV` set in the fork): a kernel started the ordinary way, a notebook or a
command opens the store in its own process, as before.
"""

from __future__ import annotations

import functools
import os
import pickle
import socket
import struct
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from workbook import config
from workbook.access import visitor_environment
from workbook.errors import StoreUnavailable

if TYPE_CHECKING:
    from workbook.store.facade import Store

ENV = "WORKBOOK_STORE_SERVICE"
"""The store service's socket, set in the environment of a page kernel the template forked."""

_HEADER = struct.Struct("!Q")
PROTOCOL = 5
"""Pickle's protocol for both ends (out-of-band buffers; Python 3.8 and later)."""
GONE = "the store service has stopped"
REPLY_SECONDS = 300.0
"""How long a kernel waits for one answer: far past the store's own lock waits (30 s),
so only a service that has hung, not a busy store, runs it out."""


def open_store(url: str | None = None) -> Store:
    """The store at ``url`` (or the configured one) as a page opens it: refused in words
    if missing or written by an earlier version, never created or upgraded (issue #18).

    Through the store service when this kernel has one (:data:`ENV`), else in this process.
    """
    path = os.environ.get(ENV, "")
    address = service_url(config.db_url(url))
    if path and address is not None:
        return cast("Store", Channel(path, address).open())
    from workbook.store.facade import Store

    return Store.open(url, create=False, migrate=False)


def service_url(url: str) -> str | None:
    """``url`` as the service should open it, or None if only this process can.

    A relative SQLite path is made absolute here, where it means something; an in-memory
    SQLite database is this process's own.

    >>> service_url("postgresql://u@h/db")
    'postgresql://u@h/db'
    >>> service_url("sqlite:////srv/w.db?timeout=2")
    'sqlite:////srv/w.db?timeout=2'
    >>> service_url("sqlite://") is None, service_url("sqlite:///:memory:") is None
    (True, True)
    """
    if not url.startswith("sqlite"):
        return url
    parts = urlsplit(url)
    path = parts.path[1:]  # sqlite:///x.db: "/x.db" -> "x.db"; sqlite:////x.db -> "/x.db"
    if not path or path == ":memory:" or "mode=memory" in parts.query:
        return None
    if Path(path).is_absolute():
        return url
    absolute = Path(path).absolute()
    return f"{parts.scheme}:///{absolute}" + (f"?{parts.query}" if parts.query else "")


def shown_url(url: str) -> str:
    """``url`` with any password hidden, as SQLAlchemy shows one.

    >>> shown_url("postgresql://wb:s3cret@db.example:5432/workbook")
    'postgresql://wb:***@db.example:5432/workbook'
    >>> shown_url("sqlite:////srv/w.db")
    'sqlite:////srv/w.db'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, host = parts.netloc.rsplit("@", 1)
    return parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}").geturl()


def send(sock: socket.socket, message: object) -> None:
    """One message: its length, then its pickle."""
    data = pickle.dumps(message, PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)


def receive(sock: socket.socket) -> Any:
    """One message, or EOFError if the other end has closed the socket."""
    (size,) = _HEADER.unpack(_exactly(sock, _HEADER.size))
    return pickle.loads(_exactly(sock, size))


def _exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the socket was closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class Channel:
    """One kernel's connection to the store service, for the store at ``url``.

    A call and its answer hold the channel's lock, so threads of one kernel (a deferred
    drawing, the autosave's timer) take turns on it, as they would on a connection.
    """

    def __init__(self, path: str, url: str) -> None:
        self.path = path
        self.url = url
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._broken = ""
        self.shown = shown_url(url)
        """:attr:`url` as a refusal shows it: its password hidden, as the store's own are."""

    def open(self) -> Remote:
        """The service's ``Store.open`` of :attr:`url`: its refusals are raised here.

        Who visits is decided in this process's environment (in Voila or not, under the
        workbook's hub or not), which the service's is not: it is sent along.
        """
        return Remote(self, *self.ask(("open", self.url, visitor_environment())))

    def ask(self, message: tuple[Any, ...]) -> Any:
        """Send ``message``; what the service answers, or the error it raised.

        A channel that has failed once stays failed: the service's objects this kernel
        referred to went with its session, so the page says the store cannot be reached
        until it is opened again (a new kernel, a new session).
        """
        with self._lock:
            if self._broken:
                raise StoreUnavailable("store_unreachable", url=self.shown, reason=self._broken)
            try:
                if self._sock is None:
                    self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    self._sock.settimeout(REPLY_SECONDS)
                    self._sock.connect(self.path)
                send(self._sock, message)
                ok, answer = receive(self._sock)
            except (OSError, EOFError) as exc:
                self._close()
                self._broken = (
                    GONE if isinstance(exc, EOFError) else f"{GONE}: {exc.strerror or exc}"
                )
                raise StoreUnavailable(
                    "store_unreachable", url=self.shown, reason=self._broken
                ) from None
        if not ok:
            raise answer
        return answer

    def _close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __del__(self) -> None:  # the kernel's last store object has gone: so has its page
        self._close()


class Remote:
    """The store, or one of its repositories (``store.actions``), as the service keeps it.

    Attributes that are methods (the service names them with each reference) become
    calls to the service; other attributes (``store.identity``, ``store.url``) are read
    from it; what comes back is a value, or another :class:`Remote` for the service's
    store objects (``store.for_visitor(...)``, ``store.actions``, kept once read).
    """

    __slots__ = ("_channel", "_number", "_methods", "_parts")

    def __init__(self, channel: Channel, number: int, methods: frozenset[str]) -> None:
        self._channel = channel
        self._number = number
        self._methods = methods
        self._parts: dict[str, Remote] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._methods:
            return functools.partial(self._call, name)
        if name in self._parts:  # the store's repositories never change (store.actions)
            return self._parts[name]
        kind, value = self._channel.ask(("get", self._number, name))
        if kind == "method":  # a callable attribute of the instance's own
            return functools.partial(self._call, name)
        found = self._received(kind, value)
        if isinstance(found, Remote):
            self._parts[name] = found
        return found

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self._received(*self._channel.ask(("call", self._number, name, args, kwargs)))

    def _received(self, kind: str, value: Any) -> Any:
        if kind == "ref":
            return Remote(self._channel, *value)
        return pickle.loads(value)

    def __enter__(self) -> Any:
        return self._call("__enter__")

    def __exit__(self, *exc: object) -> None:
        self._channel.ask(("exit", self._number, exc[0] is not None))

    def __repr__(self) -> str:
        return f"<store object {self._number} at the store service {self._channel.path}>"
