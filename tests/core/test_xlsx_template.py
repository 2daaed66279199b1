"""The return template: sheets, locked and unlocked cells, drop-downs, pre-filled answers.

Checked by reading the written file back with openpyxl (and its raw XML where only the
XML can show it), never by trusting the objects that wrote it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from tests.support import data
from workbook import config
from workbook.cli import cli
from workbook.errors import StorageError
from workbook.schema import loader as templates
from workbook.schema.framework import Framework
from workbook.schema.responses import Action, Answer
from workbook.spreadsheets import layout as L
from workbook.spreadsheets.write import TemplateFacts, build_workbook, write_template
from workbook.store import Store

SHIPPED = config.ROOT / "templates" / "frameworks"


def written(framework: Framework, answers: dict[str, Answer] | None = None, **facts: Any) -> bytes:
    base: dict[str, Any] = {
        "cycle_id": "c1",
        "cycle_title": "Cycle one",
        "agency_id": "alpha",
        "agency_name": "Alpha health trust",
    }
    out = io.BytesIO()
    build_workbook(TemplateFacts(framework, **(base | facts)), answers).save(out)
    return out.getvalue()


def opened(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


@pytest.fixture
def framework(make_framework) -> Framework:
    return make_framework()


@pytest.fixture
def scoped_framework(make_framework) -> Framework:
    """``d-1`` asked only of the police (issue #16)."""
    return make_framework(**data.SCOPED)


def test_sheets_in_order_with_the_hidden_one_last(framework: Framework) -> None:
    wb = opened(written(framework))
    assert wb.sheetnames == ["About", "Prevent", "Identify", "Actions", "_workbook"]
    assert [ws.sheet_state for ws in wb.worksheets] == ["visible"] * 4 + ["hidden"]
    assert wb.security.lockStructure


def test_a_heading_sheet_lists_its_criteria_under_the_field_labels(make_framework) -> None:
    framework = make_framework(labels={"development": "Worries"})
    ws = opened(written(framework))["Prevent"]
    assert ws["B1"].value == "Prevent"
    assert [c.value for c in ws[L.HEADER_ROW]] == [
        "ID",
        "Question",
        "Guidance",
        "Rating",
        "Evidence",
        "What is going well",
        "Worries",
        "Not applicable",
        "Why it does not apply",
    ]
    assert [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in (4, 5)] == [
        ("p-1", "Is training recorded?"),
        ("p-2", "Do children get awareness sessions?"),
    ]
    assert ws.max_row == 5


def test_questions_are_locked_and_answers_unlocked(framework: Framework) -> None:
    ws = opened(written(framework))["Prevent"]
    assert ws.protection.sheet
    assert ws.protection.password is None  # documented: a guard against slips only
    assert not ws.protection.formatRows  # people may make rows taller
    for column in "ABC":
        assert ws[f"{column}4"].protection.locked, column
    for column in "DEFGHI":
        cell = ws[f"{column}4"]
        assert not cell.protection.locked, column
        assert cell.number_format == "@", column  # what is typed stays text


def test_fields_not_asked_are_grey_and_locked(make_framework) -> None:
    criteria = [
        {"id": "p-1", "heading": "prevent", "prompt": "Rating only?", "fields": ["rating"]},
        {"id": "i-1", "heading": "identify", "prompt": "Words only?", "fields": ["evidence"]},
    ]
    wb = opened(written(make_framework(criteria=criteria)))
    prevent, identify = wb["Prevent"], wb["Identify"]
    assert not prevent["D4"].protection.locked
    # not applicable goes with the rating, as in the form (issue #16)
    for cell in (prevent["E4"], prevent["G4"], identify["D4"], identify["H4"], identify["I4"]):
        assert cell.protection.locked, cell.coordinate
        assert cell.fill.fgColor.rgb.endswith("D9D9D9"), cell.coordinate
    assert not identify["E4"].protection.locked
    assert wb["_workbook"]["J2"].value is None  # no criterion takes actions


def test_the_rating_is_a_drop_down_of_the_scale_labels(framework: Framework) -> None:
    wb = opened(written(framework))
    validation, not_applicable = wb["Prevent"].data_validations.dataValidation
    assert (validation.type, not_applicable.type) == ("list", "list")
    assert str(not_applicable.sqref) == "H4 H5"
    assert not_applicable.formula1 == '"Not applicable"'  # the one choice; blank is the other
    assert str(validation.sqref) == "D4 D5"
    sheet, cells = validation.formula1.split("!")
    assert sheet.strip("'") == "_workbook"
    labels = [c.value for row in wb["_workbook"][cells.replace("$", "")] for c in row]
    assert labels == ["Red", "Amber", "Green"]


def test_the_actions_sheet_takes_criteria_and_real_dates(framework: Framework) -> None:
    ws = opened(written(framework))["Actions"]
    assert [c.value for c in ws[1]] == [
        "Criterion ID",
        "Action",
        "Owner",
        "Due date",
        "Action ID",
        "Status",
        "Progress note",
    ]
    assert ws["D2"].number_format == "yyyy-mm-dd"
    assert not ws["B50"].protection.locked
    assert not ws["F50"].protection.locked
    assert not ws.protection.insertRows  # rows may be added
    lists = [v for v in ws.data_validations.dataValidation if v.type == "list"]
    kinds = {v.type: v for v in ws.data_validations.dataValidation}
    assert set(kinds) == {"list", "date"}
    assert str(kinds["date"].sqref) == f"D2:D{1 + L.BLANK_ACTION_ROWS}"
    by_column = {str(v.sqref)[0]: v.formula1 for v in lists}
    assert by_column == {
        "A": "'_workbook'!$J$2:$J$4",
        "F": '"Open,In progress,Done,Dropped"',  # the statuses, as words
    }


def test_the_hidden_sheet_identifies_the_file(framework: Framework) -> None:
    created = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    ws = opened(written(framework, revision=4, status="draft", created=created))["_workbook"]
    assert {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, 9)} == {
        "format": "safeguarding-workbook-return",
        "format_version": 1,
        "framework": "test-fw",
        "framework_version": "1.0",
        "cycle": "c1",
        "agency": "alpha",
        "revision": 4,
        "created": "2026-01-05T09:00:00+00:00",
    }
    assert [(ws[f"D{r}"].value, ws[f"E{r}"].value) for r in (2, 3)] == [
        ("Prevent", "prevent"),
        ("Identify", "identify"),
    ]


def test_answers_are_pre_filled(framework: Framework) -> None:
    answers = {
        "p-2": Answer(
            rating="amber",
            evidence="Audit\n\nreport",
            actions=(
                Action(text="Train", owner="Lead", due=dt.date(2026, 3, 31)),
                Action(text="Review"),
            ),
        ),
        "i-1": Answer(going_well="Good", actions=(Action(text="Audit", owner="Manager"),)),
    }
    wb = opened(written(framework, answers, revision=2, status="draft"))
    assert [c.value for c in wb["Prevent"][5]][3:7] == ["Amber", "Audit\n\nreport", None, None]
    actions = [[c.value for c in row] for row in wb["Actions"].iter_rows(min_row=2, max_row=5)]
    assert [row[:4] for row in actions] == [
        ["p-2", "Train", "Lead", dt.datetime(2026, 3, 31)],
        ["p-2", "Review", None, None],
        ["i-1", "Audit", "Manager", None],
        [None, None, None, None],
    ]
    assert wb["About"]["B6"].value == "from revision 2 (draft)"


def test_text_that_looks_like_a_formula_is_written_as_text(framework: Framework) -> None:
    risky = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "#N/A"]
    answers = {
        "p-1": Answer(evidence=risky[0], going_well=risky[1], development=risky[2]),
        "i-1": Answer(evidence=risky[3], going_well=risky[4], actions=(Action(text="=1+1"),)),
    }
    data = written(framework, answers)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        xml = b"".join(archive.read(n) for n in sheets)
    assert not re.search(rb"<(\w+:)?f[ >]", xml), "a cell was written as a formula"
    assert b't="e"' not in xml, "a cell was written as an error value"
    wb = opened(data)
    assert wb["Prevent"]["E4"].value == risky[0]
    assert wb["Identify"]["F4"].value == "#N/A"
    assert wb["Actions"]["B2"].value == "=1+1"


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_framework_makes_a_template(path: Path) -> None:
    framework = templates.load_framework(path)
    wb = opened(written(framework))
    names = L.sheet_names(framework)
    assert wb.sheetnames == ["About", *names.values(), "Actions", "_workbook"]
    for heading in framework.headings:
        ws = wb[names[heading.id]]
        ids = [ws.cell(r, 1).value for r in range(L.FIRST_ROW, ws.max_row + 1)]
        assert ids == [c.id for c in framework.criteria_under(heading.id)]


# --------------------------------------------------------------------- from the store


def test_write_template_pre_fills_the_latest_revision(store: Store, tmp_path: Path) -> None:
    store.save("c1", "alpha", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    store.save("c1", "alpha", {"p-1": Answer(rating="green")}, author="a", based_on=1)
    facts = write_template(store, "c1", "alpha", tmp_path / "r.xlsx")
    assert (facts.revision, facts.status, facts.agency_name) == (2, "draft", "Alpha health trust")
    wb = load_workbook(tmp_path / "r.xlsx")
    assert wb["Prevent"]["D4"].value == "Green"
    assert wb["_workbook"]["B7"].value == 2


def test_a_blank_template_ignores_the_answers(store: Store, tmp_path: Path) -> None:
    store.save("c1", "alpha", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    facts = write_template(store, "c1", "alpha", tmp_path / "r.xlsx", blank=True)
    assert facts.revision == 0
    assert load_workbook(tmp_path / "r.xlsx")["Prevent"]["D4"].value is None


def test_an_agency_not_invited_gets_no_template(store: Store, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="It is not invited to cycle 'c1'"):
        write_template(store, "c1", "gamma", tmp_path / "r.xlsx")
    assert not (tmp_path / "r.xlsx").exists()


def test_the_template_command(db_url: str, store: Store, tmp_path: Path) -> None:
    store.save("c1", "beta", {"i-1": Answer(rating="amber")}, author="a", based_on=None)
    target = tmp_path / "beta.xlsx"
    result = CliRunner().invoke(
        cli, ["template", "--db", db_url, "--cycle", "c1", "--agency", "beta", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Wrote {target}: Beta police force, Cycle one (test-fw 1.0), pre-filled from revision 1\n"
    )
    assert load_workbook(target)["Identify"]["D4"].value == "Amber"


# ---------------------------------------------------------- not applicable (issue #16)


def test_not_applicable_and_its_reason_are_pre_filled(framework: Framework) -> None:
    answers = {
        "p-1": Answer(not_applicable=True, na_reason="We run no training"),
        "p-2": Answer(rating="red"),
    }
    ws = opened(written(framework, answers, revision=1, status="draft"))["Prevent"]
    assert [c.value for c in ws[4]][3:] == [None] * 4 + ["Not applicable", "We run no training"]
    assert [c.value for c in ws[5]][3:] == ["Red"] + [None] * 5
    assert ws["C1"].value is None  # every criterion is asked: nothing to say


def test_a_hostile_reason_is_written_as_text(framework: Framework) -> None:
    reason = '=HYPERLINK("http://evil.example","click") <script>alert(1)</script>'
    data = written(framework, {"p-1": Answer(not_applicable=True, na_reason=reason)})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet2.xml")
    assert not re.search(rb"<(\w+:)?f[ >]", xml), "the reason was written as a formula"
    cell = opened(data)["Prevent"]["I4"]
    assert (cell.value, cell.data_type) == (reason, "s")


def test_criteria_the_sector_is_not_asked_are_left_out(scoped_framework: Framework) -> None:
    answers = {"d-1": Answer(rating="red", actions=(Action(text="Serve notices"),))}
    wb = opened(written(scoped_framework, answers, sector="health"))
    ws = wb["Disrupt"]
    assert [ws.cell(r, 1).value for r in range(L.FIRST_ROW, ws.max_row + 1)] == ["d-2"]
    assert ws[L.SCOPE_CELL].value == (
        "1 criterion under this heading is not asked of agencies in the health sector, "
        "so it is not listed."
    )
    assert wb["Prevent"][L.SCOPE_CELL].value is None
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows(max_col=2)}
    assert about["Not asked"].startswith("1 criterion of this framework is not asked")
    assert wb["Actions"]["B2"].value is None  # d-1's action stays out of the file too
    takes = [c.value for c in wb["_workbook"]["J"][1:] if c.value]
    assert takes == ["p-1", "p-2", "i-1", "d-2"]
    police = opened(written(scoped_framework, sector="police"))["Disrupt"]
    assert [police.cell(r, 1).value for r in (4, 5)] == ["d-1", "d-2"]
    assert police[L.SCOPE_CELL].value is None


def test_write_template_scopes_to_the_agencys_sector(scoped_store: Store, tmp_path: Path) -> None:
    answer = Answer(not_applicable=True, na_reason="No children seen")
    scoped_store.save("c1", "sexual-health", {"p-2": answer}, author="a", based_on=None)
    facts = write_template(scoped_store, "c1", "sexual-health", tmp_path / "r.xlsx")
    assert facts.sector == "health"
    wb = load_workbook(tmp_path / "r.xlsx")
    assert [wb["Prevent"]["H5"].value, wb["Prevent"]["I5"].value] == [
        "Not applicable",
        "No children seen",
    ]
    assert [c.value for c in wb["Disrupt"]["A"][L.FIRST_ROW - 1 :]] == ["d-2"]
