"""Schema 5 -> 6: every action already written in a return becomes a tracked action (issue #15).

Before schema 6 an action was words inside an answer, and carrying a return forward
copied it into the next cycle. So one action is the same words, on the same criterion,
in the same agency's returns to cycles of the same partnership and framework: it gets one
id, is part of each of those cycles, and starts *open* (nobody could record more). Its
words, owner and due date are those of the latest return that has it.

The id is written into every answer row that lists the action, so the next save of a
return recognises its actions instead of adding them again; nothing else in a row
changes. The chair's top-action marks, which matched actions by their words, become
marks on the tracked actions.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from workbook.schema.actions import ActionStatus, new_action_id
from workbook.store import tables as T


def utc(value: dt.datetime) -> dt.datetime:
    """As ``engine.utc`` (which imports this module's caller, so is not imported here)."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


Key = tuple[str, str, str, str, str, int]  # partnership, framework, agency, criterion, words, nth


def _answer_rows(conn: Connection) -> list[Any]:
    """Every answer row with actions, oldest cycle and revision first."""
    r, a, c = T.revision, T.answer, T.cycle
    return list(
        conn.execute(
            select(
                a.c.revision_id,
                a.c.criterion_id,
                a.c.actions,
                r.c.cycle_id,
                r.c.agency_id,
                r.c.number,
                r.c.author,
                r.c.saved_by,
                r.c.saved_at,
                c.c.partnership_id,
                c.c.framework_id,
            )
            .join(r, r.c.id == a.c.revision_id)
            .join(c, c.c.id == r.c.cycle_id)
            .where(a.c.actions != "[]")
            .order_by(c.c.returns_due, c.c.id, r.c.agency_id, r.c.number, a.c.criterion_id)
        ).all()
    )


def _current_rows(conn: Connection) -> set[tuple[int, str]]:
    """(revision id, criterion) of the answer rows that make up each return's latest state."""
    r, a = T.revision, T.answer
    latest: dict[tuple[str, str, str], tuple[int, int]] = {}
    for row in conn.execute(
        select(r.c.id, r.c.cycle_id, r.c.agency_id, r.c.number, a.c.criterion_id).join(
            a, a.c.revision_id == r.c.id
        )
    ):
        key = (row.cycle_id, row.agency_id, row.criterion_id)
        if key not in latest or latest[key][0] < row.number:
            latest[key] = (row.number, row.id)
    return {(rev_id, key[2]) for key, (_, rev_id) in latest.items()}


def track_existing_actions(conn: Connection, new_id: Callable[[], str] = new_action_id) -> None:
    """Create the tracked actions, their cycles and marks; write ids into the answer rows."""
    T.metadata.create_all(conn, tables=list(T.V6_TABLES))
    ids: dict[Key, str] = {}
    found: dict[str, dict[str, Any]] = {}  # id -> what the tracked action is made from
    current = _current_rows(conn)
    for row in _answer_rows(conn):
        actions = json.loads(row.actions)
        seen: dict[str, int] = {}
        for action in actions:
            nth = seen[action["text"]] = seen.get(action["text"], -1) + 1
            key = (row.partnership_id, row.framework_id, row.agency_id, row.criterion_id)
            full = (*key, action["text"], nth)
            if full not in ids:
                chosen = new_id()
                while chosen in found:
                    chosen = new_id()
                ids[full] = chosen
            action_id = action.get("id") or ids[full]
            action["id"] = action_id
            entry = found.setdefault(
                action_id,
                {
                    "partnership_id": row.partnership_id,
                    "agency_id": row.agency_id,
                    "created_in": row.cycle_id,
                    "created_at": utc(row.saved_at),
                    "cycles": [],
                    "current": False,
                },
            )
            if row.cycle_id not in entry["cycles"]:
                entry["cycles"].append(row.cycle_id)
            entry["current"] = entry["current"] or (row.revision_id, row.criterion_id) in current
            entry.update(
                text=action["text"],
                owner=action.get("owner") or "",
                due=dt.date.fromisoformat(action["due"]) if action.get("due") else None,
                criterion=row.criterion_id,
                author=row.author,
                saved_by=row.saved_by,
                saved_at=utc(row.saved_at),
            )
        conn.execute(
            update(T.answer)
            .where(T.answer.c.revision_id == row.revision_id)
            .where(T.answer.c.criterion_id == row.criterion_id)
            .values(actions=json.dumps(actions))
        )
    tracked = {i: e for i, e in found.items() if e["current"]}
    for action_id, entry in tracked.items():
        conn.execute(
            insert(T.tracked_action).values(
                id=action_id,
                partnership_id=entry["partnership_id"],
                agency_id=entry["agency_id"],
                created_in=entry["created_in"],
                created_at=entry["created_at"],
            )
        )
        conn.execute(
            insert(T.action_revision).values(
                action_id=action_id,
                number=1,
                text=entry["text"],
                owner=entry["owner"],
                due=entry["due"],
                criteria=json.dumps([entry["criterion"]]),
                involves="[]",
                status=ActionStatus.OPEN.value,
                reason="",
                note="",
                author=entry["author"],
                saved_by=entry["saved_by"],
                saved_at=entry["saved_at"],
            )
        )
        for number, cycle_id in enumerate(entry["cycles"]):
            conn.execute(
                insert(T.action_cycle).values(
                    action_id=action_id,
                    cycle_id=cycle_id,
                    carried=number > 0,
                    added_at=entry["created_at"],
                )
            )
    _marks(conn, ids, tracked)


def _marks(conn: Connection, ids: dict[Key, str], tracked: dict[str, Any]) -> None:
    """The chair's marks by words, as marks on the tracked actions they named."""
    c, m = T.cycle, T.action_mark
    rows = conn.execute(
        select(m, c.c.partnership_id, c.c.framework_id)
        .join(c, c.c.id == m.c.cycle_id)
        .order_by(m.c.id)
    ).all()
    for row in rows:
        key = (
            row.partnership_id,
            row.framework_id,
            row.agency_id,
            row.criterion_id,
            row.action_text,
            0,
        )
        action_id = ids.get(key)
        if action_id is None or action_id not in tracked:
            continue  # the words were changed since the mark; nothing to carry it to
        conn.execute(
            insert(T.action_top).values(
                cycle_id=row.cycle_id,
                action_id=action_id,
                scope=row.scope,
                state="confirmed" if row.marked else "removed",
                comment="",
                author=row.author,
                saved_by=None,
                saved_at=row.saved_at,
            )
        )
