"""Every action the returns name, with its status and the chair's marks.

An action the tracker follows (issue #15) takes its status from there: a done or dropped
action is not overdue, whatever its due date; the others are counted against the due date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from workbook.analysis.tracker import status_label
from workbook.schema.actions import ActionStatus, TrackedAction

DUE_SOON_DAYS = 30


def _action_status(due: dt.date | None, today: dt.date) -> tuple[str, int]:
    if due is None:
        return "No due date", 0
    days = (today - due).days
    if days > 0:
        return f"Overdue by {days} day{'s' if days != 1 else ''}", days
    if -days <= DUE_SOON_DAYS:
        return "Due soon", days
    return "Open", days


def actions(
    frame: pd.DataFrame,
    today: dt.date,
    marks: Iterable[Any] = (),
    tracked: Iterable[TrackedAction] = (),
) -> pd.DataFrame:
    """All actions from the returns, by agency, owner, due date and status; overdue first.

    Parameters
    ----------
    marks
        Current top-action marks (``workbook.store.moderation.ActionMark``); they set the
        ``partnership_top`` and ``agency_top`` columns.
    tracked
        The tracked actions (``store.actions.find``): an action with one of their ids
        takes its status, owner and due date from the tracker (``tracked_status``).
    """
    by_id = {a.id: a for a in tracked}
    marked = {(m.cycle_id, m.agency_id, m.criterion_id, m.action_text, m.scope) for m in marks}
    rows = []
    for record in frame[frame["actions"].map(len) > 0].itertuples(index=False):
        for number, action in enumerate(record.actions, start=1):
            due = action.get("due")
            owner = action.get("owner", "")
            status, days = _action_status(due, today)
            overdue = days > 0 and due is not None
            follow = by_id.get(action.get("id") or "")
            if follow is not None:
                due, owner = follow.due, follow.owner
                status, days = _action_status(due, today)
                overdue = follow.overdue(today)
                if follow.status is not ActionStatus.OPEN or overdue:
                    status = status_label(follow, today)
            key = (record.cycle_id, record.agency_id, record.criterion_id, action["text"])
            rows.append(
                {
                    "cycle_id": record.cycle_id,
                    "agency_id": record.agency_id,
                    "agency": record.agency,
                    "sector": record.sector,
                    "heading": record.heading,
                    "criterion_id": record.criterion_id,
                    "number": number,
                    "action": action["text"],
                    "owner": owner,
                    "due": due,
                    "status": status,
                    "overdue": overdue,
                    "days": days,
                    "return_status": record.status_label,
                    "partnership_top": (*key, "partnership") in marked,
                    "agency_top": (*key, "agency") in marked,
                    "action_id": action.get("id"),
                    "tracked_status": follow.status.value if follow is not None else None,
                }
            )
    columns = [
        "cycle_id agency_id agency sector heading criterion_id number action owner due status "
        "overdue days return_status partnership_top agency_top action_id tracked_status"
    ][0].split()
    table = pd.DataFrame(rows, columns=columns)
    if table.empty:
        return table
    table["_no_due"] = table["due"].isna()
    table = table.sort_values(
        ["overdue", "_no_due", "days", "agency", "criterion_id", "number"],
        ascending=[False, True, False, True, True, True],
    )
    return table.drop(columns="_no_due").reset_index(drop=True)
