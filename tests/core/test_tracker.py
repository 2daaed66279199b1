"""The chair's action tracker (issue #15): statuses, overdue, stuck, done this quarter."""

from __future__ import annotations

import datetime as dt

from workbook import analysis
from workbook.analysis.tracker import done_on, status_label
from workbook.schema.actions import (
    ActionRevision,
    ActionStatus,
    TopMark,
    TopScope,
    TopState,
    TrackedAction,
)

TODAY = dt.date(2018, 1, 19)


def _when(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), dt.UTC)


def _action(
    number: int,
    status: ActionStatus = ActionStatus.OPEN,
    *,
    due: dt.date | None = dt.date(2018, 1, 1),
    owner: str = "Head of service",
    agency: str | None = "police",
    note: dt.date | None = None,
    updated: dt.date = dt.date(2018, 1, 5),
) -> TrackedAction:
    return TrackedAction(
        id=f"A-{number:06d}",
        partnership_id="demo",
        agency_id=agency,
        text=f"Action {number}",
        owner=owner,
        due=due,
        status=status,
        reason="Superseded." if status is ActionStatus.DROPPED else "",
        cycles=("c1",),
        updated_at=_when(updated),
        last_note_at=_when(note) if note else None,
        created_at=_when(dt.date(2017, 10, 2)),
    )


def _table(*actions: TrackedAction, **keywords: object) -> object:
    return analysis.tracker_table(
        actions, TODAY, agencies={"police": "Police"}, cycle_id="c1", **keywords
    )


def test_overdue_leaves_done_and_dropped_out() -> None:
    actions = [
        _action(1, ActionStatus.OPEN),
        _action(2, ActionStatus.IN_PROGRESS, note=dt.date(2018, 1, 2)),
        _action(3, ActionStatus.DONE),
        _action(4, ActionStatus.DROPPED),
        _action(5, ActionStatus.OPEN, due=dt.date(2018, 2, 1)),
        _action(6, ActionStatus.OPEN, due=None),
    ]
    table = _table(*actions)
    overdue = analysis.overdue_actions(table)
    assert list(overdue["action_id"]) == ["A-000001", "A-000002"]
    assert list(overdue["status_label"]) == ["Overdue by 18 days", "Overdue by 18 days"]
    labels = dict(zip(table["action_id"], table["status_label"], strict=True))
    assert labels["A-000003"] == "Done"
    assert labels["A-000004"] == "Dropped"
    assert labels["A-000005"] == "Open"
    assert labels["A-000006"] == "Open"
    outcomes = dict(zip(table["action_id"], table["outcome"], strict=True))
    assert outcomes == {
        "A-000001": "Overdue",
        "A-000002": "Overdue",
        "A-000003": "Done",
        "A-000004": "Dropped",
        "A-000005": "Open",
        "A-000006": "Open",
    }
    assert status_label(_action(7, due=dt.date(2018, 1, 18)), TODAY) == "Overdue by 1 day"


def test_stuck_at_90_days_without_a_note_not_at_89() -> None:
    at_90 = _action(1, ActionStatus.IN_PROGRESS, note=TODAY - dt.timedelta(days=90))
    at_89 = _action(2, ActionStatus.IN_PROGRESS, note=TODAY - dt.timedelta(days=89))
    done = _action(3, ActionStatus.DONE, note=TODAY - dt.timedelta(days=200))
    never = _action(4, ActionStatus.OPEN)  # created 2017-10-02: 109 days, no note
    stuck = analysis.stuck_actions(_table(at_90, at_89, done, never))
    assert sorted(stuck["action_id"]) == ["A-000001", "A-000004"]


def test_done_this_quarter_from_history_else_updated_at() -> None:
    revisions = [
        ActionRevision(
            action_id="A-000001",
            number=n,
            text="Action 1",
            owner="",
            due=None,
            criteria=(),
            status=status,
            reason="",
            author="lead",
            saved_at=_when(day),
        )
        for n, (status, day) in enumerate(
            [
                (ActionStatus.OPEN, dt.date(2017, 10, 2)),
                (ActionStatus.DONE, dt.date(2017, 12, 20)),  # done last quarter ...
                (ActionStatus.DONE, dt.date(2018, 1, 10)),  # ... a note added since
            ],
            start=1,
        )
    ]
    last_quarter = _action(1, ActionStatus.DONE, updated=dt.date(2018, 1, 10))
    this_quarter = _action(2, ActionStatus.DONE, updated=dt.date(2018, 1, 3))
    later = _action(3, ActionStatus.DONE, updated=dt.date(2018, 1, 25))  # after today
    assert done_on(last_quarter, revisions) == dt.date(2017, 12, 20)
    assert done_on(last_quarter) == dt.date(2018, 1, 10)
    table = _table(last_quarter, this_quarter, later, histories={"A-000001": revisions})
    done = analysis.done_this_quarter(table, TODAY)
    assert list(done["action_id"]) == ["A-000002"]
    assert analysis.quarter(TODAY) == (dt.date(2018, 1, 1), dt.date(2018, 4, 1))
    assert analysis.quarter(dt.date(2017, 11, 30)) == (dt.date(2017, 10, 1), dt.date(2018, 1, 1))


def test_counts_by_owner_and_status() -> None:
    table = _table(
        _action(1, ActionStatus.OPEN, owner="Head of service"),
        _action(2, ActionStatus.DONE, owner="Head of service"),
        _action(3, ActionStatus.IN_PROGRESS, owner="Training coordinator", due=None),
        _action(4, ActionStatus.DROPPED, owner=""),
        _action(5, ActionStatus.OPEN, owner="MASE chair", agency=None),
    )
    owners = analysis.owner_counts(table).to_dict("records")
    assert owners == [
        {"owner": "(no owner)", "actions": 1, "open": 0, "in_progress": 0, "done": 0,
         "dropped": 1, "overdue": 0},
        {"owner": "Head of service", "actions": 2, "open": 1, "in_progress": 0, "done": 1,
         "dropped": 0, "overdue": 1},
        {"owner": "MASE chair", "actions": 1, "open": 1, "in_progress": 0, "done": 0,
         "dropped": 0, "overdue": 1},
        {"owner": "Training coordinator", "actions": 1, "open": 0, "in_progress": 1, "done": 0,
         "dropped": 0, "overdue": 0},
    ]  # fmt: skip
    assert analysis.status_counts(table).to_dict("records") == [
        {"status": "Open", "actions": 2},
        {"status": "In progress", "actions": 1},
        {"status": "Done", "actions": 1},
        {"status": "Dropped", "actions": 1},
    ]
    agencies = dict(zip(table["action_id"], table["agency"], strict=True))
    assert agencies["A-000005"] == "Partnership"
    assert agencies["A-000001"] == "Police"


def test_marks_fill_the_top_columns() -> None:
    marks = [
        TopMark(id=1, cycle_id="c1", action_id="A-000001", scope=TopScope.PARTNERSHIP,
                state=TopState.CONFIRMED, author="chair", saved_at=_when(TODAY)),
        TopMark(id=2, cycle_id="c1", action_id="A-000002", scope=TopScope.AGENCY,
                state=TopState.CHALLENGED, author="chair", saved_at=_when(TODAY)),
    ]  # fmt: skip
    table = _table(_action(1), _action(2), _action(3), marks=marks)
    tops = table.set_index("action_id")[["partnership_top", "agency_top"]]
    assert tops.to_dict("index") == {
        "A-000001": {"partnership_top": "Confirmed", "agency_top": ""},
        "A-000002": {"partnership_top": "", "agency_top": "Challenged"},
        "A-000003": {"partnership_top": "", "agency_top": ""},
    }


def test_the_returns_table_takes_the_tracked_status() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        [
            {
                "cycle_id": "c1",
                "agency_id": "police",
                "agency": "Police",
                "sector": "police",
                "heading": "Prevent",
                "criterion_id": "p-1",
                "status_label": "Submitted",
                "actions": (
                    {
                        "id": "A-000001",
                        "text": "Action 1",
                        "owner": "x",
                        "due": dt.date(2018, 1, 1),
                    },
                    {
                        "id": "A-000002",
                        "text": "Action 2",
                        "owner": "x",
                        "due": dt.date(2018, 1, 1),
                    },
                    {"id": None, "text": "Untracked", "owner": "x", "due": dt.date(2018, 1, 1)},
                ),
            }
        ]
    )
    tracked = [_action(1, ActionStatus.DONE), _action(2, ActionStatus.IN_PROGRESS)]
    table = analysis.actions(frame, TODAY, tracked=tracked).set_index("action")
    assert table.loc["Action 1", ["status", "overdue", "tracked_status"]].tolist() == [
        "Done", False, "done"
    ]  # fmt: skip
    assert table.loc["Action 2", ["status", "overdue", "tracked_status"]].tolist() == [
        "Overdue by 18 days", True, "in_progress"
    ]  # fmt: skip
    assert table.loc["Untracked", "status"] == "Overdue by 18 days"
    assert pd.isna(table.loc["Untracked", "tracked_status"])
    assert table.loc["Action 1", "owner"] == "Head of service"  # the tracker's owner
