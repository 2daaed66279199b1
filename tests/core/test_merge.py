"""workbook.merge: three-way comparison of base, mine and theirs, field by field (issue #7)."""

from __future__ import annotations

import datetime as dt

import pytest

from workbook.merge import FieldConflict, compare, in_words
from workbook.schema.responses import Action, Answer

BASE = {
    "p-1": Answer(rating="amber", evidence="Audit 2019"),
    "p-2": Answer(rating="red"),
}


def test_fields_only_one_side_changed_need_no_decision() -> None:
    mine = {**BASE, "p-1": Answer(rating="amber", evidence="Audit 2020")}
    theirs = {**BASE, "p-2": Answer(rating="green"), "i-1": Answer(rating="red")}

    result = compare(BASE, mine, theirs, order=["p-1", "p-2", "i-1"])

    assert result.conflicts == ()
    assert result.merged == {
        "p-1": Answer(rating="amber", evidence="Audit 2020"),
        "p-2": Answer(rating="green"),
        "i-1": Answer(rating="red"),
    }
    assert result.kept == {"p-1": ["evidence"]}
    assert result.taken == {"p-2": ["rating"], "i-1": ["rating"]}
    assert list(result.merged) == ["p-1", "p-2", "i-1"]  # framework order


def test_the_same_field_changed_alike_on_both_sides_is_no_conflict() -> None:
    both = {**BASE, "p-2": Answer(rating="green")}
    result = compare(BASE, both, dict(both))
    assert result.conflicts == ()
    assert result.taken == {}
    assert result.merged == both


def test_both_changed_one_field_differently_is_a_conflict() -> None:
    mine = {**BASE, "p-1": Answer(rating="green", evidence="Audit 2019")}
    theirs = {**BASE, "p-1": Answer(rating="red", evidence="Audit 2019, redone")}

    result = compare(BASE, mine, theirs)

    assert result.conflicts == (FieldConflict("p-1", "rating", "amber", "green", "red"),)
    assert result.taken == {"p-1": ["evidence"]}  # only they changed the evidence
    # until decided, the conflicting field stays as I typed it
    assert result.merged["p-1"] == Answer(rating="green", evidence="Audit 2019, redone")


def test_actions_are_compared_as_whole_lists() -> None:
    base = {"p-1": Answer(actions=(Action(text="Train staff"),))}
    mine = {"p-1": Answer(actions=(Action(text="Train staff", owner="Lead"),))}
    theirs = {"p-1": Answer(actions=(Action(text="Train staff"), Action(text="Audit")))}

    result = compare(base, mine, theirs)

    assert result.conflicts == (
        FieldConflict(
            "p-1", "actions", base["p-1"].actions, mine["p-1"].actions, theirs["p-1"].actions
        ),
    )


def test_a_criterion_new_on_both_sides_and_one_cleared() -> None:
    mine = {"p-1": BASE["p-1"], "i-1": Answer(development="Gaps")}  # cleared p-2
    theirs = {**BASE, "i-1": Answer(development="Staffing")}

    result = compare(BASE, mine, theirs)

    assert [c.key for c in result.conflicts] == [("i-1", "development")]
    assert "p-2" not in result.merged  # only mine changed it: cleared stays cleared
    assert result.kept["p-2"] == ["rating"]
    assert result.mine_changed() == {"p-2": ["rating"], "i-1": ["development"]}


def test_an_answer_that_merges_to_empty_is_left_out() -> None:
    theirs = {"p-1": BASE["p-1"]}
    assert compare(BASE, dict(BASE), theirs).merged == {"p-1": BASE["p-1"]}


def test_the_carried_forward_mark_stays_only_on_an_answer_exactly_as_carried() -> None:
    carried = Answer(rating="green", evidence="Audit 2019", carried_forward=True)
    # mine copied last cycle into an empty criterion, theirs untouched: still carried
    assert compare({}, {"p-1": carried}, {}).merged["p-1"].carried_forward
    # they edited the carried answer's evidence, I its rating: neither is as carried
    mine = {"p-1": carried.model_copy(update={"rating": "red", "carried_forward": False})}
    theirs = {"p-1": carried.model_copy(update={"evidence": "New", "carried_forward": False})}
    merged = compare({"p-1": carried}, mine, theirs).merged["p-1"]
    assert (merged.rating, merged.evidence, merged.carried_forward) == ("red", "New", False)
    # they copied it forward, I typed a rating: the evidence taken in is not "as carried"
    merged = compare({}, {"p-1": Answer(rating="red")}, {"p-1": carried}).merged["p-1"]
    assert (merged.rating, merged.evidence, merged.carried_forward) == ("red", "Audit 2019", False)


def test_a_rating_on_one_side_and_not_applicable_on_the_other_is_a_conflict() -> None:
    """Taken field by field, the two would merge into an answer no store takes (#16)."""
    na = Answer(not_applicable=True, na_reason="Not our service")
    result = compare({}, {"p-1": Answer(rating="red")}, {"p-1": na})
    assert {c.field for c in result.conflicts} == {"rating", "not_applicable"}
    assert result.merged["p-1"].rating == "red"  # mine until decided
    assert not result.merged["p-1"].not_applicable
    assert result.taken == {"p-1": ["na_reason"]}
    assert result.kept == {}
    # one side's not applicable and a reason the other typed merge without a question
    alone = compare({"p-1": na}, {"p-1": na.model_copy(update={"na_reason": "Mine"})}, {"p-1": na})
    assert alone.conflicts == ()


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("rating", "green", "Green"),
        ("rating", None, "Not rated"),
        ("rating", "gone", "gone"),
        ("evidence", "Audit <b>", "Audit <b>"),
        ("going_well", "  ", "Left empty"),
        ("not_applicable", True, "Not applicable"),
        ("na_reason", "Not our service", "Not our service"),
        ("actions", (), "No actions"),
        (
            "actions",
            (Action(text="Train", owner="Lead", due=dt.date(2020, 3, 2)), Action(text="Audit")),
            "1. Train (owner: Lead; due 2 Mar 2020)\n2. Audit (no owner; no due date)",
        ),
    ],
)
def test_values_in_words(make_framework, name: str, value: object, words: str) -> None:
    assert in_words(make_framework(), name, value) == words
