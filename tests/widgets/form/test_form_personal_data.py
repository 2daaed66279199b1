"""The form warns before submitting passages that look like personal data (issue #7).

Model first (``FormModel.submit``), then the view: the list of links and the "Submit
anyway" button. Values are invented (Ofcom drama numbers, NHS test range, example.org).
"""

from __future__ import annotations

import pytest

from widgets.form import FormModel, FormView, open_form, personal_html
from workbook.schema.responses import Status
from workbook.store import Store

COMPLETE = {
    "p-1": {"rating": "amber", "evidence": "Audit of 20 cases by 31 March 2020"},
    "p-2": {"rating": "red"},
    "i-1": {"rating": "amber"},
}
PHONE = "Call the mother on 07700 900123 before the visit"
DOB = "Child B (DOB 12/03/2009) was seen twice"


@pytest.fixture
def model(form_store: Store, form_scheduler) -> FormModel:
    made = FormModel(form_store, schedule=form_scheduler, clock=form_scheduler.clock)
    made.author = "Lead"
    assert made.open("c2", "alpha"), made.message
    for criterion_id, fields in COMPLETE.items():
        made.set_answer(criterion_id, **fields)
    return made


def test_submit_stops_and_lists_what_looks_like_personal_data(
    model: FormModel, form_store: Store
) -> None:
    model.set_answer("p-2", going_well=PHONE)
    model.set_answer("i-1", development=DOB)

    assert not model.submit()
    assert model.status != Status.SUBMITTED
    latest = form_store.latest("c2", "alpha")
    assert latest is None or latest.status == Status.DRAFT
    assert model.problems == []
    assert [
        (w["criterion"], w["label"], w["field"], w["kind"]) for w in model.personal_warnings
    ] == [
        ("p-2", "Prevent 2", "What is going well", "a phone number"),
        ("i-1", "Identify 1", "Worries & gaps", "a date of birth"),
    ]
    assert model.message == (
        "Not submitted yet: 2 passages look like personal data about a person (a phone "
        "number, a date of birth). Each is listed under 'Check before you submit', with a "
        "link to the criterion. Returns should describe services, not people. Edit them, "
        "or choose 'Submit anyway'."
    )
    excerpts = " ".join(w["excerpt"] for w in model.personal_warnings)
    assert "900123" not in excerpts
    assert "12/03/2009" not in excerpts
    assert "Call the mother on" in excerpts  # enough context to find it
    assert all(h.open for h in model.headings)  # the links lead to criteria on the page


def test_editing_the_passages_away_lets_it_through(model: FormModel, form_store: Store) -> None:
    model.set_answer("p-2", going_well=PHONE)
    model.set_answer("i-1", development=DOB)
    assert not model.submit()

    model.set_answer("p-2", going_well="Call the family before the visit")
    assert [w["criterion"] for w in model.personal_warnings] == ["i-1"]  # follows edits
    model.set_answer("i-1", development="Child B was seen twice")
    assert model.personal_warnings == []

    assert model.submit(), model.message
    assert form_store.latest("c2", "alpha").status == Status.SUBMITTED


def test_submit_anyway_submits_and_notes_it_in_the_history(
    model: FormModel, form_store: Store
) -> None:
    model.set_answer("p-2", going_well=PHONE)
    assert not model.submit()

    assert model.submit_anyway(), model.message
    assert model.message.startswith("Submitted at ")
    assert model.personal_warnings == []
    assert model.status == Status.SUBMITTED
    latest = form_store.latest("c2", "alpha")
    assert latest.status == Status.SUBMITTED
    assert latest.answers["p-2"].going_well == PHONE  # submitted as typed
    (last,) = form_store.history("c2", "alpha")[-1:]
    assert last.note == "Submitted anyway: 1 passage looks like personal data"


def test_missing_items_come_first_and_clear_the_warnings(model: FormModel) -> None:
    model.set_answer("p-2", going_well=PHONE)
    assert not model.submit()
    assert model.personal_warnings

    model.set_answer("i-1", rating=None)
    assert not model.submit_anyway()  # confirming does not skip completeness
    assert model.message.startswith("Not submitted: 1 thing to finish first.")
    assert model.personal_warnings == []
    assert model.status != Status.SUBMITTED


def test_a_clean_return_submits_first_time(model: FormModel) -> None:
    assert model.submit(), model.message
    assert model.personal_warnings == []


def test_opening_another_return_clears_the_warnings(model: FormModel) -> None:
    model.set_answer("p-2", going_well=PHONE)
    assert not model.submit()
    assert model.open("c2", "beta"), model.message
    assert model.personal_warnings == []


# -- the view ---------------------------------------------------------------------------


@pytest.fixture
def form(form_store: Store, form_scheduler) -> FormView:
    return open_form(
        form_store,
        {"cycle": "c2", "agency": "alpha", "user": "Lead"},
        schedule=form_scheduler,
        clock=form_scheduler.clock,
    )


def test_the_view_lists_warnings_as_links_with_a_submit_anyway_button(
    form: FormView, form_store: Store
) -> None:
    m = form.model
    for criterion_id, fields in COMPLETE.items():
        m.set_answer(criterion_id, **fields)
    m.set_answer("p-2", going_well=PHONE)
    assert form.personal.value == ""
    assert form.submit_anyway_button.layout.display == "none"

    form.submit_button.click()
    html = form.personal.value
    assert "<h3>Check before you submit</h3>" in html
    assert (
        '<a href="#wb-crit-p-2">Prevent 2, What is going well: looks like a phone number</a>'
    ) in html
    assert "900123" not in html
    assert "1 passage looks like personal data about a person" in html
    assert "Not submitted yet: 1 passage looks" in form.message.value
    assert form.submit_anyway_button.layout.display is None  # shown
    assert form.save_button.layout.display != "none"  # its own layout: others unaffected

    form.submit_anyway_button.click()
    assert form_store.latest("c2", "alpha").status == Status.SUBMITTED
    assert form.personal.value == ""
    assert form.submit_anyway_button.layout.display == "none"


def test_personal_html_escapes_and_is_empty_without_warnings() -> None:
    assert personal_html([]) == ""
    html = personal_html(
        [
            {
                "criterion": "p-1",
                "label": "Prevent 1",
                "field": "Evidence",
                "kind": "an email address",
                "excerpt": "<b>\u2022\u2022@\u2022\u2022.\u2022rg</b>",
            }
        ]
    )
    assert "&lt;b&gt;" in html
    assert "<b>" not in html
    assert "edit it (each link goes to the criterion)" in html
