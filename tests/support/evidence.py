"""Evidence files for the tests (issue #14): rows as mappings, written as CSV or xlsx bytes.

A test names only the cells it is about (``indicator(value="about 20")``); every other
cell is a valid default for the test partnership's cycle ``c1`` (criteria ``p-1``,
``p-2``, ``i-1``; agencies ``alpha`` and ``beta``), so a refused file is refused for the
one reason the test gives it. Files are read by the real reader and checker.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from openpyxl import Workbook

from workbook.errors import EvidenceError
from workbook.evidence.files import read_tables
from workbook.evidence.validate import Context, gather
from workbook.schema.evidence import Evidence
from workbook.schema.framework import Framework

Row = Mapping[str, Any]

INDICATOR: dict[str, Any] = {
    "indicator": "re-referrals",
    "name": "Re-referral rate",
    "unit": "%",
    "better": "lower",
    "period": "2017/18",
    "criteria": "p-1",
    "agency": "",
    "value": "24",
    "comparator": "England average",
    "comparator_value": "20",
    "source": "Children in need census",
}
FINDING: dict[str, Any] = {
    "audit": "audit-1",
    "title": "Audit of 12 referrals",
    "date": "2018-03-14",
    "cases_reviewed": "12",
    "audit_agencies": "alpha; beta",
    "grades": "",
    "finding": "Plans were reviewed on time in most of the cases.",
    "grade": "green",
    "criteria": "p-1",
    "agencies": "",
}


def indicator(**cells: Any) -> dict[str, Any]:
    """An indicators row: the defaults with ``cells`` replaced."""
    return {**INDICATOR, **cells}


def finding(**cells: Any) -> dict[str, Any]:
    """An audit-findings row: the defaults with ``cells`` replaced."""
    return {**FINDING, **cells}


def _columns(rows: Iterable[Row]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [name for name in row if name not in columns]
    return columns


def csv_bytes(*rows: Row, header: Iterable[str] | None = None, delimiter: str = ",") -> bytes:
    """A CSV file of ``rows``; ``header`` (default: the rows' keys) as typed in line 1."""
    columns = _columns(rows)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(list(header) if header is not None else columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8")


def xlsx_bytes(sheets: Mapping[str, Iterable[Row]], *, header: bool = True) -> bytes:
    """An xlsx file: one sheet per name, holding its rows as typed (``=...`` is a formula).

    A sheet of no rows is left empty; ``header`` False leaves the header row out too.
    """
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        rows = list(rows)
        sheet = wb.create_sheet(title)
        columns = _columns(rows)
        if header and columns:
            sheet.append(columns)
        for row in rows:
            sheet.append([None if row.get(c) == "" else row.get(c) for c in columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read(
    data: bytes,
    source: str,
    framework: Framework,
    agencies: Collection[str] = ("alpha", "beta"),
    *,
    despite_personal_data: bool = False,
) -> Evidence:
    """What the file holds, read and checked as the importer does."""
    context = Context(framework, agencies, despite_personal_data)
    return gather(read_tables(data, source), context, source)


def problems(data: bytes, source: str, framework: Framework, **kw: Any) -> list[str]:
    """Every problem the file has, as the user reads it; the file must be refused."""
    try:
        read(data, source, framework, **kw)
    except EvidenceError as exc:
        return [str(problem) for problem in exc.problems]
    raise AssertionError(f"{source} was read without a problem")
