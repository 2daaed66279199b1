"""The chair's action tracker on the dashboard's Actions tab (issue #15), without a browser.

On a copy of the demo store: the chair creates a partnership action and marks the top 5,
the limits and refusals come back as sentences, members read the tracker without its
controls, and what anyone typed is shown as text.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import copy_store
from widgets.dashboard import DashboardModel, DashboardView
from widgets.dashboard.tracker_model import TrackerModel
from workbook.access import Identity, Role
from workbook.schema.actions import TopScope, TopState
from workbook.store import Store

TODAY = dt.date(2018, 7, 1)
CYCLE = "cse-2017-18"


@pytest.fixture
def store(demo_file: Path, tmp_path: Path) -> Iterator[Store]:
    with Store.open(copy_store(demo_file, tmp_path)) as opened:
        yield opened


def as_role(store: Store, role: Role, *agencies: str) -> Store:
    cycle = CYCLE if role is Role.MEMBER else None
    who = Identity(f"link:{role}", f"A {role}", role, "demo", frozenset(agencies), cycle)
    return store.as_identity(who)


def tracker(store: Store) -> TrackerModel:
    model = DashboardModel(store, today=TODAY)
    model.cycle = CYCLE
    return TrackerModel(model)


def test_the_chair_creates_a_partnership_action_and_marks_it_in_the_top_5(store: Store) -> None:
    chair = tracker(as_role(store, Role.CHAIR))
    before = len(chair.table())
    made = chair.create(
        "Joint <b>audit</b> of missing episodes",
        "MASE chair",
        dt.date(2018, 9, 30),
        ("prevent-1",),
        ("police", "csc"),
    )
    assert made is not None
    assert chair.dashboard.message.startswith(f"Created the partnership action {made}")
    table = chair.table()
    assert len(table) == before + 1
    row = table[table["action_id"] == made].iloc[0]
    assert (row["agency"], row["status_label"], row["partnership_top"]) == (
        "Partnership",
        "Open",
        "",
    )
    assert row["involves"] == "Metropolitan Police Service, Children's Social Care"
    (full, *_) = [m for m in store.actions.marks(CYCLE) if m.scope is TopScope.PARTNERSHIP]
    assert chair.mark(full.action_id, "off5")  # the demo's chair has marked all five
    assert chair.mark(made, "top5")
    assert chair.dashboard.message == f"{made} is put in the partnership's top 5."
    row = chair.table()[chair.table()["action_id"] == made].iloc[0]
    assert row["partnership_top"] == "Confirmed"
    assert f"{len(table)} actions:" in chair.summary()


def test_a_sixth_top_action_is_refused_in_words_and_nothing_is_recorded(store: Store) -> None:
    chair = tracker(as_role(store, Role.CHAIR))
    ids = list(chair.table()["action_id"])
    marked = [m for m in store.actions.marks(CYCLE) if m.scope is TopScope.PARTNERSHIP]
    for action_id in [i for i in ids if i not in {m.action_id for m in marked}][: 5 - len(marked)]:
        assert chair.mark(action_id, "top5"), chair.dashboard.message
    spare = next(i for i in ids if i not in {m.action_id for m in store.actions.marks(CYCLE)})
    assert not chair.mark(spare, "top5")
    assert chair.dashboard.message.startswith("Not recorded: The partnership already has 5")
    states = {(m.action_id, m.scope): m.state for m in store.actions.marks(CYCLE)}
    assert (spare, TopScope.PARTNERSHIP) not in states
    assert (
        sum(s is TopState.CONFIRMED and k[1] is TopScope.PARTNERSHIP for k, s in states.items())
        == 5
    )


def test_a_member_reads_the_tracker_but_cannot_create_or_mark(store: Store) -> None:
    store.share(CYCLE)  # members compare a cycle once it is shared
    member = tracker(as_role(store, Role.MEMBER, "police"))
    assert not member.may_chair
    assert set(member.table()["agency"]) <= {"Metropolitan Police Service", "Partnership"}
    assert member.create("Our own partnership action", "Lead", None, ()) is None
    assert "does not allow you to create partnership actions" in member.dashboard.message
    (action_id, *_) = member.table()["action_id"]
    assert not member.mark(action_id, "top5")
    assert "top 5" in member.dashboard.message


def test_the_tab_shows_the_tracker_escapes_text_and_hides_controls_from_members(
    store: Store,
) -> None:
    chair_store = as_role(store, Role.CHAIR)
    hostile = "<script>alert(1)</script> audit"
    chair_store.actions.create(CYCLE, hostile, owner="MASE chair")
    model = DashboardModel(chair_store, today=TODAY)
    model.cycle = CYCLE
    view = DashboardView(model)
    view.tabs.selected_index = view.TABS.index("Actions")
    shown = "".join(getattr(w, "value", "") for w in view.pages[view.tabs.selected_index].children)
    assert html.escape(hostile) in shown
    assert hostile not in shown
    for caption in ("Actions by status", "Overdue actions", "Done this quarter", "By owner"):
        assert caption in shown
    boxes = view.pages[view.tabs.selected_index].children[-2:]
    assert [b.layout.display for b in boxes] == [None, None]  # the chair's controls
    store.share(CYCLE)
    member = DashboardModel(as_role(store, Role.MEMBER, "police"), today=TODAY)
    member.cycle = CYCLE
    member_view = DashboardView(member)
    member_view.tabs.selected_index = member_view.TABS.index("Actions")
    boxes = member_view.pages[member_view.tabs.selected_index].children[-2:]
    assert [b.layout.display for b in boxes] == ["none", "none"]
