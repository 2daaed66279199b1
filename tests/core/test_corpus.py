"""The hostile and broken input corpus, core half (issue #7): files a user hands the workbook.

Every case of ``tests/corpus/manifest.yaml`` in the categories template, partnership,
parameters and spreadsheet runs here: through the core function that reads it and
through the ``workbook`` command (in-process, so an uncaught exception fails with its
traceback), checking the located message, that no traceback is shown, and that a refused
input leaves every table of the store unchanged, on SQLite and PostgreSQL (``db_url``).
URL query values and form text are in ``tests/widgets/test_corpus_form.py``.
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.corpus import support as S
from workbook.errors import ParameterError, SpreadsheetError, TemplateError, WorkbookError
from workbook.schema import loader as templates
from workbook.schema import params
from workbook.schema.responses import Answer
from workbook.spreadsheets import export
from workbook.spreadsheets import layout as L
from workbook.spreadsheets.importer import import_return
from workbook.spreadsheets.write import write_template
from workbook.store import Store, provision

# ------------------------------------------------------------------------ the manifest


def test_the_corpus_has_40_cases_covering_every_category() -> None:
    data = S.manifest()
    counts = S.category_counts()
    assert sum(counts.values()) >= 40
    assert set(counts) == set(data["categories"])
    for category, least in data["categories"].items():
        assert counts[category] >= least, f"{category}: {counts[category]} cases, want {least}"
    ids = [case.id for case in S.cases()]
    assert len(ids) == len(set(ids))
    for case in S.cases():
        assert case.id.startswith(f"{case.category}/")
        assert case.what
        assert case.expect or case.get("outcome") == "saved", case.id
        assert ("file" in case.raw) + ("builder" in case.raw) <= 1, case.id


def test_every_corpus_file_is_in_the_manifest() -> None:
    referenced, present = S.referenced_files(), S.corpus_files()
    assert sorted(map(str, referenced - present)) == [], "named in the manifest, but missing"
    assert sorted(map(str, present - referenced)) == [], "in tests/corpus/ but not the manifest"


def test_every_builder_is_named_in_the_manifest() -> None:
    cases = S.cases("template", "spreadsheet")  # evidence: tests/core/test_corpus_evidence.py
    named = {case.raw["builder"] for case in cases if "builder" in case.raw}
    assert named == set(TEMPLATE_BUILDERS) | set(SHEET_BUILDERS)


# ------------------------------------------------------------------ templates (YAML)


_SMALL_HEAD = """\
id: big
title: Big
version: "1.0"
scale:
  name: RAG
  best: highest
  levels:
    - {key: red, label: Red, score: 1, colour: "#d7191c"}
    - {key: green, label: Green, score: 3, colour: "#1a9641"}
headings:
  - {id: h, title: H}
description: The criteria follow on line 14.
criteria:
"""


def enormous_file(tmp_path: Path) -> Path:
    """12,000 criteria: 1.2 MB, past the 1 MB a template may have."""
    rows = "".join(
        f"  - {{id: c-{n}, heading: h, prompt: 'Question {n}, padded out to about a hundred "
        f"bytes per line'}}\n"
        for n in range(12_000)
    )
    path = tmp_path / "enormous.yaml"
    path.write_text(_SMALL_HEAD + rows, "utf-8")
    return path


def enormous_line(tmp_path: Path) -> Path:
    """A criterion whose prompt is one 200,000-character line."""
    path = tmp_path / "enormous-line.yaml"
    path.write_text(
        _SMALL_HEAD + "  - {id: c-1, heading: h, prompt: " + "x" * 200_000 + "}\n", "utf-8"
    )
    return path


TEMPLATE_BUILDERS: dict[str, Callable[[Path], Path]] = {
    "enormous_file": enormous_file,
    "enormous_line": enormous_line,
}


def _input_file(case: Any, tmp_path: Path) -> Path:
    if "builder" in case.raw:
        return TEMPLATE_BUILDERS[case.raw["builder"]](tmp_path)
    return Path(case.file)


def _problems(error: WorkbookError) -> str:
    problems = getattr(error, "problems", None)
    return "\n".join(str(p) for p in problems) if problems else str(error)


@pytest.mark.parametrize("case", S.params("template"))
def test_template(
    case: Any,
    store: Store,
    db_url: str,
    partnership_files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # where the python-object case's command would write
    (tmp_path / "input").mkdir()
    path = _input_file(case, tmp_path / "input")  # builders write there
    with pytest.raises(TemplateError) as raised:
        templates.load(path)
    S.assert_in_order(_problems(raised.value), case.expect)
    S.assert_no_traceback(str(raised.value))

    checked = S.run_workbook(["validate", str(path)], capsys, monkeypatch)
    assert checked.code == 1
    S.assert_in_order(checked.stderr, case.expect)

    # loading a partnership whose templates folder holds the file writes nothing at all
    folder = tmp_path / "templates"
    folder.mkdir()
    shutil.copy(path, folder / path.name)
    before = S.table_digests(store)
    partnership, _ = partnership_files
    args = ["load", str(partnership), "--templates", str(folder), "--db", db_url]
    loaded = S.run_workbook(args, capsys, monkeypatch)
    assert loaded.code == 1
    assert loaded.stderr.startswith("error: ")
    S.assert_in_order(loaded.stderr, case.get("expect_load", case.expect[:1]))
    assert S.table_digests(store) == before
    assert not (tmp_path / "pwned-by-corpus").exists()


# ------------------------------------------------------------------- partnership files


@pytest.mark.parametrize("case", S.params("partnership"))
def test_partnership(
    case: Any,
    store: Store,
    db_url: str,
    partnership_files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = S.CORPUS / case.raw["templates"] if "templates" in case.raw else partnership_files[1]
    before = S.table_digests(store)
    with pytest.raises(WorkbookError) as raised:
        provision.install(store, case.file, folder)
    S.assert_in_order(_problems(raised.value), case.expect)
    S.assert_no_traceback(str(raised.value))
    assert S.table_digests(store) == before

    args = ["load", str(case.file), "--templates", str(folder), "--db", db_url]
    loaded = S.run_workbook(args, capsys, monkeypatch)
    assert loaded.code == 1
    assert loaded.stderr.startswith("error: ")
    S.assert_in_order(loaded.stderr, case.expect)
    assert S.table_digests(store) == before


# ------------------------------------------------------------------- parameters files


@pytest.mark.parametrize("case", S.params("parameters"))
def test_parameters(
    case: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ParameterError) as raised:
        params.load(case.file)
    S.assert_in_order(_problems(raised.value), case.expect)
    S.assert_no_traceback(str(raised.value))

    # the command checks the file before anything runs: no report, notebook or store
    out = tmp_path / "out"
    out.mkdir()
    db = f"sqlite:///{out}/store.db"
    args = ["report", str(case.file), "-o", str(out / "report.html"), "--db", db]
    ran = S.run_workbook(args, capsys, monkeypatch)
    assert ran.code == 1
    assert ran.stderr.startswith("error: ")
    S.assert_in_order(ran.stderr, case.expect)
    assert sorted(p.name for p in out.iterdir()) == []


def test_a_notebook_path_with_the_right_name_runs_only_the_notebook_in_notebooks(
    tmp_path: Path,
) -> None:
    # the safe half of the traversal cases: only the file name of `notebook` is used
    path = tmp_path / "p.yaml"
    path.write_text('notebook: ../../tmp/report.ipynb\ncycle: c1\ncompare_with: ""\n', "utf-8")
    chosen = params.load(path)
    assert params.notebook_path(chosen) == params.NOTEBOOKS_DIR / "report.ipynb"


# ------------------------------------------------------------------ spreadsheet returns

PLACEHOLDER = "CORPUS-PLACEHOLDER"
Builder = Callable[[bytes, Any], bytes]
"""Makes a bad return from the blank template's bytes and the case."""


def _edit(data: bytes, change: Callable[[Any], None]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _replace_in_parts(data: bytes, old: str, new: str) -> bytes:
    """Replace text inside the file's XML parts, past what openpyxl would write."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info).replace(old.encode(), new.encode()))
    return out.getvalue()


def _cell(sheet: str, coordinate: str, value: Any, *, as_text: bool = True) -> Builder:
    def change(wb: Any) -> None:
        if as_text:
            L.set_text(wb[sheet][coordinate], value)
        else:
            wb[sheet][coordinate].value = value  # a formula stays a formula

    return lambda data, _case: _edit(data, change)


def _action(due: Any, *, as_text: bool) -> Builder:
    def change(wb: Any) -> None:
        ws = wb[L.ACTIONS_SHEET]
        for coordinate, text in (("A2", "p-1"), ("B2", "Train staff"), ("C2", "Lead")):
            L.set_text(ws[coordinate], text)
        if as_text:
            L.set_text(ws["D2"], due)
        else:
            ws["D2"].value = due

    return lambda data, _case: _edit(data, change)


def _placeholder_cell(length: int) -> Builder:
    def build(data: bytes, _case: Any) -> bytes:
        data = _edit(data, lambda wb: L.set_text(wb["Prevent"]["E4"], PLACEHOLDER))
        return _replace_in_parts(data, PLACEHOLDER, "A" * length)

    return build


def _raw_text(wb: Any) -> None:
    cell = wb["Prevent"]["E4"]
    cell.value = "before_x0000_after"  # as Excel writes a NUL: not escaped by set_text
    cell.data_type = "s"


def _raw_cycle(wb: Any) -> None:
    cell = wb[L.META_SHEET]["B5"]
    cell.value = "c1_x0000_"
    cell.data_type = "s"


def typed_answers(data: bytes, case: Any) -> bytes:
    """Type the case's ``answers`` into their cells as text, as a person would."""

    def change(wb: Any) -> None:
        ws_rows = {"p-1": ("Prevent", 4), "p-2": ("Prevent", 5), "i-1": ("Identify", 4)}
        columns = {"evidence": "E", "going_well": "F", "development": "G"}
        for criterion, fields in case["answers"].items():
            sheet, row = ws_rows[criterion]
            for field, text in fields.items():
                L.set_text(wb[sheet][f"{columns[field]}{row}"], text)

    return _edit(data, change)


def _texts(sheet: str, **cells: str) -> Builder:
    """Type text into several cells of one sheet, as a person would."""

    def change(wb: Any) -> None:
        for coordinate, text in cells.items():
            L.set_text(wb[sheet][coordinate], text)

    return lambda data, _case: _edit(data, change)


SHEET_BUILDERS: dict[str, Builder] = {
    "formula_hyperlink": _cell(
        "Prevent", "E4", '=HYPERLINK("http://evil.example","click")', as_text=False
    ),
    "formula_dde": _cell("Prevent", "F4", "=cmd|' /C calc'!A0", as_text=False),
    "rating_not_in_list": _cell("Prevent", "D4", "Gren"),
    "rating_number": _cell("Prevent", "D5", 3, as_text=False),
    "date_as_text": _action("31/03/2026", as_text=True),
    "date_boolean": _action(True, as_text=False),
    "hidden_sheet_changed": _cell(L.META_SHEET, "B6", "gamma"),
    "hidden_revision": _cell(L.META_SHEET, "B7", "-1"),
    "hidden_sheet_nul": lambda data, _c: _edit(data, _raw_cycle),
    "hidden_sheet_deleted": lambda data, _c: _edit(data, lambda wb: wb.remove(wb[L.META_SHEET])),
    "sheet_deleted": lambda data, _c: _edit(data, lambda wb: wb.remove(wb["Identify"])),
    "merged_cells": lambda data, _c: _edit(data, lambda wb: wb["Prevent"].merge_cells("E4:F4")),
    "nul_cell": lambda data, _c: _edit(data, _raw_text),
    "huge_cell": _placeholder_cell(40_000),
    "zip_bomb": _placeholder_cell(60_000_000),
    "truncated": lambda data, _c: data[: len(data) // 2],
    "typed_answers": typed_answers,
    "na_with_rating": _texts("Prevent", D5="Red", H5="Not applicable", I5="Adults only"),
    "na_reason_without_na": _cell("Prevent", "I4", '=HYPERLINK("http://x") <script>'),
    "na_unknown_value": _cell("Prevent", "H4", "=N/A"),
}


@pytest.fixture
def blank_return(store: Store) -> bytes:
    """The real blank template of c1/alpha, with one good answer typed (Identify!D4)."""
    out = io.BytesIO()
    write_template(store, "c1", "alpha", out, blank=True)
    return _edit(out.getvalue(), lambda wb: L.set_text(wb["Identify"]["D4"], "Amber"))


def _spreadsheet(case: Any, blank: bytes) -> tuple[str, bytes]:
    if "builder" in case.raw:
        return "return.xlsx", SHEET_BUILDERS[case.raw["builder"]](blank, case)
    return case.file.name, case.file.read_bytes()


@pytest.mark.parametrize(
    "case", [p for p in S.params("spreadsheet") if p.values[0].get("outcome") != "saved"]
)
def test_spreadsheet_refused(
    case: Any,
    store: Store,
    db_url: str,
    blank_return: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name, data = _spreadsheet(case, blank_return)
    store.save("c1", "alpha", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    before = S.table_digests(store)
    with pytest.raises(SpreadsheetError) as raised:
        import_return(store, data, filename=name)
    S.assert_in_order(_problems(raised.value), case.expect)
    S.assert_no_traceback(str(raised.value))
    assert S.table_digests(store) == before

    path = tmp_path / name
    path.write_bytes(data)
    ran = S.run_workbook(["import", str(path), "--db", db_url], capsys, monkeypatch)
    assert ran.code == 1
    assert case.expect[0] in ran.stderr
    assert ran.stderr.rstrip().endswith("problem(s); nothing was saved")
    assert S.table_digests(store) == before


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    "case", [p for p in S.params("spreadsheet") if p.values[0].get("outcome") == "saved"]
)
def test_spreadsheet_text_is_kept_and_exported_guarded(
    case: Any, store: Store, blank_return: bytes, tmp_path: Path
) -> None:
    name, data = _spreadsheet(case, blank_return)
    result = import_return(store, data, filename=name)
    assert result.saved
    state = store.latest("c1", "alpha")
    assert state is not None
    answers = state.answers
    assert answers["i-1"].rating == "amber"
    typed = case["answers"]
    for criterion, fields in typed.items():
        for field, text in fields.items():
            assert getattr(answers[criterion], field) == text

    # CSV: formula-like text gets a leading '; .xlsx: every text cell is typed as text
    export.export_cycle(store, "c1", tmp_path / "out.csv")
    rows = {(r["agency"], r["criterion"]): r for r in _rows(tmp_path / "out.csv")}
    export.export_cycle(store, "c1", tmp_path / "out.xlsx")
    sheet = load_workbook(tmp_path / "out.xlsx")["Returns"]
    header = [c.value for c in sheet[1]]
    cells = {
        (row[header.index("agency")].value, row[header.index("criterion")].value): row
        for row in sheet.iter_rows(min_row=2)
    }
    for criterion, fields in typed.items():
        for field, text in fields.items():
            assert rows[("alpha", criterion)][field] == L.neutralise(text)
            cell = cells[("alpha", criterion)][header.index(field)]
            assert cell.data_type == "s"
            assert L.plain(cell.value) == text
