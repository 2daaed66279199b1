"""The spreadsheet upload inside the form: checked, imported, and shown at once."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from widgets.form import open_form
from workbook.spreadsheets import layout as L
from workbook.spreadsheets.write import write_template
from workbook.store import Store

CYCLE, AGENCY = "cse-2017-18", "police"


@pytest.fixture
def store(demo_partnership_store: Store) -> Store:
    return demo_partnership_store


def filled(store: Store, agency: str, rating: str) -> bytes:
    out = io.BytesIO()
    write_template(store, CYCLE, agency, out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    L.set_text(book["Prevent"]["D4"], rating)
    done = io.BytesIO()
    book.save(done)
    return done.getvalue()


def choose_file(form, name: str, content: bytes) -> None:
    form.upload.upload.value = (
        {
            "name": name,
            "type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        },
    )


def test_an_uploaded_return_is_saved_and_shown_in_the_form(store: Store) -> None:
    form = open_form(store, {"cycle": CYCLE, "agency": AGENCY, "user": "Police CSE lead"})
    assert form.upload is not None
    assert form.model.answers == {} or all(a.is_empty for a in form.model.answers.values())

    choose_file(form, "police.xlsx", filled(store, AGENCY, "Developing"))
    assert form.upload.model.ready, form.upload.model.problems
    form.upload.import_button.click()

    latest = store.latest(CYCLE, AGENCY)
    assert latest is not None
    first = store.cycle_framework(CYCLE).criteria[0].id
    assert latest.answers[first].rating == "developing"
    assert latest.author == "Police CSE lead"
    # the form now shows the imported revision and saves on top of it
    assert form.model.based_on == latest.revision
    assert form.model.answers[first].rating == "developing"


def test_a_file_for_another_agency_is_refused_and_nothing_saved(store: Store) -> None:
    form = open_form(store, {"cycle": CYCLE, "agency": AGENCY, "user": "Police CSE lead"})
    choose_file(form, "schools.xlsx", filled(store, "schools", "Strong"))
    assert not form.upload.model.ready
    assert any("schools" in p or "agency" in p.lower() for p in form.upload.model.problems)
    form.upload.import_button.click()
    assert store.latest(CYCLE, AGENCY) is None
    assert store.latest(CYCLE, "schools") is None


def test_no_upload_on_a_submitted_return(store: Store, tmp_path: Path) -> None:
    form = open_form(store, {"cycle": CYCLE, "agency": AGENCY, "user": "Police CSE lead"})
    framework = store.cycle_framework(CYCLE)
    best = framework.scale.best_level.key
    for criterion in framework.criteria_for(store.agency(AGENCY).sector):
        form.model.set_answer(criterion.id, rating=best, evidence="Audit 2017")
    assert form.model.submit(), form.model.message
    assert form.model.read_only
    assert form.upload is None
    assert form.upload_box.children == ()
