"""The answer sheets of a return: each heading's sheet and the Actions sheet, cell by cell.

Apart from :mod:`workbook.spreadsheets.read`, which opens the file and trusts nothing
until the hidden sheet says what it is for; by the time a :class:`SheetReader` runs,
the framework is known, so every cell is checked against it. Problems go to whatever
collects them (:class:`Problems`), every one located, none stopping the read. A heading
sheet made before the "Not applicable" columns (issue #16) reads as it did; which
criteria came from such a sheet is kept, so the importer keeps what the form saved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
from workbook.spreadsheets import not_applicable as NA
from workbook.spreadsheets.cells import Problems, cell_text, check_headers, check_merged, due_date


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
        sector: str | None = None,
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
        sector
            The agency's sector: a criterion it is not asked has no row (issue #16).
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
        self.sector = sector
        self.without_na: set[str] = set()
        """Criteria read from a sheet without the "Not applicable" columns (issue #16)."""
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
        # a file made before issue #16 has no "Not applicable" columns
        has_na = any(L.plain(ws.cell(L.HEADER_ROW, c.index).value).strip() for c in L.NA_COLUMNS)
        columns = self.columns if has_na else self.columns[: L.REQUIRED_HEADING_COLUMNS]
        if not check_headers(ws, L.HEADER_ROW, columns, self.out):
            return
        under = self.fw.criteria_under(heading_id)
        expected = {c.id: c for c in under if c.applies(self.sector)}
        not_asked = {c.id for c in under} - set(expected)
        seen: dict[str, int] = {}
        for row, cells in L.filled_rows(ws, L.FIRST_ROW).items():
            self._stray(ws, cells, len(columns))
            if not any(c <= len(columns) for c in cells):
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
            elif cid in not_asked:  # an older template's row: refused only if answered
                answered = [cell for column, cell in cells.items() if 3 < column <= len(columns)]
                if answered:
                    name = L.cell_name(ws, answered[0].coordinate)
                    self.out.add(name, "id", NA.not_in_scope(cid, self.sector))
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
                if has_na:
                    self._na_cells(ws, row, cid)
                else:
                    self.without_na.add(cid)
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

    def _na_cells(self, ws: Any, row: int, cid: str) -> None:
        """Read "Not applicable" and its reason into the criterion's values (issue #16).

        Whether they fit the rating is :func:`check_answers`' to say, from one place.
        """
        rated = ResponseField.RATING in self.fw.fields_for(self.fw.criterion(cid))
        values = self.fields[cid]
        for column in L.NA_COLUMNS:
            cell = ws.cell(row, column.index)
            where = L.cell_name(ws, cell.coordinate)
            self.cells[(cid, column.key)] = where
            text = cell_text(cell, column.key, self.out)
            if not text.strip():
                continue
            if not rated:  # as in the form: what is not rated cannot be not applicable
                self.out.add(where, column.key, f"{cid} does not ask for {column.header!r}")
            elif column.key == "na_reason":
                if len(text) > MAX_TEXT:
                    message = f"{len(text):,} characters; at most {MAX_TEXT:,} fit in one answer"
                    self.out.add(where, column.key, message)
                else:
                    values["na_reason"] = text
            elif NA.choice(text) is None:
                self.out.add(where, column.key, NA.unknown_choice(text))
            else:
                values["not_applicable"] = True

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
        due = due_date(ws.cell(row, 4), out)
        wrong: list[tuple[str, str, str]] = []
        criterion = self._criterion(cid)
        if not cid:
            wrong.append(("A", "criterion", "this action has no criterion ID"))
        elif criterion is None:
            wrong.append(("A", "criterion", f"unknown criterion ID {cid!r}"))
        elif ResponseField.ACTIONS not in self.fw.fields_for(criterion):
            wrong.append(("A", "criterion", f"{cid} does not ask for actions"))
        elif not criterion.applies(self.sector):
            wrong.append(("A", "criterion", NA.not_in_scope(cid, self.sector)))
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
