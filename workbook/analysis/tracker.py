"""The chair's action tracker (issue #15): every tracked action of a cycle, followed to done.

Pure functions of a list of :class:`~workbook.schema.actions.TrackedAction` (with the
agencies' names, the cycle's top-5/top-3 marks and, for done actions, their history),
so the report, the dashboard and the tests count the same way; :func:`tracker` is the
one loader that reads them from the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbook.schema.actions import ActionRevision, ActionStatus, TopMark, TopScope, TrackedAction

if TYPE_CHECKING:
    from workbook.store import Store

PARTNERSHIP = "Partnership"
"""The agency column of the partnership's own actions."""

STATUS_ORDER = [s.label for s in ActionStatus]
"""Open, In progress, Done, Dropped: the order of every count by status."""

COLUMNS = [
    "action_id",
    "agency_id",
    "agency",
    "involves",
    "owner",
    "text",
    "due",
    "status",
    "status_label",
    "outcome",
    "overdue",
    "days_overdue",
    "stuck",
    "done_on",
    "last_note",
    "reason",
    "carried",
    "partnership_top",
    "agency_top",
]


def days_overdue(action: TrackedAction, today: dt.date) -> int:
    """Days past due of an unfinished action; 0 when it is not overdue."""
    return (today - action.due).days if action.due and action.overdue(today) else 0


def status_label(action: TrackedAction, today: dt.date) -> str:
    """'Done', 'Dropped', 'Overdue by N days' (unfinished and past due), 'In progress', 'Open'.

    >>> a = TrackedAction(id="A-1", partnership_id="p", text="t", due=dt.date(2020, 1, 1),
    ...     updated_at=dt.datetime(2020, 1, 1), created_at=dt.datetime(2020, 1, 1))
    >>> status_label(a, dt.date(2020, 1, 3))
    'Overdue by 2 days'
    """
    if action.status.finished or not action.overdue(today):
        return action.status.label
    days = days_overdue(action, today)
    return f"Overdue by {days} day{'s' if days != 1 else ''}"


def outcome(action: TrackedAction, today: dt.date) -> str:
    """What happened to it, in one word for the board: Done, Dropped, Overdue, In progress, Open."""
    if action.overdue(today):
        return "Overdue"
    return action.status.label


def done_on(action: TrackedAction, history: Sequence[ActionRevision] = ()) -> dt.date | None:
    """When a done action became done: the first revision of its last run of 'done'.

    Without its history, when it was last changed (``updated_at``).
    """
    if action.status is not ActionStatus.DONE:
        return None
    since: dt.datetime | None = None
    for revision in history:
        done = revision.status is ActionStatus.DONE
        since = (since or revision.saved_at) if done else None
    return (since or action.updated_at).date()


def _marks(marks: Iterable[TopMark]) -> dict[tuple[str, TopScope], str]:
    return {(m.action_id, m.scope): m.state.label for m in marks}


def tracker_table(
    actions: Iterable[TrackedAction],
    today: dt.date,
    *,
    agencies: Mapping[str, str] | None = None,
    marks: Iterable[TopMark] = (),
    histories: Mapping[str, Sequence[ActionRevision]] | None = None,
    cycle_id: str | None = None,
) -> pd.DataFrame:
    """One row per action: who, what, due, where it stands, and its marks in the cycle.

    Parameters
    ----------
    agencies
        Agency id -> name (an unknown id shows as itself; the partnership's own actions
        as "Partnership").
    marks
        The cycle's current top marks: ``partnership_top`` and ``agency_top`` hold the
        mark's state ("Nominated", "Confirmed", "Challenged"), or "" when unmarked.
    histories
        Action id -> its revisions, for when a done action became done.
    cycle_id
        The cycle the table is for: ``carried`` says an action began in an earlier one.
    """
    names = agencies or {}
    found = _marks(marks)
    rows = []
    for a in actions:
        rows.append(
            {
                "action_id": a.id,
                "agency_id": a.agency_id,
                "agency": PARTNERSHIP
                if a.agency_id is None
                else names.get(a.agency_id, a.agency_id),
                "involves": ", ".join(names.get(i, i) for i in a.involves),
                "owner": a.owner,
                "text": a.text,
                "due": a.due,
                "status": a.status.value,
                "status_label": status_label(a, today),
                "outcome": outcome(a, today),
                "overdue": a.overdue(today),
                "days_overdue": days_overdue(a, today),
                "stuck": a.stuck(today),
                "done_on": done_on(a, (histories or {}).get(a.id, ())),
                "last_note": a.last_note_at.date() if a.last_note_at else None,
                "reason": a.reason,
                "carried": bool(cycle_id and a.cycles and a.cycles[0] != cycle_id),
                "partnership_top": found.get((a.id, TopScope.PARTNERSHIP), ""),
                "agency_top": found.get((a.id, TopScope.AGENCY), ""),
            }
        )
    table = pd.DataFrame(rows, columns=COLUMNS)
    if table.empty:
        return table
    table["_partnership"] = table["agency_id"].isna()
    table = table.sort_values(
        ["overdue", "days_overdue", "_partnership", "agency", "text", "action_id"],
        ascending=[False, False, False, True, True, True],
    )
    return table.drop(columns="_partnership").reset_index(drop=True)


# -- summaries --------------------------------------------------------------------------


def status_counts(table: pd.DataFrame) -> pd.DataFrame:
    """How many actions stand at each status (Open, In progress, Done, Dropped), zeros kept."""
    labels = table["status"].map(lambda s: ActionStatus(s).label) if len(table) else table["status"]
    counts = labels.value_counts()
    return pd.DataFrame(
        {"status": STATUS_ORDER, "actions": [int(counts.get(s, 0)) for s in STATUS_ORDER]}
    )


def owner_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per owner (a role): actions, how many at each status, and how many overdue."""
    columns = ["owner", "actions", *(s.value for s in ActionStatus), "overdue"]
    rows: list[dict[str, Any]] = []
    for owner, group in table.groupby(table["owner"].replace("", "(no owner)"), sort=True):
        counts = group["status"].value_counts()
        rows.append(
            {
                "owner": owner,
                "actions": len(group),
                **{s.value: int(counts.get(s.value, 0)) for s in ActionStatus},
                "overdue": int(group["overdue"].sum()),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def overdue_actions(table: pd.DataFrame) -> pd.DataFrame:
    """Unfinished actions past their due date, most overdue first."""
    found = table[table["overdue"].astype(bool)] if len(table) else table
    return found.sort_values("days_overdue", ascending=False).reset_index(drop=True)


def quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter ``today`` falls in: its first day and the next quarter's first.

    >>> quarter(dt.date(2018, 1, 19))
    (datetime.date(2018, 1, 1), datetime.date(2018, 4, 1))
    """
    first = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    after = dt.date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
    return first, after


def done_this_quarter(table: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Actions that became done in the calendar quarter of ``today`` (up to ``today``)."""
    first, _ = quarter(today)
    done = table["done_on"].map(lambda d: d is not None and pd.notna(d) and first <= d <= today)
    found = table[done.astype(bool)] if len(table) else table
    return found.sort_values("done_on").reset_index(drop=True)


def stuck_actions(table: pd.DataFrame) -> pd.DataFrame:
    """Unfinished actions with no progress noted for 90 days or more."""
    found = table[table["stuck"].astype(bool)] if len(table) else table
    return found.reset_index(drop=True)


# -- the loader -------------------------------------------------------------------------


def tracker(store: Store, cycle_id: str, today: dt.date) -> pd.DataFrame:
    """The tracker table of a cycle's actions (those the store's identity may see)."""
    info = store.cycle(cycle_id)
    found = sorted(store.actions.find(cycle_id), key=lambda a: a.id)
    names = {a.id: a.name for a in store.agencies(info.partnership_id)}
    histories = {a.id: store.actions.history(a.id) for a in found if a.status is ActionStatus.DONE}
    return tracker_table(
        found,
        today,
        agencies=names,
        marks=store.actions.marks(cycle_id),
        histories=histories,
        cycle_id=cycle_id,
    )
