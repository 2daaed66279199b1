"""The data and audit findings under each criterion of the form (issue #14), headless.

A member's form shows the partnership's evidence and their own agency's, never another
agency's; a criterion with no evidence shows nothing; the evidence is read once per opening.
"""

from __future__ import annotations

import datetime as dt

import pytest

from widgets.form import FormView, open_form
from widgets.form.criterion import CriterionView
from workbook.access import ANONYMOUS, Role
from workbook.errors import StorageError
from workbook.schema.evidence import CaseAudit, Evidence, Finding, Indicator, IndicatorValue
from workbook.store import Store

EVIDENCE = Evidence(
    indicators=(
        Indicator(
            id="training",
            name="Staff trained <this year>",
            unit="%",
            better="higher",
            period="2020",
            criteria=("p-1",),
            comparator="target",
            source="Training records",
            values=(
                IndicatorValue(agency="alpha", value=64, comparator_value=90),
                IndicatorValue(agency="beta", value=97, comparator_value=90),
            ),
        ),
        Indicator(
            id="sessions",
            name="Awareness sessions held",
            unit="sessions",
            better="higher",
            period="2020",
            criteria=("p-2",),
            source="Schools survey",
            values=(IndicatorValue(value=41),),
        ),
    ),
    audits=(
        CaseAudit(
            id="audit-2020",
            title="Case audit of 12 referrals",
            date=dt.date(2020, 2, 14),
            cases_reviewed=12,
            findings=(
                Finding(
                    text="Beta's records lacked the child's words.",
                    grade="red",
                    criteria=("p-1",),
                    agencies=("beta",),
                ),
                Finding(text="Plans were reviewed on time.", grade="green", criteria=("i-1",)),
            ),
        ),
    ),
)


@pytest.fixture
def loaded(form_store: Store) -> Store:
    form_store.evidence.load("c2", EVIDENCE, source="evidence.csv", author="Analyst")
    return form_store


def open_as(store: Store, agency: str, *, role: Role | None = None) -> FormView:
    """The form as a page opens it: for the holder of a personal link when ``role``."""
    query = {"cycle": "c2", "agency": agency}
    if role is not None:
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
        _, token = store.issue_link(
            f"{agency} lead", role, expires_at=later, cycle_id="c2", agencies=[agency]
        )
        store, query = store.as_identity(ANONYMOUS), {**query, "token": token}
    form = open_form(store, query)
    assert isinstance(form, FormView), form.value
    return form


def shown(form: FormView, criterion_id: str) -> str:
    """The HTML above a criterion's inputs, once its heading is opened."""
    model = form.model.criteria[criterion_id]
    heading = next(h for h in form.model.headings if model in h.criteria)
    heading.open = True
    view = form.heading_view(heading.heading.id)
    found = next(v for v in view.criteria if v.model is model)
    assert isinstance(found, CriterionView)
    return str(found.children[0].value)


def test_a_member_sees_their_own_evidence_and_the_partnerships_not_another_agencys(
    loaded: Store,
) -> None:
    form = open_as(loaded, "alpha", role=Role.MEMBER)
    p1 = shown(form, "p-1")
    assert 'class="wb-evidence"' in p1
    assert "Data and audit findings on Prevent 1" in p1
    assert "Staff trained &lt;this year&gt;</strong> (Alpha health &amp; care trust)" in p1
    assert "64% against 90% (target); higher is better" in p1
    assert "97%" not in p1  # beta's value
    assert "lacked the child" not in p1  # a finding about beta only
    p2 = shown(form, "p-2")
    assert "Awareness sessions held</strong> (partnership): 41 sessions" in p2
    assert "(source: Schools survey, 2020)" in p2
    i1 = shown(form, "i-1")
    assert "Case audit of 12 referrals</strong> (all agencies): Green: Plans were reviewed" in i1
    assert "(case audit of 14 February 2020, 12 cases reviewed)" in i1

    beta = open_as(loaded, "beta", role=Role.MEMBER)
    p1 = shown(beta, "p-1")
    assert "97% against 90%" in p1
    assert "64%" not in p1
    assert "Red: Beta&#x27;s records lacked the child&#x27;s words." in p1


def test_the_chair_opening_a_return_sees_that_agencys_evidence_only(loaded: Store) -> None:
    form = open_as(loaded, "alpha")  # the local administrator
    p1 = shown(form, "p-1")
    assert "64%" in p1
    assert "97%" not in p1
    assert "lacked" not in p1


def test_no_evidence_no_box(form_store: Store, loaded: Store) -> None:
    form = open_as(form_store, "alpha")
    form.model.open("c1", "alpha")  # a cycle without evidence
    assert all(not c.lines for c in form.model.criteria.values())
    assert "wb-evidence" not in shown(form, "p-1")
    assert "Data and audit" not in shown(form, "i-1")


def test_the_evidence_is_read_once_per_opening(
    loaded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    read = type(loaded.evidence).evidence

    def counted(self, cycle_id: str) -> Evidence:
        calls.append(cycle_id)
        return read(self, cycle_id)

    monkeypatch.setattr(type(loaded.evidence), "evidence", counted)
    form = open_as(loaded, "alpha")
    for criterion_id in ("p-1", "p-2", "i-1"):
        shown(form, criterion_id)
    assert calls == ["c2"]


def test_a_store_that_cannot_give_the_evidence_still_opens_the_return(
    loaded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self, cycle_id: str) -> Evidence:
        raise StorageError("busy_evidence", cycle=cycle_id)

    monkeypatch.setattr(type(loaded.evidence), "evidence", refuse)
    form = open_as(loaded, "alpha")
    assert form.model.title.startswith("Alpha")
    assert "wb-evidence" not in shown(form, "p-1")
