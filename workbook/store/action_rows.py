"""Tracked actions' rows: reading the latest revision of each, adding revisions (issue #15).

These functions take an open connection and check nothing: :mod:`workbook.store.actions`
decides who may do what, and :mod:`workbook.store.returns` calls :func:`sync_return` in the
transaction that saves a return, so a return and its actions change together or not at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from workbook.errors import Problem, ResponseError
from workbook.schema.actions import ActionRevision, ActionStatus, TrackedAction
from workbook.schema.responses import Action, Answers
from workbook.store import tables as T
from workbook.store.engine import utc

FIELDS = ("text", "owner", "due", "criteria", "involves", "status", "reason")


def _newest() -> Any:
    """Each action's newest revision number, looked up through the (action, number) index
    for the actions the query keeps: a grouped subquery over every action's revisions was
    read whole on each call, whatever the query selected (the demo's 900 updates spent
    most of their time there, issue #19)."""
    r = T.action_revision.alias("newest")
    return (
        select(func.max(r.c.number))
        .where(r.c.action_id == T.tracked_action.c.id)
        .correlate(T.tracked_action)
        .scalar_subquery()
    )


def _latest_query() -> Select[Any]:
    a, r = T.tracked_action, T.action_revision
    return (
        select(a, r.c.number, *(r.c[f] for f in FIELDS), r.c.saved_at)
        .select_from(a)
        .join(r, and_(r.c.action_id == a.c.id, r.c.number == _newest()))
        .order_by(a.c.created_at, a.c.id)
    )


@functools.cache
def _by_ids() -> Select[Any]:
    """The actions with the given ids, built once: every save that changes its actions
    asks (issue #19)."""
    return _latest_query().where(T.tracked_action.c.id.in_(bindparam("ids", expanding=True)))


def latest(conn: Connection, where: ColumnElement[bool] | None = None) -> list[TrackedAction]:
    """The current state of every action ``where`` selects (on ``tracked_action``)."""
    query = _latest_query()
    if where is not None:
        query = query.where(where)
    return _tracked(conn, conn.execute(query).all())


def latest_of(conn: Connection, ids: Iterable[str]) -> list[TrackedAction]:
    """The current state of the actions with these ids (those that exist)."""
    wanted = list(ids)
    return _tracked(conn, conn.execute(_by_ids(), {"ids": wanted}).all()) if wanted else []


def _tracked(conn: Connection, rows: Sequence[Any]) -> list[TrackedAction]:
    """Actions from their newest revision rows, with their cycles and last notes."""
    r = T.action_revision
    if not rows:
        return []
    ids = [row.id for row in rows]
    cycles = cycles_of(conn, ids)
    notes = dict(
        conn.execute(
            select(r.c.action_id, func.max(r.c.saved_at))
            .where(r.c.action_id.in_(ids), r.c.note != "")
            .group_by(r.c.action_id)
        ).all()
    )
    return [
        TrackedAction(
            id=row.id,
            partnership_id=row.partnership_id,
            agency_id=row.agency_id,
            **_fields(row),
            cycles=tuple(c for c, _ in cycles.get(row.id, ())),
            reach=tuple((p, c) for c, p in cycles.get(row.id, ())),
            revision=row.number,
            updated_at=utc(row.saved_at),
            last_note_at=utc(notes[row.id]) if row.id in notes else None,
            created_at=utc(row.created_at),
        )
        for row in rows
    ]


def _fields(row: Any) -> dict[str, Any]:
    """What an ``action_revision`` row says of the action, as its models take it."""
    return {
        "text": row.text,
        "owner": row.owner,
        "due": row.due,
        "criteria": tuple(json.loads(row.criteria)),
        "involves": tuple(json.loads(row.involves)),
        "status": ActionStatus(row.status),
        "reason": row.reason,
    }


def cycles_of(conn: Connection, ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """The cycles each action was part of with their partnerships, oldest first (by due date)."""
    c, ac = T.cycle, T.action_cycle
    rows = conn.execute(
        select(ac.c.action_id, ac.c.cycle_id, c.c.partnership_id)
        .join(c, c.c.id == ac.c.cycle_id)
        .where(ac.c.action_id.in_(list(ids)))
        .order_by(ac.c.action_id, c.c.returns_due, c.c.id)
    ).all()
    found: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        found.setdefault(row.action_id, []).append((row.cycle_id, row.partnership_id))
    return found


def in_cycle(cycle_id: str) -> ColumnElement[bool]:
    """``where`` for the actions that are part of ``cycle_id``."""
    ac = T.action_cycle
    return T.tracked_action.c.id.in_(select(ac.c.action_id).where(ac.c.cycle_id == cycle_id))


def of_agencies(agency_ids: Iterable[str], partnership: bool) -> ColumnElement[bool]:
    """``where`` for the actions of these agencies, and the partnership's own if asked."""
    a = T.tracked_action
    chosen = a.c.agency_id.in_(list(agency_ids))
    return or_(chosen, a.c.agency_id.is_(None)) if partnership else chosen


def history(conn: Connection, action_id: str) -> list[ActionRevision]:
    """Every revision of one action, oldest first."""
    r = T.action_revision
    rows = conn.execute(select(r).where(r.c.action_id == action_id).order_by(r.c.number)).all()
    return [
        ActionRevision(
            action_id=row.action_id,
            number=row.number,
            **_fields(row),
            note=row.note,
            author=row.author,
            saved_by=row.saved_by,
            saved_at=utc(row.saved_at),
        )
        for row in rows
    ]


def _revision_row(
    action: TrackedAction | None,
    action_id: str,
    values: dict[str, Any],
    *,
    note: str = "",
    author: str,
    saved_by: str | None,
    at: dt.datetime,
) -> dict[str, Any]:
    """The row of revision n+1 of ``action`` (revision 1 when None) with ``values`` changed."""
    base: dict[str, Any] = (
        {f: getattr(action, f) for f in FIELDS}
        if action is not None
        else {
            "owner": "",
            "due": None,
            "criteria": (),
            "involves": (),
            "status": ActionStatus.OPEN,
            "reason": "",
        }
    )
    row = base | values
    return {
        "action_id": action_id,
        "number": (action.revision + 1) if action is not None else 1,
        "text": row["text"],
        "owner": row["owner"],
        "due": row["due"],
        "criteria": json.dumps(list(row["criteria"])),
        "involves": json.dumps(list(row["involves"])),
        "status": ActionStatus(row["status"]).value,
        "reason": row["reason"],
        "note": note,
        "author": author,
        "saved_by": saved_by,
        "saved_at": at,
    }


def add_revision(
    conn: Connection,
    action: TrackedAction | None,
    action_id: str,
    values: dict[str, Any],
    *,
    note: str = "",
    author: str,
    saved_by: str | None,
    at: dt.datetime,
) -> None:
    """Insert revision n+1 of ``action`` (revision 1 when None) with ``values`` changed."""
    row = _revision_row(
        action, action_id, values, note=note, author=author, saved_by=saved_by, at=at
    )
    conn.execute(insert(T.action_revision), [row])


def create_many(
    conn: Connection,
    new: dict[str, dict[str, Any]],
    *,
    partnership_id: str,
    agency_id: str | None,
    cycle_id: str,
    author: str,
    saved_by: str | None,
    at: dt.datetime,
) -> None:
    """New tracked actions (id -> values), each part of ``cycle_id`` with its first revision.

    Three statements whatever their number: a return imported from a spreadsheet brings
    all its actions at once, and one statement each cost most of the import's own time
    (issue #19). A new id is in no cycle yet, so nothing is looked up first.
    """
    if not new:
        return
    conn.execute(
        insert(T.tracked_action),
        [
            {
                "id": action_id,
                "partnership_id": partnership_id,
                "agency_id": agency_id,
                "created_in": cycle_id,
                "created_at": at,
            }
            for action_id in new
        ],
    )
    conn.execute(
        insert(T.action_cycle),
        [
            {"action_id": action_id, "cycle_id": cycle_id, "carried": False, "added_at": at}
            for action_id in new
        ],
    )
    conn.execute(
        insert(T.action_revision),
        [
            _revision_row(None, action_id, values, author=author, saved_by=saved_by, at=at)
            for action_id, values in new.items()
        ],
    )


def link(
    conn: Connection, action_id: str, cycle_id: str, *, carried: bool, at: dt.datetime
) -> bool:
    """Make the action part of the cycle; False if it already was."""
    return bool(link_many(conn, [action_id], cycle_id, carried=carried, at=at))


def link_many(
    conn: Connection, action_ids: list[str], cycle_id: str, *, carried: bool, at: dt.datetime
) -> list[str]:
    """Make the actions part of the cycle, in two statements; those that were not yet.

    Every save of a return asks this for each of its actions, almost all linked already:
    one query per action was a quarter of an autosave's time (issue #19).
    """
    if not action_ids:
        return []
    ac = T.action_cycle
    there = set(
        conn.scalars(
            select(ac.c.action_id).where(ac.c.cycle_id == cycle_id, ac.c.action_id.in_(action_ids))
        )
    )
    missing = [a for a in dict.fromkeys(action_ids) if a not in there]
    if missing:
        conn.execute(
            insert(ac),
            [
                {"action_id": a, "cycle_id": cycle_id, "carried": carried, "added_at": at}
                for a in missing
            ],
        )
    return missing


def _placed(answers: Answers) -> dict[str, tuple[str, Action]]:
    """Action id -> (criterion, action) for every action in a return's answers."""
    return {
        action.id: (criterion_id, action)
        for criterion_id, answer in answers.items()
        for action in answer.actions
        if action.id is not None
    }


def sync_return(
    conn: Connection,
    *,
    partnership_id: str,
    cycle_id: str,
    agency_id: str,
    before: Answers,
    after: Answers,
    author: str,
    saved_by: str | None,
    at: dt.datetime,
) -> None:
    """Bring the agency's tracked actions in line with what this save changed in its return.

    Only what the save changed is applied: an action new to the return is created (or,
    brought forward from an earlier cycle, becomes part of this one), words, owner or due
    date edited in the return become a revision, and an action taken out of the return is
    dropped. A status or note recorded on the action since is left as it is.
    """
    old, new = _placed(before), _placed(after)
    if old == new:  # most saves (an autosave of other words): nothing to bring in line
        return
    found = latest_of(conn, old.keys() | new.keys())
    known = {
        t.id: t for t in found if t.partnership_id == partnership_id and t.agency_id == agency_id
    }
    others = [
        Problem(
            new[t.id][0],
            "actions",
            f"the action id {t.id} is another agency's action; "
            "leave the id empty to add a new action",
        )
        for t in found
        if t.id in new and t.id not in known
    ]
    if others:
        raise ResponseError(f"{cycle_id}/{agency_id}", others)
    created: dict[str, dict[str, Any]] = {}
    for action_id, (criterion_id, action) in new.items():
        tracked = known.get(action_id)
        fields = {"text": action.text, "owner": action.owner, "due": action.due}
        if tracked is None:
            created[action_id] = fields | {"criteria": (criterion_id,)}
            continue
        was = old.get(action_id)
        changes: dict[str, Any] = {
            k: v
            for k, v in fields.items()
            if (was is None or getattr(was[1], k) != v) and getattr(tracked, k) != v
        }
        if was is not None and was[0] != criterion_id and criterion_id not in tracked.criteria:
            changes["criteria"] = tuple(
                criterion_id if c == was[0] else c for c in tracked.criteria
            ) or (criterion_id,)
        if changes:
            add_revision(conn, tracked, action_id, changes, author=author, saved_by=saved_by, at=at)
    link_many(conn, [a for a in new if a in known], cycle_id, carried=True, at=at)
    create_many(
        conn,
        created,
        partnership_id=partnership_id,
        agency_id=agency_id,
        cycle_id=cycle_id,
        author=author,
        saved_by=saved_by,
        at=at,
    )
    for action_id in old.keys() - new.keys():
        tracked = known.get(action_id)
        if tracked is not None and not tracked.status.finished:
            values = {
                "status": ActionStatus.DROPPED,
                "reason": f"Taken out of the {cycle_id} return.",
            }
            add_revision(conn, tracked, action_id, values, author=author, saved_by=saved_by, at=at)


@functools.cache
def _readers() -> Select[Any]:
    """The other cycles that read a shared return, built once: every save with actions
    asks (issue #19)."""
    return select(T.shared_return.c.cycle_id).where(
        T.shared_return.c.home_cycle_id == bindparam("home"),
        T.shared_return.c.agency_id == bindparam("agency"),
    )


def link_shared(
    conn: Connection, home_cycle_id: str, agency_id: str, answers: Answers, *, at: dt.datetime
) -> None:
    """Make a shared return's actions part of every cycle that reads it (issue #17).

    The actions are tracked once, in the home cycle's partnership; each other
    partnership's tracker lists them through its own cycle, and marks them top there.
    """
    placed = _placed(answers)
    if not placed:
        return
    readers = conn.scalars(_readers(), {"home": home_cycle_id, "agency": agency_id}).all()
    for action_id in placed:
        for cycle_id in readers:
            link(conn, action_id, cycle_id, carried=False, at=at)
