"""Write an agency's return as an Excel workbook to fill in offline (issue #6).

``workbook template`` calls :func:`write_template`; the layout is defined in
:mod:`workbook.spreadsheets.layout` and read back by :mod:`workbook.spreadsheets.importer`. Prompts,
guidance and ids are locked (sheet protection without a password: it guards against
slips, not against a determined user, and the importer checks everything anyway);
answer cells are unlocked, formatted as text so nothing typed turns into a formula,
number or date, and the rating is a drop-down of the scale's labels. "Not applicable" is
a drop-down of its one word beside a column for the reason, and a criterion the agency's
sector is not asked has no row (issue #16).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from workbook.errors import NotFound
from workbook.schema.framework import Framework, ResponseField
from workbook.schema.responses import NA_REASON_LABEL, NOT_APPLICABLE, Answer
from workbook.spreadsheets import layout as L
from workbook.spreadsheets import not_applicable as NA
from workbook.spreadsheets import style as S
from workbook.store import Store

INSTRUCTIONS = (
    "Answer on the sheet for each heading: choose a rating from the drop-down and type "
    "your evidence and comments. Grey cells are not asked for that question.",
    f"If a question does not apply to your agency, leave its rating empty, choose "
    f"{NOT_APPLICABLE!r} and say why under {NA_REASON_LABEL!r} (needed to submit).",
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
    sector: str | None = None
    """The agency's sector: criteria it is not asked have no row (issue #16); None: all."""


def _about(wb: Workbook, facts: TemplateFacts, names: dict[str, str]) -> None:
    ws = wb.active
    ws.title = L.ABOUT_SHEET
    fw = facts.framework
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 90
    S.text(ws, 1, 1, fw.title, font=S.TITLE)
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
    scope = NA.scope_line(NA.not_asked(fw, facts.sector), facts.sector, "of this framework")
    if scope:
        rows.append(("Not asked", scope))
    row = 3
    for label, value in rows:
        S.text(ws, row, 1, label, font=S.BOLD)
        S.text(ws, row, 2, value)
        row += 1
    row += 1
    for line in INSTRUCTIONS:
        S.text(ws, row, 2, line, alignment=S.WRAP)
        S.fit_row(ws, row)
        row += 1
    row += 1
    S.text(ws, row, 1, fw.label(ResponseField.RATING), font=S.BOLD)
    S.text(ws, row, 2, fw.scale.name, font=S.BOLD)
    for level in fw.scale.best_first():
        row += 1
        S.text(ws, row, 1, level.label, alignment=S.WRAP)
        S.text(ws, row, 2, level.description, alignment=S.WRAP)
        S.fit_row(ws, row)
    row += 2
    S.text(ws, row, 1, "Sheets", font=S.BOLD)
    for heading in fw.headings:
        row += 1
        S.text(ws, row, 1, names[heading.id])
        S.text(ws, row, 2, heading.title, alignment=S.WRAP)
    S.printable(ws)
    S.protect(ws)


def _guidance(guidance: str, evidence: str) -> str:
    parts = [guidance] if guidance else []
    if evidence:
        parts.append(f"Good evidence: {evidence}")
    return "\n\n".join(parts)


def _drop_downs(fw: Framework) -> tuple[DataValidation, DataValidation]:
    """The rating's drop-down (the scale's labels) and "Not applicable"'s (its one word)."""
    labels = ", ".join(lv.label for lv in fw.scale.levels)
    ratings = DataValidation(
        type="list",
        formula1=L.list_range(L.LEVEL_COLUMNS[0], len(fw.scale.levels)),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=fw.label(ResponseField.RATING),
        error=f"Choose one of: {labels}"[:255],
    )
    not_applicable = DataValidation(
        type="list",
        formula1=L.NA_CHOICE,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=NOT_APPLICABLE,
        error=f"Choose {NOT_APPLICABLE!r} or leave it empty.",
    )
    return ratings, not_applicable


def _heading_sheet(
    wb: Workbook, facts: TemplateFacts, heading_id: str, name: str, answers: dict[str, Answer]
) -> None:
    fw = facts.framework
    heading = fw.heading(heading_id)
    ws = wb.create_sheet(name)
    columns = L.heading_columns(fw)
    for column in columns:
        ws.column_dimensions[column.letter].width = column.width
    S.text(ws, 1, 2, heading.title, font=S.TITLE)
    S.text(ws, 2, 2, heading.guidance, alignment=S.WRAP)
    S.fit_row(ws, 2)
    # the form hides what the sector is not asked, and says how many (issue #16)
    scope = NA.scope_line(NA.not_asked(fw, facts.sector, heading_id), facts.sector)
    ws[L.SCOPE_CELL].alignment = S.WRAP
    if scope:
        L.set_text(ws[L.SCOPE_CELL], scope)
    for column in columns:
        S.text(ws, L.HEADER_ROW, column.index, column.header, font=S.BOLD, fill=S.HEADER_FILL)
        ws.cell(L.HEADER_ROW, column.index).alignment = S.WRAP
    ratings, not_applicable = _drop_downs(fw)
    ws.add_data_validation(ratings)
    ws.add_data_validation(not_applicable)
    na_column, reason_column = L.NA_COLUMNS
    asked_here = [c for c in fw.criteria_under(heading_id) if c.applies(facts.sector)]
    for row, criterion in enumerate(asked_here, start=L.FIRST_ROW):
        asked = fw.fields_for(criterion)
        answer = answers.get(criterion.id, Answer())
        S.text(ws, row, 1, criterion.id, alignment=S.WRAP)
        S.text(ws, row, 2, criterion.prompt, alignment=S.WRAP)
        S.text(ws, row, 3, _guidance(criterion.guidance, criterion.evidence), alignment=S.WRAP)
        for field in L.ANSWER_FIELDS:
            index = L.field_column(fw, field).index
            if field not in asked:
                ws.cell(row, index).fill = S.NOT_ASKED_FILL
            elif field == ResponseField.RATING:
                label = fw.scale.level(answer.rating).label if answer.rating else ""
                S.answer_cell(ws, row, index, label)
                ratings.add(ws.cell(row, index).coordinate)
            else:
                S.answer_cell(ws, row, index, getattr(answer, field.value))
        if ResponseField.RATING in asked:  # as the form: only what is rated can be N/A
            chosen = NOT_APPLICABLE if answer.not_applicable else ""
            S.answer_cell(ws, row, na_column.index, chosen)
            not_applicable.add(ws.cell(row, na_column.index).coordinate)
            S.answer_cell(ws, row, reason_column.index, answer.na_reason)
        else:
            for column in L.NA_COLUMNS:
                ws.cell(row, column.index).fill = S.NOT_ASKED_FILL
        S.fit_row(ws, row)
    ws.freeze_panes = f"C{L.FIRST_ROW}"
    S.printable(ws, f"{L.HEADER_ROW}:{L.HEADER_ROW}")
    S.protect(ws)


def _takes_actions(fw: Framework, sector: str | None) -> list[str]:
    """The criteria the Actions sheet's drop-down offers: asked of the sector, with actions."""
    return [c.id for c in fw.criteria_for(sector) if ResponseField.ACTIONS in fw.fields_for(c)]


def _actions_sheet(wb: Workbook, facts: TemplateFacts, answers: dict[str, Answer]) -> None:
    fw = facts.framework
    ws = wb.create_sheet(L.ACTIONS_SHEET)
    for column in L.ACTION_COLUMNS:
        ws.column_dimensions[column.letter].width = column.width
        cell = S.text(ws, L.ACTIONS_HEADER_ROW, column.index, column.header, font=S.BOLD)
        cell.fill = S.HEADER_FILL
    takes_actions = _takes_actions(fw, facts.sector)
    filled = [  # an answer the sector is not asked keeps its actions out of the file
        (criterion.id, action)
        for criterion in fw.criteria_for(facts.sector)
        for action in answers.get(criterion.id, Answer()).actions
    ]
    last = L.ACTIONS_FIRST_ROW + len(filled) + L.BLANK_ACTION_ROWS - 1
    for row in range(L.ACTIONS_FIRST_ROW, last + 1):
        for column in (*L.ACTION_COLUMNS[:3], *L.ACTION_COLUMNS[4:]):
            S.answer_cell(ws, row, column.index, "")
        due = ws.cell(row, L.ACTION_COLUMNS[3].index)
        due.number_format, due.protection, due.alignment = L.DATE_FORMAT, S.UNLOCKED, S.WRAP
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
        S.fit_row(ws, row)
    ws.freeze_panes = f"A{L.ACTIONS_FIRST_ROW}"
    S.printable(ws, "1:1")
    S.protect(ws, rows=True)


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
    for row, criterion_id in enumerate(_takes_actions(fw, facts.sector), start=2):
        L.set_text(ws[f"{L.ACTION_CRITERIA_COLUMN}{row}"], criterion_id)
    S.protect(ws)


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
        sector=agency.sector,
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
