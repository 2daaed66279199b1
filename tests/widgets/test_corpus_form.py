"""The hostile and broken input corpus, widget half (issue #7): URL query values, form text.

Every case of ``tests/corpus/manifest.yaml`` in the categories url and form-text runs here,
on SQLite and PostgreSQL (``form_db_url`` is the root ``db_url``). URL values go through
``open_form`` and ``open_dashboard`` (and, for raw query strings, ``page_query``);
form text is typed into a criterion and an action through ``FormModel`` and saved. A
refused input must say why in words and leave every table unchanged; saved text must
reload exactly, show escaped in the history, report and dashboard HTML, and be
formula-guarded in the CSV and .xlsx export. Files are in ``tests/core/test_corpus.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
from html import escape
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape as jinja_escape
from openpyxl import load_workbook

from tests.corpus import support as S
from widgets import base, dashboard, form
from widgets.dashboard.columns import DRILL
from widgets.form import FormModel
from workbook import reports
from workbook.charts import tables as htmltable
from workbook.reports import html as report_html
from workbook.schema import params
from workbook.spreadsheets import export
from workbook.spreadsheets import layout as L
from workbook.store import Store

TODAY = dt.date(2019, 2, 10)


@pytest.fixture
def form_db_url(db_url: str) -> str:
    """These cases run on SQLite and PostgreSQL."""
    return db_url


def _shown(view: Any) -> str:
    html = "\n".join(S.html_values(view))
    S.assert_no_traceback(html)
    return html


def _assert_no_raw_markup(html: str, *texts: str) -> None:
    for text in texts:
        if "<" in text:
            assert text not in html


# ----------------------------------------------------------------------- URL values


@pytest.mark.parametrize("case", S.params("url"))
def test_url_query(
    case: Any, form_store: Store, form_scheduler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    query: dict[str, str] = case["query"]
    if "query_string" in case.raw:
        monkeypatch.setenv("QUERY_STRING", case["query_string"])
        assert base.page_query() == query
    before = S.table_digests(form_store)

    view = form.open_form(
        form_store, query, schedule=form_scheduler, clock=form_scheduler.clock, today=TODAY
    )
    model = view.model
    S.assert_in_order(model.message, case.expect)
    html = _shown(view)
    assert escape(model.message) in html
    _assert_no_raw_markup(html, *query.values())
    if case.get("save"):
        model.set_answer("p-1", rating="red")
        assert not model.save()
        S.assert_in_order(model.message, case["expect_save"])
        assert escape(model.message) in _shown(view)
    assert S.table_digests(form_store) == before

    board = dashboard.open_dashboard(form_store, query, today=TODAY)
    assert board.model.cycle in {c.id for c in form_store.cycles()}  # a real one, or none
    _assert_no_raw_markup(_shown(board), *query.values())
    if "expect_moderate" in case.raw:
        assert not board.model.moderate("alpha", "p-1", "red", "Challenged")
        S.assert_in_order(board.model.message, case["expect_moderate"])
    assert S.table_digests(form_store) == before


# ----------------------------------------------------------------------- form text


def _type(model: FormModel, text: str) -> None:
    """Type into p-1's "What is going well" and a new action, as the widgets would."""
    criterion = model.criteria["p-1"]
    criterion.going_well = text
    criterion.add_action()
    criterion.actions[0].text = text
    criterion.actions[0].owner = "Head of service"


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _xlsx_cell(path: Path, sheet: str, column: str) -> Any:
    ws = load_workbook(path)[sheet]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("agency")].value == "alpha" and (
            row[header.index("criterion")].value == "p-1"
        ):
            return row[header.index(column)]
    raise AssertionError(f"no row for alpha p-1 in {sheet}")


@pytest.mark.parametrize("case", S.params("form-text"))
def test_form_text(case: Any, form_store: Store, form_scheduler: Any, tmp_path: Path) -> None:
    text: str = case["text"]
    author: str = case.get("author", "Tester")
    model = FormModel(form_store, schedule=form_scheduler, clock=form_scheduler.clock)
    model.author = author
    assert model.open("c1", "alpha")
    view = form.FormView(model)
    before = S.table_digests(form_store)
    _type(model, text)
    saved = model.save()
    form_scheduler.advance(60)  # autosave has nothing more to do either way
    S.assert_no_traceback(model.message)

    if case["outcome"] == "refused":
        assert not saved
        S.assert_in_order(model.message, case.expect)
        assert escape(model.message) in _shown(view)
        assert S.table_digests(form_store) == before
        return

    assert saved, model.message
    assert model.message.startswith("Saved at ")
    state = form_store.latest("c1", "alpha")
    assert state is not None
    assert state.answers["p-1"].going_well == text
    assert state.answers["p-1"].actions[0].text == text
    assert state.author == author.strip()

    again = FormModel(form_store, schedule=form_scheduler, clock=form_scheduler.clock)
    assert again.open("c1", "alpha")
    assert again.criteria["p-1"].going_well == text
    assert again.criteria["p-1"].actions[0].text == text
    again.history_open = True
    assert escape(author.strip()) in again.history_html
    _assert_no_raw_markup(again.history_html, author)

    chosen = params.ReportParameters(cycle="c1", compare_with="")
    report = report_html.Report(reports.report_context(form_store, chosen))
    themes = report.themes().html
    assert str(jinja_escape(text.strip())) in themes
    _assert_no_raw_markup(themes, text)

    board = dashboard.open_dashboard(form_store, {"cycle": "c1"}, today=TODAY)
    board.model.criterion = "p-1"
    drill = htmltable.html_table(board.model.drilldown(), DRILL, "Drill-down")
    assert str(jinja_escape(text)) in drill
    _assert_no_raw_markup(drill, text)

    export.export_cycle(form_store, "c1", tmp_path / "out.csv")
    row = next(
        r for r in _csv(tmp_path / "out.csv") if (r["agency"], r["criterion"]) == ("alpha", "p-1")
    )
    assert row["going_well"] == L.neutralise(text)
    action = next(r for r in _csv(tmp_path / "out-actions.csv") if r["agency"] == "alpha")
    assert action["action"] == L.neutralise(text)
    export.export_cycle(form_store, "c1", tmp_path / "out.xlsx")
    for sheet, column in (("Returns", "going_well"), ("Actions", "action")):
        cell = _xlsx_cell(tmp_path / "out.xlsx", sheet, column)
        assert cell.data_type == "s"  # text, never a formula
        assert L.plain(cell.value) == text
