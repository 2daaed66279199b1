"""The form on a shared return (issue #17): one return, and notes for one partnership.

``shared_store``: beta answers once for ``tp`` (``c1``) and ``np`` (``n1``); delta's return
for ``n1`` is its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.data import CHAIR_TP, POLICE_NP, POLICE_TP
from widgets.form import FormModel, FormView
from widgets.form.criterion import CriterionView, Look
from workbook.store import Store

RATED = {"rating": "amber", "evidence": "Audit 2020", "development": "Recording"}


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the store's own tests cover PostgreSQL."""
    return f"sqlite:///{tmp_path}/shared-form.db"


def _form(store: Store, scheduler, cycle_id: str, agency_id: str) -> FormModel:
    form = FormModel(store, schedule=scheduler, clock=scheduler.clock)
    assert form.open(cycle_id, agency_id), form.message
    return form


def test_a_shared_return_says_so_and_takes_a_note_for_this_partnership(
    shared_store: Store, form_scheduler
) -> None:
    form = _form(shared_store.as_identity(POLICE_NP), form_scheduler, "n1", "beta")
    assert form.shared_with == (
        "Beta police force answers this return once for Neighbour partnership and Test "
        "partnership: what you save here is the return both see. Notes marked "
        '"for Neighbour partnership only" are read by Neighbour partnership alone.'
    )
    view = FormView(form)
    assert "<strong>Shared return.</strong> Beta police force answers" in view.scale.value
    criterion = form.criteria["p-1"]
    assert criterion.note_label == "Note for Neighbour partnership only"
    shown = CriterionView(criterion, Look())
    assert shown.inputs["note"].description == "Note for Neighbour partnership only"
    form.set_answer("p-1", **RATED)
    form.set_answer("p-1", note="Here the panel meets monthly.")
    assert form.dirty
    form_scheduler.advance(5)  # autosave
    assert not form.dirty, form.message
    assert shared_store.notes.latest("n1", "beta") == {"p-1": "Here the panel meets monthly."}
    # a note alone is saved too, and the return's revision stays
    revision = form.based_on
    form.set_answer("p-1", note="Monthly, and online since May.")
    assert form.save(), form.message
    assert form.based_on == revision
    assert shared_store.notes.latest("n1", "beta") == {"p-1": "Monthly, and online since May."}


def test_the_other_partnership_sees_the_answer_and_not_the_note(
    shared_store: Store, form_scheduler
) -> None:
    neighbour = _form(shared_store.as_identity(POLICE_NP), form_scheduler, "n1", "beta")
    neighbour.set_answer("p-1", **RATED, note="Only for the neighbour.")
    assert neighbour.save(), neighbour.message
    ours = _form(shared_store.as_identity(POLICE_TP), form_scheduler, "c1", "beta")
    assert ours.answers["p-1"].rating == "amber"
    assert ours.criteria["p-1"].note == ""
    assert ours.criteria["p-1"].note_label == "Note for Test partnership only"
    assert ours.shared_with.startswith(
        "Beta police force answers this return once for Test partnership and Neighbour"
    )
    chair = _form(shared_store.as_identity(CHAIR_TP), form_scheduler, "c1", "beta")
    assert chair.notes == {}


def test_a_return_not_shared_has_no_note(shared_store: Store, form_scheduler) -> None:
    form = _form(shared_store, form_scheduler, "n1", "delta")
    assert form.shared_with == ""
    assert form.criteria["p-1"].note_label == ""
    assert "note" not in CriterionView(form.criteria["p-1"], Look()).inputs
    assert "Shared return" not in FormView(form).scale.value


def test_a_note_is_screened_for_personal_data(shared_store: Store, form_scheduler) -> None:
    form = _form(shared_store.as_identity(POLICE_NP), form_scheduler, "n1", "beta")
    form.set_answer("p-1", **RATED, note="Ask Jane Smith on 07700 900123.")
    found = form.personal_data()
    assert [(p["label"], p["field"]) for p in found] == [
        ("Prevent 1", "Note for this partnership only")
    ]
