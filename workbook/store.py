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

from sqlalchemy import Engine, and_, create_engine, event, func, insert, inspect, select, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from workbook import config, tables
from workbook.errors import ConflictError, ResponseError, StorageError
from workbook.framework import Framework
from workbook.partnership import Agency, Cycle, Partnership, Timetable
from workbook.responses import (
    TRANSITIONS,
    Action,
    Answer,
    Answers,
    Status,
    changed,
    changed_fields,
    missing_for_submission,
    validate_answers,
)

T = tables


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


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's begin event issues BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # writers take the lock up front so a read-then-write cannot fail half way
        immediate = connection.get_execution_options().get("write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Store:
    """The workbook's database; open with :meth:`Store.open`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=True)
        self._frameworks: dict[tuple[str, str], Framework] = {}

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open (creating or migrating as needed) the store at ``url`` or the configured one."""
        url = normalise_url(config.db_url(url))
        try:
            engine = _sqlite_engine(url) if url.startswith("sqlite") else create_engine(url)
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
        except DBAPIError as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
            raise StorageError("database", url=self.url, reason=reason) from None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except DBAPIError as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
            raise StorageError("database", url=self.url, reason=reason) from None

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

    # -- frameworks ----------------------------------------------------------------------

    def put_framework(self, framework: Framework) -> None:
        """Keep a framework version; the same id and version with other content is refused."""
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
        with self._read() as conn:
            row = conn.execute(select(T.agency).where(T.agency.c.id == agency_id)).first()
        if row is None:
            raise StorageError("unknown", what="agency", key=agency_id, hint="")
        return Agency(id=row.id, name=row.name, sector=row.sector)

    def put_cycle(self, partnership_id: str, cycle: Cycle, agencies: tuple[str, ...]) -> None:
        """Add a cycle; its framework version must be stored first."""
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
        """Cycles, oldest first by returns due date (one partnership's, or just one cycle)."""
        query = select(T.cycle).order_by(T.cycle.c.returns_due, T.cycle.c.id)
        invitations = select(T.invitation.c.cycle_id, T.invitation.c.agency_id).order_by(
            T.invitation.c.agency_id
        )
        if partnership_id is not None:
            query = query.where(T.cycle.c.partnership_id == partnership_id)
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
        """One cycle."""
        for info in self.cycles(cycle_id=cycle_id):
            return info
        raise StorageError("unknown", what="cycle", key=cycle_id, hint="See `workbook summary`.")

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
        return Answer(
            rating=row.rating,
            evidence=row.evidence,
            going_well=row.going_well,
            development=row.development,
            actions=tuple(Action(**a) for a in json.loads(row.actions)),
            carried_forward=bool(row.carried_forward),
        )

    def _states(
        self, conn: Connection, cycle_id: str, agency_id: str | None, upto: int | None = None
    ) -> dict[str, ReturnState]:
        revisions = self._revisions(conn, cycle_id, agency_id)
        answers: dict[str, dict[str, Answer]] = {}
        for row in self._answer_rows(conn, cycle_id, agency_id):
            if upto is None or row.number <= upto:
                answers.setdefault(row.agency_id, {})[row.criterion_id] = self._answer(row)
        latest: dict[str, Any] = {}
        for row in revisions:
            if upto is None or row.number <= upto:
                latest[row.agency_id] = row
        return {
            agency: ReturnState(
                cycle_id=cycle_id,
                agency_id=agency,
                revision=row.number,
                status=Status(row.status),
                author=row.author,
                saved_at=_utc(row.saved_at),
                answers={k: v for k, v in answers.get(agency, {}).items() if not v.is_empty},
            )
            for agency, row in latest.items()
        }

    def latest(self, cycle_id: str, agency_id: str) -> ReturnState | None:
        """The current state of a return, or None if the agency has not started."""
        with self._read() as conn:
            return self._states(conn, cycle_id, agency_id).get(agency_id)

    def at(self, cycle_id: str, agency_id: str, number: int) -> ReturnState:
        """A return as it was at revision ``number``."""
        with self._read() as conn:
            state = self._states(conn, cycle_id, agency_id, upto=number).get(agency_id)
        if state is None or state.revision != number:
            raise StorageError(
                "unknown", what="revision", key=f"{cycle_id}/{agency_id}#{number}", hint=""
            )
        return state

    def returns(self, cycle_id: str) -> dict[str, ReturnState]:
        """Current state of every started return in a cycle, by agency id."""
        with self._read() as conn:
            return self._states(conn, cycle_id, None)

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
        return {agency: found.get(agency, Status.NOT_STARTED) for agency in info.agencies} | found

    def history(self, cycle_id: str, agency_id: str) -> list[RevisionInfo]:
        """Every revision of a return, oldest first, with the fields each changed."""
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
