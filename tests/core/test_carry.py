"""Copy forward (``workbook.carry``): last cycle's answers as a starting point.

The ``store`` fixture holds cycle ``c1`` (framework ``test-fw`` 1.0, due 2020-03-02,
inviting ``alpha`` and ``beta``); the tests add later cycles of their own.
"""

from __future__ import annotations

import datetime as dt

import pytest

from workbook import carry
from workbook.schema.actions import ActionChange, ActionStatus
from workbook.schema.framework import Framework
from workbook.schema.partnership import Cycle, Timetable
from workbook.schema.responses import Action, Answer
from workbook.store import Store


def add_cycle(
    store: Store, cycle_id: str, due: dt.date, framework: str = "test-fw", version: str = "1.0"
) -> None:
    timetable = Timetable(
        criteria_agreed=due - dt.timedelta(days=60),
        returns_open=due - dt.timedelta(days=30),
        returns_due=due,
    )
    cycle = Cycle(
        id=cycle_id,
        title=f"Cycle {cycle_id}",
        framework=framework,
        framework_version=version,
        timetable=timetable,
    )
    store.put_cycle("tp", cycle, ("alpha", "beta"))


def save(store: Store, cycle_id: str, answers: dict[str, Answer], agency: str = "alpha") -> None:
    latest = store.latest(cycle_id, agency)
    store.save(
        cycle_id,
        agency,
        answers,
        author="Return lead",
        based_on=latest.revision if latest else None,
    )


def test_previous_cycle_is_the_latest_earlier_one_of_the_same_framework(
    store: Store, make_framework
) -> None:
    add_cycle(store, "c2", dt.date(2021, 3, 1))
    add_cycle(store, "c3", dt.date(2022, 3, 1))
    store.put_framework(make_framework(id="other-fw"))
    add_cycle(store, "o1", dt.date(2021, 9, 1), framework="other-fw")

    assert carry.previous_cycle(store, "c3").id == "c2"
    assert carry.previous_cycle(store, "c2").id == "c1"
    assert carry.previous_cycle(store, "c1") is None
    assert carry.previous_cycle(store, "o1") is None  # c2 is earlier but another framework


def test_a_cycle_due_the_same_day_is_not_previous(store: Store) -> None:
    add_cycle(store, "c1b", dt.date(2020, 3, 2))
    assert carry.previous_cycle(store, "c1b") is None


def test_carry_forward_copies_the_agencys_latest_answers_marked_carried(
    store: Store, make_answers
) -> None:
    add_cycle(store, "c2", dt.date(2021, 3, 1))
    save(store, "c1", make_answers(("p-1",), rating="red"))
    save(store, "c1", make_answers(("p-1", "p-2"), rating="green"))
    save(store, "c1", make_answers(("i-1",), rating="amber"), agency="beta")

    added, found = carry.carry_forward(store, "c2", "alpha", {})

    assert found is not None
    assert (found.cycle.id, found.state.revision) == ("c1", 2)
    assert set(added) == {"p-1", "p-2"}  # alpha's answers, not beta's
    assert added["p-1"].rating == "green"
    assert added["p-1"].evidence == "Audit report for p-1."
    assert all(answer.carried_forward for answer in added.values())


def test_nothing_recorded_this_cycle_is_replaced(store: Store, make_answers) -> None:
    add_cycle(store, "c2", dt.date(2021, 3, 1))
    save(store, "c1", make_answers(("p-1", "p-2")))
    mine = {"p-1": Answer(development="Typed this year")}

    added, _ = carry.carry_forward(store, "c2", "alpha", mine)

    assert set(added) == {"p-2"}


def test_no_source_without_an_earlier_return(store: Store) -> None:
    add_cycle(store, "c2", dt.date(2021, 3, 1))
    assert carry.carry_forward(store, "c2", "alpha", {}) == ({}, None)
    assert carry.carry_forward(store, "c1", "alpha", {}) == ({}, None)


@pytest.fixture
def next_version(make_framework) -> Framework:
    """test-fw 2.0: p-2 dropped, i-1 asks for rating and development only, new scale."""
    return make_framework(
        version="2.0",
        scale={
            "name": "Grades",
            "best": "lowest",
            "levels": [
                {"key": "green", "label": "Good", "score": 1, "colour": "#1a9641"},
                {"key": "poor", "label": "Poor", "score": 2, "colour": "#d7191c"},
            ],
        },
        criteria=[
            {"id": "p-1", "heading": "prevent", "prompt": "Is training recorded?"},
            {"id": "p-3", "heading": "prevent", "prompt": "A new question"},
            {
                "id": "i-1",
                "heading": "identify",
                "prompt": "Is the screening tool used?",
                "fields": ["rating", "development"],
            },
        ],
    )


def test_carried_answers_keep_only_what_the_framework_still_asks(next_version) -> None:
    previous = {
        "p-1": Answer(rating="green", evidence="E1"),
        "p-2": Answer(rating="amber", evidence="E2"),  # criterion gone
        "i-1": Answer(
            rating="amber",  # not on the new scale
            evidence="E3",  # no longer asked
            development="D3",
            actions=(Action(text="Do it", owner="Lead", due=dt.date(2020, 5, 1)),),
        ),
    }

    carried = carry.carried_answers(next_version, previous)

    assert carried == {
        "p-1": Answer(rating="green", evidence="E1", carried_forward=True),
        "i-1": Answer(development="D3", carried_forward=True),
    }


def test_answers_with_nothing_left_to_carry_are_dropped(next_version) -> None:
    assert carry.carried_answers(next_version, {"i-1": Answer(evidence="gone")}) == {}


def test_carry_forward_across_framework_versions(store: Store, make_answers, next_version) -> None:
    store.put_framework(next_version)
    add_cycle(store, "c2", dt.date(2021, 3, 1), version="2.0")
    save(store, "c1", make_answers(("p-1", "p-2", "i-1"), rating="green"))

    added, found = carry.carry_forward(store, "c2", "alpha", {})

    assert found is not None
    assert found.cycle.id == "c1"
    assert set(added) == {"p-1", "i-1"}
    assert added["i-1"].rating == "green"  # the key is still on the scale
    assert added["i-1"].evidence == ""  # no longer asked
    assert added["i-1"].actions == ()


def test_done_and_dropped_actions_stay_behind_and_open_ones_go_on_as_themselves(
    store: Store,
) -> None:
    """Issue #15: carrying forward brings the same tracked actions, not copies."""
    add_cycle(store, "c2", dt.date(2021, 3, 1))
    kept = Action(text="Keep auditing", owner="Lead", id="A-KEEP33")
    done = Action(text="Train staff", owner="Lead", id="A-DONE33")
    save(store, "c1", {"p-1": Answer(rating="amber", actions=(kept, done))})
    store.actions.update("A-DONE33", ActionChange(status=ActionStatus.DONE))
    added, found = carry.carry_forward(store, "c2", "alpha", {})
    assert found is not None
    assert [a.id for a in added["p-1"].actions] == ["A-KEEP33"]
    save(store, "c2", added)
    assert store.actions.get("A-KEEP33").cycles == ("c1", "c2")
    assert store.actions.get("A-DONE33").cycles == ("c1",)
