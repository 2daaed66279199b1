"""Reading a filled return workbook: every way a file can be wrong is a located problem.

Files are made by the real template writer (:func:`workbook.spreadsheets.write.build_workbook`)
for the small test framework (sheets ``Prevent``: p-1 row 4, p-2 row 5; ``Identify``:
i-1 row 4), then changed with openpyxl the way a person in Excel would change them.
Store-level behaviour (nothing saved, revisions) is in ``test_xlsx_import.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tests.support import data as test_data
from tests.support.xlsx import without_na_columns
from workbook.errors import SpreadsheetError
from workbook.schema.framework import Framework
from workbook.schema.responses import MAX_TEXT, Action, Answer
from workbook.spreadsheets import layout as L
from workbook.spreadsheets.read import ParsedReturn, open_workbook, parse_return, read_facts
from workbook.spreadsheets.write import TemplateFacts, build_workbook

SOURCE = "return.xlsx"


def make_file(framework: Framework, answers: dict[str, Answer] | None = None) -> bytes:
    facts = TemplateFacts(framework, "c1", "Cycle one", "alpha", "Alpha health trust")
    out = io.BytesIO()
    build_workbook(facts, answers).save(out)
    return out.getvalue()


def edit(data: bytes, change: Callable[[Any], None]) -> bytes:
    """Open, change and save a workbook as a person with a spreadsheet program would."""
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def typed(cell: Any, value: Any) -> None:
    """What typing into a text-formatted cell stores: text stays text, even '=1+2'."""
    if isinstance(value, str):
        L.set_text(cell, value)
    else:
        cell.value = value


def read(data: bytes, framework: Framework, sector: str | None = None) -> ParsedReturn:
    wb = open_workbook(data, SOURCE)
    return parse_return(wb, read_facts(wb, SOURCE), framework, SOURCE, sector)


def problems(data: bytes, framework: Framework, sector: str | None = None) -> list[str]:
    with pytest.raises(SpreadsheetError) as raised:
        read(data, framework, sector)
    assert raised.value.source == SOURCE
    return [str(p) for p in raised.value.problems]


@pytest.fixture
def framework(make_framework) -> Framework:
    return make_framework()


@pytest.fixture
def blank(framework: Framework) -> bytes:
    return make_file(framework)


def set_cells(**cells: Any) -> Callable[[Any], None]:
    """A change typing values into cells given as ``Sheet__A1=value``."""

    def change(wb: Any) -> None:
        for key, value in cells.items():
            sheet, coordinate = key.split("__")
            typed(wb[sheet][coordinate], value)

    return change


# ------------------------------------------------------------------------ good files


def test_a_blank_template_reads_as_no_answers(blank: bytes, framework: Framework) -> None:
    parsed = read(blank, framework)
    assert all(a.is_empty for a in parsed.answers.values())
    assert set(parsed.answers) == {"p-1", "p-2", "i-1"}
    assert parsed.cells[("p-2", "rating")] == "Prevent!D5"
    assert parsed.cells[("i-1", "development")] == "Identify!G4"


def test_answers_and_actions_are_read_by_criterion_id(blank: bytes, framework: Framework) -> None:
    data = edit(
        blank,
        set_cells(
            Prevent__D4="Green",
            Prevent__E4="Audit, March",
            Prevent__F5="Staff know the pathway",
            Identify__D4="amber",  # the key works too
            Identify__G4="Recording is patchy",
            Actions__A2="i-1",
            Actions__B2="Audit ten cases",
            Actions__C2="Service manager",
            Actions__D2=dt.datetime(2026, 3, 31),
            Actions__A3="i-1",
            Actions__B3="Report to the MASE",
            Actions__D3="2026-06-30",  # an ISO date typed as text is accepted
            Actions__A5="p-1",
            Actions__B5="Refresh training",
        ),
    )
    parsed = read(data, framework)
    assert parsed.answers["p-1"] == Answer(
        rating="green", evidence="Audit, March", actions=(Action(text="Refresh training"),)
    )
    assert parsed.answers["p-2"] == Answer(going_well="Staff know the pathway")
    assert parsed.answers["i-1"] == Answer(
        rating="amber",
        development="Recording is patchy",
        actions=(
            Action(text="Audit ten cases", owner="Service manager", due=dt.date(2026, 3, 31)),
            Action(text="Report to the MASE", due=dt.date(2026, 6, 30)),
        ),
    )
    assert parsed.action_rows == {"i-1": [2, 3], "p-1": [5]}


@pytest.mark.parametrize("text", ["Green", "  green ", "GREEN", "green"])
def test_ratings_match_labels_in_any_case_or_the_key(
    blank: bytes, framework: Framework, text: str
) -> None:
    assert read(edit(blank, set_cells(Prevent__D4=text)), framework).answers["p-1"].rating == (
        "green"
    )


def test_rows_are_matched_by_id_not_position(blank: bytes, framework: Framework) -> None:
    def swap(wb: Any) -> None:
        ws = wb["Prevent"]
        typed(ws["A4"], "p-2")
        typed(ws["A5"], "p-1")
        typed(ws["D4"], "Red")

    assert read(edit(blank, swap), framework).answers["p-2"].rating == "red"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (42, "42"),
        (2.5, "2.5"),
        (True, "TRUE"),
        (dt.datetime(2026, 3, 1), "2026-03-01"),
        ("Line one\r\nLine two", "Line one\nLine two"),
        ("  kept as typed  \n", "  kept as typed  \n"),
    ],
    ids=["integer", "decimal", "boolean", "date", "windows line end", "spaces"],
)
def test_what_a_cell_holds_is_read_as_text(
    blank: bytes, framework: Framework, value: Any, expected: str
) -> None:
    parsed = read(edit(blank, set_cells(Prevent__E4=value)), framework)
    assert parsed.answers["p-1"].evidence == expected


def test_text_of_exactly_the_limit_is_accepted(blank: bytes, framework: Framework) -> None:
    text = "é" * MAX_TEXT
    assert read(edit(blank, set_cells(Prevent__G5=text)), framework).answers["p-2"].development == (
        text
    )


# ------------------------------------------------------------------------- bad cells


def formula(wb: Any) -> None:
    wb["Prevent"]["E4"] = "=A1&B1"  # openpyxl writes a real formula


def error_value(wb: Any) -> None:
    wb["Prevent"]["F4"] = "#N/A"  # openpyxl writes an error cell


def merged(wb: Any) -> None:
    wb["Prevent"].merge_cells("E4:F4")


def extra_row(wb: Any) -> None:
    typed(wb["Prevent"]["E7"], "An extra thought")


def duplicate_row(wb: Any) -> None:
    typed(wb["Prevent"]["A6"], "p-1")
    typed(wb["Prevent"]["D6"], "Red")


def row_of_other_heading(wb: Any) -> None:
    typed(wb["Prevent"]["A6"], "i-1")


def unknown_id(wb: Any) -> None:
    typed(wb["Prevent"]["A5"], "p-9")


def deleted_row(wb: Any) -> None:
    wb["Prevent"].delete_rows(5)


def stray_text(wb: Any) -> None:
    typed(wb["Identify"]["K4"], "note to self")


def number_as_due_date(wb: Any) -> None:
    set_cells(Actions__A2="p-1", Actions__B2="Train", Actions__D2=46082)(wb)
    wb["Actions"]["D2"].number_format = "General"  # pasted over: the date format is gone


def moved_column(wb: Any) -> None:
    typed(wb["Prevent"]["D3"], "Score")


BAD_CELLS = {
    "unknown rating label": (
        set_cells(Prevent__D4="Gren"),
        ["Prevent!D4: rating: unknown rating 'Gren'; choose one of Red, Amber, Green"],
    ),
    "formula": (
        formula,
        ["Prevent!E4: evidence: holds a formula; type the text itself (formulas are not imported)"],
    ),
    "error value": (
        error_value,
        ["Prevent!F4: going_well: holds the error value #N/A; type the text itself"],
    ),
    "text over the limit": (
        set_cells(Identify__E4="x" * (MAX_TEXT + 1)),
        ["Identify!E4: evidence: 10,001 characters; at most 10,000 fit in one answer"],
    ),
    "merged cells": (
        merged,
        [
            "Prevent!E4:F4: merged cells cannot be imported; unmerge them (only the first cell's text is kept)"
        ],
    ),
    "extra row": (
        extra_row,
        [
            "Prevent!A7: id: this row has no criterion ID; rows cannot be added: put the text in the row of the criterion it answers"
        ],
    ),
    "duplicate row": (
        duplicate_row,
        ["Prevent!A6: id: criterion 'p-1' appears twice (also row 4)"],
    ),
    "row from another sheet": (
        row_of_other_heading,
        ["Prevent!A6: id: criterion 'i-1' belongs on sheet 'Identify'"],
    ),
    "changed id": (
        unknown_id,
        [
            "Prevent!A5: id: unknown criterion ID 'p-9' in test-fw 1.0",
            "Prevent: id: the row for criterion 'p-2' is missing (deleted, or its ID changed)",
        ],
    ),
    "deleted row": (
        deleted_row,
        ["Prevent: id: the row for criterion 'p-2' is missing (deleted, or its ID changed)"],
    ),
    "text outside the answer columns": (
        stray_text,
        [
            "Identify!K4: text outside the answer columns would be lost; move it into an answer cell or delete it"
        ],
    ),
    "moved column": (
        moved_column,
        [
            "Prevent!D3: rating: the heading is 'Score', expected 'Rating': columns must stay where the template put them"
        ],
    ),
    "due date not a date": (
        set_cells(Actions__A3="p-1", Actions__B3="Train", Actions__D3="next March"),
        ["Actions!D3: due: expected a date such as 2026-03-31, found 'next March'"],
    ),
    "due date a bare number": (
        number_as_due_date,
        ["Actions!D2: due: expected a date such as 2026-03-31, found the number 46082"],
    ),
    "impossible ISO date": (
        set_cells(Actions__A2="p-1", Actions__B2="Train", Actions__D2="2026-02-30"),
        ["Actions!D2: due: expected a date such as 2026-03-31, found '2026-02-30'"],
    ),
    "action without criterion": (
        set_cells(Actions__B2="Train", Actions__C2="Lead"),
        ["Actions!A2: criterion: this action has no criterion ID"],
    ),
    "action for an unknown criterion": (
        set_cells(Actions__A2="x-1", Actions__B2="Train"),
        ["Actions!A2: criterion: unknown criterion ID 'x-1'"],
    ),
    "action without text": (
        set_cells(Actions__A2="p-1", Actions__C2="Lead"),
        ["Actions!B2: action: this action has no text"],
    ),
    "owner too long": (
        set_cells(Actions__A2="p-1", Actions__B2="Train", Actions__C2="o" * 201),
        ["Actions!C2: owner: 201 characters; at most 200"],
    ),
}


@pytest.mark.parametrize("case", BAD_CELLS)
def test_bad_cells_are_located(blank: bytes, framework: Framework, case: str) -> None:
    change, expected = BAD_CELLS[case]
    assert problems(edit(blank, change), framework) == expected


def test_a_field_the_criterion_does_not_ask_for(make_framework) -> None:
    criteria = [
        {"id": "p-1", "heading": "prevent", "prompt": "Rating only?", "fields": ["rating"]},
        {"id": "i-1", "heading": "identify", "prompt": "Everything?"},
    ]
    framework = make_framework(criteria=criteria)
    data = edit(make_file(framework), set_cells(Prevent__E4="Evidence", Actions__A2="p-1"))
    assert problems(edit(data, set_cells(Actions__B2="Do it")), framework) == [
        "Prevent!E4: evidence: p-1 does not ask for 'Evidence'",
        "Actions!A2: criterion: p-1 does not ask for actions",
    ]


def test_every_problem_is_reported_together(blank: bytes, framework: Framework) -> None:
    data = edit(blank, set_cells(Prevent__D4="Gren", Identify__D4="Blue", Actions__A2="zz"))
    found = problems(edit(data, set_cells(Actions__B2="Do it")), framework)
    assert [p.split(":")[0] for p in found] == ["Prevent!D4", "Identify!D4", "Actions!A2"]


def test_the_message_shows_three_problems_and_counts_the_rest(
    blank: bytes, framework: Framework
) -> None:
    cells = {f"Actions__{col}{row}": "zz" for row in range(2, 7) for col in "AB"}
    data = edit(blank, set_cells(**cells))
    with pytest.raises(SpreadsheetError) as raised:
        read(data, framework)
    lines = str(raised.value).splitlines()
    assert lines == [
        "Actions!A2: criterion: unknown criterion ID 'zz'",
        "Actions!A3: criterion: unknown criterion ID 'zz'",
        "Actions!A4: criterion: unknown criterion ID 'zz'",
        "... and 2 more problems",
    ]


# ------------------------------------------------------------------------ bad sheets


def test_a_renamed_sheet_is_named_with_its_heading(blank: bytes, framework: Framework) -> None:
    def rename(wb: Any) -> None:
        wb["Prevent"].title = "Prevention"

    assert problems(edit(blank, rename), framework) == [
        "return.xlsx: sheets: sheet 'Prevent' is missing; expected the sheet for heading "
        "'Prevent'. Rename it back or copy the answers into a new template",
        "return.xlsx: sheets: sheet 'Prevention' is not part of the return, so its contents "
        "would be lost (is it 'Prevent', renamed?)",
    ]


def test_a_deleted_actions_sheet_and_an_added_sheet(blank: bytes, framework: Framework) -> None:
    def change(wb: Any) -> None:
        del wb["Actions"]
        wb.create_sheet("Notes")

    assert problems(edit(blank, change), framework) == [
        "return.xlsx: sheets: sheet 'Actions' is missing",
        "return.xlsx: sheets: sheet 'Notes' is not part of the return, so its contents would be lost",
    ]


def test_the_about_sheet_may_go(blank: bytes, framework: Framework) -> None:
    def change(wb: Any) -> None:
        del wb["About"]

    assert read(edit(blank, change), framework).answers["p-1"] == Answer()


# ------------------------------------------------------------------------- bad files


def ods_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def plain_workbook() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


SAVE_AS = "; save it from Excel or LibreOffice as 'Excel Workbook (.xlsx)'"
BAD_FILES = {
    "empty": (b"", "return.xlsx: the file is empty" + SAVE_AS),
    "csv": (
        "criterion,rating\np-1,Green\np-2,Vërt\n".encode(),
        "return.xlsx: this is a text file (CSV?), not an Excel workbook" + SAVE_AS,
    ),
    "old xls": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
        "return.xlsx: this is an old-style .xls workbook (or a password-protected file)" + SAVE_AS,
    ),
    "ods": (ods_bytes(), "return.xlsx: this is an OpenDocument spreadsheet (.ods)" + SAVE_AS),
    "binary": (bytes(range(256)) * 4, "return.xlsx: this is not an Excel workbook" + SAVE_AS),
    "truncated xlsx": (
        None,  # filled in by the test: the first half of a real template
        "return.xlsx: this is not an Excel workbook" + SAVE_AS,
    ),
    "another workbook": (
        plain_workbook(),
        "return.xlsx: this is not a return workbook made by `workbook template` (it has no "
        "'_workbook' sheet); make one with `workbook template --cycle C --agency A`",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_files_that_are_not_returns(case: str, blank: bytes, framework: Framework) -> None:
    data, expected = BAD_FILES[case]
    if data is None:
        data = blank[: len(blank) // 2]
    assert problems(data, framework) == [expected]


def test_a_file_from_a_newer_workbook(blank: bytes, framework: Framework) -> None:
    data = edit(blank, lambda wb: setattr(wb[L.META_SHEET]["B2"], "value", 2))
    assert problems(data, framework) == [
        "_workbook!B2: format_version: made by a newer workbook (format '2'); upgrade the "
        "workbook or make a new template"
    ]


def test_a_damaged_hidden_sheet(blank: bytes, framework: Framework) -> None:
    def damage(wb: Any) -> None:
        wb[L.META_SHEET]["B5"] = None  # cycle
        wb[L.META_SHEET]["B7"] = "three"  # revision

    assert problems(edit(blank, damage), framework) == [
        "_workbook!B5: cycle: missing from the hidden sheet",
        "_workbook!B7: revision: not a number: 'three'",
    ]


def test_facts_name_what_the_file_is_for(blank: bytes) -> None:
    facts = read_facts(open_workbook(blank, SOURCE), SOURCE)
    assert (facts.framework_id, facts.framework_version, facts.cycle_id, facts.agency_id) == (
        "test-fw",
        "1.0",
        "c1",
        "alpha",
    )
    assert facts.revision == 0
    assert facts.sheets == {"Prevent": "prevent", "Identify": "identify"}
    assert facts.cells["framework_version"] == "_workbook!B4"


# ---------------------------------------------------------- not applicable (issue #16)

WHY = "We run no training of our own"


def test_not_applicable_and_its_reason_are_read(blank: bytes, framework: Framework) -> None:
    data = edit(blank, set_cells(Prevent__H4="not applicable ", Prevent__I4=WHY))
    parsed = read(data, framework)
    assert parsed.answers["p-1"] == Answer(not_applicable=True, na_reason=WHY)
    assert parsed.cells[("p-1", "not_applicable")] == "Prevent!H4"
    assert parsed.cells[("p-1", "na_reason")] == "Prevent!I4"
    assert parsed.without_na == frozenset()


@pytest.mark.parametrize(
    "reason",
    [
        '=HYPERLINK("http://evil.example","click")',
        "<script>alert('na')</script>",
        "-1 sessions; @all +44",
    ],
)
def test_a_hostile_reason_stays_text(blank: bytes, framework: Framework, reason: str) -> None:
    data = edit(blank, set_cells(Prevent__H5="Not applicable", Prevent__I5=reason))
    assert read(data, framework).answers["p-2"].na_reason == reason


NA_CELLS = {
    "reason without not applicable": (
        set_cells(Prevent__I4=WHY),
        ["Prevent!I4: na_reason: a reason given, but not marked not applicable"],
    ),
    "not applicable with a rating": (
        set_cells(Prevent__D5="Red", Prevent__H5="Not applicable", Prevent__I5=WHY),
        [
            "Prevent!D5: rating: rated and marked not applicable; give a rating or mark it "
            "not applicable, not both"
        ],
    ),
    "unknown value": (
        set_cells(Identify__H4="Yes"),
        [
            "Identify!H4: not_applicable: unknown value 'Yes' in the 'Not applicable' column; "
            "choose 'Not applicable' from the drop-down or leave it empty"
        ],
    ),
    "a formula": (
        lambda wb: setattr(wb["Prevent"]["I4"], "value", '=HYPERLINK("http://x","y")'),
        [
            "Prevent!I4: na_reason: holds a formula; type the text itself (formulas are "
            "not imported)"
        ],
    ),
    "reason too long": (
        set_cells(Prevent__H4="Not applicable", Prevent__I4="x" * (MAX_TEXT + 1)),
        ["Prevent!I4: na_reason: 10,001 characters; at most 10,000 fit in one answer"],
    ),
}


@pytest.mark.parametrize("case", NA_CELLS)
def test_bad_not_applicable_cells_are_located(
    blank: bytes, framework: Framework, case: str
) -> None:
    change, expected = NA_CELLS[case]
    assert problems(edit(blank, change), framework) == expected


def test_not_applicable_only_where_a_rating_is_asked(make_framework) -> None:
    criteria = [
        {"id": "p-1", "heading": "prevent", "prompt": "Words only?", "fields": ["evidence"]},
        {"id": "i-1", "heading": "identify", "prompt": "Everything?"},
    ]
    framework = make_framework(criteria=criteria)
    data = edit(make_file(framework), set_cells(Prevent__H4="Not applicable", Prevent__I4=WHY))
    assert problems(data, framework) == [
        "Prevent!H4: not_applicable: p-1 does not ask for 'Not applicable'",
        "Prevent!I4: na_reason: p-1 does not ask for 'Why it does not apply'",
    ]


def test_a_file_made_before_the_columns_reads_as_it_did(blank: bytes, framework: Framework) -> None:
    def old(wb: Any) -> None:
        without_na_columns(wb)
        typed(wb["Prevent"]["D4"], "Green")

    parsed = read(edit(blank, old), framework)
    assert parsed.answers["p-1"] == Answer(rating="green")
    assert parsed.without_na == {"p-1", "p-2", "i-1"}
    stray = edit(blank, lambda wb: (without_na_columns(wb), typed(wb["Prevent"]["H4"], "N/A")))
    assert problems(stray, framework) == [
        "Prevent!H4: text outside the answer columns would be lost; move it into an answer "
        "cell or delete it"
    ]


@pytest.fixture
def scoped(make_framework) -> Framework:
    return make_framework(**test_data.SCOPED)


def test_the_sectors_criteria_only(scoped: Framework) -> None:
    police_file = make_file(scoped)  # an older template: every criterion has a row
    assert set(read(police_file, scoped, "health").answers) == {"p-1", "p-2", "i-1", "d-2"}
    answered = edit(
        police_file,
        set_cells(Disrupt__F4="Notices served", Actions__A2="d-1", Actions__B2="Serve more"),
    )
    assert problems(answered, scoped, "health") == [
        "Disrupt!F4: id: criterion 'd-1' is not asked of agencies in the health sector, so "
        "nothing can be imported for it; clear this cell",
        "Actions!A2: criterion: criterion 'd-1' is not asked of agencies in the health "
        "sector, so nothing can be imported for it; clear this cell",
    ]
    assert read(answered, scoped, "police").answers["d-1"].going_well == "Notices served"


def test_a_file_for_one_sector_read_for_another(scoped: Framework) -> None:
    facts = TemplateFacts(scoped, "c1", "Cycle one", "alpha", "Alpha", sector="health")
    out = io.BytesIO()
    build_workbook(facts).save(out)
    assert set(read(out.getvalue(), scoped, "health").answers) == {"p-1", "p-2", "i-1", "d-2"}
    assert problems(out.getvalue(), scoped, "police") == [
        "Disrupt: id: the row for criterion 'd-1' is missing (deleted, or its ID changed)"
    ]
