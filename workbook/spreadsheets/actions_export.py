"""A cycle's tracked actions and every change to them, as tables (issue #15).

The ``actions`` table of an export lists what each return says; these say where each
action stands now and how it got there, for an analyst's own tracker or a board annex.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workbook.spreadsheets.tidy import Table
from workbook.store import Store

TRACKED_COLUMNS = (
    "action_id",
    "cycle",
    "agency",
    "agency_name",
    "involves",
    "action",
    "owner",
    "due",
    "status",
    "reason_dropped",
    "criteria",
    "cycles",
    "revision",
    "overdue",
    "last_progress_note_utc",
)
HISTORY_COLUMNS = (
    "action_id",
    "revision",
    "saved_at_utc",
    "author",
    "status",
    "action",
    "owner",
    "due",
    "reason_dropped",
    "progress_note",
)


def _naive(moment: dt.datetime | None) -> dt.datetime | None:
    """UTC without its zone: spreadsheets keep no zone, and the column says UTC."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment else None


def action_tables(store: Store, cycle_id: str, today: dt.date | None = None) -> tuple[Table, Table]:
    """The ``tracked actions`` and ``action history`` tables of the actions in a cycle."""
    today = today or dt.date.today()
    info = store.cycle(cycle_id)
    names = {a.id: a.name for a in store.agencies(info.partnership_id)}
    tracked: list[tuple[Any, ...]] = []
    history: list[tuple[Any, ...]] = []
    for action in store.actions.find(cycle_id):
        tracked.append(
            (
                action.id,
                cycle_id,
                action.agency_id or "",
                names.get(action.agency_id or "", "Partnership"),
                "; ".join(action.involves),
                action.text,
                action.owner,
                action.due,
                action.status.value,
                action.reason,
                "; ".join(action.criteria),
                "; ".join(action.cycles),
                action.revision,
                action.overdue(today),
                _naive(action.last_note_at),
            )
        )
        for change in store.actions.history(action.id):
            history.append(
                (
                    action.id,
                    change.number,
                    _naive(change.saved_at),
                    change.author,
                    change.status.value,
                    change.text,
                    change.owner,
                    change.due,
                    change.reason,
                    change.note,
                )
            )
    return (
        Table("tracked-actions", TRACKED_COLUMNS, tracked, title="Tracked actions"),
        Table("action-history", HISTORY_COLUMNS, history, title="Action history"),
    )
