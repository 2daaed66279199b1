"""The hostile and broken input corpus, evidence files (issue #14): what analysts hand in.

Every case of ``tests/corpus/manifest.yaml`` in the category evidence runs here, through
:func:`workbook.evidence.importer.import_evidence` and the ``workbook evidence import``
command (in-process, so an uncaught exception fails with its traceback): the located
message, no traceback, and a refused file leaves every table of the store unchanged, on
SQLite and PostgreSQL (``db_url``). Builders make the inputs too big or too binary to keep.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.corpus import support as S
from tests.support.evidence import csv_bytes, finding, indicator, xlsx_bytes
from workbook.errors import EvidenceError
from workbook.evidence.importer import import_evidence
from workbook.store import Store


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def huge_file(folder: Path) -> Path:
    """6 MB of indicator rows: past the 5 MB an evidence file may have."""
    rows = [indicator(indicator=f"i-{n}", name="x" * 40) for n in range(60_000)]
    return _write(folder, "huge.csv", csv_bytes(*rows))


def many_rows(folder: Path) -> Path:
    """5,001 rows, small enough to read: past the 5,000 rows a table may have."""
    rows = [indicator(indicator=f"i-{n}") for n in range(5_001)]
    return _write(folder, "many-rows.csv", csv_bytes(*rows))


def huge_field(folder: Path) -> Path:
    """One 200,000-character finding: past what Python's CSV reader takes in one field."""
    return _write(folder, "huge-field.csv", csv_bytes(finding(finding="x" * 200_000)))


def _sheet(change: Callable[[Any], None], rows: list[dict[str, Any]] | None = None) -> bytes:
    book = load_workbook(io.BytesIO(xlsx_bytes({"Indicators": rows or [indicator(value=24)]})))
    change(book["Indicators"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_formula(folder: Path) -> Path:
    """A value computed by a formula, and a DDE payload as a formula in the name."""

    def change(sheet: Any) -> None:
        sheet["B2"] = "=cmd|' /C calc'!A0"
        sheet["H2"] = "=J2*1.2"

    return _write(folder, "formula.xlsx", _sheet(change))


def xlsx_far_row(folder: Path) -> Path:
    """A stray cell on the sheet's last row, 1,048,576: no million blank rows are read."""
    return _write(folder, "far.xlsx", _sheet(lambda s: s.cell(row=1_048_576, column=1, value="x")))


def xlsx_nul(folder: Path) -> Path:
    """_x0000_ (a NUL, as Excel writes one) in the unit, a column no free-text check reads."""

    def change(sheet: Any) -> None:
        sheet["C2"].value = "%_x0000_"
        sheet["C2"].data_type = "s"

    return _write(folder, "nul.xlsx", _sheet(change))


def xlsx_truncated(folder: Path) -> Path:
    """The first half of a good evidence workbook (a broken download)."""
    data = xlsx_bytes({"Indicators": [indicator()]})
    return _write(folder, "truncated.xlsx", data[: len(data) // 2])


def xlsx_damaged_sheet(folder: Path) -> Path:
    """A sheet's XML cut off two thirds in: openpyxl reads it only row by row, late."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx_bytes({"Indicators": [indicator()]}))) as source,
        zipfile.ZipFile(out, "w") as target,
    ):
        for info in source.infolist():
            part = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                part = part[: len(part) * 2 // 3]
            target.writestr(info, part)
    return _write(folder, "damaged.xlsx", out.getvalue())


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "huge_file": huge_file,
    "many_rows": many_rows,
    "huge_field": huge_field,
    "xlsx_formula": xlsx_formula,
    "xlsx_far_row": xlsx_far_row,
    "xlsx_nul": xlsx_nul,
    "xlsx_truncated": xlsx_truncated,
    "xlsx_damaged_sheet": xlsx_damaged_sheet,
}


def test_every_evidence_builder_is_named_in_the_manifest() -> None:
    named = {case.raw["builder"] for case in S.cases("evidence") if "builder" in case.raw}
    assert named == set(BUILDERS)


@pytest.mark.parametrize("case", S.params("evidence"))
def test_evidence(
    case: Any,
    store: Store,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = BUILDERS[case.raw["builder"]](tmp_path) if "builder" in case.raw else case.file
    before = S.table_digests(store)
    with pytest.raises(EvidenceError) as raised:
        import_evidence(store, "c1", path.read_bytes(), path.name)
    S.assert_in_order("\n".join(str(p) for p in raised.value.problems), case.expect)
    S.assert_no_traceback(str(raised.value))
    assert S.table_digests(store) == before

    for check in ([], ["--check"]):
        args = ["evidence", "import", str(path), "--cycle", "c1", "--db", db_url, *check]
        ran = S.run_workbook(args, capsys, monkeypatch)
        assert ran.code == 1
        assert ran.stdout == ""
        S.assert_in_order(ran.stderr, case.expect)
        assert ran.stderr.endswith(" problem(s); nothing was saved\n")
    assert S.table_digests(store) == before
