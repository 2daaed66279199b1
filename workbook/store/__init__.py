"""The store: frameworks, partnerships, cycles and append-only return revisions.

One SQLAlchemy implementation serves SQLite (embedded default, WAL mode) and
PostgreSQL. Nothing about a return is updated in place or deleted; every save is
one transaction that either adds a whole revision or leaves the store as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import TypeAdapter
from sqlalchemy import Engine, and_, create_engine, event, func, insert, inspect, select, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from workbook import config
from workbook.access import (
    Identity,
    Link,
    Role,
    check_usable,
    default_identity,
    hub_username,
    token_hash,
)
from workbook.access import new_token as _new_token
from workbook.access import well_formed as _well_formed
from workbook.errors import AccessDenied, ConflictError, ResponseError, StorageError
from workbook.schema.framework import Framework
from workbook.schema.partnership import Agency, Cycle, Partnership, Timetable
from workbook.schema.responses import (
    TRANSITIONS,
    Action,
    Answer,
    Answers,
    Status,
    changed,
    changed_fields,
    missing_for_submission,
    text_problem,
    validate_answers,
)
from workbook.store import hub_users as users
from workbook.store import tables
from workbook.store.failures import storage_error

T = tables
_ACTIONS = TypeAdapter(tuple[Action, ...])


@dataclass(frozen=True)
class CycleInfo:
    """A cycle as stored: its framework version is fixed."""

    id: str
    partnership_id: str
    title: str
    framework_id: str
    framework_version: str
    timetable: Timetable
    agencies: tuple[str, ...]


@dataclass(frozen=True)
class ReturnState:
    """An agency's return as of one revision."""

    cycle_id: str
    agency_id: str
    revision: int
    status: Status
    author: str
    saved_at: dt.datetime
    answers: dict[str, Answer] = field(default_factory=dict)


@dataclass(frozen=True)
class RevisionInfo:
    """One entry of a return's history: who saved what, when, and why."""

    number: int
    based_on: int | None
    status: Status
    author: str
    saved_at: dt.datetime
    note: str
    changes: dict[str, list[str]]
    saved_by: str | None = None


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


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


SQLITE_TIMEOUT = 30.0
"""Seconds a SQLite save waits for another writer's lock before failing as busy.

``timeout`` in the URL's query overrides it (``sqlite:///x.db?timeout=2``).
"""


def _sqlite_file(database: str | None) -> Path | None:
    """The file a SQLite URL's database names (``file:`` URIs too); None in memory.

    >>> _sqlite_file("file:/srv/wb.db"), _sqlite_file("/srv/wb.db"), _sqlite_file(":memory:")
    (PosixPath('/srv/wb.db'), PosixPath('/srv/wb.db'), None)
    """
    if database and database.startswith("file:"):  # uri=true: file:/path or file:///path
        database = unquote(urlsplit(database).path)
    return Path(database).absolute() if database and database != ":memory:" else None


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    path = _sqlite_file(parsed.database)
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
            raise StorageError(
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


class Store:
    """The workbook's database; open with :meth:`Store.open`."""

    def __init__(self, engine: Engine, identity: Identity | None = None) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=True)
        self._frameworks: dict[tuple[str, str], Framework] = {}
        self.identity = identity or default_identity()

    def as_identity(self, identity: Identity) -> Store:
        """The same store acting for ``identity``: every read and write is checked for it."""
        other = Store.__new__(Store)
        other.__dict__.update(self.__dict__)
        other.identity = identity
        return other

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open (creating or migrating as needed) the store at ``url`` or the configured one."""
        url = normalise_url(config.db_url(url))
        try:
            engine = _sqlite_engine(url) if url.startswith("sqlite") else _server_engine(url)
        except (SQLAlchemyError, ValueError, ModuleNotFoundError, OSError) as exc:
            raise StorageError("database", url=url, reason=str(exc)) from None
        store = cls(engine)
        try:
            store._prepare()
        except BaseException:
            engine.dispose()  # a refused store must not leave connections open
            raise
        return store

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self.engine.connect().execution_options(write=True) as conn, conn.begin():
                yield conn
        except (ConflictError, ResponseError):
            raise
        except IntegrityError:
            raise
        except DBAPIError as exc:  # busy, read-only, full, gone: in words (issue #7)
            raise storage_error(exc, self.url) from None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except DBAPIError as exc:
            raise storage_error(exc, self.url) from None

    def schema_version(self) -> int:
        """The schema version recorded in the store."""
        with self._read() as conn:
            value = conn.scalar(select(T.meta.c.value).where(T.meta.c.key == "schema_version"))
        return int(value) if value is not None else 0

    def _prepare(self) -> None:
        with self._write() as conn:
            if not inspect(conn).has_table("meta"):
                T.metadata.create_all(conn)
                conn.execute(
                    insert(T.meta).values(key="schema_version", value=str(T.SCHEMA_VERSION))
                )
                return
            found = int(
                conn.scalar(select(T.meta.c.value).where(T.meta.c.key == "schema_version")) or 0
            )
            if found > T.SCHEMA_VERSION:
                raise StorageError(
                    "newer_schema", url=self.url, found=found, supported=T.SCHEMA_VERSION
                )
            for version in range(found, T.SCHEMA_VERSION):
                T.MIGRATIONS[version](conn)
            if found != T.SCHEMA_VERSION:
                conn.execute(
                    update(T.meta)
                    .where(T.meta.c.key == "schema_version")
                    .values(value=str(T.SCHEMA_VERSION))
                )

    def _require_admin(self, action: str) -> None:
        self.identity.require(self.identity.administers, action)

    # -- personal links --------------------------------------------------------------------

    def check_reach(
        self,
        role: Role,
        *,
        partnership_id: str | None = None,
        agencies: Sequence[str] = (),
        cycle_id: str | None = None,
        kind: str = "bad_link",
        what: str = "link",
    ) -> tuple[Role, str | None, tuple[str, ...]]:
        """Check what a link or hub user would reach; ``(role, partnership, agencies)``.

        A cycle implies its partnership. Members need at least one agency, each a member of
        the partnership (and invited to the cycle, when one is given); other roles none.
        Problems raise ``AccessDenied(kind)`` in words naming ``what`` is being made.
        """
        role = Role(role)
        info = self.cycle(cycle_id) if cycle_id else None
        if info is not None:
            if partnership_id not in (None, info.partnership_id):
                raise AccessDenied(
                    kind,
                    reason=f"cycle {cycle_id!r} belongs to partnership {info.partnership_id!r}",
                )
            partnership_id = info.partnership_id
        if role != Role.ADMIN and partnership_id is None:
            raise AccessDenied(
                kind, reason=f"a {role.label}'s {what} needs a cycle or a partnership"
            )
        if partnership_id is not None and partnership_id not in dict(self.partnerships()):
            raise AccessDenied(kind, reason=f"there is no partnership {partnership_id!r}")
        agencies = tuple(dict.fromkeys(agencies))
        if role == Role.MEMBER and not agencies:
            raise AccessDenied(kind, reason=f"an agency member's {what} needs an agency")
        if role != Role.MEMBER and agencies:
            raise AccessDenied(kind, reason=f"a {role.label}'s {what} is not for one agency")
        members = {a.id for a in self.agencies(partnership_id)} if partnership_id else set()
        for agency_id in agencies:
            if agency_id not in members:
                raise AccessDenied(
                    kind, reason=f"agency {agency_id!r} is not in partnership {partnership_id!r}"
                )
            if info is not None and agency_id not in info.agencies:
                raise AccessDenied(
                    kind, reason=f"agency {agency_id!r} is not invited to {cycle_id!r}"
                )
        return role, partnership_id, agencies

    def issue_link(
        self,
        name: str,
        role: Role,
        *,
        partnership_id: str | None = None,
        agencies: Sequence[str] = (),
        cycle_id: str | None = None,
        expires_at: dt.datetime | None = None,
    ) -> tuple[Link, str]:
        """Make a personal link; returns it and its token, which is shown once and not kept.

        A cycle implies its partnership. Members need at least one agency, each a member of
        the partnership (and invited to the cycle, when one is given).
        """
        self._require_admin("issue links")
        if not name.strip():
            raise AccessDenied("bad_link", reason="a link needs the name of whom it is for")
        role, partnership_id, agencies = self.check_reach(
            role, partnership_id=partnership_id, agencies=agencies, cycle_id=cycle_id
        )
        token = _new_token()
        now = dt.datetime.now(dt.UTC)
        if expires_at is not None and _utc(expires_at) <= now:
            raise AccessDenied("bad_link", reason="its expiry date has already passed")
        with self._write() as conn:
            inserted = conn.execute(
                insert(T.access_link).values(
                    token_hash=token_hash(token),
                    name=name.strip(),
                    role=role.value,
                    partnership_id=partnership_id,
                    agencies=json.dumps(list(agencies)),
                    cycle_id=cycle_id,
                    created_at=now,
                    created_by=self.identity.name,
                    expires_at=expires_at,
                )
            ).inserted_primary_key
        assert inserted is not None
        return self.link(int(inserted[0])), token

    @staticmethod
    def _link(row: Any) -> Link:
        def when(value: dt.datetime | None) -> dt.datetime | None:
            return _utc(value) if value is not None else None

        return Link(
            id=row.id,
            name=row.name,
            role=Role(row.role),
            partnership_id=row.partnership_id,
            agencies=tuple(json.loads(row.agencies)),
            cycle_id=row.cycle_id,
            created_at=_utc(row.created_at),
            created_by=row.created_by,
            expires_at=when(row.expires_at),
            revoked_at=when(row.revoked_at),
            last_used_at=when(row.last_used_at),
        )

    def link(self, link_id: int) -> Link:
        """One link by its number (as ``workbook links`` lists it)."""
        self._require_admin("see links")
        with self._read() as conn:
            row = conn.execute(select(T.access_link).where(T.access_link.c.id == link_id)).first()
        if row is None:
            raise StorageError("unknown", what="link", key=link_id, hint="See `workbook links`.")
        return self._link(row)

    def links(self) -> list[Link]:
        """Every link ever issued, newest first."""
        self._require_admin("see links")
        with self._read() as conn:
            rows = conn.execute(select(T.access_link).order_by(T.access_link.c.id.desc()))
            return [self._link(row) for row in rows]

    def revoke_link(self, link_id: int) -> Link:
        """Withdraw a link at once; pages opened with it stop at their next read or save."""
        link = self.link(link_id)
        if link.revoked_at is None:
            with self._write() as conn:
                conn.execute(
                    update(T.access_link)
                    .where(T.access_link.c.id == link_id)
                    .values(revoked_at=dt.datetime.now(dt.UTC), revoked_by=self.identity.name)
                )
        return self.link(link_id)

    def for_visitor(self, token: str | None) -> Store:
        """The store for whoever opened a page: the holder of ``token`` if one is given.

        Without a token only a trusted local identity (a notebook opened in JupyterLab)
        carries on; in Voila the store starts anonymous, so a missing token is refused,
        except in a user's server under JupyterHub, where the hub user signed in is looked
        up in the administrator's list (:func:`workbook.store.hub_users.identify`, issue #9).
        """
        if not (token or "").strip() and self.identity.anonymous:
            username = hub_username()
            if username is not None:
                return users.identify(self, username)
        if (token or "").strip() or not self.identity.trusted_local:
            return self.identify(token)
        return self

    def identify(self, token: str | None, *, now: dt.datetime | None = None) -> Store:
        """The store acting for the holder of ``token``; AccessDenied, in words, if not valid."""
        token = (token or "").strip()
        if not token:
            raise AccessDenied("no_token")
        if not _well_formed(token):
            raise AccessDenied("bad_token")
        now = now or dt.datetime.now(dt.UTC)
        with self._read() as conn:
            row = conn.execute(
                select(T.access_link).where(T.access_link.c.token_hash == token_hash(token))
            ).first()
        if row is None:
            raise AccessDenied("bad_token")
        link = self._link(row)
        check_usable(link, now)
        with self._write() as conn:
            conn.execute(
                update(T.access_link).where(T.access_link.c.id == link.id).values(last_used_at=now)
            )
        return self.as_identity(link.identity(self.agency_names(link.agencies)))

    def agency_names(self, agency_ids: Sequence[str]) -> list[str]:
        """Agencies' names for messages, an id standing in for one no longer stored."""
        names = []
        for agency_id in agency_ids:
            try:
                names.append(self.agency(agency_id).name)
            except StorageError:
                names.append(agency_id)
        return names

    # -- frameworks ----------------------------------------------------------------------

    def put_framework(self, framework: Framework) -> None:
        """Keep a framework version; the same id and version with other content is refused."""
        self._require_admin("add frameworks")
        definition = framework.model_dump_json()
        digest = hashlib.sha256(definition.encode()).hexdigest()
        with self._write() as conn:
            stored = conn.scalar(
                select(T.framework.c.digest).where(
                    T.framework.c.id == framework.id, T.framework.c.version == framework.version
                )
            )
            if stored == digest:
                return
            if stored is not None:
                raise StorageError(
                    "framework_changed", framework=framework.id, version=framework.version
                )
            conn.execute(
                insert(T.framework).values(
                    id=framework.id,
                    version=framework.version,
                    title=framework.title,
                    definition=definition,
                    digest=digest,
                    added_at=dt.datetime.now(dt.UTC),
                )
            )

    def framework(self, framework_id: str, version: str) -> Framework:
        """The framework version a cycle runs."""
        key = (framework_id, version)
        if key not in self._frameworks:
            with self._read() as conn:
                definition = conn.scalar(
                    select(T.framework.c.definition).where(
                        T.framework.c.id == framework_id, T.framework.c.version == version
                    )
                )
            if definition is None:
                raise StorageError(
                    "unknown",
                    what="framework",
                    key=f"{framework_id} {version}",
                    hint="Load it with `workbook load`.",
                )
            self._frameworks[key] = Framework.model_validate_json(definition)
        return self._frameworks[key]

    def frameworks(self) -> list[tuple[str, str, str]]:
        """Stored framework versions as ``(id, version, title)``."""
        with self._read() as conn:
            rows = conn.execute(
                select(T.framework.c.id, T.framework.c.version, T.framework.c.title).order_by(
                    T.framework.c.id, T.framework.c.version
                )
            )
            return [tuple(row) for row in rows]

    # -- partnerships, agencies, cycles --------------------------------------------------

    def put_partnership(self, partnership: Partnership) -> None:
        """Add or rename a partnership and its agencies (cycles are added with put_cycle)."""
        self._require_admin("change partnerships")
        with self._write() as conn:
            self._upsert(
                conn,
                T.partnership,
                {"id": partnership.id},
                {
                    "name": partnership.name,
                    "description": partnership.description,
                },
            )
            for agency in partnership.agencies:
                self._upsert(
                    conn,
                    T.agency,
                    {"id": agency.id},
                    {
                        "name": agency.name,
                        "sector": agency.sector,
                    },
                )
                self._upsert(
                    conn,
                    T.membership,
                    {
                        "partnership_id": partnership.id,
                        "agency_id": agency.id,
                    },
                    {},
                )

    @staticmethod
    def _upsert(conn: Connection, table: Any, key: dict[str, Any], values: dict[str, Any]) -> None:
        where = and_(*(table.c[k] == v for k, v in key.items()))
        if conn.scalar(select(func.count()).select_from(table).where(where)):
            if values:
                conn.execute(update(table).where(where).values(**values))
        else:
            conn.execute(insert(table).values(**key, **values))

    def partnerships(self) -> list[tuple[str, str]]:
        """Partnerships as ``(id, name)``."""
        with self._read() as conn:
            rows = conn.execute(
                select(T.partnership.c.id, T.partnership.c.name).order_by(T.partnership.c.id)
            )
            return [tuple(row) for row in rows]

    def agencies(self, partnership_id: str | None = None) -> list[Agency]:
        """Agencies, all or one partnership's, by name."""
        query = select(T.agency).order_by(T.agency.c.name)
        if partnership_id is not None:
            query = query.join(T.membership, T.membership.c.agency_id == T.agency.c.id).where(
                T.membership.c.partnership_id == partnership_id
            )
        with self._read() as conn:
            return [Agency(id=r.id, name=r.name, sector=r.sector) for r in conn.execute(query)]

    def agency(self, agency_id: str) -> Agency:
        """One agency."""
        if text_problem(agency_id):  # as in _all_cycles: unknown, on every database alike
            raise StorageError("unknown", what="agency", key=agency_id, hint="")
        with self._read() as conn:
            row = conn.execute(select(T.agency).where(T.agency.c.id == agency_id)).first()
        if row is None:
            raise StorageError("unknown", what="agency", key=agency_id, hint="")
        return Agency(id=row.id, name=row.name, sector=row.sector)

    def put_cycle(self, partnership_id: str, cycle: Cycle, agencies: tuple[str, ...]) -> None:
        """Add a cycle; its framework version must be stored first."""
        self._require_admin("add cycles")
        if cycle.framework_version is None:
            raise ValueError("put_cycle needs the cycle's framework_version resolved")
        self.framework(cycle.framework, cycle.framework_version)
        with self._write() as conn:
            existing = conn.scalar(
                select(T.cycle.c.framework_version).where(T.cycle.c.id == cycle.id)
            )
            if existing is not None and existing != cycle.framework_version:
                raise StorageError(
                    "bad_transition",
                    old=f"framework version {existing}",
                    new=cycle.framework_version,
                    hint=f"Cycle {cycle.id!r} already runs version {existing}; make a new cycle.",
                )
            self._upsert(
                conn,
                T.cycle,
                {"id": cycle.id},
                {
                    "partnership_id": partnership_id,
                    "title": cycle.title,
                    "framework_id": cycle.framework,
                    "framework_version": cycle.framework_version,
                    **cycle.timetable.model_dump(),
                },
            )
            for agency_id in agencies:
                self._upsert(conn, T.invitation, {"cycle_id": cycle.id, "agency_id": agency_id}, {})

    def cycles(
        self, partnership_id: str | None = None, *, cycle_id: str | None = None
    ) -> list[CycleInfo]:
        """Cycles the identity reaches, oldest first by due date (one partnership's, or one)."""
        # read only the identity's partnership: a store may hold 150 of them (issue #8)
        scope = partnership_id if partnership_id is not None else self.identity.partnership_id
        return [
            c
            for c in self._all_cycles(scope, cycle_id)
            if self.identity.reaches(c.partnership_id, c.id)
        ]

    def _all_cycles(self, partnership_id: str | None, cycle_id: str | None) -> list[CycleInfo]:
        if cycle_id is not None and text_problem(cycle_id):
            return []  # no id holds NUL (a URL's %00), and PostgreSQL cannot even look it up
        query = select(T.cycle).order_by(T.cycle.c.returns_due, T.cycle.c.id)
        invitations = select(T.invitation.c.cycle_id, T.invitation.c.agency_id).order_by(
            T.invitation.c.agency_id
        )
        if partnership_id is not None:
            query = query.where(T.cycle.c.partnership_id == partnership_id)
            # that partnership's invitations only, not every cycle's in the store
            invitations = invitations.join(T.cycle, T.cycle.c.id == T.invitation.c.cycle_id).where(
                T.cycle.c.partnership_id == partnership_id
            )
        if cycle_id is not None:
            # every save and status check asks for one cycle: read only its rows
            query = query.where(T.cycle.c.id == cycle_id)
            invitations = invitations.where(T.invitation.c.cycle_id == cycle_id)
        with self._read() as conn:
            rows = conn.execute(query).all()
            invited: dict[str, list[str]] = {}
            for invited_cycle, agency_id in conn.execute(invitations):
                invited.setdefault(invited_cycle, []).append(agency_id)
        timetable_fields = tuple(Timetable.model_fields)
        return [
            CycleInfo(
                id=row.id,
                partnership_id=row.partnership_id,
                title=row.title,
                framework_id=row.framework_id,
                framework_version=row.framework_version,
                timetable=Timetable(**{name: getattr(row, name) for name in timetable_fields}),
                agencies=tuple(invited.get(row.id, ())),
            )
            for row in rows
        ]

    def cycle(self, cycle_id: str) -> CycleInfo:
        """One cycle; one beyond the identity's reach is reported as not there."""
        for info in self._all_cycles(None, cycle_id):
            if self.identity.reaches(info.partnership_id, info.id):
                return info
            break
        else:
            if self.identity.trusted_local:
                raise StorageError(
                    "unknown", what="cycle", key=cycle_id, hint="See `workbook summary`."
                )
        raise AccessDenied("not_found", what="cycle", key=cycle_id, who=self.identity.describe())

    def cycle_framework(self, cycle_id: str) -> Framework:
        """The framework version a cycle runs."""
        info = self.cycle(cycle_id)
        return self.framework(info.framework_id, info.framework_version)

    # -- returns -------------------------------------------------------------------------

    def _revisions(self, conn: Connection, cycle_id: str, agency_id: str | None) -> Sequence[Any]:
        query = select(T.revision).where(T.revision.c.cycle_id == cycle_id)
        if agency_id is not None:
            query = query.where(T.revision.c.agency_id == agency_id)
        return conn.execute(query.order_by(T.revision.c.agency_id, T.revision.c.number)).all()

    def _answer_rows(self, conn: Connection, cycle_id: str, agency_id: str | None) -> Sequence[Any]:
        query = (
            select(T.revision.c.agency_id, T.revision.c.number, T.answer)
            .join(T.answer, T.answer.c.revision_id == T.revision.c.id)
            .where(T.revision.c.cycle_id == cycle_id)
        )
        if agency_id is not None:
            query = query.where(T.revision.c.agency_id == agency_id)
        # criterion_id too: without it the order within a revision is up to the database
        order = (T.revision.c.agency_id, T.revision.c.number, T.answer.c.criterion_id)
        return conn.execute(query.order_by(*order)).all()

    @staticmethod
    def _answer(row: Any) -> Answer:
        # Still validated, but the actions' JSON is parsed and checked in one step by
        # pydantic, and most rows have none: a third of the time Action(**a) took (#8).
        actions = () if row.actions == "[]" else _ACTIONS.validate_json(row.actions)
        return Answer.model_validate(
            {
                "rating": row.rating,
                "evidence": row.evidence,
                "going_well": row.going_well,
                "development": row.development,
                "actions": actions,
                "carried_forward": bool(row.carried_forward),
            }
        )

    def _states(
        self, conn: Connection, cycle_id: str, agency_id: str | None, upto: int | None = None
    ) -> dict[str, ReturnState]:
        """Each started return's state at its newest revision (at most ``upto``).

        The folding happens in SQL (issue #8): the newest revision per agency, and per
        agency and criterion the newest answer row, so reading a return costs its
        criteria, not its history (a return autosaved 600 times read 600 revisions'
        rows on every save before). Both are indexed GROUP BY joins that SQLite and
        PostgreSQL run alike.
        """
        answers: dict[str, dict[str, Answer]] = {}
        for row in self._latest_answer_rows(conn, cycle_id, agency_id, upto):
            answer = self._answer(row)
            if not answer.is_empty:
                answers.setdefault(row.agency_id, {})[row.criterion_id] = answer
        return {
            row.agency_id: ReturnState(
                cycle_id=cycle_id,
                agency_id=row.agency_id,
                revision=row.number,
                status=Status(row.status),
                author=row.author,
                saved_at=_utc(row.saved_at),
                answers=answers.get(row.agency_id, {}),
            )
            for row in self._latest_revisions(conn, cycle_id, agency_id, upto)
        }

    @staticmethod
    def _revision_filter(cycle_id: str, agency_id: str | None, upto: int | None) -> list[Any]:
        where = [T.revision.c.cycle_id == cycle_id]
        if agency_id is not None:
            where.append(T.revision.c.agency_id == agency_id)
        if upto is not None:
            where.append(T.revision.c.number <= upto)
        return where

    def _latest_revisions(
        self, conn: Connection, cycle_id: str, agency_id: str | None, upto: int | None
    ) -> Sequence[Any]:
        """The newest revision row (at most ``upto``) of each agency's return, by agency."""
        r = T.revision
        where = self._revision_filter(cycle_id, agency_id, upto)
        newest = (
            select(r.c.agency_id, func.max(r.c.number).label("number"))
            .where(*where)
            .group_by(r.c.agency_id)
            .subquery()
        )
        query = (
            select(r)
            .join(newest, and_(newest.c.agency_id == r.c.agency_id, newest.c.number == r.c.number))
            .where(r.c.cycle_id == cycle_id)
            .order_by(r.c.agency_id)
        )
        return conn.execute(query).all()

    def _latest_answer_rows(
        self, conn: Connection, cycle_id: str, agency_id: str | None, upto: int | None
    ) -> Sequence[Any]:
        """Per agency and criterion, the answer row of the newest revision that touched it."""
        r, a = T.revision, T.answer
        where = self._revision_filter(cycle_id, agency_id, upto)
        newest = (
            select(r.c.agency_id, a.c.criterion_id, func.max(r.c.number).label("number"))
            .join(a, a.c.revision_id == r.c.id)
            .where(*where)
            .group_by(r.c.agency_id, a.c.criterion_id)
            .subquery()
        )
        query = (
            select(r.c.agency_id, r.c.number, a)
            .join(a, a.c.revision_id == r.c.id)
            .join(
                newest,
                and_(
                    newest.c.agency_id == r.c.agency_id,
                    newest.c.criterion_id == a.c.criterion_id,
                    newest.c.number == r.c.number,
                ),
            )
            .where(r.c.cycle_id == cycle_id)
            .order_by(r.c.agency_id, a.c.criterion_id)
        )
        return conn.execute(query).all()

    # -- who may see what ----------------------------------------------------------------

    def is_shared(self, cycle_id: str) -> bool:
        """Whether the chair has shared the cycle's returns with the partnership."""
        with self._read() as conn:
            shared = conn.scalar(
                select(T.cycle_share.c.shared)
                .where(T.cycle_share.c.cycle_id == cycle_id)
                .order_by(T.cycle_share.c.id.desc())
                .limit(1)
            )
        return bool(shared)

    def share(self, cycle_id: str, *, shared: bool = True, author: str | None = None) -> None:
        """Share a cycle's submitted returns with every member of the partnership (or stop)."""
        info = self.cycle(cycle_id)
        who = self.identity
        who.require(who.can_moderate(info.partnership_id, cycle_id), "share this cycle")
        with self._write() as conn:
            conn.execute(
                insert(T.cycle_share).values(
                    cycle_id=cycle_id,
                    shared=shared,
                    author=author or who.name,
                    saved_at=dt.datetime.now(dt.UTC),
                )
            )

    def may_compare(self, cycle_id: str) -> bool:
        """Whether the identity may see the cycle's comparisons (dashboard, reports)."""
        info = self.cycle(cycle_id)
        who = self.identity
        if who.role != Role.MEMBER:
            return who.can_see_cycle(info.partnership_id, cycle_id, shared=False)
        return who.can_see_cycle(info.partnership_id, cycle_id, shared=self.is_shared(cycle_id))

    def require_compare(self, cycle_id: str) -> CycleInfo:
        """The cycle, if the identity may see its comparisons; else AccessDenied."""
        info = self.cycle(cycle_id)
        self.identity.require(self.may_compare(cycle_id), f"see the comparisons for {info.title}")
        return info

    def require_moderator(self, cycle_id: str) -> CycleInfo:
        """The cycle, if the identity is its chair (or an administrator); else AccessDenied."""
        info = self.cycle(cycle_id)
        who = self.identity
        who.require(who.can_moderate(info.partnership_id, cycle_id), "moderate this cycle")
        return info

    def may_see(self, info: CycleInfo, agency_id: str, status: Status | None) -> bool:
        """Whether the identity may read this return's answers (given its status)."""
        who = self.identity
        if who.role != Role.MEMBER or who.owns(agency_id):
            return who.can_see_return(
                info.partnership_id, info.id, agency_id, shared=False, submitted=False
            )
        submitted = status == Status.SUBMITTED
        shared = submitted and self.is_shared(info.id)
        return who.can_see_return(
            info.partnership_id, info.id, agency_id, shared=shared, submitted=submitted
        )

    def _deny_return(self, agency_id: str, what: str = "see") -> AccessDenied:
        try:
            name = self.agency(agency_id).name
        except StorageError:
            name = agency_id
        who = self.identity
        if who.anonymous:
            return AccessDenied("no_token")
        return AccessDenied("forbidden", who=who.describe(), action=f"{what} {name}'s return")

    def latest(self, cycle_id: str, agency_id: str) -> ReturnState | None:
        """The current state of a return, or None if the agency has not started."""
        info = self.cycle(cycle_id)
        with self._read() as conn:
            state = self._states(conn, cycle_id, agency_id).get(agency_id)
        if not self.identity.administers and not self.may_see(
            info, agency_id, state.status if state else None
        ):
            raise self._deny_return(agency_id)
        return state

    def _require_history(self, cycle_id: str, agency_id: str) -> None:
        info = self.cycle(cycle_id)
        if not self.identity.can_see_history(info.partnership_id, cycle_id, agency_id):
            raise self._deny_return(agency_id, "see the history of")

    def at(self, cycle_id: str, agency_id: str, number: int) -> ReturnState:
        """A return as it was at revision ``number``."""
        self._require_history(cycle_id, agency_id)
        with self._read() as conn:
            state = self._states(conn, cycle_id, agency_id, upto=number).get(agency_id)
        if state is None or state.revision != number:
            raise StorageError(
                "unknown", what="revision", key=f"{cycle_id}/{agency_id}#{number}", hint=""
            )
        return state

    def returns(self, cycle_id: str) -> dict[str, ReturnState]:
        """Current state of every started return in a cycle the identity may see, by agency."""
        info = self.cycle(cycle_id)
        with self._read() as conn:
            states = self._states(conn, cycle_id, None)
        if self.identity.administers:
            return states
        return {a: s for a, s in states.items() if self.may_see(info, a, s.status)}

    def statuses(self, cycle_id: str) -> dict[str, Status]:
        """Status of every invited agency's return (``not_started`` when none saved)."""
        info = self.cycle(cycle_id)
        with self._read() as conn:
            last = (
                select(T.revision.c.agency_id, func.max(T.revision.c.number).label("number"))
                .where(T.revision.c.cycle_id == cycle_id)
                .group_by(T.revision.c.agency_id)
                .subquery()
            )
            rows = conn.execute(
                select(T.revision.c.agency_id, T.revision.c.status)
                .join(
                    last,
                    and_(
                        last.c.agency_id == T.revision.c.agency_id,
                        last.c.number == T.revision.c.number,
                    ),
                )
                .where(T.revision.c.cycle_id == cycle_id)
            ).all()
        found = {agency: Status(status) for agency, status in rows}
        every = {agency: found.get(agency, Status.NOT_STARTED) for agency in info.agencies} | found
        if self.identity.role != Role.MEMBER:
            return every
        return {a: s for a, s in every.items() if self.may_see(info, a, s)}

    def history(self, cycle_id: str, agency_id: str) -> list[RevisionInfo]:
        """Every revision of a return, oldest first, with the fields each changed."""
        self._require_history(cycle_id, agency_id)
        with self._read() as conn:
            revisions = self._revisions(conn, cycle_id, agency_id)
            rows = self._answer_rows(conn, cycle_id, agency_id)
        by_number: dict[int, list[Any]] = {}
        for row in rows:
            by_number.setdefault(row.number, []).append(row)
        state: dict[str, Answer] = {}
        out = []
        for rev in revisions:
            changes = {}
            for row in by_number.get(rev.number, []):
                new = self._answer(row)
                changes[row.criterion_id] = changed_fields(state.get(row.criterion_id), new)
                state[row.criterion_id] = new
            out.append(
                RevisionInfo(
                    number=rev.number,
                    based_on=rev.based_on,
                    status=Status(rev.status),
                    author=rev.author,
                    saved_at=_utc(rev.saved_at),
                    note=rev.note,
                    changes=changes,
                    saved_by=rev.saved_by,
                )
            )
        return out

    def save(
        self,
        cycle_id: str,
        agency_id: str,
        answers: Answers,
        *,
        author: str,
        based_on: int | None,
        status: Status = Status.DRAFT,
        note: str = "",
        at: dt.datetime | None = None,
    ) -> ReturnState:
        """Save the full state of a return as a new revision.

        Parameters
        ----------
        answers
            Every criterion's answer as the user now sees it (not a delta).
        based_on
            The revision the user started from (None for a new return); if another save
            has happened since, nothing is written and ``ConflictError`` says so.
        status
            ``draft``, ``submitted`` (checked for completeness) or ``reopened`` (needs a note).
        """
        if not author.strip():
            raise ValueError("a save needs an author")
        info = self.cycle(cycle_id)
        if agency_id not in info.agencies:
            raise StorageError(
                "unknown",
                what="agency",
                key=agency_id,
                hint=f"It is not invited to cycle {cycle_id!r}.",
            )
        who = self.identity
        may_edit = who.can_edit(info.partnership_id, cycle_id, agency_id)
        may_reopen = who.can_moderate(info.partnership_id, cycle_id)
        if not (may_edit or (status == Status.REOPENED and may_reopen)):
            raise self._deny_return(agency_id, "change")
        framework = self.framework(info.framework_id, info.framework_version)
        answers = {cid: a for cid, a in answers.items() if not a.is_empty}
        validate_answers(framework, answers, source=f"{cycle_id}/{agency_id}")
        try:
            with self._write() as conn:
                current = self._states(conn, cycle_id, agency_id).get(agency_id)
                latest_number = current.revision if current else 0
                if (based_on or 0) != latest_number:
                    raise ConflictError(
                        cycle=cycle_id, agency=agency_id, based_on=based_on, latest=latest_number
                    )
                old_status = current.status if current else Status.NOT_STARTED
                old_answers = current.answers if current else {}
                delta = changed(old_answers, answers)
                reopening = old_status == Status.SUBMITTED and status == Status.REOPENED
                if (reopening and not may_reopen) or (delta and not may_edit):
                    action = "reopen a submitted return" if reopening else "change this return"
                    who.require(False, action)
                self._check_transition(cycle_id, agency_id, old_status, status, delta, note)
                if status == Status.SUBMITTED:
                    missing = missing_for_submission(framework, answers)
                    if missing:
                        raise ResponseError(f"{cycle_id}/{agency_id}", missing)
                if current is not None and not delta and status == old_status and not note:
                    return current  # an autosave with nothing new adds no revision
                saved_at = at or dt.datetime.now(dt.UTC)
                inserted = conn.execute(
                    insert(T.revision).values(
                        cycle_id=cycle_id,
                        agency_id=agency_id,
                        number=latest_number + 1,
                        based_on=based_on,
                        status=status.value,
                        author=author,
                        saved_at=saved_at,
                        note=note,
                        saved_by=who.key,
                    )
                ).inserted_primary_key
                assert inserted is not None
                revision_id = inserted[0]
                if delta:
                    conn.execute(
                        insert(T.answer),
                        [
                            self._answer_values(framework, revision_id, cid, a)
                            for cid, a in delta.items()
                        ],
                    )
        except IntegrityError:
            # another writer took number n+1 between our read and our insert
            latest = self.latest(cycle_id, agency_id)
            raise ConflictError(
                cycle=cycle_id,
                agency=agency_id,
                based_on=based_on,
                latest=latest.revision if latest else 0,
            ) from None
        return ReturnState(
            cycle_id=cycle_id,
            agency_id=agency_id,
            revision=latest_number + 1,
            status=status,
            author=author,
            saved_at=saved_at,
            answers=dict(answers),
        )

    @staticmethod
    def _answer_values(
        framework: Framework, revision_id: int, criterion_id: str, answer: Answer
    ) -> dict[str, Any]:
        score = framework.scale.level(answer.rating).score if answer.rating else None
        return {
            "revision_id": revision_id,
            "criterion_id": criterion_id,
            "rating": answer.rating,
            "score": score,
            "evidence": answer.evidence,
            "going_well": answer.going_well,
            "development": answer.development,
            "actions": json.dumps([a.model_dump(mode="json") for a in answer.actions]),
            "carried_forward": answer.carried_forward,
        }

    @staticmethod
    def _check_transition(
        cycle_id: str,
        agency_id: str,
        old: Status,
        new: Status,
        delta: Mapping[str, Answer],
        note: str,
    ) -> None:
        if new not in TRANSITIONS[old]:
            hint = {
                Status.SUBMITTED: "Ask the chair to reopen it with a reason.",
                Status.NOT_STARTED: "",
            }.get(old, "")
            raise StorageError("bad_transition", old=old.value, new=new.value, hint=hint)
        if delta and not old.editable:
            raise StorageError("read_only", cycle=cycle_id, agency=agency_id, status=old.value)
        if new == Status.REOPENED and old == Status.SUBMITTED and not note.strip():
            raise StorageError(
                "bad_transition",
                old=old.value,
                new=new.value,
                hint="Reopening needs a reason, which is recorded.",
            )

    def reopen(self, cycle_id: str, agency_id: str, *, author: str, reason: str) -> ReturnState:
        """The chair reopens a submitted return; the reason is kept in its history."""
        current = self.latest(cycle_id, agency_id)
        if current is None:
            raise StorageError("unknown", what="return", key=f"{cycle_id}/{agency_id}", hint="")
        return self.save(
            cycle_id,
            agency_id,
            current.answers,
            author=author,
            based_on=current.revision,
            status=Status.REOPENED,
            note=reason,
        )
