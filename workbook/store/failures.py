"""What a database failure means for the person saving: busy, read-only, full or gone.

:class:`~workbook.store.engine.Database` turns every driver error into a
:class:`~workbook.errors.StoreUnavailable` (or a plain ``database`` StorageError). This
module chooses its kind (issue #7, "Nothing lost"), from SQLite's result code or
PostgreSQL's SQLSTATE, and only when neither is known from the driver's message, so
that the form can say in words what happened and whether trying the same save again can
help (``StorageError.transient``).
Every failure classified here happened inside one transaction, which the database
rolled back: the last saved revision is intact.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.exc import DBAPIError, OperationalError

from workbook.errors import StorageError, StoreUnavailable, UnavailableKind

SQLITE_CODES: dict[int, UnavailableKind] = {
    5: "store_busy",  # SQLITE_BUSY: another writer kept the lock past the busy timeout
    6: "store_busy",  # SQLITE_LOCKED: a table lock inside this process
    8: "store_read_only",  # SQLITE_READONLY: read-only file, mode=ro, query_only
    10: "store_unreachable",  # SQLITE_IOERR: the disk or the network file system failed
    13: "store_full",  # SQLITE_FULL: "database or disk is full"
    14: "store_unreachable",  # SQLITE_CANTOPEN: "unable to open database file"
    15: "store_busy",  # SQLITE_PROTOCOL: a WAL lock race, gone on the next try
}
"""SQLite primary result codes (https://sqlite.org/rescode.html) by kind."""

POSTGRES_STATES: dict[str, UnavailableKind] = {
    "40001": "store_busy",  # serialization_failure
    "40P01": "store_busy",  # deadlock_detected
    "55P03": "store_busy",  # lock_not_available (lock_timeout)
    "57014": "store_busy",  # query_canceled (statement_timeout)
    "53300": "store_busy",  # too_many_connections
    "25006": "store_read_only",  # read_only_sql_transaction (a standby, or read-only set)
    "53100": "store_full",  # disk_full
    "57P01": "store_unreachable",  # admin_shutdown (also pg_terminate_backend)
    "57P02": "store_unreachable",  # crash_shutdown
    "57P03": "store_unreachable",  # cannot_connect_now (starting up or shutting down)
}
"""PostgreSQL SQLSTATEs (appendix A of its manual) by kind; class 08 is a lost connection."""

MESSAGE_HINTS: tuple[tuple[str, UnavailableKind], ...] = (
    ("no space left on device", "store_full"),
    ("database or disk is full", "store_full"),
    ("database is locked", "store_busy"),
    ("readonly database", "store_read_only"),
    ("read-only transaction", "store_read_only"),
    ("unable to open database file", "store_unreachable"),
    ("disk i/o error", "store_unreachable"),
)
"""Words in a driver message that name the kind, for errors without a code."""


def failure_kind(exc: DBAPIError) -> UnavailableKind | Literal["database"]:
    """The StorageError kind for a driver error: one of ``store_...`` or ``database``.

    Parameters
    ----------
    exc
        What SQLAlchemy raised; ``exc.orig`` is the driver's own exception.
    """
    orig = exc.orig
    text = str(orig).lower()
    if "no space left on device" in text:  # PostgreSQL reports it under several states
        return "store_full"
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in SQLITE_CODES:
        return SQLITE_CODES[code & 0xFF]
    state = getattr(orig, "sqlstate", "")
    if isinstance(state, str) and state:
        if state in POSTGRES_STATES:
            return POSTGRES_STATES[state]
        if state.startswith("08"):
            return "store_unreachable"
    for words, kind in MESSAGE_HINTS:
        if words in text:
            return kind
    if exc.connection_invalidated or (state is None and isinstance(exc, OperationalError)):
        # psycopg has no SQLSTATE when the connection itself failed: refused, closed
        return "store_unreachable"
    return "database"


def failure_reason(exc: DBAPIError) -> str:
    """The driver's own words, first line only: no traceback, no SQL."""
    text = str(exc.orig) if exc.orig is not None else str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else exc.__class__.__name__


def storage_error(exc: DBAPIError, url: str) -> StorageError:
    """The StorageError to raise for a driver error on the store at ``url``.

    Parameters
    ----------
    exc
        What SQLAlchemy raised.
    url
        The store's URL with any password hidden.
    """
    kind, reason = failure_kind(exc), failure_reason(exc)
    if kind == "database":
        return StorageError("database", url=url, reason=reason)
    return StoreUnavailable(kind, url=url, reason=reason)
