"""Read a filled return workbook into answers, checking every cell against the framework.

Nothing here touches the store: :mod:`workbook.spreadsheets.importer` decides what the answers
mean for the return. Every problem is collected with its cell (``Prevent!D4: rating:
unknown rating 'Gren'; ...``) and raised together as one ``SpreadsheetError``.

Text is kept exactly as typed, except that Windows line ends (``\\r\\n``) become
``\\n``, which is what Excel and the web form use inside a cell (issue #6).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from workbook.errors import Problem, SpreadsheetError
from workbook.schema.framework import Criterion, Framework, ResponseField
from workbook.schema.responses import MAX_TEXT, Action, Answer, check_answers, text_problem
from workbook.spreadsheets import layout as L

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
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


class Collector:
    """Problems found so far; readers add to it and raise once at the end."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, field: str, message: str) -> None:
        """Record one located problem."""
        self.problems.append(Problem(where, field, message))


def _cell_text(cell: Any, field: str, out: Collector) -> str:
    """The text in a cell; formulas and error values are problems, not text."""
    where = L.cell_name(cell.parent, cell.coordinate)
    if cell.data_type == "f":
        out.add(where, field, "holds a formula; type the text itself (formulas are not imported)")
        return ""
    if cell.data_type == "e":
        out.add(where, field, f"holds the error value {cell.value}; type the text itself")
        return ""
    text = L.plain(cell.value)
    problem = text_problem(text)  # e.g. _x0000_ in the file: NUL, which no store takes
    if problem:
        out.add(where, field, problem)
        return ""
    return text


def _check_headers(ws: Any, row: int, columns: Iterable[L.Column], out: Collector) -> bool:
    ok = True
    for column in columns:
        found = L.plain(ws.cell(row, column.index).value).strip()
        if found != column.header:
            out.add(
                L.cell_name(ws, f"{column.letter}{row}"),
                column.key,
                f"the heading is {found!r}, expected {column.header!r}: columns must stay "
                "where the template put them",
            )
            ok = False
    return ok


def _check_merged(ws: Any, out: Collector) -> None:
    for merged in sorted(ws.merged_cells.ranges, key=str):
        out.add(
            L.cell_name(ws, merged.coord),
            "",
            "merged cells cannot be imported; unmerge them (only the first cell's text is kept)",
        )


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


def open_workbook(data: bytes, source: str) -> Any:
    """Load an .xlsx file's bytes with openpyxl; anything unreadable is a located problem."""
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
            return load_workbook(io.BytesIO(data), rich_text=False, keep_links=False)
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


# -- the answers -------------------------------------------------------------------------


def _rating(text: str, framework: Framework) -> str | None:
    """The level key for what was chosen or typed: a label (any case) or a key."""
    wanted = " ".join(text.split()).casefold()
    for level in framework.scale.levels:
        if level.label.casefold() == wanted or level.key == text.strip():
            return level.key
    return None


class _Reader:
    """Reads every sheet of one file, collecting problems rather than stopping at one."""

    def __init__(self, wb: Any, facts: FileFacts, framework: Framework, source: str) -> None:
        self.wb, self.facts, self.fw, self.source = wb, facts, framework, source
        self.out = Collector()
        self.fields: dict[str, dict[str, Any]] = {}
        self.actions: dict[str, list[Action]] = {}
        self.cells: dict[tuple[str, str], str] = {}
        self.action_rows: dict[str, list[int]] = {}
        self.columns = L.heading_columns(framework)
        by_key = {column.key: column for column in self.columns}
        self.answer_columns = [(f, by_key[f.value]) for f in L.ANSWER_FIELDS]
        self.sheet_of = {heading: sheet for sheet, heading in facts.sheets.items()}

    def read(self) -> ParsedReturn:
        self._check_sheets()
        for heading in self.fw.headings:
            name = self.sheet_of.get(heading.id)
            if name in self.wb.sheetnames:
                self._heading_sheet(self.wb[name], heading.id)
        if L.ACTIONS_SHEET in self.wb.sheetnames:
            self._actions_sheet(self.wb[L.ACTIONS_SHEET])
        answers = {
            cid: Answer(**values, actions=tuple(self.actions.get(cid, ())))
            for cid, values in self.fields.items()
        }
        for problem in check_answers(self.fw, answers):  # a backstop; the cells were checked
            where = self.cells.get((problem.where, problem.field), self.source)
            self.out.add(where, problem.field, problem.message)
        if self.out.problems:
            raise SpreadsheetError(self.source, self.out.problems)
        return ParsedReturn(answers, self.cells, self.action_rows)

    def _criterion(self, cid: str) -> Criterion | None:
        try:
            return self.fw.criterion(cid)
        except KeyError:
            return None

    def _check_sheets(self) -> None:
        expected = {L.ABOUT_SHEET, L.ACTIONS_SHEET, L.META_SHEET, *self.facts.sheets}
        missing = []
        for heading in self.fw.headings:
            name = self.sheet_of.get(heading.id)
            if name is None:
                self.out.add(
                    self.facts.cells["framework_version"],
                    "sheets",
                    f"the hidden sheet names no sheet for heading {heading.title!r}",
                )
            elif name not in self.wb.sheetnames:
                missing.append(name)
                self.out.add(
                    self.source,
                    "sheets",
                    f"sheet {name!r} is missing; expected the sheet for heading "
                    f"{heading.title!r}. Rename it back or copy the answers into a new template",
                )
        if L.ACTIONS_SHEET not in self.wb.sheetnames:
            self.out.add(self.source, "sheets", f"sheet {L.ACTIONS_SHEET!r} is missing")
        for name in self.wb.sheetnames:
            if name not in expected:
                hint = f" (is it {missing[0]!r}, renamed?)" if len(missing) == 1 else ""
                self.out.add(
                    self.source,
                    "sheets",
                    f"sheet {name!r} is not part of the return, so its contents would be "
                    f"lost{hint}",
                )

    def _stray(self, ws: Any, cells: dict[int, Any], last_column: int) -> None:
        for column, cell in cells.items():
            if column > last_column:
                self.out.add(
                    L.cell_name(ws, cell.coordinate),
                    "",
                    "text outside the answer columns would be lost; move it into an answer "
                    "cell or delete it",
                )

    def _heading_sheet(self, ws: Any, heading_id: str) -> None:
        _check_merged(ws, self.out)
        if not _check_headers(ws, L.HEADER_ROW, self.columns, self.out):
            return
        expected = {c.id: c for c in self.fw.criteria_under(heading_id)}
        seen: dict[str, int] = {}
        for row, cells in L.filled_rows(ws, L.FIRST_ROW).items():
            self._stray(ws, cells, len(self.columns))
            if not any(c <= len(self.columns) for c in cells):
                continue
            id_cell = ws.cell(row, 1)
            cid = _cell_text(id_cell, "id", self.out).strip()
            where = L.cell_name(ws, id_cell.coordinate)
            if not cid:
                self.out.add(
                    where,
                    "id",
                    "this row has no criterion ID; rows cannot be added: put the text in the "
                    "row of the criterion it answers",
                )
            elif cid in seen:
                self.out.add(where, "id", f"criterion {cid!r} appears twice (also row {seen[cid]})")
            elif cid not in expected:
                other = self._criterion(cid)
                if other is not None:
                    sheet = self.sheet_of.get(other.heading, other.heading)
                    message = f"criterion {cid!r} belongs on sheet {sheet!r}"
                else:
                    message = f"unknown criterion ID {cid!r} in {self.fw.id} {self.fw.version}"
                self.out.add(where, "id", message)
            else:
                seen[cid] = row
                self._criterion_row(ws, row, cid)
        for cid in expected:
            if cid not in seen:
                self.out.add(
                    ws.title,
                    "id",
                    f"the row for criterion {cid!r} is missing (deleted, or its ID changed)",
                )

    def _criterion_row(self, ws: Any, row: int, cid: str) -> None:
        asked = self.fw.fields_for(self.fw.criterion(cid))
        values: dict[str, Any] = {}
        self.cells[(cid, "")] = L.cell_name(ws, f"A{row}")
        for answer_field, column in self.answer_columns:
            cell = ws.cell(row, column.index)
            where = L.cell_name(ws, cell.coordinate)
            self.cells[(cid, answer_field.value)] = where
            text = _cell_text(cell, answer_field.value, self.out)
            if not text:
                continue
            if answer_field not in asked:
                self.out.add(where, answer_field.value, f"{cid} does not ask for {column.header!r}")
            elif answer_field == ResponseField.RATING:
                key = _rating(text, self.fw)
                if key is None:
                    labels = ", ".join(lv.label for lv in self.fw.scale.levels)
                    self.out.add(
                        where, "rating", f"unknown rating {text!r}; choose one of {labels}"
                    )
                values["rating"] = key
            elif len(text) > MAX_TEXT:
                self.out.add(
                    where,
                    answer_field.value,
                    f"{len(text):,} characters; at most {MAX_TEXT:,} fit in one answer",
                )
            else:
                values[answer_field.value] = text
        self.fields[cid] = values

    def _actions_sheet(self, ws: Any) -> None:
        _check_merged(ws, self.out)
        if not _check_headers(ws, L.ACTIONS_HEADER_ROW, L.ACTION_COLUMNS, self.out):
            return
        for row, cells in L.filled_rows(ws, L.ACTIONS_FIRST_ROW).items():
            self._stray(ws, cells, len(L.ACTION_COLUMNS))
            if any(c <= len(L.ACTION_COLUMNS) for c in cells):
                self._action_row(ws, row)

    def _action_row(self, ws: Any, row: int) -> None:
        out = self.out
        cid = _cell_text(ws.cell(row, 1), "criterion", out).strip()
        text = _cell_text(ws.cell(row, 2), "action", out)
        owner = _cell_text(ws.cell(row, 3), "owner", out)
        due = self._due(ws.cell(row, 4))
        wrong: list[tuple[str, str, str]] = []
        criterion = self._criterion(cid)
        if not cid:
            wrong.append(("A", "criterion", "this action has no criterion ID"))
        elif criterion is None:
            wrong.append(("A", "criterion", f"unknown criterion ID {cid!r}"))
        elif ResponseField.ACTIONS not in self.fw.fields_for(criterion):
            wrong.append(("A", "criterion", f"{cid} does not ask for actions"))
        if not text.strip():
            wrong.append(("B", "action", "this action has no text"))
        elif len(text) > MAX_TEXT:
            wrong.append(("B", "action", f"{len(text):,} characters; at most {MAX_TEXT:,}"))
        if len(owner) > L.MAX_OWNER:
            wrong.append(("C", "owner", f"{len(owner)} characters; at most {L.MAX_OWNER}"))
        for column, name, message in wrong:
            out.add(L.cell_name(ws, f"{column}{row}"), name, message)
        if not wrong and due is not False:
            self.actions.setdefault(cid, []).append(Action(text=text, owner=owner, due=due))
            self.action_rows.setdefault(cid, []).append(row)
            self.fields.setdefault(cid, {})

    def _due(self, cell: Any) -> dt.date | None | bool:
        """The due date, ``None`` if blank, ``False`` (after reporting) if not a date."""
        value = cell.value
        where = L.cell_name(cell.parent, cell.coordinate)
        if cell.data_type in ("f", "e"):
            _cell_text(cell, "due", self.out)
            return False
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and ISO_DATE.match(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        if isinstance(value, bool):  # before int: TRUE is not "the number TRUE"
            shown = f"the value {L.plain(value)}"
        elif isinstance(value, int | float):
            shown = f"the number {L.plain(value)}"
        else:
            shown = repr(value)
        self.out.add(where, "due", f"expected a date such as 2026-03-31, found {shown}")
        return False


def parse_return(wb: Any, facts: FileFacts, framework: Framework, source: str) -> ParsedReturn:
    """Every answer in the workbook, or ``SpreadsheetError`` listing every problem."""
    return _Reader(wb, facts, framework, source).read()
