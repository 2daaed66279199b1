"""Write an empty evidence file to fill in: the documented layout (issue #14).

An xlsx file has a 'Read me' sheet (what each column means, and, for a cycle, the ids its
criteria and agencies go by) and one sheet per table. A CSV file holds one table, so
``kind`` says which. The column descriptions come from the typed schema, so the file and
the checks can never disagree.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import BaseModel

from workbook.evidence.files import COLUMNS, REQUIRED, SHEETS, Kind
from workbook.schema.evidence import PERIOD_HINT, FindingRow, IndicatorRow
from workbook.schema.framework import Framework

MODELS: dict[str, type[BaseModel]] = {"indicators": IndicatorRow, "findings": FindingRow}
HINTS = {
    "period": PERIOD_HINT,
    "date": "the audit's date, YYYY-MM-DD or DD/MM/YYYY",
    "value": "a number; 1,234 and 24% are read as 1234 and 24",
    "comparator_value": "a number, or blank when there is nothing to compare with",
    "unit": "e.g. count, %, days",
    "grade": "a level of the framework's scale, or one of the audit's own grades",
    "finding": "what the audit found, about services: aggregate text, never about one child",
    "cases_reviewed": "how many cases the audit reviewed (a whole number)",
    "name": "the indicator's name as the board will read it",
    "title": "the audit's title",
    "source": "where the figure comes from, e.g. 'CIN census' or 'Police MASH data'",
}


def describe(kind: Kind) -> list[tuple[str, str, str]]:
    """(column, required or optional, what it holds) for each column of a table."""
    model = MODELS[kind]
    rows = []
    for name in COLUMNS[kind]:
        info = model.model_fields[name]
        what = HINTS.get(name) or info.description or name.replace("_", " ")
        rows.append((name, "required" if name in REQUIRED[kind] else "optional", what))
    return rows


def _read_me(wb: Workbook, framework: Framework | None, agencies: list[tuple[str, str]]) -> None:
    sheet = wb.active
    assert sheet is not None
    sheet.title = "Read me"
    lines: list[tuple[str, ...]] = [
        ("Evidence for a self-assessment cycle",),
        (
            "Fill in the sheets 'Indicators' and 'Audit findings' (either may stay empty), then "
            "load the file with: workbook evidence import FILE --cycle CYCLE (add --check first).",
        ),
        (
            "One row per indicator value (for one agency, or blank agency for the partnership), "
            "and one row per audit finding. Rows of one indicator or one audit repeat its details.",
        ),
        ("Evidence describes services, not people: no names, dates of birth or case numbers.",),
        (),
    ]
    for kind in ("indicators", "findings"):
        lines.append((f"Sheet '{SHEETS[kind]}'",))
        lines += [tuple(row) for row in describe(kind)]
        lines.append(())
    if framework is not None:
        lines.append((f"Criteria of {framework.title} ({framework.id} {framework.version})",))
        lines += [(c.id, c.prompt) for c in framework.criteria]
        lines.append(())
        lines.append(("Grades of its scale (best first)",))
        lines += [(level.key, level.label) for level in framework.scale.best_first()]
        lines.append(())
    if agencies:
        lines.append(("Agencies of the cycle",))
        lines += agencies
    for line in lines:
        sheet.append(list(line))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 12
    sheet.column_dimensions["C"].width = 90


def write_template(
    output: Path,
    *,
    kind: Kind | None = None,
    framework: Framework | None = None,
    agencies: list[tuple[str, str]] | None = None,
) -> Path:
    """Write an empty evidence file: xlsx with both tables, or one table as CSV.

    Parameters
    ----------
    kind
        For a ``.csv`` file, which table (default: indicators); an xlsx file holds both.
    framework, agencies
        A cycle's framework and ``(id, name)`` agencies, listed in the 'Read me' sheet.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() == ".csv":
        with output.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerow(COLUMNS[kind or "indicators"])
        return output
    wb = Workbook()
    _read_me(wb, framework, agencies or [])
    for table_kind in ("indicators", "findings"):
        sheet = wb.create_sheet(SHEETS[table_kind])
        sheet.append(list(COLUMNS[table_kind]))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            sheet.column_dimensions[cell.column_letter].width = max(14, len(str(cell.value)) + 4)
        sheet.freeze_panes = "A2"
        if table_kind == "indicators":
            better = DataValidation(type="list", formula1='"higher,lower"', allow_blank=True)
            column = COLUMNS["indicators"].index("better") + 1
            letter = sheet.cell(row=1, column=column).column_letter
            better.add(f"{letter}2:{letter}1000")
            sheet.add_data_validation(better)
    wb.save(output)
    return output
