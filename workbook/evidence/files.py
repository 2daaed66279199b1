"""Read an evidence file (CSV or xlsx) into tables of cells, each cell with its row.

A CSV file holds one table, an indicators table or an audit-findings table, told apart by
its header. A workbook may hold both, on sheets named as ``workbook evidence template``
names them. Nothing here knows what a value means; :mod:`workbook.evidence.validate` checks
the rows. Problems found while reading (a non-UTF-8 file, a formula, a huge file, an
unknown column) are located ``file:row: column: problem`` and raised together.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from workbook.errors import EvidenceError, Problem, SpreadsheetError
from workbook.schema.evidence import FINDING_COLUMNS, INDICATOR_COLUMNS
from workbook.schema.responses import text_problem
from workbook.spreadsheets.layout import from_cell_text
from workbook.spreadsheets.read import open_workbook

Kind = Literal["indicators", "findings"]

MAX_BYTES = 5_000_000
"""Largest evidence file read: a cycle's indicators and audits are a few hundred rows."""
MAX_ROWS = 5_000
"""Most rows read from one table; more is a mistaken export, not a cycle's evidence."""
MAX_LINES = 50_000
"""Last row number read, blank rows counted: a stray cell far down a sheet stops here."""

SHEETS: dict[Kind, str] = {"indicators": "Indicators", "findings": "Audit findings"}
COLUMNS: dict[Kind, tuple[str, ...]] = {
    "indicators": INDICATOR_COLUMNS,
    "findings": FINDING_COLUMNS,
}
REQUIRED: dict[Kind, tuple[str, ...]] = {
    "indicators": ("indicator", "name", "unit", "better", "period", "criteria", "value", "source"),
    "findings": ("audit", "title", "date", "cases_reviewed", "finding", "grade", "criteria"),
}
FORMULA = "is a formula; type or paste the value itself (Paste Special > Values)"


@dataclass
class Table:
    """One table of an evidence file: what it holds, where, and its rows of cells."""

    kind: Kind
    where: str
    """``file`` for a CSV file, ``file:Sheet`` for a workbook's sheet."""
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    """(row number as the file numbers it, column -> cell value) for each non-blank row."""


def column_name(header: object) -> str:
    """A header cell as a column name: ``Comparator value`` -> ``comparator_value``.

    >>> column_name(" Cases reviewed "), column_name("Comparator-Value")
    ('cases_reviewed', 'comparator_value')
    """
    return re.sub(r"[^a-z0-9]+", "_", str(header or "").strip().lower()).strip("_")


def _kind_of(columns: list[str]) -> Kind | None:
    if "indicator" in columns:
        return "indicators"
    if "audit" in columns:
        return "findings"
    return None


def _header_problems(kind: Kind, columns: list[str], where: str, row: int) -> list[Problem]:
    known = COLUMNS[kind]
    problems = []
    for index, name in enumerate(columns):
        if name and name not in known:
            problems.append(
                Problem(
                    f"{where}:{row}",
                    name,
                    f"unknown column (column {index + 1}); expected: " + ", ".join(known),
                )
            )
        elif name and columns.index(name) != index:
            problems.append(Problem(f"{where}:{row}", name, "the same column twice"))
    for name in REQUIRED[kind]:
        if name not in columns:
            problems.append(Problem(f"{where}:{row}", name, "required column is missing"))
    return problems


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows(
    columns: list[str],
    body: Iterator[tuple[int, list[Any]]],
    where: str,
    problems: list[Problem],
) -> list[tuple[int, dict[str, Any]]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, values in body:
        if number > MAX_LINES:
            reason = (
                f"the table goes on past row {MAX_LINES:,}; delete the rows below the "
                "evidence (a stray cell far down?), or split the file"
            )
            problems.append(Problem(f"{where}:{number}", "", reason))
            break
        if all(_is_blank(v) for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            problems.append(
                Problem(f"{where}:{number}", "", f"more than {MAX_ROWS:,} rows; split the file")
            )
            break
        cells: dict[str, Any] = {}
        for index, value in enumerate(values):
            name = columns[index] if index < len(columns) else ""
            if _is_blank(value):
                continue
            if not name:
                problems.append(
                    Problem(f"{where}:{number}", f"column {index + 1}", "a value with no header")
                )
                continue
            if isinstance(value, str) and value.lstrip().startswith("="):
                problems.append(Problem(f"{where}:{number}", name, FORMULA))
                continue
            unstorable = text_problem(value) if isinstance(value, str) else None
            if unstorable:  # Excel's _x0000_ is a NUL in any column, ids and units too
                problems.append(Problem(f"{where}:{number}", name, unstorable))
                continue
            cells[name] = value.strip() if isinstance(value, str) else value
        rows.append((number, cells))
    return rows


def _table(
    header: list[Any], body: Iterator[tuple[int, list[Any]]], where: str, header_row: int
) -> tuple[Table | None, list[Problem]]:
    columns = [column_name(h) for h in header]
    kind = _kind_of(columns)
    if kind is None:
        reason = (
            "the header names neither an indicators table (a column 'indicator') nor audit "
            "findings (a column 'audit'); start from `workbook evidence template`"
        )
        return None, [Problem(f"{where}:{header_row}", "", reason)]
    problems = _header_problems(kind, columns, where, header_row)
    if problems:
        return None, problems
    rows = _rows(columns, body, where, problems)
    return Table(kind, where, rows), problems


def _read_csv(data: bytes, source: str) -> tuple[list[Table], list[Problem]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        reason = f"not UTF-8 text (byte {exc.start + 1}); save it as 'CSV UTF-8 (Comma delimited)'"
        return [], [Problem(f"{source}:{line}", "", reason)]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return [], [Problem(f"{source}:{line}", "", "holds a NUL character; this is no CSV text")]
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader, None)
        while header is not None and all(_is_blank(h) for h in header):
            header = next(reader, None)
        if header is None:
            return [], [Problem(source, "", "the file is empty")]
        header_row = reader.line_num

        def body() -> Iterator[tuple[int, list[Any]]]:
            for values in reader:
                yield reader.line_num, values

        table, problems = _table(header, body(), source, header_row)
    except csv.Error as exc:
        return [], [Problem(f"{source}:{reader.line_num}", "", f"not readable as CSV: {exc}")]
    if table is not None and not table.rows and not problems:
        reason = f"no rows under the header; nothing to load ({table.kind})"
        problems.append(Problem(source, "", reason))
    return ([table] if table else []), problems


def _cell_value(cell: Any) -> Any:
    """A cell's value as the person typed it: a formula as ``=...``, 24% as 24.

    Text is decoded as a return's cells are (:func:`~workbook.spreadsheets.layout.from_cell_text`):
    Excel writes a carriage return or a NUL as ``_x000D_`` or ``_x0000_``.
    """
    value = cell.value
    if cell.data_type == "f":  # a shared or array formula is no str: report it all the same
        return "=" + str(getattr(value, "text", None) or value or "").lstrip("=")
    if isinstance(value, str):
        return from_cell_text(value)
    number_format = getattr(cell, "number_format", None) or ""
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in number_format:
        return round(value * 100, 9)  # shown (and typed) as 24%, held as 0.24
    return value


def _sheet_body(sheet: Any, first: int) -> Iterator[tuple[int, list[Any]]]:
    missing: Any = None
    for number, row in enumerate(sheet.iter_rows(min_row=first), start=first):
        # a read-only sheet yields one and the same tuple for every row the file lacks
        if row is missing:
            yield number, []
            continue
        values = [_cell_value(cell) for cell in row]
        if all(v is None for v in values):
            missing = row
        yield number, values


def _header(sheet: Any) -> tuple[list[Any] | None, int]:
    """The first non-blank row among the sheet's first 20, and its number."""
    for number, row in enumerate(sheet.iter_rows(min_row=1, max_row=20), start=1):
        values = [cell.value for cell in row]
        if not all(_is_blank(v) for v in values):
            return values, number
    return None, 0


def _read_xlsx(data: bytes, source: str) -> tuple[list[Table], list[Problem]]:
    try:
        wb = open_workbook(data, source, read_only=True)
    except SpreadsheetError as exc:
        return [], list(exc.problems)
    tables: list[Table] = []
    problems: list[Problem] = []
    try:
        for sheet in wb.worksheets:
            where = f"{source}:{sheet.title}"
            try:
                header, header_row = _header(sheet)
                if header is None or _kind_of([column_name(h) for h in header]) is None:
                    if sheet.title in SHEETS.values():
                        problems.append(Problem(where, "", "this sheet has no header row"))
                    continue  # a 'Read me' or notes sheet
                body = _sheet_body(sheet, header_row + 1)
                table, found = _table(header, body, where, header_row)
            except Exception:  # in read-only mode a sheet is parsed only now: damage shows here
                reason = "this sheet cannot be read; save the file again from Excel or LibreOffice"
                problems.append(Problem(where, "", reason))
                continue
            problems += found
            if table:
                tables.append(table)
    finally:
        wb.close()
    if not problems and not any(t.rows for t in tables):
        reason = (
            "no rows under the headers of its sheets; nothing to load"
            if tables
            else "no sheet holds indicators or audit findings; see 'Read me'"
        )
        problems.append(Problem(source, "", reason))
    return [t for t in tables if t.rows], problems


def read_tables(data: bytes, source: str) -> list[Table]:
    """The tables of an evidence file's bytes; ``EvidenceError`` with every problem found.

    Parameters
    ----------
    data
        The file as uploaded or read from disk.
    source
        The file's name, for messages.
    """
    if not data.strip():
        raise EvidenceError(source, [Problem(source, "", "the file is empty")])
    if len(data) > MAX_BYTES:
        reason = f"the file is {len(data):,} bytes, more than the {MAX_BYTES:,} read"
        raise EvidenceError(source, [Problem(source, "", reason)])
    is_workbook = data.startswith(b"PK") or data.startswith(b"\xd0\xcf\x11\xe0")
    tables, problems = (_read_xlsx if is_workbook else _read_csv)(data, source)
    if problems:
        raise EvidenceError(source, problems)
    return tables
