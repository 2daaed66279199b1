"""Read a filled return workbook into answers, checking every cell against the framework.

Nothing here touches the store: :mod:`workbook.spreadsheets.importer` decides what the answers
mean for the return. Every problem is collected with its cell (``Prevent!D4: rating:
unknown rating 'Gren'; ...``) and raised together as one ``SpreadsheetError``.

Text is kept exactly as typed, except that Windows line ends (``\\r\\n``) become
``\\n``, which is what Excel and the web form use inside a cell (issue #6).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from workbook.errors import Problem, SpreadsheetError
from workbook.schema.framework import Framework
from workbook.schema.responses import Answer
from workbook.spreadsheets import layout as L
from workbook.spreadsheets.sheets import ActionRow, SheetReader

MAX_UNPACKED = 50_000_000
"""Largest total size of a workbook's unpacked parts read: a filled return is a few MB, and
a small file that unpacks to gigabytes (a zip bomb) would exhaust memory (issue #7)."""


@dataclass(frozen=True)
class FileFacts:
    """What the hidden sheet says the file is for."""

    framework_id: str
    framework_version: str
    cycle_id: str
    agency_id: str
    revision: int
    sheets: dict[str, str]
    """Sheet name -> heading id, as the template named them."""
    cells: dict[str, str]
    """Hidden-sheet key -> the cell holding its value, for messages."""


@dataclass(frozen=True)
class ParsedReturn:
    """The answers a file holds, and the cell each came from."""

    answers: dict[str, Answer]
    cells: dict[tuple[str, str], str]
    """(criterion id, field) -> cell, e.g. ``("p-1", "rating") -> "Prevent!D4"``."""
    action_rows: dict[str, list[int]] = field(default_factory=dict)
    """Criterion id -> the Actions rows of its actions, in order."""
    tracking: list[ActionRow] = field(default_factory=list)
    """Statuses and progress notes given for actions (issue #15)."""
    without_na: frozenset[str] = frozenset()
    """Criteria read from a sheet made before the "Not applicable" columns (issue #16)."""


class Collector:
    """Problems found so far; readers add to it and raise once at the end."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, field: str, message: str) -> None:
        """Record one located problem."""
        self.problems.append(Problem(where, field, message))


# -- opening and the hidden sheet --------------------------------------------------------


def _not_a_workbook(data: bytes) -> str:
    if not data:
        return "the file is empty"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "this is an old-style .xls workbook (or a password-protected file)"
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if b"opendocument.spreadsheet" in archive.read("mimetype"):
                    return "this is an OpenDocument spreadsheet (.ods)"
        except (zipfile.BadZipFile, KeyError):
            pass
        return "this is not an Excel workbook"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "this is not an Excel workbook"
    return "this is a text file (CSV?), not an Excel workbook"


def _unpacked_size(data: bytes) -> int:
    """The sizes its zip directory declares for a file's parts (0 if it is no zip).

    A part that is longer than declared fails to read, so the declaration can be trusted.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return 0


def open_workbook(data: bytes, source: str, *, read_only: bool = False) -> Any:
    """Load an .xlsx file's bytes with openpyxl; anything unreadable is a located problem.

    ``read_only`` reads each sheet as it is iterated, never making its empty cells: a
    table read row by row to its end (an evidence file) cannot be made to build a million
    blank rows by one stray cell far down the sheet. The caller closes such a workbook.
    """
    unpacked = _unpacked_size(data)
    if unpacked > MAX_UNPACKED:
        reason = (
            f"the workbook unpacks to {unpacked:,} bytes, more than the {MAX_UNPACKED:,} a "
            "return may have; remove pictures or other sheets, or make a new template"
        )
        raise SpreadsheetError(source, [Problem(source, "", reason)])
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it drops (e.g. LibreOffice's extensions)
            warnings.simplefilter("ignore")
            return load_workbook(
                io.BytesIO(data), read_only=read_only, rich_text=False, keep_links=False
            )
    except Exception:  # openpyxl raises many types for damaged files; report, don't crash
        reason = _not_a_workbook(data)
        raise SpreadsheetError(
            source,
            [
                Problem(
                    source,
                    "",
                    f"{reason}; save it from Excel or LibreOffice as 'Excel Workbook (.xlsx)'",
                )
            ],
        ) from None


def read_facts(wb: Any, source: str) -> FileFacts:
    """The framework version, cycle, agency, revision and sheet map the file was made for."""
    if L.META_SHEET not in wb.sheetnames:
        raise SpreadsheetError(
            source,
            [
                Problem(
                    source,
                    "",
                    f"this is not a return workbook made by `workbook template` (it has no "
                    f"'{L.META_SHEET}' sheet); make one with `workbook template --cycle C "
                    "--agency A`",
                )
            ],
        )
    ws = wb[L.META_SHEET]
    values: dict[str, str] = {}
    cells: dict[str, str] = {}
    for row in range(1, ws.max_row + 1):
        key = L.plain(ws.cell(row, 1).value).strip()
        if key:
            values[key] = L.plain(ws.cell(row, 2).value).strip()
            cells[key] = L.cell_name(ws, f"B{row}")
    out = Collector()
    if values.get("format") != L.FORMAT:
        out.add(source, "format", "this is not a return workbook made by `workbook template`")
    elif values.get("format_version") != str(L.FORMAT_VERSION):
        out.add(
            cells["format_version"],
            "format_version",
            f"made by a newer workbook (format {values.get('format_version')!r}); "
            "upgrade the workbook or make a new template",
        )
    for key in L.META_KEYS:
        if not values.get(key) and key != "created":
            out.add(cells.get(key, L.META_SHEET), key, "missing from the hidden sheet")
    revision = values.get("revision", "0")
    if not revision.isdigit():
        out.add(cells.get("revision", L.META_SHEET), "revision", f"not a number: {revision!r}")
    if out.problems:
        raise SpreadsheetError(source, out.problems)
    sheet_col, heading_col = L.SHEET_MAP_COLUMNS
    sheets: dict[str, str] = {}
    for row in range(2, ws.max_row + 1):
        name = L.plain(ws[f"{sheet_col}{row}"].value)
        heading = L.plain(ws[f"{heading_col}{row}"].value).strip()
        if name and heading:
            sheets[name] = heading
    return FileFacts(
        framework_id=values["framework"],
        framework_version=values["framework_version"],
        cycle_id=values["cycle"],
        agency_id=values["agency"],
        revision=int(revision),
        sheets=sheets,
        cells=cells,
    )


def parse_return(
    wb: Any, facts: FileFacts, framework: Framework, source: str, sector: str | None = None
) -> ParsedReturn:
    """Every answer in the workbook, or ``SpreadsheetError`` listing every problem.

    Parameters
    ----------
    sector
        The agency's sector: its file has no row for a criterion it is not asked, and one
        answered there is a problem (issue #16). None reads every criterion.
    """
    out = Collector()
    reader = SheetReader(wb, framework, facts.sheets, facts.cells, source, out, sector)
    answers = reader.read()
    if out.problems:
        raise SpreadsheetError(source, out.problems)
    without_na = frozenset(reader.without_na)
    return ParsedReturn(answers, reader.cells, reader.action_rows, reader.tracking, without_na)
