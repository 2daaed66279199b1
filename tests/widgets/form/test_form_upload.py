"""The upload widget, headless: set the FileUpload's value, click Import, read the store.

Uses the demo partnership with the shipped frameworks in a SQLite store of its own.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from widgets.form import UploadModel, UploadView
from workbook.schema.responses import Answer
from workbook.spreadsheets import layout as L
from workbook.spreadsheets.write import write_template
from workbook.store import Store

CYCLE, AGENCY = "cse-2016-17", "police"


@pytest.fixture
def store(demo_partnership_store: Store) -> Store:
    return demo_partnership_store


def template_bytes(store: Store, rating: str | None = "Strong", agency: str = AGENCY) -> bytes:
    out = io.BytesIO()
    write_template(store, CYCLE, agency, out)
    wb = load_workbook(io.BytesIO(out.getvalue()))
    if rating:
        L.set_text(wb["Prevent"]["D4"], rating)
    done = io.BytesIO()
    wb.save(done)
    return done.getvalue()


def upload(view: UploadView, name: str, content: bytes) -> None:
    """What the browser sends when a file is chosen."""
    view.upload.value = (
        {
            "name": name,
            "type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        },
    )


@pytest.fixture
def view(store: Store) -> UploadView:
    return UploadView(UploadModel(store, author="Jo Bloggs (MASE)"))


def test_a_good_file_is_checked_then_imported(store: Store, view: UploadView) -> None:
    assert view.import_button.disabled
    upload(view, "police.xlsx", template_bytes(store))
    assert view.model.ready
    assert not view.import_button.disabled
    assert view.status.value == (
        "police.xlsx is ready to import: 1 criteria change in the return of police for cse-2016-17."
    )
    assert store.latest(CYCLE, AGENCY) is None  # checking saves nothing

    view.import_button.click()

    assert view.status.value == "Imported as revision 1."
    assert view.model.revision == 1
    assert view.import_button.disabled  # one click, one revision
    state = store.latest(CYCLE, AGENCY)
    assert state.answers == {"prevent-1": Answer(rating="strong")}
    assert state.author == "Jo Bloggs (MASE)"


def test_problems_are_shown_as_text_and_nothing_is_saved(store: Store, view: UploadView) -> None:
    upload(view, "police.xlsx", template_bytes(store, rating="Brilliant <b>"))
    assert not view.model.ready
    assert view.import_button.disabled
    assert view.status.value == "1 problem(s) in police.xlsx; nothing was saved."
    assert view.model.problems == [
        "Prevent!D4: rating: unknown rating 'Brilliant <b>'; choose one of Strong, "
        "Established, Developing, Not in place"
    ]
    assert "Brilliant &lt;b&gt;" in view.problems.value  # escaped, not markup
    view.import_button.click()
    assert store.latest(CYCLE, AGENCY) is None


def test_a_csv_is_refused(store: Store, view: UploadView) -> None:
    upload(view, "police.csv", b"criterion,rating\nprevent-1,Strong\n")
    assert view.model.problems == [
        "police.csv: this is a text file (CSV?), not an Excel workbook; save it from Excel or "
        "LibreOffice as 'Excel Workbook (.xlsx)'"
    ]


def test_on_a_return_page_a_file_for_another_agency_is_refused(store: Store) -> None:
    view = UploadView(UploadModel(store, author="Chair", cycle_id=CYCLE, agency_id="csc"))
    upload(view, "police.xlsx", template_bytes(store))
    assert view.model.problems == [
        "_workbook!B6: agency: this file is for agency 'police', not 'csc'"
    ]


def test_a_newer_save_is_reported_as_a_warning(store: Store, view: UploadView) -> None:
    content = template_bytes(store)
    store.save(
        CYCLE, AGENCY, {"prevent-2": Answer(rating="developing")}, author="Web", based_on=None
    )
    upload(view, "police.xlsx", content)
    assert view.model.ready
    assert "Warning: this file was made blank, but the return is now at revision 1" in (
        view.warnings.value
    )
    view.import_button.click()
    assert view.status.value == "Imported as revision 2."


def test_the_model_alone_without_a_view(store: Store) -> None:
    model = UploadModel(store, author="Chair")
    model.load("police.xlsx", template_bytes(store, rating=None))
    model.import_file()
    assert model.message == "police.xlsx holds no answers; nothing was saved."
    assert store.latest(CYCLE, AGENCY) is None


def _children(widget: Any) -> list[Any]:
    out = [widget]
    for child in getattr(widget, "children", ()):
        out += _children(child)
    return out


def test_the_view_is_a_picker_a_button_and_words(view: UploadView) -> None:
    kinds = [type(w).__name__ for w in _children(view)]
    assert kinds.count("FileUpload") == 1
    assert kinds.count("Button") == 1
    assert view.upload.accept == ".xlsx"


def test_the_same_file_can_be_chosen_again(store: Store, view: UploadView) -> None:
    content = template_bytes(store)
    upload(view, "police.xlsx", content)
    view.import_button.click()
    upload(view, "police.xlsx", content)
    assert view.status.value == (
        "police.xlsx is ready to import: 0 criteria change in the return of police for cse-2016-17."
    )
