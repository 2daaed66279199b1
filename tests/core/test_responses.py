"""The pure answer model: fit to the framework, completeness, progress, deltas, statuses."""

from __future__ import annotations

import datetime as dt

import pytest

from workbook import config
from workbook.errors import ResponseError
from workbook.schema import loader as templates
from workbook.schema.responses import (
    TRANSITIONS,
    Action,
    Answer,
    Status,
    changed,
    changed_fields,
    check_answers,
    missing_for_submission,
    progress,
    validate_answers,
)

OFSTED = config.ROOT / "templates" / "frameworks" / "ofsted-front-door.yaml"

NARROW_CRITERIA = [
    {"id": "p-1", "heading": "prevent", "prompt": "Everything?"},
    {
        "id": "p-2",
        "heading": "prevent",
        "prompt": "Rating and worries?",
        "fields": ["rating", "development"],
    },
    {"id": "i-1", "heading": "identify", "prompt": "Words only?", "fields": ["going_well"]},
]


def problems_as_tuples(problems):
    return [(p.where, p.field, p.message) for p in problems]


@pytest.fixture(scope="module")
def ofsted():
    return templates.load_framework(OFSTED)


# ------------------------------------------------------------------- check_answers


def test_answers_that_fit_have_no_problems(make_framework, make_answers) -> None:
    framework = make_framework()
    assert check_answers(framework, make_answers()) == []
    validate_answers(framework, make_answers())  # does not raise


def test_unknown_criterion(make_framework) -> None:
    problems = check_answers(make_framework(), {"x-9": Answer(rating="red")})
    assert problems_as_tuples(problems) == [("x-9", "", "no criterion 'x-9' in test-fw")]


def test_unknown_rating_lists_the_keys(make_framework) -> None:
    problems = check_answers(make_framework(), {"p-1": Answer(rating="purple")})
    assert problems_as_tuples(problems) == [
        ("p-1", "rating", "unknown rating 'purple'; expected one of amber, green, red")
    ]


def test_field_not_asked(make_framework) -> None:
    framework = make_framework(criteria=NARROW_CRITERIA)
    answers = {
        "p-2": Answer(rating="red", development="Worry", evidence="Not asked for"),
        "i-1": Answer(going_well="Fine", rating="green", actions=(Action(text="Do it"),)),
    }
    assert problems_as_tuples(check_answers(framework, answers)) == [
        ("p-2", "evidence", "this criterion does not ask for it"),
        ("i-1", "rating", "this criterion does not ask for it"),
        ("i-1", "actions", "this criterion does not ask for it"),
    ]


def test_validate_answers_raises_with_every_problem(make_framework) -> None:
    answers = {"x-9": Answer(), "p-1": Answer(rating="purple")}
    with pytest.raises(ResponseError) as caught:
        validate_answers(make_framework(), answers, source="c1/alpha")
    assert caught.value.source == "c1/alpha"
    assert [p.where for p in caught.value.problems] == ["x-9", "p-1"]


# -------------------------------------------------------------- missing_for_submission


def test_complete_answers_can_be_submitted(make_framework, make_answers) -> None:
    assert missing_for_submission(make_framework(), make_answers(rating="green")) == []


def test_unrated_criteria_are_listed(make_framework, make_answers) -> None:
    answers = make_answers(criteria=("p-1",))
    missing = missing_for_submission(make_framework(), answers)
    assert problems_as_tuples(missing) == [
        ("p-2", "rating", "not rated"),
        ("i-1", "rating", "not rated"),
    ]


def test_top_rating_needs_evidence_highest_best(make_framework, make_answers) -> None:
    answers = make_answers(rating="green")
    answers["p-2"] = answers["p-2"].model_copy(update={"evidence": "   "})
    answers["i-1"] = answers["i-1"].model_copy(update={"rating": "red", "evidence": ""})
    assert problems_as_tuples(missing_for_submission(make_framework(), answers)) == [
        ("p-2", "evidence", "rated 'Green' but no evidence given")
    ]


def test_top_rating_needs_evidence_lowest_best(ofsted) -> None:
    """Ofsted's best grade has the lowest score; evidence is needed for it, not for 4."""
    answers = {c.id: Answer(rating="good") for c in ofsted.criteria}
    first, second = ofsted.criteria[0].id, ofsted.criteria[1].id
    answers[first] = Answer(rating="outstanding")
    answers[second] = Answer(rating="inadequate")
    assert problems_as_tuples(missing_for_submission(ofsted, answers)) == [
        (first, "evidence", "rated 'Outstanding' but no evidence given")
    ]


def test_evidence_is_not_required_where_it_is_not_asked(make_framework) -> None:
    framework = make_framework(criteria=NARROW_CRITERIA)
    answers = {"p-1": Answer(rating="amber"), "p-2": Answer(rating="green")}
    # i-1 asks for no rating, so it may be left blank
    assert missing_for_submission(framework, answers) == []


def test_actions_need_an_owner_and_a_due_date(make_framework, make_answers) -> None:
    answers = make_answers()
    answers["p-1"] = answers["p-1"].model_copy(
        update={
            "actions": (
                Action(text="Complete", owner="Head of service", due=dt.date(2020, 5, 1)),
                Action(text="No owner", owner="  ", due=dt.date(2020, 5, 1)),
                Action(text="No date", owner="Service manager"),
            )
        }
    )
    assert problems_as_tuples(missing_for_submission(make_framework(), answers)) == [
        ("p-1", "actions", "action 2 has no owner"),
        ("p-1", "actions", "action 3 has no due date"),
    ]


# ----------------------------------------------------------------------- progress


def test_progress_counts_rated_criteria_per_heading(make_framework) -> None:
    framework = make_framework()
    assert progress(framework, {}) == {"prevent": (0, 2), "identify": (0, 1)}
    answers = {"p-1": Answer(rating="red"), "p-2": Answer(evidence="Text but no rating")}
    assert progress(framework, answers) == {"prevent": (1, 2), "identify": (0, 1)}


def test_progress_counts_text_where_no_rating_is_asked(make_framework) -> None:
    framework = make_framework(criteria=NARROW_CRITERIA)
    assert progress(framework, {"i-1": Answer()})["identify"] == (0, 1)
    assert progress(framework, {"i-1": Answer(going_well="Good practice")})["identify"] == (1, 1)


# ------------------------------------------------------------------ changes


def test_changed_keeps_only_what_differs() -> None:
    before = {"p-1": Answer(rating="red"), "p-2": Answer(rating="amber")}
    after = {
        "p-1": Answer(rating="red"),
        "p-2": Answer(rating="green"),
        "i-1": Answer(evidence="New"),
    }
    assert changed(before, after) == {"p-2": Answer(rating="green"), "i-1": Answer(evidence="New")}
    assert changed(after, after) == {}


def test_changed_records_a_cleared_criterion_as_empty() -> None:
    before = {"p-1": Answer(rating="red"), "p-2": Answer()}
    assert changed(before, {}) == {"p-1": Answer()}


def test_changed_fields_names_each_field() -> None:
    before = Answer(rating="red", evidence="Old")
    after = Answer(rating="amber", evidence="Old", actions=(Action(text="Train"),))
    assert changed_fields(before, after) == ["rating", "actions"]
    assert changed_fields(None, Answer(going_well="Yes")) == ["going_well"]
    assert changed_fields(after, after) == []


def test_answer_is_empty() -> None:
    assert Answer().is_empty
    assert Answer(carried_forward=True).is_empty
    assert not Answer(development="x").is_empty
    assert not Answer(actions=(Action(text="x"),)).is_empty


def test_long_text_is_refused() -> None:
    with pytest.raises(ValueError, match="10000"):
        Answer(evidence="x" * 10_001)


# ------------------------------------------------------------------- statuses


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        (Status.NOT_STARTED, Status.DRAFT, True),
        (Status.NOT_STARTED, Status.SUBMITTED, True),
        (Status.DRAFT, Status.DRAFT, True),
        (Status.DRAFT, Status.SUBMITTED, True),
        (Status.DRAFT, Status.REOPENED, False),
        (Status.SUBMITTED, Status.DRAFT, False),
        (Status.SUBMITTED, Status.SUBMITTED, False),
        (Status.SUBMITTED, Status.REOPENED, True),
        (Status.REOPENED, Status.REOPENED, True),
        (Status.REOPENED, Status.SUBMITTED, True),
        (Status.REOPENED, Status.DRAFT, False),
    ],
)
def test_transitions(old: Status, new: Status, allowed: bool) -> None:
    assert (new in TRANSITIONS[old]) is allowed


def test_nothing_goes_back_to_not_started() -> None:
    assert all(Status.NOT_STARTED not in targets for targets in TRANSITIONS.values())
    assert set(TRANSITIONS) == set(Status)


def test_only_submitted_is_read_only() -> None:
    assert [s for s in Status if not s.editable] == [Status.SUBMITTED]


def test_status_labels() -> None:
    assert Status.NOT_STARTED.label == "Not started"
    assert Status.REOPENED.label == "Reopened"
    assert Status("submitted") is Status.SUBMITTED
