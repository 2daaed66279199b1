"""Every return in a cycle as tidy tables, written as .xlsx or .csv (issue #6).

Three tables: ``returns`` (one row per invited agency x criterion, with the rating's
key, label and numeric score), ``actions`` (one row per action) and ``scale`` (the
framework's levels). Agencies that have not started have rows too, with status
``not_started``, so a missing return is visible rather than silently absent.

Then the cycle's evidence (:mod:`~workbook.spreadsheets.evidence_export`, issue #14):
indicators, case audits and their findings.

Text that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return) is never written as one: .xlsx cells are typed as text, and
.csv values get a leading ``'`` (the OWASP advice for CSV injection), which Excel
hides; strip it when reading the CSV with another tool.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from workbook.schema.framework import Framework
from workbook.schema.responses import Answer, Status
from workbook.spreadsheets import layout as L
from workbook.spreadsheets.actions_export import action_tables
from workbook.spreadsheets.evidence_export import evidence_tables
from workbook.spreadsheets.tidy import Table as Table
from workbook.store import Store

Format = Literal["xlsx", "csv"]

RETURN_COLUMNS = (
    "partnership",
    "cycle",
    "framework",
    "framework_version",
    "agency",
    "agency_name",
    "sector",
    "status",
    "revision",
    "saved_at_utc",
    "author",
    "heading",
    "heading_title",
    "criterion",
    "prompt",
    "rating",
    "rating_label",
    "score",
    "normalised_score",
    "evidence",
    "going_well",
    "development",
    "actions",
    "carried_forward",
    "asked",
    "not_applicable",
    "na_reason",
    "note",
    "shared_with",
)
ACTION_COLUMNS = (
    "cycle",
    "agency",
    "agency_name",
    "heading",
    "criterion",
    "number",
    "action",
    "owner",
    "due",
    "action_id",
)
SCALE_COLUMNS = (
    "framework",
    "framework_version",
    "scale",
    "best",
    "key",
    "label",
    "score",
    "normalised_score",
    "colour",
    "description",
)


def _rating_values(framework: Framework, answer: Answer) -> tuple[Any, ...]:
    if answer.rating is None:
        return (None, None, None, None)
    level = framework.scale.level(answer.rating)
    normalised = round(framework.scale.normalised(answer.rating), 6)
    return (level.key, level.label, level.score, normalised)


def cycle_tables(store: Store, cycle_id: str) -> tuple[Table, Table, Table]:
    """The ``returns``, ``actions`` and ``scale`` tables of one cycle's current returns."""
    info = store.cycle(cycle_id)
    framework = store.framework(info.framework_id, info.framework_version)
    agencies = {a.id: a for a in store.agencies(info.partnership_id)}
    states = store.returns(cycle_id)
    statuses = store.statuses(cycle_id)
    notes = store.notes.for_cycle(cycle_id)  # this partnership's alone (issue #17)
    shared = {
        agency_id: "; ".join(dict.fromkeys(f"{p.partnership_name} ({p.cycle_id})" for p in found))
        for agency_id, found in store.shared.with_whom(cycle_id).items()
    }
    returns: list[tuple[Any, ...]] = []
    actions: list[tuple[Any, ...]] = []
    for agency_id in sorted(statuses):
        agency = agencies.get(agency_id) or store.agency(agency_id)
        state = states.get(agency_id)
        saved_at = state.saved_at.astimezone(dt.UTC).replace(tzinfo=None) if state else None
        head = (
            info.partnership_id,
            cycle_id,
            framework.id,
            framework.version,
            agency_id,
            agency.name,
            agency.sector,
            (state.status if state else Status.NOT_STARTED).value,
            state.revision if state else None,
            saved_at,
            state.author if state else None,
        )
        for criterion in framework.criteria:
            answer = state.answers.get(criterion.id, Answer()) if state else Answer()
            heading = framework.heading(criterion.heading)
            returns.append(
                (
                    *head,
                    heading.id,
                    heading.title,
                    criterion.id,
                    criterion.prompt,
                    *_rating_values(framework, answer),
                    answer.evidence,
                    answer.going_well,
                    answer.development,
                    len(answer.actions),
                    answer.carried_forward,
                    criterion.applies(agency.sector),  # asked of its sector (issue #16)
                    answer.not_applicable,
                    answer.na_reason,
                    notes.get(agency_id, {}).get(criterion.id, ""),
                    shared.get(agency_id, ""),
                )
            )
            for number, action in enumerate(answer.actions, start=1):
                actions.append(
                    (
                        cycle_id,
                        agency_id,
                        agency.name,
                        heading.id,
                        criterion.id,
                        number,
                        action.text,
                        action.owner,
                        action.due,
                        action.id,
                    )
                )
    scale = framework.scale
    levels = [
        (
            framework.id,
            framework.version,
            scale.name,
            scale.best,
            level.key,
            level.label,
            level.score,
            round(scale.normalised(level.key), 6),
            level.colour,
            level.description,
        )
        for level in scale.best_first()
    ]
    return (
        Table("returns", RETURN_COLUMNS, returns),
        Table("actions", ACTION_COLUMNS, actions),
        Table("scale", SCALE_COLUMNS, levels),
    )


# -- writers -----------------------------------------------------------------------------


def _xlsx_cell(ws: Any, value: Any) -> Any:
    cell = WriteOnlyCell(ws)
    if isinstance(value, str):
        L.set_text(cell, value)  # typed as text: never a formula or an error value
    else:
        cell.value = value
        if isinstance(value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(value, dt.date):
            cell.number_format = L.DATE_FORMAT
    return cell


def write_xlsx(tables: tuple[Table, ...], target: str | Path | IO[bytes]) -> None:
    """Write each table to a sheet of its name, with a bold header row."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in tables:
        ws = wb.create_sheet(table.sheet)
        header = []
        for name in table.columns:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in table.rows:
            ws.append([_xlsx_cell(ws, value) for value in row])
    wb.save(target)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, str):
        return L.neutralise(value)
    return str(value)


def write_csv(tables: tuple[Table, ...], path: Path) -> list[Path]:
    """Write the first table to ``path`` and each other to ``<stem>-<name>.csv`` beside it.

    UTF-8 with a byte-order mark, so Excel reads accents and other scripts correctly.
    """
    written = []
    for index, table in enumerate(tables):
        target = path if index == 0 else path.with_name(f"{path.stem}-{table.name}.csv")
        with target.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.columns)
            writer.writerows([_csv_value(v) for v in row] for row in table.rows)
        written.append(target)
    return written


def export_cycle(
    store: Store,
    cycle_id: str,
    path: Path,
    fmt: Format | None = None,
    *,
    extra: Sequence[Table] = (),
) -> list[Path]:
    """Export a cycle's returns and evidence; the files written, in order.

    Parameters
    ----------
    path
        The .xlsx file, or for CSV the returns file (the other tables go beside it).
    fmt
        ``xlsx`` or ``csv``; by default from the file's suffix (``.csv``), else ``xlsx``.
    extra
        More tables, written last: ``workbook export`` adds the contradictions, which
        :mod:`workbook.evidence` finds from a layer above this one.
    """
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "xlsx")
    tables = (
        *cycle_tables(store, cycle_id),
        *action_tables(store, cycle_id),
        *evidence_tables(store, cycle_id),
        *extra,
    )
    if fmt == "csv":
        return write_csv(tables, path)
    write_xlsx(tables, path)
    return [path]
