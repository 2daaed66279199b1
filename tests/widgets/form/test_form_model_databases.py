"""One FormModel journey on each database: edit, autosave, merge, submit, reopen.

The other form tests run on SQLite only; this one checks nothing in the widget layer
depends on the engine (PostgreSQL returns aware timestamps, SQLite naive ones).
"""

from __future__ import annotations

import pytest

from widgets.form import FormModel
from workbook.schema.responses import Answer, Status
from workbook.store import Store


@pytest.fixture
def form_db_url(db_url: str) -> str:
    return db_url


def test_journey(form_store: Store, form_scheduler) -> None:
    model = FormModel(form_store, schedule=form_scheduler, clock=form_scheduler.clock)
    model.author = "Lead"
    assert model.open("c2", "alpha")
    model.set_answer("p-1", rating="green", evidence="Audit")
    form_scheduler.advance(3)
    assert form_store.latest("c2", "alpha").answers["p-1"].evidence == "Audit"
    assert model.save_state.startswith("Draft, saved at ")

    form_store.save("c2", "alpha", {"p-1": Answer(rating="red")}, author="Other", based_on=1)
    model.set_answer("p-2", rating="amber")
    form_scheduler.advance(3)  # refused, merged with theirs (no overlap) and saved: #7
    assert not model.conflict
    latest = form_store.latest("c2", "alpha")
    assert latest.revision == 3
    assert latest.answers == {"p-1": Answer(rating="red"), "p-2": Answer(rating="amber")}
    assert model.criteria["p-1"].evidence == ""

    for criterion_id in ("p-1", "p-2", "i-1"):
        model.set_answer(criterion_id, rating="amber")
    assert model.submit(), model.message
    assert form_store.latest("c2", "alpha").status == Status.SUBMITTED
    assert model.reopen("Check p-1")
    assert form_store.history("c2", "alpha")[-1].note == "Check p-1"
    assert model.status == Status.REOPENED
