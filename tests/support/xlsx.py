"""Return files as older versions of the workbook wrote them, for the import's tests.

Used by ``tests/core/test_xlsx_read.py`` and ``test_xlsx_import.py``: a file made before
a change must still import, so both make one from today's template.
"""

from __future__ import annotations

from typing import Any

from workbook.spreadsheets import layout as L


def without_na_columns(wb: Any) -> None:
    """Take the "Not applicable" columns off every heading sheet (before issue #16)."""
    for ws in wb.worksheets:
        if ws.title in (L.ABOUT_SHEET, L.ACTIONS_SHEET, L.META_SHEET):
            continue
        for row in range(1, ws.max_row + 1):
            for column in L.NA_COLUMNS:
                ws.cell(row, column.index).value = None
        ws.data_validations.dataValidation = [
            v for v in ws.data_validations.dataValidation if not str(v.sqref).startswith("H")
        ]
