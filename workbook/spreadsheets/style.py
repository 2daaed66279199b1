"""Cell styles and sheet set-up the return template's sheets share.

Split from :mod:`workbook.spreadsheets.write` when issue #16's "Not applicable" columns
took it past the size limit; nothing here knows what a sheet is for.
"""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill, Protection

from workbook.spreadsheets import layout as L

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
NOT_ASKED_FILL = PatternFill("solid", fgColor="D9D9D9")
UNLOCKED = Protection(locked=False)

LINE_HEIGHT = 15.0  # points per line of 11 pt text
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def fit_row(ws: Any, row: int) -> None:
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


def printable(ws: Any, title_rows: str | None = None) -> None:
    """Print landscape, one page wide, repeating the header row."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


def protect(ws: Any, *, rows: bool = False) -> None:
    """Lock a sheet's locked cells against slips; ``rows``: rows may be added and deleted."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # False = allowed: people widen columns and rows
    ws.protection.formatRows = False
    if rows:
        ws.protection.insertRows = False
        ws.protection.deleteRows = False


def text(ws: Any, row: int, column: int, value: str, **style: Any) -> Any:
    """Write ``value`` as text (never a formula) into a cell styled by ``style``."""
    cell = ws.cell(row=row, column=column)
    if value:
        L.set_text(cell, value)
    for name, item in style.items():
        setattr(cell, name, item)
    return cell


def answer_cell(ws: Any, row: int, column: int, value: str) -> None:
    """An unlocked, text-formatted cell for an answer: what is typed stays text."""
    text(ws, row, column, value, alignment=WRAP, protection=UNLOCKED, number_format=L.TEXT_FORMAT)
