"""Where the evidence contradicts a self-rating (issue #14), decided on hand-made evidence.

A contradiction puts an agency's own rating beside an audit or a figure that says
otherwise, in front of the board: a false one wastes the chair's time, and a missed one
lets an optimistic rating stand. ``find`` is pure, so each rule is tried at its edges.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from workbook.evidence.contradictions import find, ratings_from, value_words
from workbook.schema.evidence import CaseAudit, Evidence, Finding, Indicator, IndicatorValue
from workbook.schema.framework import Framework

TOP = {("alpha", "p-1"): "green", ("beta", "p-1"): "green"}


@pytest.fixture
def fw(make_framework: Callable[..., Framework]) -> Framework:
    return make_framework()


def audit(*findings: Finding, grades: tuple[str, ...] = (), audit_id: str = "a1") -> CaseAudit:
    return CaseAudit(
        id=audit_id,
        title="Audit of 12 referrals",
        date=dt.date(2018, 3, 14),
        cases_reviewed=12,
        grades=grades,
        findings=findings,
    )


def graded(grade: str, *agencies: str, text: str = "Plans were late.") -> Finding:
    return Finding(text=text, grade=grade, criteria=("p-1",), agencies=agencies)


def figure(*values: tuple[str | None, float, float | None], better: str = "lower") -> Indicator:
    return Indicator(
        id="re-referrals",
        name="Re-referral rate",
        unit="%",
        better=better,  # type: ignore[arg-type]
        period="2017/18",
        criteria=("p-1",),
        comparator="England average",
        source="CIN census",
        values=tuple(IndicatorValue(agency=a, value=v, comparator_value=c) for a, v, c in values),
    )


def found(fw: Framework, *items: CaseAudit | Indicator, ratings: Any = TOP, **kw: Any) -> list:
    evidence = Evidence(
        indicators=tuple(i for i in items if isinstance(i, Indicator)),
        audits=tuple(a for a in items if isinstance(a, CaseAudit)),
    )
    return find(fw, ratings, evidence, **kw)


# -- audit findings ------------------------------------------------------------------------


def test_a_finding_in_the_bottom_half_contradicts_a_top_self_rating(fw: Framework) -> None:
    (alpha,) = found(fw, audit(graded("red")), ratings={("alpha", "p-1"): "green"})
    assert (alpha.criterion_id, alpha.agency_id, alpha.rating, alpha.source) == (
        "p-1",
        "alpha",
        "Green",
        "finding",
    )
    assert alpha.evidence == "Red: Plans were late."
    assert alpha.reference == "Audit of 12 referrals (14 March 2018, 12 cases)"
    assert not alpha.dismissed


@pytest.mark.parametrize(
    ("grade", "contradicts"), [("red", True), ("amber", False), ("green", False)]
)
def test_only_a_grade_below_the_middle_contradicts(
    fw: Framework, grade: str, contradicts: bool
) -> None:
    assert bool(found(fw, audit(graded(grade)))) is contradicts


def test_a_rating_below_the_top_is_not_contradicted(fw: Framework) -> None:
    assert found(fw, audit(graded("red")), ratings={("alpha", "p-1"): "amber"}) == []


def test_a_finding_on_another_criterion_does_not_count(fw: Framework) -> None:
    other = Finding(text="Late.", grade="red", criteria=("p-2", "i-1"))
    assert found(fw, audit(other)) == []


def test_a_finding_naming_agencies_contradicts_only_theirs(fw: Framework) -> None:
    about_beta = found(fw, audit(graded("red", "beta", "gamma")))
    assert [c.agency_id for c in about_beta] == ["beta"]
    about_all = found(fw, audit(graded("red")))
    assert [c.agency_id for c in about_all] == ["alpha", "beta"]


def test_two_top_levels_widen_what_a_finding_contradicts(make_framework: Callable) -> None:
    ratings = {("alpha", "p-1"): "amber", ("beta", "p-1"): "red"}
    narrow = make_framework()
    assert found(narrow, audit(graded("red")), ratings=ratings) == []
    wide = make_framework(contradictions={"top_levels": 2})
    assert [c.agency_id for c in found(wide, audit(graded("red")), ratings=ratings)] == ["alpha"]


def test_finding_below_moves_the_line(make_framework: Callable) -> None:
    strict = make_framework(contradictions={"finding_below": 0.75})
    assert [c.agency_id for c in found(strict, audit(graded("amber")))] == ["alpha", "beta"]
    lenient = make_framework(contradictions={"finding_below": 0.25})
    assert found(lenient, audit(graded("amber"))) == []
    assert len(found(lenient, audit(graded("red")))) == 2


def test_an_audit_of_its_own_grades_is_placed_on_its_own_list(fw: Framework) -> None:
    grades = ("Good", "Adequate", "Weak", "Poor")
    weak = audit(graded("Weak", "alpha"), graded("Adequate", "alpha", text="Fine."), grades=grades)
    (only,) = found(fw, weak)
    assert only.evidence == "Weak: Plans were late."


def test_a_scale_whose_lowest_score_is_best_is_read_the_right_way_up(
    make_framework: Callable,
) -> None:
    levels = [
        {"key": "good", "label": "Good", "score": 1, "colour": "#1a9641"},
        {"key": "ri", "label": "Requires improvement", "score": 2, "colour": "#fdae61"},
        {"key": "poor", "label": "Inadequate", "score": 3, "colour": "#d7191c"},
    ]
    fw = make_framework(scale={"name": "Ofsted", "best": "lowest", "levels": levels})
    ratings = {("alpha", "p-1"): "good", ("beta", "p-1"): "poor"}
    assert [c.agency_id for c in found(fw, audit(graded("poor")), ratings=ratings)] == ["alpha"]
    assert found(fw, audit(graded("good")), ratings=ratings) == []


# -- indicators ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "comparator", "better", "contradicts"),
    [
        (24, 20, "lower", True),  # 20% worse than the comparator, beyond the 10% margin
        (21, 20, "lower", False),  # 5% worse: within the margin
        (22, 20, "lower", False),  # exactly the margin is within it
        (16, 20, "lower", False),  # better
        (16, 20, "higher", True),
        (24, 20, "higher", False),
        (3, 0, "lower", True),  # against zero, the difference itself is the gap
        (0, 0, "lower", False),
        (5, 0, "higher", False),
        (24, None, "lower", False),  # nothing to compare with
    ],
)
def test_an_indicator_contradicts_when_worse_than_its_comparator_beyond_the_margin(
    fw: Framework, value: float, comparator: float | None, better: str, contradicts: bool
) -> None:
    result = found(fw, figure((None, value, comparator), better=better))
    assert len(result) == (2 if contradicts else 0)
    assert all(c.source == "indicator" for c in result)


def test_the_margin_is_the_frameworks(make_framework: Callable) -> None:
    loose = make_framework(contradictions={"indicator_margin": 0.25})
    assert found(loose, figure((None, 24, 20))) == []
    assert len(found(loose, figure((None, 26, 20)))) == 2
    tight = make_framework(contradictions={"indicator_margin": 0})
    assert len(found(tight, figure((None, 20.5, 20)))) == 2


def test_an_agencys_own_value_is_preferred_to_the_partnerships(fw: Framework) -> None:
    # the partnership is 20% worse than England; alpha's own figure is better than it
    both = figure((None, 24, 20), ("alpha", 18, 20))
    (beta,) = found(fw, both)
    assert beta.agency_id == "beta"
    assert beta.evidence.startswith("Re-referral rate (partnership): 24% against 20%")
    assert beta.reference == "CIN census, 2017/18"
    own_worse = figure((None, 18, 20), ("alpha", 24, 20))
    (alpha,) = found(fw, own_worse)
    assert alpha.agency_id == "alpha"
    assert alpha.evidence.startswith("Re-referral rate: 24% against 20%")


def test_a_value_is_written_as_people_write_it() -> None:
    rate = figure((None, 1234.5, 1200.0))
    count = rate.model_copy(update={"unit": "per 10k", "comparator": ""})
    assert value_words(rate, rate.values[0]) == (
        "1,234.5% against 1,200% (England average); lower is better"
    )
    assert value_words(count, count.values[0]) == (
        "1,234.5 per 10k against 1,200 per 10k (comparator); lower is better"
    )


# -- dismissals and keys -------------------------------------------------------------------


def test_a_dismissal_marks_its_contradiction_with_the_reason(fw: Framework) -> None:
    items = (audit(graded("red")), figure((None, 24, 20)))
    keys = [c.key for c in found(fw, *items)]
    assert len(keys) == len(set(keys)) == 4
    dismissals = {keys[0]: (True, "Audit predates the new pathway"), keys[1]: (False, "Restored")}
    result = found(fw, *items, dismissals=dismissals)
    assert [(c.dismissed, c.reason) for c in result] == [
        (True, "Audit predates the new pathway"),
        (False, ""),
        (False, ""),
        (False, ""),
    ]


def test_keys_stay_with_their_evidence_when_a_later_file_adds_and_reorders(
    fw: Framework,
) -> None:
    """A dismissal must never slide onto another finding when the auditor's file changes."""
    first = found(fw, audit(graded("red")), figure((None, 24, 20)))
    before = {c.key: c.evidence for c in first}
    later = audit(graded("red", text="Chronologies were missing."), graded("red"))
    second = found(fw, figure((None, 24, 20)), later)
    after = {c.key: c.evidence for c in second}
    assert {k: after[k] for k in before} == before
    assert len(after) == len(second) == 6


def test_the_same_words_twice_in_one_audit_have_a_key_each(fw: Framework) -> None:
    keys = [c.key for c in found(fw, audit(graded("red"), graded("red")))]
    assert len(keys) == len(set(keys)) == 4


def test_contradictions_come_in_the_frameworks_order(fw: Framework) -> None:
    ratings = {("beta", "i-1"): "green", ("alpha", "i-1"): "green", ("beta", "p-1"): "green"}
    everywhere = Finding(text="Late.", grade="red", criteria=("i-1", "p-1"))
    result = found(fw, audit(everywhere), ratings=ratings)
    assert [(c.criterion_id, c.agency_id) for c in result] == [
        ("p-1", "beta"),
        ("i-1", "alpha"),
        ("i-1", "beta"),
    ]


def test_ratings_are_read_from_the_analysis_frame_leaving_out_the_unrated() -> None:
    frame = pd.DataFrame(
        {
            "agency_id": ["alpha", "alpha", "beta"],
            "criterion_id": ["p-1", "p-2", "p-1"],
            "rating": ["green", None, "red"],
        }
    )
    assert ratings_from(frame) == {("alpha", "p-1"): "green", ("beta", "p-1"): "red"}
