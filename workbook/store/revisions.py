"""Reading returns' revisions and answers back out of the append-only tables.

A save inserts one ``revision`` row and one ``answer`` row per criterion whose state
changed; these queries fold them back into states and histories. They take an open
connection, so a save reads and writes in one transaction, and decide nothing about who
may see what (that is :mod:`workbook.store.returns`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from workbook.schema.framework import Framework
from workbook.schema.responses import Action, Answer, Status
from workbook.store import tables as T
from workbook.store.engine import utc
from workbook.store.records import ReturnState

_ACTIONS = TypeAdapter(tuple[Action, ...])


def homes(conn: Connection, cycle_id: str, agency_id: str | None = None) -> dict[str, str]:
    """The cycle each of ``cycle_id``'s shared returns is kept under, by agency (#17).

    An agency missing here keeps its return under ``cycle_id`` itself.
    """
    if agency_id is None:
        rows = conn.execute(_homes(False), {"cycle": cycle_id})
    else:
        rows = conn.execute(_homes(True), {"cycle": cycle_id, "agency": agency_id})
    return {agency: home for agency, home in rows}


@functools.cache
def _homes(one_agency: bool) -> Select[Any]:
    """Where a cycle's returns (or one agency's) are kept, built once: every save and every
    read of a return asks (issue #19)."""
    query = select(T.shared_return.c.agency_id, T.shared_return.c.home_cycle_id).where(
        T.shared_return.c.cycle_id == bindparam("cycle")
    )
    return query.where(T.shared_return.c.agency_id == bindparam("agency")) if one_agency else query


def home(conn: Connection, cycle_id: str, agency_id: str) -> str:
    """The cycle an agency's return for ``cycle_id`` is saved under: its own, or the home."""
    return homes(conn, cycle_id, agency_id).get(agency_id, cycle_id)


def partnership_of(conn: Connection, cycle_id: str) -> str:
    """The partnership a cycle belongs to, whoever is asking (the caller has checked)."""
    found = conn.scalar(select(T.cycle.c.partnership_id).where(T.cycle.c.id == cycle_id))
    assert found is not None, cycle_id  # a shared_return row's foreign key holds it
    return str(found)


def _scope(conn: Connection, cycle_id: str, agency_id: str | None) -> ColumnElement[bool]:
    """The revision rows that make up ``cycle_id``'s returns (one agency's, or all).

    A shared return's rows are under its home cycle, so a cycle's returns are its own
    rows, less any agency whose return is shared from elsewhere, plus those agencies'
    rows at home. Agencies stay unique, so grouping by agency still folds one return.
    """
    r = T.revision
    found = homes(conn, cycle_id, agency_id)
    if agency_id is not None:
        return and_(r.c.cycle_id == found.get(agency_id, cycle_id), r.c.agency_id == agency_id)
    own = r.c.cycle_id == cycle_id
    if not found:
        return own
    return or_(
        and_(own, r.c.agency_id.not_in(list(found))),
        *(and_(r.c.cycle_id == at, r.c.agency_id == agency) for agency, at in found.items()),
    )


def revisions(conn: Connection, cycle_id: str, agency_id: str | None) -> Sequence[Any]:
    """Every revision row of a cycle's returns (or one agency's), by agency and number."""
    query = select(T.revision).where(_scope(conn, cycle_id, agency_id))
    return conn.execute(query.order_by(T.revision.c.agency_id, T.revision.c.number)).all()


def answer_rows(conn: Connection, cycle_id: str, agency_id: str | None) -> Sequence[Any]:
    """Every answer row with its revision's agency and number, in the order they were saved."""
    query = (
        select(T.revision.c.agency_id, T.revision.c.number, T.answer)
        .join(T.answer, T.answer.c.revision_id == T.revision.c.id)
        .where(_scope(conn, cycle_id, agency_id))
    )
    # criterion_id too: without it the order within a revision is up to the database
    order = (T.revision.c.agency_id, T.revision.c.number, T.answer.c.criterion_id)
    return conn.execute(query.order_by(*order)).all()


def answer(row: Any) -> Answer:
    """The answer an ``answer`` row holds."""
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
            "not_applicable": bool(row.not_applicable),
            "na_reason": row.na_reason,
        }
    )


def answer_values(
    framework: Framework, revision_id: int, criterion_id: str, answer: Answer
) -> dict[str, Any]:
    """The ``answer`` row that keeps ``answer`` in revision ``revision_id``."""
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
        "not_applicable": answer.not_applicable,
        "na_reason": answer.na_reason,
    }


def states(
    conn: Connection, cycle_id: str, agency_id: str | None, upto: int | None = None
) -> dict[str, ReturnState]:
    """Each started return's state at its newest revision (at most ``upto``).

    The folding happens in SQL (issue #8): the newest revision per agency, and per
    agency and criterion the newest answer row, so reading a return costs its
    criteria, not its history (a return autosaved 600 times read 600 revisions'
    rows on every save before). Both are indexed GROUP BY joins that SQLite and
    PostgreSQL run alike.
    """
    answers: dict[str, dict[str, Answer]] = {}
    params: dict[str, Any] = {} if upto is None else {"upto": upto}
    if agency_id is not None:  # every save and autosave: statements built once (issue #19)
        newest_revisions, newest_answers = _one_return(upto is not None)
        params |= {"one_cycle": home(conn, cycle_id, agency_id), "one_agency": agency_id}
    else:
        scope = _scope(conn, cycle_id, None)
        newest_revisions = _latest_revisions(scope, upto is not None)
        newest_answers = _latest_answer_rows(scope, upto is not None)
    for row in conn.execute(newest_answers, params):
        found = answer(row)
        if not found.is_empty:
            answers.setdefault(row.agency_id, {})[row.criterion_id] = found
    return {
        row.agency_id: ReturnState(
            cycle_id=cycle_id,
            agency_id=row.agency_id,
            revision=row.number,
            status=Status(row.status),
            author=row.author,
            saved_at=utc(row.saved_at),
            answers=answers.get(row.agency_id, {}),
        )
        for row in conn.execute(newest_revisions, params)
    }


_ONE_RETURN = and_(
    T.revision.c.cycle_id == bindparam("one_cycle"),
    T.revision.c.agency_id == bindparam("one_agency"),
)
"""One return's revision rows: the cycle it is kept under and its agency, given at execution."""


@functools.cache
def _one_return(upto: bool) -> tuple[Select[Any], Select[Any]]:
    """:func:`_latest_revisions` and :func:`_latest_answer_rows` of one return, built once:
    building them took about half of reading a return's state (its cache key, the
    subqueries' columns), twice in every save."""
    return _latest_revisions(_ONE_RETURN, upto), _latest_answer_rows(_ONE_RETURN, upto)


def _revision_filter(scope: ColumnElement[bool], upto: bool) -> list[Any]:
    where: list[Any] = [scope]
    if upto:
        where.append(T.revision.c.number <= bindparam("upto"))
    return where


def _latest_revisions(scope: ColumnElement[bool], upto: bool) -> Select[Any]:
    """The newest revision row (at most ``:upto``) of each agency's return, by agency."""
    r = T.revision
    where = _revision_filter(scope, upto)
    newest = (
        select(r.c.agency_id, func.max(r.c.number).label("number"))
        .where(*where)
        .group_by(r.c.agency_id)
        .subquery()
    )
    return (
        select(r)
        .join(newest, and_(newest.c.agency_id == r.c.agency_id, newest.c.number == r.c.number))
        .where(scope)
        .order_by(r.c.agency_id)
    )


def _latest_answer_rows(scope: ColumnElement[bool], upto: bool) -> Select[Any]:
    """Per agency and criterion, the answer row of the newest revision that touched it."""
    r, a = T.revision, T.answer
    where = _revision_filter(scope, upto)
    newest = (
        select(r.c.agency_id, a.c.criterion_id, func.max(r.c.number).label("number"))
        .join(a, a.c.revision_id == r.c.id)
        .where(*where)
        .group_by(r.c.agency_id, a.c.criterion_id)
        .subquery()
    )
    return (
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
        .where(scope)
        .order_by(r.c.agency_id, a.c.criterion_id)
    )


def last_statuses(conn: Connection, cycle_id: str) -> dict[str, Status]:
    """The status of each started return in a cycle, by agency."""
    scope = _scope(conn, cycle_id, None)
    last = (
        select(T.revision.c.agency_id, func.max(T.revision.c.number).label("number"))
        .where(scope)
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
        .where(scope)
    ).all()
    return {agency: Status(status) for agency, status in rows}
