"""The catalogue: frameworks, partnerships, their agencies and cycles.

What a store is set up with before any return is saved. Everyone reads it within their
reach (:meth:`workbook.access.Identity.reaches`); only an administrator changes it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from workbook.access import Identity
from workbook.errors import AccessDenied, NotFound, StorageError
from workbook.schema.framework import Framework
from workbook.schema.partnership import Agency, Cycle, Partnership, Timetable, Words, merged_words
from workbook.schema.responses import text_problem
from workbook.store import tables as T
from workbook.store.engine import Database
from workbook.store.records import CycleInfo

INVITED_SEPARATOR = " "
"""Between a cycle's invited agency ids, read as one string: no key holds a space."""


@functools.cache
def _one_agency() -> Select[Any]:
    """One agency's row, built once: every save reads its agency's sector (issue #19)."""
    return select(T.agency).where(T.agency.c.id == bindparam("agency"))


@functools.cache
def _cycles_query(given: frozenset[str]) -> Select[Any]:
    """The cycles read with ``given`` bound parameters (``cycle``, ``partnership`` or
    ``alongside``: every cycle of that cycle's partnership), built once: building and
    keying the statement cost about as much as running it, and every save and every
    access check reads its cycle (issue #19)."""
    # each cycle's invitations folded into one string in SQL: a cycle may invite 1,000
    # agencies (issue #19: 3 ms a read as rows)
    invited = (
        select(func.aggregate_strings(T.invitation.c.agency_id, INVITED_SEPARATOR))
        .where(T.invitation.c.cycle_id == T.cycle.c.id)
        .scalar_subquery()
    )
    query = (
        select(T.cycle, T.partnership.c.words.label("partnership_words"), invited.label("invited"))
        .join(T.partnership, T.partnership.c.id == T.cycle.c.partnership_id)
        .order_by(T.cycle.c.returns_due, T.cycle.c.id)
    )
    if "alongside" in given:
        of = T.cycle.alias("of")  # not the outer query's cycle: no correlation
        partnership: Any = (
            select(of.c.partnership_id).where(of.c.id == bindparam("alongside")).scalar_subquery()
        )
        query = query.where(T.cycle.c.partnership_id == partnership)
    elif "partnership" in given:
        query = query.where(T.cycle.c.partnership_id == bindparam("partnership"))
    if "cycle" in given:
        # every save and status check asks for one cycle: read only its rows
        query = query.where(T.cycle.c.id == bindparam("cycle"))
    return query


def upsert(conn: Connection, table: Any, key: dict[str, Any], values: dict[str, Any]) -> None:
    """Insert the row ``key`` names, or update its ``values`` if it is there."""
    where = and_(*(table.c[k] == v for k, v in key.items()))
    if conn.scalar(select(func.count()).select_from(table).where(where)):
        if values:
            conn.execute(update(table).where(where).values(**values))
    else:
        conn.execute(insert(table).values(**key, **values))


def _words(cycle_words: str, partnership_words: str) -> Words:
    """A cycle's words in force, from the two JSON columns that hold them."""
    return merged_words(
        Words.model_validate_json(cycle_words or "{}"),
        Words.model_validate_json(partnership_words or "{}"),
    )


class Catalog:
    """The catalogue as ``identity`` sees it.

    Parameters
    ----------
    database
        The store's connections and its shared framework cache.
    identity
        Whom every read is limited for and every change checked against.
    """

    def __init__(self, database: Database, identity: Identity) -> None:
        self.database = database
        self.identity = identity

    def require_admin(self, action: str) -> None:
        """AccessDenied naming ``action`` unless the identity administers the workbook."""
        self.identity.require(self.identity.administers, action)

    # -- frameworks ----------------------------------------------------------------------

    def put_framework(self, framework: Framework) -> None:
        """Keep a framework version; the same id and version with other content is refused."""
        self.require_admin("add frameworks")
        definition = framework.model_dump_json()
        digest = hashlib.sha256(definition.encode()).hexdigest()
        with self.database.writing() as conn:
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
        cache = self.database.frameworks
        if key not in cache:
            with self.database.reading() as conn:
                definition = conn.scalar(
                    select(T.framework.c.definition).where(
                        T.framework.c.id == framework_id, T.framework.c.version == version
                    )
                )
            if definition is None:
                raise NotFound(
                    what="framework",
                    key=f"{framework_id} {version}",
                    hint="Load it with `workbook load`.",
                )
            cache[key] = Framework.model_validate_json(definition)
        return cache[key]

    def frameworks(self) -> list[tuple[str, str, str]]:
        """Stored framework versions as ``(id, version, title)``."""
        with self.database.reading() as conn:
            rows = conn.execute(
                select(T.framework.c.id, T.framework.c.version, T.framework.c.title).order_by(
                    T.framework.c.id, T.framework.c.version
                )
            )
            return [tuple(row) for row in rows]

    # -- partnerships, agencies ----------------------------------------------------------

    def put_partnership(self, partnership: Partnership) -> None:
        """Add or rename a partnership and its agencies (cycles are added with put_cycle)."""
        self.require_admin("change partnerships")
        with self.database.writing() as conn:
            upsert(
                conn,
                T.partnership,
                {"id": partnership.id},
                {
                    "name": partnership.name,
                    "description": partnership.description,
                    "words": partnership.words.model_dump_json(exclude_none=True),
                },
            )
            for agency in partnership.agencies:
                upsert(
                    conn,
                    T.agency,
                    {"id": agency.id},
                    {"name": agency.name, "sector": agency.sector},
                )
                upsert(
                    conn,
                    T.membership,
                    {"partnership_id": partnership.id, "agency_id": agency.id},
                    {"statutory": agency.statutory},
                )

    def partnerships(self) -> list[tuple[str, str]]:
        """Partnerships as ``(id, name)``."""
        with self.database.reading() as conn:
            rows = conn.execute(
                select(T.partnership.c.id, T.partnership.c.name).order_by(T.partnership.c.id)
            )
            return [tuple(row) for row in rows]

    def partnership_words(self, partnership_id: str) -> Words:
        """The partnership's own words, as its file gave them (unset fields None)."""
        with self.database.reading() as conn:
            words = conn.scalar(
                select(T.partnership.c.words).where(T.partnership.c.id == partnership_id)
            )
        return Words.model_validate_json(words or "{}")

    def agencies(self, partnership_id: str | None = None) -> list[Agency]:
        """Agencies, all or one partnership's, by name (statutory as that partnership says)."""
        if partnership_id is None:
            with self.database.reading() as conn:
                rows = conn.execute(select(T.agency).order_by(T.agency.c.name)).all()
            return [Agency(id=r.id, name=r.name, sector=r.sector) for r in rows]
        query = (
            select(T.agency, T.membership.c.statutory)
            .join(T.membership, T.membership.c.agency_id == T.agency.c.id)
            .where(T.membership.c.partnership_id == partnership_id)
            .order_by(T.agency.c.name)
        )
        with self.database.reading() as conn:
            return [
                Agency(id=r.id, name=r.name, sector=r.sector, statutory=bool(r.statutory))
                for r in conn.execute(query)
            ]

    def agency(self, agency_id: str) -> Agency:
        """One agency."""
        if text_problem(agency_id):  # as in _all_cycles: unknown, on every database alike
            raise NotFound(what="agency", key=agency_id)
        with self.database.reading() as conn:
            row = conn.execute(_one_agency(), {"agency": agency_id}).first()
        if row is None:
            raise NotFound(what="agency", key=agency_id)
        return Agency(id=row.id, name=row.name, sector=row.sector)

    def agency_names(self, agency_ids: Sequence[str]) -> list[str]:
        """Agencies' names for messages, an id standing in for one no longer stored."""
        names = []
        for agency_id in agency_ids:
            try:
                names.append(self.agency(agency_id).name)
            except NotFound:
                names.append(agency_id)
        return names

    # -- cycles --------------------------------------------------------------------------

    def put_cycle(self, partnership_id: str, cycle: Cycle, agencies: tuple[str, ...]) -> None:
        """Add a cycle; its framework version must be stored first."""
        self.require_admin("add cycles")
        if cycle.framework_version is None:
            raise ValueError("put_cycle needs the cycle's framework_version resolved")
        self.framework(cycle.framework, cycle.framework_version)
        with self.database.writing() as conn:
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
            upsert(
                conn,
                T.cycle,
                {"id": cycle.id},
                {
                    "partnership_id": partnership_id,
                    "title": cycle.title,
                    "framework_id": cycle.framework,
                    "framework_version": cycle.framework_version,
                    **cycle.timetable.model_dump(),
                    "words": cycle.words.model_dump_json(exclude_none=True),
                    "shared_returns": cycle.shared_returns,
                },
            )
            for agency_id in agencies:
                upsert(conn, T.invitation, {"cycle_id": cycle.id, "agency_id": agency_id}, {})

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
        memo = self.database.remembered()
        if memo is None:
            return self._read_cycles(partnership_id, cycle_id)
        key = ("cycles", partnership_id, cycle_id)
        if key in memo:  # every read in a snapshot checks its cycle: look it up once
            return list(memo[key])
        if cycle_id is None or partnership_id is not None:
            memo[key] = self._read_cycles(partnership_id, cycle_id)
            return list(memo[key])
        # and its partnership's others with it, in the same statements: a dashboard reads ten
        siblings = self._read_cycles(None, None, alongside=cycle_id)
        for info in siblings:
            memo.setdefault(("cycles", None, info.id), [info])
        if siblings:
            memo[("cycles", siblings[0].partnership_id, None)] = siblings
        return list(memo.setdefault(key, []))

    def _read_cycles(
        self, partnership_id: str | None, cycle_id: str | None, alongside: str | None = None
    ) -> list[CycleInfo]:
        """The cycles of a partnership, or one cycle, or every cycle of ``alongside``'s
        partnership."""
        params: dict[str, str] = {}
        if alongside is not None:
            params["alongside"] = alongside
        elif partnership_id is not None:
            params["partnership"] = partnership_id
        if cycle_id is not None:
            params["cycle"] = cycle_id
        query = _cycles_query(frozenset(params))
        with self.database.reading() as conn:
            rows = conn.execute(query, params).all()
        timetable_fields = tuple(Timetable.model_fields)
        return [
            CycleInfo(
                id=row.id,
                partnership_id=row.partnership_id,
                title=row.title,
                framework_id=row.framework_id,
                framework_version=row.framework_version,
                timetable=Timetable(**{name: getattr(row, name) for name in timetable_fields}),
                agencies=tuple(sorted(row.invited.split(INVITED_SEPARATOR))) if row.invited else (),
                words=_words(row.words, row.partnership_words),
                shared_returns=bool(row.shared_returns),
            )
            for row in rows
        ]

    def cycle_ids(self, partnership_id: str) -> list[str]:
        """The ids of :meth:`cycles` of a partnership (what a snapshot asks about at once)."""
        return [c.id for c in self.cycles(partnership_id)]

    def cycle(self, cycle_id: str) -> CycleInfo:
        """One cycle; one beyond the identity's reach is reported as not there."""
        for info in self._all_cycles(None, cycle_id):
            if self.identity.reaches(info.partnership_id, info.id):
                return info
            break
        else:
            if self.identity.trusted_local:
                raise NotFound(what="cycle", key=cycle_id, hint="See `workbook summary`.")
        raise AccessDenied("not_found", what="cycle", key=cycle_id, who=self.identity.describe())

    def previous_cycle(self, cycle_id: str) -> CycleInfo | None:
        """The partnership's latest cycle of the same framework due before ``cycle_id``.

        "Before" means its returns were due earlier; cycles due the same day are not
        earlier. Carrying a return forward, bringing actions forward and the report's
        "last cycle" all mean this one.
        """
        current = self.cycle(cycle_id)
        earlier = [
            c
            for c in self.cycles(current.partnership_id)  # oldest first by due date
            if c.framework_id == current.framework_id
            and c.id != current.id
            and c.timetable.returns_due < current.timetable.returns_due
        ]
        return earlier[-1] if earlier else None

    def cycle_framework(self, cycle_id: str) -> Framework:
        """The framework version a cycle runs."""
        info = self.cycle(cycle_id)
        return self.framework(info.framework_id, info.framework_version)
