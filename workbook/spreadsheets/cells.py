"""Reading one cell of a return's file: text, headers, merged cells and dates, each checked.

Split from :mod:`workbook.spreadsheets.sheets` when issue #16's "Not applicable" columns
took it past the size limit. Every problem goes to a :class:`Problems`, located by
sheet and cell (``Prevent!D4``); nothing here knows what a row is for.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any, Protocol

from workbook.schema.responses import text_problem
from workbook.spreadsheets import layout as L

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Problems(Protocol):
    """Where located problems go (:class:`workbook.spreadsheets.read.Collector`)."""

    def add(self, where: str, field: str, message: str) -> None:
        """Record one located problem."""


def cell_text(cell: Any, field: str, out: Problems) -> str:
    """The text in a cell; formulas and error values are problems, not text."""
    # the cell's name only for a problem: most cells have none, and a file has thousands
    message: str | None
    if cell.data_type == "f":
        message = "holds a formula; type the text itself (formulas are not imported)"
    elif cell.data_type == "e":
        message = f"holds the error value {cell.value}; type the text itself"
    else:
        text = L.plain(cell.value)
        # e.g. _x0000_ in the file: NUL, which no store takes
        message = text_problem(text) if text else None
        if not message:
            return text
    out.add(L.cell_name(cell.parent, cell.coordinate), field, message)
    return ""


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


def due_date(cell: Any, out: Problems) -> dt.date | None | bool:
    """The due date, ``None`` if blank, ``False`` (after reporting) if not a date."""
    value = cell.value
    where = L.cell_name(cell.parent, cell.coordinate)
    if cell.data_type in ("f", "e"):
        cell_text(cell, "due", out)
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
    out.add(where, "due", f"expected a date such as 2026-03-31, found {shown}")
    return False
