"""Write an agency's return as an Excel workbook to fill in offline (issue #6).

``workbook template`` calls :func:`write_template`; the layout is defined in
:mod:`workbook.spreadsheets.layout` and read back by :mod:`workbook.spreadsheets.importer`. Prompts,
guidance and ids are locked (sheet protection without a password: it guards against
slips, not against a determined user, and the importer checks everything anyway);
answer cells are unlocked, formatted as text so nothing typed turns into a formula,
number or date, and the rating is a drop-down of the scale's labels.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from workbook.errors import NotFound
from workbook.schema.framework import Framework, ResponseField
from workbook.schema.responses import Answer
from workbook.spreadsheets import layout as L
from workbook.store import Store

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
NOT_ASKED_FILL = PatternFill("solid", fgColor="D9D9D9")
UNLOCKED = Protection(locked=False)

INSTRUCTIONS = (
    "Answer on the sheet for each heading: choose a rating from the drop-down and type "
    "your evidence and comments. Grey cells are not asked for that question.",
    "Add actions on the Actions sheet, one row each: the criterion ID, the action, who "
    "owns it and the due date (a date such as 2026-03-31).",
    "Do not rename, delete or reorder the sheets and do not change the ID column: answers "
    "are matched by them.",
    "Importing this file saves its answers as a new revision of the return, replacing the "
    "current answers; earlier revisions are kept in the return's history.",
    "Give aggregate information only: no names or identifying details of children, "
    "families or staff.",
)


@dataclass(frozen=True)
class TemplateFacts:
    """What a template is for, recorded in its hidden sheet."""

    framework: Framework
    cycle_id: str
    cycle_title: str
    agency_id: str
    agency_name: str
    revision: int = 0
    """The revision the answers come from; 0 for a blank template."""
    status: str = ""
    created: dt.datetime | None = None
    action_statuses: dict[str, str] = dataclasses.field(default_factory=dict)
    """Action id -> its status label now (issue #15), for the Actions sheet."""


LINE_HEIGHT = 15.0  # points per line of 11 pt text
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def _fit_row(ws: Any, row: int) -> None:
    """Set a row tall enough for its wrapped text (neither Excel nor LibreOffice always does)."""
    lines = 1
    for cell in ws[row]:
        if isinstance(cell.value, str) and cell.alignment.wrap_text:
            width = ws.column_dimensions[cell.column_letter].width or 10
            per_line = max(1, int(width * 1.15))
            count = sum(max(1, -(-len(part) // per_line)) for part in cell.value.split("\n"))
            lines = max(lines, count)
    if lines > 1:
        ws.row_dimensions[row].height = min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT)


def _printable(ws: Any, title_rows: str | None = None) -> None:
    """Print landscape, one page wide, repeating the header row."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


def _protect(ws: Any, *, rows: bool = False) -> None:
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # False = allowed: people widen columns and rows
    ws.protection.formatRows = False
    if rows:
        ws.protection.insertRows = False
        ws.protection.deleteRows = False


def _text(ws: Any, row: int, column: int, value: str, **style: Any) -> Any:
    cell = ws.cell(row=row, column=column)
    if value:
        L.set_text(cell, value)
    for name, item in style.items():
        setattr(cell, name, item)
    return cell


def _answer_cell(ws: Any, row: int, column: int, value: str) -> None:
    _text(ws, row, column, value, alignment=WRAP, protection=UNLOCKED, number_format=L.TEXT_FORMAT)


def _about(wb: Workbook, facts: TemplateFacts, names: dict[str, str]) -> None:
    ws = wb.active
    ws.title = L.ABOUT_SHEET
    fw = facts.framework
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 90
    _text(ws, 1, 1, fw.title, font=TITLE)
    made = (
        f"from revision {facts.revision} ({facts.status})"
        if facts.revision
        else "blank (no answers)"
    )
    rows = [
        ("Agency", f"{facts.agency_name} ({facts.agency_id})"),
        ("Cycle", f"{facts.cycle_title} ({facts.cycle_id})"),
        ("Framework", f"{fw.id} version {fw.version}"),
        ("This file", made),
    ]
    row = 3
    for label, value in rows:
        _text(ws, row, 1, label, font=BOLD)
        _text(ws, row, 2, value)
        row += 1
    row += 1
    for line in INSTRUCTIONS:
        _text(ws, row, 2, line, alignment=WRAP)
        _fit_row(ws, row)
        row += 1
    row += 1
    _text(ws, row, 1, fw.label(ResponseField.RATING), font=BOLD)
    _text(ws, row, 2, fw.scale.name, font=BOLD)
    for level in fw.scale.best_first():
        row += 1
        _text(ws, row, 1, level.label, alignment=WRAP)
        _text(ws, row, 2, level.description, alignment=WRAP)
        _fit_row(ws, row)
    row += 2
    _text(ws, row, 1, "Sheets", font=BOLD)
    for heading in fw.headings:
        row += 1
        _text(ws, row, 1, names[heading.id])
        _text(ws, row, 2, heading.title, alignment=WRAP)
    _printable(ws)
    _protect(ws)


def _guidance(guidance: str, evidence: str) -> str:
    parts = [guidance] if guidance else []
    if evidence:
        parts.append(f"Good evidence: {evidence}")
    return "\n\n".join(parts)


def _heading_sheet(
    wb: Workbook, facts: TemplateFacts, heading_id: str, name: str, answers: dict[str, Answer]
) -> None:
    fw = facts.framework
    heading = fw.heading(heading_id)
    ws = wb.create_sheet(name)
    columns = L.heading_columns(fw)
    for column in columns:
        ws.column_dimensions[column.letter].width = column.width
    _text(ws, 1, 2, heading.title, font=TITLE)
    _text(ws, 2, 2, heading.guidance, alignment=WRAP)
    _fit_row(ws, 2)
    for column in columns:
        _text(ws, L.HEADER_ROW, column.index, column.header, font=BOLD, fill=HEADER_FILL)
        ws.cell(L.HEADER_ROW, column.index).alignment = WRAP
    labels = ", ".join(lv.label for lv in fw.scale.levels)
    ratings = DataValidation(
        type="list",
        formula1=L.list_range(L.LEVEL_COLUMNS[0], len(fw.scale.levels)),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=fw.label(ResponseField.RATING),
        error=f"Choose one of: {labels}"[:255],
    )
    ws.add_data_validation(ratings)
    for row, criterion in enumerate(fw.criteria_under(heading_id), start=L.FIRST_ROW):
        asked = fw.fields_for(criterion)
        answer = answers.get(criterion.id, Answer())
        _text(ws, row, 1, criterion.id, alignment=WRAP)
        _text(ws, row, 2, criterion.prompt, alignment=WRAP)
        _text(ws, row, 3, _guidance(criterion.guidance, criterion.evidence), alignment=WRAP)
        for field in L.ANSWER_FIELDS:
            index = L.field_column(fw, field).index
            if field not in asked:
                ws.cell(row, index).fill = NOT_ASKED_FILL
            elif field == ResponseField.RATING:
                label = fw.scale.level(answer.rating).label if answer.rating else ""
                _answer_cell(ws, row, index, label)
                ratings.add(ws.cell(row, index).coordinate)
            else:
                _answer_cell(ws, row, index, getattr(answer, field.value))
        _fit_row(ws, row)
    ws.freeze_panes = f"C{L.FIRST_ROW}"
    _printable(ws, f"{L.HEADER_ROW}:{L.HEADER_ROW}")
    _protect(ws)


def _actions_sheet(wb: Workbook, facts: TemplateFacts, answers: dict[str, Answer]) -> None:
    fw = facts.framework
    ws = wb.create_sheet(L.ACTIONS_SHEET)
    for column in L.ACTION_COLUMNS:
        ws.column_dimensions[column.letter].width = column.width
        cell = _text(ws, L.ACTIONS_HEADER_ROW, column.index, column.header, font=BOLD)
        cell.fill = HEADER_FILL
    takes_actions = [c.id for c in fw.criteria if ResponseField.ACTIONS in fw.fields_for(c)]
    filled = [
        (criterion.id, action)
        for criterion in fw.criteria
        for action in answers.get(criterion.id, Answer()).actions
    ]
    last = L.ACTIONS_FIRST_ROW + len(filled) + L.BLANK_ACTION_ROWS - 1
    for row in range(L.ACTIONS_FIRST_ROW, last + 1):
        for column in (*L.ACTION_COLUMNS[:3], *L.ACTION_COLUMNS[4:]):
            _answer_cell(ws, row, column.index, "")
        due = ws.cell(row, L.ACTION_COLUMNS[3].index)
        due.number_format, due.protection, due.alignment = L.DATE_FORMAT, UNLOCKED, WRAP
    for row, (criterion_id, action) in enumerate(filled, start=L.ACTIONS_FIRST_ROW):
        L.set_text(ws.cell(row, 1), criterion_id)
        if action.text:
            L.set_text(ws.cell(row, 2), action.text)
        if action.owner:
            L.set_text(ws.cell(row, 3), action.owner)
        ws.cell(row, 4).value = action.due
        ws.cell(row, 4).number_format = L.DATE_FORMAT
        if action.id:
            L.set_text(ws.cell(row, 5), action.id)
            L.set_text(ws.cell(row, 6), facts.action_statuses.get(action.id, "Open"))
    first = L.ACTIONS_FIRST_ROW
    if takes_actions:
        which = DataValidation(
            type="list",
            formula1=L.list_range(L.ACTION_CRITERIA_COLUMN, len(takes_actions)),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Criterion",
            error="Choose the ID of a criterion that asks for actions.",
        )
        ws.add_data_validation(which)
        which.add(f"A{first}:A{last}")
    dates = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="1",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Due date",
        error="Type a date, for example 2026-03-31.",
    )
    ws.add_data_validation(dates)
    dates.add(f"D{first}:D{last}")
    statuses = DataValidation(
        type="list",
        formula1='"' + ",".join(L.STATUS_CHOICES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Status",
        error="Choose " + ", ".join(L.STATUS_CHOICES[:-1]) + " or " + L.STATUS_CHOICES[-1] + ".",
    )
    ws.add_data_validation(statuses)
    statuses.add(f"F{first}:F{last}")
    for row in range(L.ACTIONS_FIRST_ROW, L.ACTIONS_FIRST_ROW + len(filled)):
        _fit_row(ws, row)
    ws.freeze_panes = f"A{L.ACTIONS_FIRST_ROW}"
    _printable(ws, "1:1")
    _protect(ws, rows=True)


def _meta_sheet(wb: Workbook, facts: TemplateFacts, names: dict[str, str]) -> None:
    fw = facts.framework
    ws = wb.create_sheet(L.META_SHEET)
    ws.sheet_state = "hidden"
    created = facts.created or dt.datetime.now(dt.UTC)
    values: dict[str, str | int] = {
        "format": L.FORMAT,
        "format_version": L.FORMAT_VERSION,
        "framework": fw.id,
        "framework_version": fw.version,
        "cycle": facts.cycle_id,
        "agency": facts.agency_id,
        "revision": facts.revision,
        "created": created.isoformat(timespec="seconds"),
    }
    for row, key in enumerate(L.META_KEYS, start=1):
        L.set_text(ws.cell(row, 1), key)
        value = values[key]
        if isinstance(value, int):
            ws.cell(row, 2).value = value
        else:
            L.set_text(ws.cell(row, 2), value)
    sheet_col, heading_col = L.SHEET_MAP_COLUMNS
    L.set_text(ws[f"{sheet_col}1"], "sheet")
    L.set_text(ws[f"{heading_col}1"], "heading")
    for row, heading in enumerate(fw.headings, start=2):
        L.set_text(ws[f"{sheet_col}{row}"], names[heading.id])
        L.set_text(ws[f"{heading_col}{row}"], heading.id)
    label_col, key_col = L.LEVEL_COLUMNS
    L.set_text(ws[f"{label_col}1"], "rating")
    L.set_text(ws[f"{key_col}1"], "key")
    for row, level in enumerate(fw.scale.levels, start=2):
        L.set_text(ws[f"{label_col}{row}"], level.label)
        L.set_text(ws[f"{key_col}{row}"], level.key)
    L.set_text(ws[f"{L.ACTION_CRITERIA_COLUMN}1"], "takes actions")
    row = 2
    for criterion in fw.criteria:
        if ResponseField.ACTIONS in fw.fields_for(criterion):
            L.set_text(ws[f"{L.ACTION_CRITERIA_COLUMN}{row}"], criterion.id)
            row += 1
    _protect(ws)


def build_workbook(facts: TemplateFacts, answers: dict[str, Answer] | None = None) -> Workbook:
    """A return workbook for one agency, pre-filled with ``answers`` when given.

    Parameters
    ----------
    facts
        Framework, cycle, agency and the revision the answers come from.
    answers
        The return's current answers by criterion id; none for a blank template.
    """
    answers = answers or {}
    names = L.sheet_names(facts.framework)
    wb = Workbook()
    _about(wb, facts, names)
    for heading in facts.framework.headings:
        _heading_sheet(wb, facts, heading.id, names[heading.id], answers)
    _actions_sheet(wb, facts, answers)
    _meta_sheet(wb, facts, names)
    # Structure lock: sheets cannot be renamed, moved, added or removed by mistake.
    wb.security = WorkbookProtection(lockStructure=True)
    return wb


def template_facts(
    store: Store, cycle_id: str, agency_id: str, *, blank: bool = False
) -> tuple[TemplateFacts, dict[str, Answer]]:
    """What a template for this return records, and the answers to pre-fill it with."""
    info = store.cycle(cycle_id)
    agency = store.agency(agency_id)
    if agency_id not in info.agencies:
        raise NotFound(
            what="agency",
            key=agency_id,
            hint=f"It is not invited to cycle {cycle_id!r}.",
        )
    framework = store.framework(info.framework_id, info.framework_version)
    state = None if blank else store.latest(cycle_id, agency_id)
    facts = TemplateFacts(
        framework=framework,
        cycle_id=cycle_id,
        cycle_title=info.title,
        agency_id=agency_id,
        agency_name=agency.name,
        revision=state.revision if state else 0,
        status=state.status.label.lower() if state else "",
        action_statuses={a.id: a.status.label for a in store.actions.find(cycle_id)},
    )
    return facts, dict(state.answers) if state else {}


def write_template(
    store: Store,
    cycle_id: str,
    agency_id: str,
    target: str | Path | IO[bytes],
    *,
    blank: bool = False,
) -> TemplateFacts:
    """Write the return workbook for one agency to a file or binary stream.

    Parameters
    ----------
    store
        The store holding the cycle and, unless ``blank``, the return to pre-fill.
    target
        Path or writable binary stream for the ``.xlsx`` file.
    blank
        Leave every answer empty instead of copying the latest revision.
    """
    facts, answers = template_facts(store, cycle_id, agency_id, blank=blank)
    build_workbook(facts, answers).save(target)
    return facts
