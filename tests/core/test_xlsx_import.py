"""Importing a filled return: round trips, revisions, statuses, nothing saved on any error.

A "user" fills the template with openpyxl exactly where a person would type (the answer
cells of each heading sheet and rows of the Actions sheet); LibreOffice tests then let
``soffice --headless`` save the file, as a partner agency's LibreOffice would.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from tests.support.data import without_action_ids
from tests.support.xlsx import without_na_columns
from workbook import config
from workbook.cli import cli
from workbook.errors import SpreadsheetError
from workbook.schema.framework import Framework, ResponseField
from workbook.schema.responses import MAX_TEXT, Action, Answer, Status
from workbook.spreadsheets import export
from workbook.spreadsheets import layout as L
from workbook.spreadsheets.importer import import_return
from workbook.spreadsheets.write import write_template
from workbook.store import Store, provision

ROOT = config.ROOT
T0 = dt.datetime(2020, 2, 10, 9, 30, tzinfo=dt.UTC)

# What people type: every one must come back exactly (see docs: only \r\n becomes \n).
TEXTS = [
    "Plain evidence: the audit of 12 cases.",
    "Line one\nLine two\n\n  indented line four\n",
    "Ünïcödé — “curly” ‘quotes’ … 中文 العربية עברית 😀 👩🏽‍⚕️",
    "=SUM(A1:A3)",
    "+44 20 7946 0000",
    "-10% on last year",
    "@team please review",
    "#N/A",
    "TRUE",
    "0123",
    "1/2/2026",
    "  leading and trailing  ",
    "tab\tseparated",
    "'starts with an apostrophe",
    "looks like an escape: _x0041_",
]
LONG = ("A long paragraph of evidence, repeated. " * 300)[: MAX_TEXT - 1] + "!"


def typed_answers(
    framework: Framework, sector: str | None = None
) -> tuple[dict[str, Answer], list[tuple[str, Action]]]:
    """Answers covering every field and tricky text, and the actions in sheet order.

    Only the criteria ``sector`` is asked, as its template has rows for no others.
    """
    answers: dict[str, Answer] = {}
    actions: list[tuple[str, Action]] = []
    texts = itertools.cycle(TEXTS)
    levels = framework.scale.levels
    for number, criterion in enumerate(framework.criteria_for(sector)):
        asked = framework.fields_for(criterion)
        values: dict[str, Any] = {}
        if ResponseField.RATING in asked:
            values["rating"] = levels[number % len(levels)].key
        for field in (ResponseField.EVIDENCE, ResponseField.GOING_WELL, ResponseField.DEVELOPMENT):
            if field in asked:
                values[field.value] = LONG if number == 1 else next(texts)
        if ResponseField.ACTIONS in asked and number % 2 == 0:
            mine = (
                Action(text=next(texts), owner="Head of service", due=dt.date(2026, 3, 31)),
                Action(text="Second action\nwith two lines", owner="", due=None),
            )
            values["actions"] = mine
            actions += [(criterion.id, a) for a in mine]
        answers[criterion.id] = Answer(**values)
    return answers, actions


def fill(
    path: Path,
    framework: Framework,
    answers: dict[str, Answer],
    actions: list,
    sector: str | None = None,
) -> None:
    """Type answers into a template file (made for ``sector``) as a person would, and save it."""
    wb = load_workbook(path)
    names = L.sheet_names(framework)
    asked = set(framework.criteria_for(sector))
    rows = {
        c.id: (names[c.heading], row)
        for heading in framework.headings
        for row, c in enumerate(
            [c for c in framework.criteria_under(heading.id) if c in asked], start=L.FIRST_ROW
        )
    }
    for cid, answer in answers.items():
        sheet, row = rows[cid]
        ws = wb[sheet]
        if answer.rating:
            L.set_text(ws.cell(row, 4), framework.scale.level(answer.rating).label)
        for field in L.ANSWER_FIELDS[1:]:
            text = getattr(answer, field.value)
            if text:
                L.set_text(ws.cell(row, L.field_column(framework, field).index), text)
    ws = wb[L.ACTIONS_SHEET]
    for row, (cid, action) in enumerate(actions, start=L.ACTIONS_FIRST_ROW):
        for column, value in ((1, cid), (2, action.text), (3, action.owner)):
            ws.cell(row, column).value = None
            if value:
                L.set_text(ws.cell(row, column), value)
        ws.cell(row, 4).value = action.due
    wb.save(path)


def edit(path: Path, change: Callable[[Any], None]) -> Path:
    wb = load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def revisions(store: Store, agency: str = "alpha") -> list[tuple[int, str, str]]:
    return [(r.number, r.status.value, r.author) for r in store.history("c1", agency)]


@pytest.fixture
def framework(store: Store) -> Framework:
    return store.cycle_framework("c1")


@pytest.fixture
def template(store: Store, tmp_path: Path) -> Path:
    path = tmp_path / "return.xlsx"
    write_template(store, "c1", "alpha", path)
    return path


# ------------------------------------------------------------------------ round trip


def test_round_trip_template_fill_import_export(
    store: Store, framework: Framework, template: Path, tmp_path: Path
) -> None:
    answers, actions = typed_answers(framework)
    fill(template, framework, answers, actions)

    result = import_return(store, template)

    assert (result.saved, result.revision, result.status) == (True, 1, Status.DRAFT)
    # the tricky texts include a phone number, which a draft import only warns about
    assert [w for w in result.warnings if "looks like" not in w] == []
    assert any("looks like a phone number" in w for w in result.warnings)
    assert without_action_ids(store.latest("c1", "alpha").answers) == answers
    assert revisions(store) == [(1, "draft", "Spreadsheet import (return.xlsx)")]

    out = tmp_path / "cycle.xlsx"
    export.export_cycle(store, "c1", out)
    wb = load_workbook(out)
    rows = [
        dict(zip(export.RETURN_COLUMNS, r, strict=True))
        for r in wb["Returns"].iter_rows(min_row=2, values_only=True)
    ]
    mine = {r["criterion"]: r for r in rows if r["agency"] == "alpha"}
    for cid, answer in answers.items():
        for field in ("evidence", "going_well", "development"):
            assert (mine[cid][field] or "") == getattr(answer, field), (cid, field)
        assert mine[cid]["rating"] == answer.rating
    exported = [r for r in wb["Actions"].iter_rows(min_row=2, values_only=True)]
    assert [(r[4], r[6], r[7] or "", r[8]) for r in exported] == [
        (cid, a.text, a.owner, dt.datetime.combine(a.due, dt.time()) if a.due else None)
        for cid, a in actions
    ]


def test_a_second_template_of_the_imported_return_imports_as_no_change(
    store: Store, framework: Framework, template: Path, tmp_path: Path
) -> None:
    answers, actions = typed_answers(framework)
    fill(template, framework, answers, actions)
    import_return(store, template)
    again = tmp_path / "again.xlsx"
    write_template(store, "c1", "alpha", again)
    result = import_return(store, again)
    assert (result.saved, result.revision, result.changed) == (False, 1, ())
    assert len(revisions(store)) == 1


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo partnership with the shipped frameworks, no returns (SQLite)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo')}/demo.db"
    store = Store.open(url)
    provision.install(store, ROOT / "data" / "demo" / "partnership.yaml", config.templates_dir())
    yield store
    store.close()


@pytest.mark.parametrize(
    ("cycle", "agency"), [("cse-2016-17", "police"), ("front-door-2018", "csc")]
)
def test_round_trip_with_the_shipped_frameworks(
    demo_store: Store, tmp_path: Path, cycle: str, agency: str
) -> None:
    framework = demo_store.cycle_framework(cycle)
    sector = demo_store.agency(agency).sector  # its template asks only its sector's (#16)
    path = tmp_path / f"{agency}.xlsx"
    write_template(demo_store, cycle, agency, path)
    answers, actions = typed_answers(framework, sector)
    fill(path, framework, answers, actions, sector)
    result = import_return(demo_store, path, author="MASE member")
    assert result.saved
    assert without_action_ids(demo_store.latest(cycle, agency).answers) == answers


# ------------------------------------------------------------- revisions and status


def test_import_is_based_on_the_latest_revision_and_warns_when_it_moved(
    store: Store, template: Path
) -> None:
    store.save("c1", "alpha", {"p-1": Answer(rating="red")}, author="Web form", based_on=None)
    edit(template, lambda wb: L.set_text(wb["Identify"]["D4"], "Green"))
    result = import_return(store, template, author="Chair")
    assert result.revision == 2
    assert result.warnings == (
        "this file was made blank, but the return is now at revision 1: importing replaces "
        "the answers of revision 1 with the file's (history keeps both)",
    )
    assert store.latest("c1", "alpha").answers == {"i-1": Answer(rating="green")}
    assert store.at("c1", "alpha", 1).answers == {"p-1": Answer(rating="red")}
    assert store.history("c1", "alpha")[1].based_on == 1


def test_a_file_made_from_an_older_revision_says_which(store: Store, tmp_path: Path) -> None:
    store.save("c1", "alpha", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    path = tmp_path / "r.xlsx"
    write_template(store, "c1", "alpha", path)
    store.save("c1", "alpha", {"p-1": Answer(rating="amber")}, author="a", based_on=1)
    result = import_return(store, path, check=True)
    assert result.warnings[0].startswith(
        "this file was made from revision 1, but the return is now at revision 2"
    )
    assert result.changed == ("p-1",)


def test_check_saves_nothing(store: Store, template: Path) -> None:
    edit(template, lambda wb: L.set_text(wb["Prevent"]["D5"], "Amber"))
    result = import_return(store, template, check=True)
    assert (result.saved, result.revision, result.changed) == (False, None, ("p-2",))
    assert store.latest("c1", "alpha") is None


def test_the_import_holds_the_cycle_collector_off_and_lets_it_run_after(
    store: Store, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file's cells are thousands of new objects; the collector walking everything the
    process holds at each few hundred of them cost a sixth of an import (issue #19)."""
    import gc

    from workbook.spreadsheets import importer

    seen: list[bool] = []
    parse = importer.parse_return

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return parse(*args, **kwargs)

    monkeypatch.setattr(importer, "parse_return", watched)
    edit(template, lambda wb: L.set_text(wb["Prevent"]["D5"], "Amber"))
    assert gc.isenabled()
    assert import_return(store, template).saved
    assert (seen, gc.isenabled()) == ([False], True)


def test_a_blank_file_does_not_start_a_return(store: Store, template: Path) -> None:
    result = import_return(store, template)
    assert (result.saved, result.revision) == (False, None)
    assert store.latest("c1", "alpha") is None


def test_a_submitted_return_must_be_reopened_first(
    store: Store, template: Path, make_answers
) -> None:
    store.save("c1", "alpha", make_answers(), author="a", based_on=None, status=Status.SUBMITTED)
    with pytest.raises(SpreadsheetError) as raised:
        import_return(store, template)
    assert [str(p) for p in raised.value.problems] == [
        "return.xlsx: status: The return for 'alpha' in cycle 'c1' is submitted; it must be "
        "reopened by the chair before it can be changed."
    ]
    store.reopen("c1", "alpha", author="Chair", reason="Evidence missing")
    result = import_return(store, template, author="Return lead")
    assert (result.revision, result.status) == (3, Status.REOPENED)


def test_submit_a_complete_return(store: Store, template: Path, make_answers) -> None:
    answers = make_answers()
    fill(
        template,
        store.cycle_framework("c1"),
        answers,
        [(c, a.actions[0]) for c, a in answers.items()],
    )
    result = import_return(store, template, submit=True)
    assert (result.revision, result.status) == (1, Status.SUBMITTED)
    assert without_action_ids(store.latest("c1", "alpha").answers) == answers


def test_personal_data_stops_a_submission_and_is_warned_about(
    store: Store, template: Path, make_answers
) -> None:
    answers = make_answers()
    answers["p-1"] = answers["p-1"].model_copy(
        update={"evidence": "Case of a girl, DOB 03/04/2005, seen by the team"}
    )
    fill(
        template,
        store.cycle_framework("c1"),
        answers,
        [(c, a.actions[0]) for c, a in answers.items()],
    )
    with pytest.raises(SpreadsheetError) as raised:
        import_return(store, template, submit=True)
    text = str(raised.value)
    assert "1 passage looks like personal data" in text
    assert "p-1, Evidence: looks like a date of birth" in text
    assert "03/04/2005" not in text  # the warning masks what it quotes
    assert store.latest("c1", "alpha") is None
    draft = import_return(store, template)  # a draft is saved, with the warning
    assert draft.saved
    assert any("looks like a date of birth" in w for w in draft.warnings)
    submitted = import_return(store, template, submit=True, despite_personal_data=True)
    assert submitted.status == Status.SUBMITTED


def test_submit_an_incomplete_return_names_the_cells(store: Store, template: Path) -> None:
    def change(wb: Any) -> None:
        L.set_text(wb["Prevent"]["D4"], "Green")
        for column, value in zip("AB", ("i-1", "Audit"), strict=True):
            L.set_text(wb["Actions"][f"{column}2"], value)

    edit(template, change)
    with pytest.raises(SpreadsheetError) as raised:
        import_return(store, template, submit=True)
    assert [str(p) for p in raised.value.problems] == [
        "Prevent!E4: evidence: p-1: rated 'Green' but no evidence given",
        "Prevent!D5: rating: p-2: not rated",
        "Identify!D4: rating: i-1: not rated",
        "Actions!C2: actions: i-1: action 1 has no owner",
        "Actions!D2: actions: i-1: action 1 has no due date",
    ]
    assert store.latest("c1", "alpha") is None


def test_an_answer_carried_forward_and_left_alone_stays_marked(
    store: Store, tmp_path: Path
) -> None:
    carried = Answer(rating="amber", evidence="Last year", carried_forward=True)
    store.save("c1", "alpha", {"p-1": carried}, author="a", based_on=None)
    path = tmp_path / "r.xlsx"
    write_template(store, "c1", "alpha", path)
    edit(path, lambda wb: L.set_text(wb["Prevent"]["D5"], "Red"))
    import_return(store, path)
    assert store.latest("c1", "alpha").answers == {"p-1": carried, "p-2": Answer(rating="red")}


def test_the_form_refuses_a_file_for_another_agency(store: Store, template: Path) -> None:
    with pytest.raises(SpreadsheetError) as raised:
        import_return(store, template, expect_agency="beta")
    assert [str(p) for p in raised.value.problems] == [
        "_workbook!B6: agency: this file is for agency 'alpha', not 'beta'"
    ]


# ----------------------------------------------------------- bad files save nothing


def set_meta(key: str, value: str) -> Callable[[Any], None]:
    def change(wb: Any) -> None:
        L.set_text(wb[L.META_SHEET].cell(L.META_KEYS.index(key) + 1, 2), value)

    return change


def rename(wb: Any) -> None:
    wb["Prevent"].title = "Prevention"


def merge(wb: Any) -> None:
    wb["Identify"].merge_cells("E4:G4")


def bad_label(wb: Any) -> None:
    L.set_text(wb["Prevent"]["D4"], "Very good")


def extra_row(wb: Any) -> None:
    L.set_text(wb["Identify"]["G9"], "More worries")


BAD = {
    "wrong framework version": (
        set_meta("framework_version", "0.9"),
        "_workbook!B4: framework: this file is for test-fw version 0.9, but cycle 'c1' runs "
        "test-fw version 1.0; make a new one with `workbook template --cycle c1 --agency alpha`",
    ),
    "wrong framework": (
        set_meta("framework", "cse-mase"),
        "_workbook!B4: framework: this file is for cse-mase version 1.0, but cycle 'c1' runs "
        "test-fw version 1.0; make a new one with `workbook template --cycle c1 --agency alpha`",
    ),
    "unknown cycle": (
        set_meta("cycle", "c9"),
        "_workbook!B5: cycle: there is no cycle 'c9' in this store",
    ),
    "agency not invited": (
        set_meta("agency", "gamma"),
        "_workbook!B6: agency: agency 'gamma' is not invited to 'c1'",
    ),
    "renamed sheet": (
        rename,
        "return.xlsx: sheets: sheet 'Prevent' is missing; expected the sheet for heading 'Prevent'. Rename it back or copy the answers into a new template",
    ),
    "merged cells": (
        merge,
        "Identify!E4:G4: merged cells cannot be imported; unmerge them (only the first cell's text is kept)",
    ),
    "invalid label": (
        bad_label,
        "Prevent!D4: rating: unknown rating 'Very good'; choose one of Red, Amber, Green",
    ),
    "extra row": (
        extra_row,
        "Identify!A9: id: this row has no criterion ID; rows cannot be added: put the text in the row of the criterion it answers",
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_file_saves_nothing(store: Store, template: Path, case: str) -> None:
    change, first = BAD[case]
    store.save("c1", "alpha", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    before = store.latest("c1", "alpha")

    def also_answer(wb: Any) -> None:
        L.set_text(wb["Identify"]["D4"], "Amber")  # a good change that must not be saved
        change(wb)

    edit(template, also_answer)
    with pytest.raises(SpreadsheetError) as raised:
        import_return(store, template)
    assert str(raised.value.problems[0]) == first
    assert store.latest("c1", "alpha") == before
    assert len(revisions(store)) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"criterion,rating\np-1,Green\n", "this is a text file (CSV?), not an Excel workbook"),
    ],
    ids=["empty", "csv"],
)
def test_a_file_that_is_not_a_workbook_saves_nothing(
    store: Store, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "return.xlsx"
    path.write_bytes(content)
    with pytest.raises(SpreadsheetError, match=re.escape(message)):
        import_return(store, path)
    assert store.latest("c1", "alpha") is None


# ----------------------------------------------------------------------- the command


def test_import_command_saves_and_says_so(db_url: str, store: Store, template: Path) -> None:
    edit(template, lambda wb: L.set_text(wb["Prevent"]["D4"], "Green"))
    runner = CliRunner()
    args = ["import", str(template), "--db", db_url, "--as", "Jo Bloggs (MASE)"]
    checked = runner.invoke(cli, [*args, "--check"])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == (
        f"{template}: ok; importing would save the return of alpha for c1 as draft\n"
        "    1 criteria changed (p-1)\n"
    )
    assert store.latest("c1", "alpha") is None
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Imported {template} as revision 1 of the return of alpha for c1 (draft); "
        "1 criteria changed (p-1)\n"
    )
    assert revisions(store) == [(1, "draft", "Jo Bloggs (MASE)")]


def test_import_command_lists_three_problems_and_saves_nothing(
    db_url: str, store: Store, template: Path
) -> None:
    def change(wb: Any) -> None:
        for row in range(2, 7):
            L.set_text(wb["Actions"][f"A{row}"], "p-1")
            L.set_text(wb["Actions"][f"B{row}"], "Train")
            L.set_text(wb["Actions"][f"D{row}"], "soon")

    edit(template, change)
    result = CliRunner().invoke(cli, ["import", str(template), "--db", db_url])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Actions!D2: due: expected a date such as 2026-03-31, found 'soon'",
        "Actions!D3: due: expected a date such as 2026-03-31, found 'soon'",
        "Actions!D4: due: expected a date such as 2026-03-31, found 'soon'",
        "... and 2 more problems",
        f"{template}: 5 problem(s); nothing was saved",
    ]
    assert store.latest("c1", "alpha") is None


# ---------------------------------------------------------- not applicable (issue #16)

WHY = "We see adults only; no children attend the clinic"
HEALTH = "sexual-health"  # in the scoped store: not asked d-1 (police only)


def na(reason: str = WHY) -> Answer:
    return Answer(not_applicable=True, na_reason=reason)


def health_template(scoped_store: Store, tmp_path: Path, change: Callable[[Any], None]) -> Path:
    path = tmp_path / "health.xlsx"
    write_template(scoped_store, "c1", HEALTH, path)
    return edit(path, change)


def typed_cells(**cells: str) -> Callable[[Any], None]:
    """Type text into cells given as ``Sheet__A1=text``."""

    def change(wb: Any) -> None:
        for key, text in cells.items():
            sheet, coordinate = key.split("__")
            L.set_text(wb[sheet][coordinate], text)

    return change


COMPLETE = {"Prevent__D4": "Amber", "Identify__D4": "Red", "Disrupt__D4": "Amber"}
"""Every criterion the health service is asked, bar p-2 (Prevent row 5), rated."""


def test_not_applicable_round_trip_submits(scoped_store: Store, tmp_path: Path) -> None:
    path = health_template(
        scoped_store,
        tmp_path,
        typed_cells(**COMPLETE, Prevent__H5="Not applicable", Prevent__I5=WHY),
    )
    result = import_return(scoped_store, path, submit=True)
    assert (result.saved, result.status) == (True, Status.SUBMITTED)
    state = scoped_store.latest("c1", HEALTH)
    assert state.answers["p-2"] == na()
    assert "d-1" not in state.answers
    again = tmp_path / "again.xlsx"
    write_template(scoped_store, "c1", HEALTH, again)  # the template shows what was saved
    assert [load_workbook(again)["Prevent"][c].value for c in ("H5", "I5")] == [
        "Not applicable",
        WHY,
    ]


def test_submit_asks_for_the_reason_at_its_cell(scoped_store: Store, tmp_path: Path) -> None:
    path = health_template(
        scoped_store, tmp_path, typed_cells(**COMPLETE, Prevent__H5="Not applicable")
    )
    with pytest.raises(SpreadsheetError) as raised:
        import_return(scoped_store, path, submit=True)
    assert [str(p) for p in raised.value.problems] == [
        "Prevent!I5: na_reason: p-2: marked not applicable but no reason given"
    ]
    assert import_return(scoped_store, path).saved  # a draft may wait for the reason


def test_a_reason_is_screened_for_personal_data(scoped_store: Store, tmp_path: Path) -> None:
    reason = "Only one child, DOB 03/04/2005, was ever seen"
    path = health_template(
        scoped_store,
        tmp_path,
        typed_cells(**COMPLETE, Prevent__H5="Not applicable", Prevent__I5=reason),
    )
    with pytest.raises(SpreadsheetError) as raised:
        import_return(scoped_store, path, submit=True)
    text = str(raised.value)
    assert "p-2, Why it does not apply: looks like a date of birth" in text
    assert "03/04/2005" not in text
    assert scoped_store.latest("c1", HEALTH) is None


def test_an_older_file_keeps_the_not_applicable_saved_in_the_form(
    scoped_store: Store, tmp_path: Path
) -> None:
    saved = {"p-1": na("No training of our own"), "p-2": na(), "d-1": Answer(rating="red")}
    scoped_store.save("c1", HEALTH, saved, author="Web form", based_on=None)

    def older(wb: Any) -> None:
        without_na_columns(wb)
        typed_cells(**COMPLETE)(wb)  # rates p-1, which was not applicable

    path = health_template(scoped_store, tmp_path, older)
    result = import_return(scoped_store, path, submit=True)
    answers = scoped_store.latest("c1", HEALTH).answers
    assert answers["p-2"] == na()  # left unrated by the file: kept, so it submits
    assert answers["p-1"] == Answer(rating="amber")  # rated in the file: the rating wins
    assert answers["d-1"] == Answer(rating="red")  # not the sector's: not the file's to drop
    assert result.warnings[-1] == (
        "p-1: the file has no 'Not applicable' column (it was made before there was one), "
        "and its rating replaces the answer 'Not applicable' saved before"
    )


def test_a_new_file_may_clear_not_applicable(scoped_store: Store, tmp_path: Path) -> None:
    scoped_store.save("c1", HEALTH, {"p-2": na()}, author="Web form", based_on=None)
    path = health_template(
        scoped_store, tmp_path, typed_cells(Prevent__H5="", Prevent__I5="", Prevent__D5="Red")
    )
    import_return(scoped_store, path)
    assert scoped_store.latest("c1", HEALTH).answers["p-2"] == Answer(rating="red")


# ---------------------------------------------------------------------- LibreOffice


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="module")
def soffice(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path, str, Path], Path]:
    """Convert a file with LibreOffice headless, using a private profile; returns the output."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        reason = "soffice not found; install the Debian package 'libreoffice-calc-nogui'"
        if _in_ci():
            pytest.fail(f"{reason} (CI=true, so this is an error rather than a skip)")
        pytest.skip(reason)
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(source: Path, to: str, outdir: Path) -> Path:
        outdir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                program,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                to,
                "--outdir",
                str(outdir),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        target = outdir / f"{source.stem}.{to.split(':')[0]}"
        assert done.returncode == 0, done.stdout + done.stderr
        assert target.exists(), done.stdout + done.stderr
        return target

    return convert


@pytest.fixture
def sqlite_store(tmp_path: Path, partnership_files: tuple[Path, Path]) -> Store:
    store = Store.open(f"sqlite:///{tmp_path}/lo.db")
    provision.install(store, *partnership_files)
    yield store
    store.close()


def test_a_template_saved_by_libreoffice_imports_exactly(
    soffice, sqlite_store: Store, tmp_path: Path
) -> None:
    framework = sqlite_store.cycle_framework("c1")
    path = tmp_path / "return.xlsx"
    write_template(sqlite_store, "c1", "alpha", path)
    answers, actions = typed_answers(framework)
    fill(path, framework, answers, actions)

    saved = soffice(path, "xlsx", tmp_path / "libreoffice")
    with zipfile.ZipFile(saved) as archive:
        assert b"LibreOffice" in archive.read("docProps/app.xml")  # really re-written

    result = import_return(sqlite_store, saved)
    assert result.saved
    assert without_action_ids(sqlite_store.latest("c1", "alpha").answers) == answers


def test_an_ods_round_trip_through_libreoffice_imports_exactly(
    soffice, sqlite_store: Store, tmp_path: Path
) -> None:
    framework = sqlite_store.cycle_framework("c1")
    path = tmp_path / "return.xlsx"
    write_template(sqlite_store, "c1", "beta", path)
    answers, actions = typed_answers(framework)
    fill(path, framework, answers, actions)

    ods = soffice(path, "ods", tmp_path / "ods")
    with pytest.raises(SpreadsheetError, match=r"this is an OpenDocument spreadsheet \(\.ods\)"):
        import_return(sqlite_store, ods)
    back = soffice(ods, "xlsx", tmp_path / "back")

    import_return(sqlite_store, back)
    assert without_action_ids(sqlite_store.latest("c1", "beta").answers) == answers


def test_libreoffice_does_not_run_exported_text_as_formulas(
    soffice, sqlite_store: Store, tmp_path: Path
) -> None:
    risky = Answer(rating="red", evidence="=1+2", going_well="@SUM(1,2)", development="-3+4")
    sqlite_store.save("c1", "alpha", {"p-1": risky}, author="a", based_on=None)
    out = tmp_path / "cycle.xlsx"
    export.export_cycle(sqlite_store, "c1", out)

    as_csv = soffice(out, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path / "csv")

    rows = list(csv.DictReader(io.StringIO(as_csv.read_text("utf-8"))))
    p1 = next(r for r in rows if r["agency"] == "alpha" and r["criterion"] == "p-1")
    assert (p1["evidence"], p1["going_well"], p1["development"]) == ("=1+2", "@SUM(1,2)", "-3+4")


def test_not_applicable_survives_libreoffice(soffice, scoped_store: Store, tmp_path: Path) -> None:
    hostile = '=HYPERLINK("http://evil.example","click") <script>alert(1)</script>'
    path = health_template(
        scoped_store,
        tmp_path,
        typed_cells(**COMPLETE, Prevent__H5="Not applicable", Prevent__I5=hostile),
    )
    saved = soffice(path, "xlsx", tmp_path / "libreoffice")
    with zipfile.ZipFile(saved) as archive:
        assert b"LibreOffice" in archive.read("docProps/app.xml")
    import_return(scoped_store, saved, submit=True)
    assert scoped_store.latest("c1", HEALTH).answers["p-2"] == na(hostile)
