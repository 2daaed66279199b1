"""The return workbook's layout rules: sheet names, and text that survives a cell."""

from __future__ import annotations

import doctest
import io
from types import SimpleNamespace

import pytest
from openpyxl import Workbook, load_workbook

from workbook.spreadsheets import layout as L


def headings(*titles: str) -> SimpleNamespace:
    return SimpleNamespace(
        headings=[SimpleNamespace(id=f"h{i}", title=t) for i, t in enumerate(titles)]
    )


def test_doctests() -> None:
    result = doctest.testmod(L, verbose=False, report=False)
    assert result.attempted >= 3
    assert result.failed == 0


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Prevent", "Prevent"),
        ("Intervene [and] support: a*b?", "Intervene -and- support- a-b-"),
        ("Front door / MASH \\ EDT", "Front door - MASH - EDT"),
        ("Access to help and the front door, thresholds", "Access to help and the front do"),
        ("'Quoted'", "Quoted"),
        ("  spaced \t out  ", "spaced - out"),
        ("???", "---"),
        ("''", "h0"),
        ("History", "History (2)"),
        ("actions", "actions (2)"),
        ("_workbook", "_workbook (2)"),
    ],
)
def test_sheet_names_are_valid_excel_names(title: str, expected: str) -> None:
    assert L.sheet_names(headings(title)) == {"h0": expected}


def test_sheet_names_are_unique_ignoring_case_and_stay_within_31() -> None:
    long = "Governance, strategy and leadership of the partnership"
    names = L.sheet_names(headings(long, long.upper(), long, "Prevent", "PREVENT"))
    assert list(names.values()) == [
        "Governance, strategy and leader",
        "GOVERNANCE, STRATEGY AND LE (2)",
        "Governance, strategy and le (3)",
        "Prevent",
        "PREVENT (2)",
    ]
    assert all(len(n) <= L.MAX_SHEET_NAME for n in names.values())
    # openpyxl refuses names Excel would refuse
    wb = Workbook()
    for name in names.values():
        wb.create_sheet(name)


TRICKY = [
    "vertical\x0btab and bell\x07",
    "looks escaped: _x0041_ and _x005F_",
    "null\x00byte",
    "=1+2",
    "#N/A",
    "tab\tand\nnewline",
]


@pytest.mark.parametrize("text", TRICKY)
def test_text_survives_a_cell(text: str) -> None:
    wb = Workbook()
    L.set_text(wb.active["A1"], text)
    out = io.BytesIO()
    wb.save(out)
    cell = load_workbook(out).active["A1"]
    assert cell.data_type == "s"
    assert L.from_cell_text(cell.value) == text


def test_windows_line_ends_become_newlines_only() -> None:
    assert L.from_cell_text("a\r\nb\rc\n") == "a\nb\rc\n"


@pytest.mark.parametrize("text", ["=SUM(A1)", "+44 20", "-x", "@me", "\tx", "\rx"])
def test_neutralise_prefixes_formula_triggers(text: str) -> None:
    assert L.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "plain", " =not first", "'quoted", "100%"])
def test_neutralise_leaves_other_text(text: str) -> None:
    assert L.neutralise(text) == text
