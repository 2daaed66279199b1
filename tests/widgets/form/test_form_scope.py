"""The form asks an agency only its sector's criteria, and takes "not applicable" (issue #16).

The scoped ``test-fw`` asks ``d-1`` only of the police; a sexual health service's return
hides it, says so in one line, and submits with ``d-2`` marked not applicable once it
says why.
"""

from __future__ import annotations

import pytest

from widgets.form import FormModel, FormView
from workbook.schema.responses import Status
from workbook.store import Store

RATED = {"rating": "amber", "evidence": "Audit 2020", "development": "Recording"}


@pytest.fixture
def model(scoped_store: Store, form_scheduler) -> FormModel:
    form = FormModel(scoped_store, schedule=form_scheduler, clock=form_scheduler.clock)
    form.author = "Sexual health lead"
    assert form.open("c1", "sexual-health"), form.message
    return form


def test_criteria_out_of_the_sector_are_not_asked(model: FormModel) -> None:
    assert "d-1" not in model.criteria
    assert [c.label for c in model.headings[-1].criteria] == ["Disrupt 2"]  # numbered as framed
    assert model.overall == "0 of 4 criteria answered"
    assert model.not_asked == 1
    view = FormView(model)
    assert (
        "1 criterion of this framework is not asked of agencies in the health sector, "
        "so it is not shown." in view.scale.value
    )


def test_not_applicable_needs_a_reason_to_submit(model: FormModel, scoped_store: Store) -> None:
    for criterion_id in ("p-1", "p-2", "i-1"):
        model.set_answer(criterion_id, **RATED)
    model.set_answer("d-2", not_applicable=True)
    assert model.overall == "4 of 4 criteria answered"
    assert not model.submit()
    assert [(p["label"], p["problem"]) for p in model.problems] == [
        ("Disrupt 2", "marked not applicable but no reason given")
    ]
    assert model.message.startswith("Not submitted: 1 thing to finish first.")
    model.set_answer("d-2", na_reason="Intelligence goes through the MASH, not from us.")
    assert model.submit(), model.message
    latest = scoped_store.latest("c1", "sexual-health")
    assert latest is not None
    assert latest.status == Status.SUBMITTED
    assert latest.answers["d-2"].not_applicable
    assert latest.answers["d-2"].na_reason.startswith("Intelligence goes")


def test_a_reason_is_screened_for_personal_data(model: FormModel) -> None:
    for criterion_id in ("p-1", "p-2", "i-1"):
        model.set_answer(criterion_id, **RATED)
    model.set_answer("d-2", not_applicable=True, na_reason="Ask j.smith@example.org why.")
    assert not model.submit()
    assert [(w["label"], w["field"]) for w in model.personal_warnings] == [
        ("Disrupt 2", "Why it does not apply")
    ]


def test_autosave_keeps_not_applicable_and_the_history_names_it(
    model: FormModel, scoped_store: Store, form_scheduler
) -> None:
    model.set_answer("d-2", not_applicable=True, na_reason="Not our service.")
    form_scheduler.advance(10)
    latest = scoped_store.latest("c1", "sexual-health")
    assert latest is not None
    assert latest.answers["d-2"].na_reason == "Not our service."
    model.history_open = True
    assert "Disrupt 2 (not applicable, why it does not apply)" in model.history_html
