"""The answer sheets of a return: each heading's sheet and the Actions sheet, cell by cell.

Apart from :mod:`workbook.spreadsheets.read`, which opens the file and trusts nothing
until the hidden sheet says what it is for; by the time a :class:`SheetReader` runs,
the framework is known, so every cell is checked against it. Problems go to whatever
collects them (:class:`Problems`), every one located, none stopping the read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from workbook.schema.actions import MAX_NOTE, ActionStatus
from workbook.schema.framework import Criterion, Framework, ResponseField
from workbook.schema.responses import (
    ACTION_ID,
    MAX_TEXT,
    Action,
    Answer,
    check_answers,
    text_problem,
)
from workbook.spreadsheets import layout as L

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ActionRow:
    """A status or progress note given on the Actions sheet (issue #15), and where."""

    row: int
    criterion_id: str
    index: int
    """Its place among the criterion's actions, to find its id once the return is saved."""
    action_id: str | None
    status: ActionStatus | None
    note: str


class Problems(Protocol):
    """Where located problems go (:class:`workbook.spreadsheets.read.Collector`)."""

    def add(self, where: str, field: str, message: str) -> None:
        """Record one located problem."""


def cell_text(cell: Any, field: str, out: Problems) -> str:
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


def check_headers(ws: Any, row: int, columns: Iterable[L.Column], out: Problems) -> bool:
    """Whether the header row is as the template wrote it: columns are found by position."""
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


def check_merged(ws: Any, out: Problems) -> None:
    """Report merged cells: openpyxl keeps only the first cell's text, so text would be lost."""
    for merged in sorted(ws.merged_cells.ranges, key=str):
        out.add(
            L.cell_name(ws, merged.coord),
            "",
            "merged cells cannot be imported; unmerge them (only the first cell's text is kept)",
        )


def _rating(text: str, framework: Framework) -> str | None:
    """The level key for what was chosen or typed: a label (any case) or a key."""
    wanted = " ".join(text.split()).casefold()
    for level in framework.scale.levels:
        if level.label.casefold() == wanted or level.key == text.strip():
            return level.key
    return None


class SheetReader:
    """Reads every sheet of one file, collecting problems rather than stopping at one."""

    def __init__(
        self,
        wb: Any,
        framework: Framework,
        sheets: Mapping[str, str],
        meta_cells: Mapping[str, str],
        source: str,
        out: Problems,
    ) -> None:
        """Set up to read ``wb``.

        Parameters
        ----------
        sheets
            Sheet name -> heading id, as the hidden sheet names them (``FileFacts.sheets``).
        meta_cells
            Hidden-sheet key -> its cell (``FileFacts.cells``), to locate a missing sheet.
        out
            Collects every problem; the caller raises them together.
        """
        self.wb, self.fw, self.source, self.out = wb, framework, source, out
        self.meta_cells = meta_cells
        self.sheet_names = tuple(sheets)
        self.fields: dict[str, dict[str, Any]] = {}
        self.actions: dict[str, list[Action]] = {}
        self.cells: dict[tuple[str, str], str] = {}
        self.action_rows: dict[str, list[int]] = {}
        self.tracking: list[ActionRow] = []
        self.tracked = False
        self.columns = L.heading_columns(framework)
        by_key = {column.key: column for column in self.columns}
        self.answer_columns = [(f, by_key[f.value]) for f in L.ANSWER_FIELDS]
        self.sheet_of = {heading: sheet for sheet, heading in sheets.items()}

    def read(self) -> dict[str, Answer]:
        """Every answer the sheets hold; ``cells`` and ``action_rows`` say where each came from."""
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
        return answers

    def _criterion(self, cid: str) -> Criterion | None:
        try:
            return self.fw.criterion(cid)
        except KeyError:
            return None

    def _check_sheets(self) -> None:
        expected = {L.ABOUT_SHEET, L.ACTIONS_SHEET, L.META_SHEET, *self.sheet_names}
        missing = []
        for heading in self.fw.headings:
            name = self.sheet_of.get(heading.id)
            if name is None:
                self.out.add(
                    self.meta_cells["framework_version"],
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
        check_merged(ws, self.out)
        if not check_headers(ws, L.HEADER_ROW, self.columns, self.out):
            return
        expected = {c.id: c for c in self.fw.criteria_under(heading_id)}
        seen: dict[str, int] = {}
        for row, cells in L.filled_rows(ws, L.FIRST_ROW).items():
            self._stray(ws, cells, len(self.columns))
            if not any(c <= len(self.columns) for c in cells):
                continue
            id_cell = ws.cell(row, 1)
            cid = cell_text(id_cell, "id", self.out).strip()
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
            text = cell_text(cell, answer_field.value, self.out)
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
        check_merged(ws, self.out)
        required = L.ACTION_COLUMNS[: L.REQUIRED_ACTION_COLUMNS]
        tracking = L.ACTION_COLUMNS[L.REQUIRED_ACTION_COLUMNS :]
        # a file made before actions were tracked has no id, status or note columns
        self.tracked = any(
            L.plain(ws.cell(L.ACTIONS_HEADER_ROW, c.index).value).strip() for c in tracking
        )
        columns = L.ACTION_COLUMNS if self.tracked else required
        if not check_headers(ws, L.ACTIONS_HEADER_ROW, columns, self.out):
            return
        for row, cells in L.filled_rows(ws, L.ACTIONS_FIRST_ROW).items():
            self._stray(ws, cells, len(columns))
            if any(c <= len(columns) for c in cells):
                self._action_row(ws, row)

    def _tracking(self, ws: Any, row: int) -> tuple[str | None, ActionStatus | None, str, bool]:
        """An action row's id, status and progress note (issue #15), and whether all is well."""
        if not self.tracked:
            return None, None, "", True
        out, ok = self.out, True
        action_id = cell_text(ws.cell(row, 5), "id", out).strip() or None
        if action_id is not None and not re.fullmatch(ACTION_ID, action_id):
            where = L.cell_name(ws, f"E{row}")
            out.add(
                where,
                "id",
                f"{action_id!r} is not an action ID (like A-7K3Q9X); "
                "leave it empty for a new action",
            )
            ok = False
        words = cell_text(ws.cell(row, 6), "status", out).strip()
        status = None
        if words:
            try:
                status = ActionStatus.parse(words)
            except ValueError:
                out.add(
                    L.cell_name(ws, f"F{row}"),
                    "status",
                    f"unknown status {words!r}; choose " + ", ".join(L.STATUS_CHOICES),
                )
                ok = False
        note = cell_text(ws.cell(row, 7), "note", out).strip()
        problem = text_problem(note)
        if problem or len(note) > MAX_NOTE:
            message = problem or f"{len(note):,} characters; at most {MAX_NOTE:,}"
            out.add(L.cell_name(ws, f"G{row}"), "note", message)
            ok = False
        return action_id, status, note, ok

    def _action_row(self, ws: Any, row: int) -> None:
        out = self.out
        cid = cell_text(ws.cell(row, 1), "criterion", out).strip()
        text = cell_text(ws.cell(row, 2), "action", out)
        owner = cell_text(ws.cell(row, 3), "owner", out)
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
        action_id, status, note, tracked_ok = self._tracking(ws, row)
        if not wrong and due is not False and tracked_ok:
            action = Action(text=text, owner=owner, due=due, id=action_id)
            self.actions.setdefault(cid, []).append(action)
            self.action_rows.setdefault(cid, []).append(row)
            self.fields.setdefault(cid, {})
            if status is not None or note:
                self.tracking.append(
                    ActionRow(row, cid, len(self.actions[cid]) - 1, action_id, status, note)
                )

    def _due(self, cell: Any) -> dt.date | None | bool:
        """The due date, ``None`` if blank, ``False`` (after reporting) if not a date."""
        value = cell.value
        where = L.cell_name(cell.parent, cell.coordinate)
        if cell.data_type in ("f", "e"):
            cell_text(cell, "due", self.out)
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
