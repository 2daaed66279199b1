"""The layout of a return workbook (.xlsx), shared by the template writer and the importer.

One place says which sheet holds what, which column is which field, and how text is
written to and read from cells, so :mod:`workbook.spreadsheets.write` and
:mod:`workbook.spreadsheets.importer` cannot drift apart (issue #6).

A return workbook has an ``About`` sheet, one sheet per heading (a row per criterion the
agency's sector is asked, matched by the id in column A, never by position), an
``Actions`` sheet, and a hidden
``_workbook`` sheet naming the framework version, cycle, agency and revision the file
was made from, and which sheet holds which heading.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from workbook.schema.framework import Framework, ResponseField
from workbook.schema.responses import NA_REASON_LABEL, NOT_APPLICABLE

FORMAT = "safeguarding-workbook-return"
"""Value of the ``format`` key in the hidden sheet: marks a file as ours."""
FORMAT_VERSION = 1

ABOUT_SHEET = "About"
ACTIONS_SHEET = "Actions"
META_SHEET = "_workbook"
MAX_SHEET_NAME = 31
# Excel reserves "History"; sheet names compare case-insensitively.
RESERVED_SHEETS = frozenset(s.casefold() for s in (ABOUT_SHEET, ACTIONS_SHEET, META_SHEET))
RESERVED_SHEETS |= {"history"}
FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f]")

# -- heading sheets: title in B1, guidance in B2, headers in row 3, criteria from row 4
TITLE_CELL = "B1"
GUIDANCE_CELL = "B2"
SCOPE_CELL = "C1"
"""How many of the heading's criteria the agency's sector is not asked (issue #16)."""
HEADER_ROW = 3
FIRST_ROW = 4


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its letter, what it holds and how wide it is."""

    letter: str
    key: str
    header: str
    width: float

    @property
    def index(self) -> int:
        """1-based column number."""
        return ord(self.letter) - ord("A") + 1


ANSWER_FIELDS = (
    ResponseField.RATING,
    ResponseField.EVIDENCE,
    ResponseField.GOING_WELL,
    ResponseField.DEVELOPMENT,
)


NA_COLUMNS = (
    Column("H", "not_applicable", NOT_APPLICABLE, 18),
    Column("I", "na_reason", NA_REASON_LABEL, 45),
)
"""After every older column (issue #16), so a file made before them still reads: a sheet
whose header row has neither is read as one without them."""
REQUIRED_HEADING_COLUMNS = 7
NA_CHOICE = f'"{NOT_APPLICABLE}"'
"""The drop-down's one choice (blank is the other)."""


def heading_columns(framework: Framework) -> tuple[Column, ...]:
    """Columns of a heading sheet; answer headers use the partnership's field labels."""
    fixed = (
        Column("A", "id", "ID", 11),
        Column("B", "prompt", "Question", 60),
        Column("C", "guidance", "Guidance", 45),
    )
    widths = {ResponseField.RATING: 24.0}
    answers = tuple(
        Column(chr(ord("D") + i), field.value, framework.label(field), widths.get(field, 45.0))
        for i, field in enumerate(ANSWER_FIELDS)
    )
    return fixed + answers + NA_COLUMNS


def field_column(framework: Framework, field: ResponseField) -> Column:
    """The heading-sheet column holding ``field``."""
    return next(c for c in heading_columns(framework) if c.key == field.value)


# -- the actions sheet: headers in row 1, one action per row from row 2
ACTIONS_HEADER_ROW = 1
ACTIONS_FIRST_ROW = 2
ACTION_COLUMNS = (
    Column("A", "criterion", "Criterion ID", 14),
    Column("B", "text", "Action", 60),
    Column("C", "owner", "Owner", 30),
    Column("D", "due", "Due date", 14),
    Column("E", "id", "Action ID", 12),
    Column("F", "status", "Status", 14),
    Column("G", "note", "Progress note", 40),
)
REQUIRED_ACTION_COLUMNS = 4
"""Files written before actions were tracked (issue #15) stop after the due date."""
STATUS_CHOICES = ("Open", "In progress", "Done", "Dropped")
BLANK_ACTION_ROWS = 100
"""Unlocked empty rows below the last action; more can be inserted."""
MAX_OWNER = 200
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"  # Excel and LibreOffice keep what is typed as text: no "=1+2", no dates

# -- the hidden sheet: key/value pairs in A:B, sheet map in D:E, rating labels in G:H and
#    the criteria that take actions in J (the two drop-down lists)
META_KEYS: tuple[str, ...] = ("format", "format_version", "framework", "framework_version")
META_KEYS += ("cycle", "agency", "revision", "created")
SHEET_MAP_COLUMNS = ("D", "E")
LEVEL_COLUMNS = ("G", "H")
ACTION_CRITERIA_COLUMN = "J"


def list_range(column: str, count: int) -> str:
    """An absolute reference to rows 2..count+1 of a hidden-sheet column, for a drop-down."""
    return f"'{META_SHEET}'!${column}$2:${column}${count + 1}"


def sheet_names(framework: Framework) -> dict[str, str]:
    """A valid, unique Excel sheet name for each heading id, from the heading titles.

    >>> from types import SimpleNamespace as N
    >>> fw = N(headings=[N(id="a", title="Plan/Do: review"), N(id="b", title="plan-do- review ")])
    >>> sheet_names(fw)
    {'a': 'Plan-Do- review', 'b': 'plan-do- review (2)'}
    """
    names: dict[str, str] = {}
    taken: set[str] = set(RESERVED_SHEETS)
    for heading in framework.headings:
        base = FORBIDDEN_IN_SHEET_NAME.sub("-", heading.title)
        base = " ".join(base.split()).strip("'")[:MAX_SHEET_NAME].strip() or heading.id
        name, number = base, 1
        while name.casefold() in taken:
            number += 1
            suffix = f" ({number})"
            name = base[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        taken.add(name.casefold())
        names[heading.id] = name
    return names


# -- text in cells ---------------------------------------------------------------------

# XML 1.0 cannot hold most control characters; OOXML writes them as _xHHHH_. A literal
# "_xHHHH_" in the text gets its underscore escaped (_x005F_) so Excel reads it literally.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f]")
_ESCAPE_LIKE = re.compile(r"_x[0-9A-Fa-f]{4}_")
# Read side: openpyxl already turns a shared string's "_x005F_" into "_" but leaves inline
# strings (its own) alone, and decodes no other escape. Decoding only "_x005F_" and control
# characters, in one pass, reads both right; the price is that a literal "_x000D_" typed
# in Excel or LibreOffice comes back as a carriage return.
_ESCAPED = re.compile(r"_x(005[Ff]|00[01][0-9A-Fa-f])_")


def to_cell_text(value: str) -> str:
    """Text as it must be stored in a cell so Excel and LibreOffice read back ``value``."""
    value = _ESCAPE_LIKE.sub(lambda m: "_x005F" + m.group(0), value)
    return _UNWRITABLE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)


def from_cell_text(value: str) -> str:
    r"""Text read from a cell: escaped control characters restored, ``\r\n`` made ``\n``.

    Only Windows line ends are normalised (Excel itself uses ``\n`` inside cells).

    >>> from_cell_text("a_x000D_\nb\r\nc")
    'a\nb\nc'
    """
    value = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)
    return value.replace("\r\n", "\n")


def set_text(cell: Any, value: str) -> None:
    """Write ``value`` as a string cell, never a formula or an error value.

    openpyxl turns any string that starts with ``=`` into a formula and ``#N/A`` and
    friends into error cells; forcing the type after assignment keeps them text.
    """
    cell.value = to_cell_text(value)
    cell.data_type = "s"


# -- reading cells -----------------------------------------------------------------------


def cell_name(ws: Any, coordinate: str) -> str:
    """A cell as people name it in messages: ``Prevent!D4``."""
    return f"{ws.title}!{coordinate}"


def plain(value: Any) -> str:
    """A cell value as the text a person would say it holds."""
    if value is None:
        return ""
    if isinstance(value, str):
        return from_cell_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def filled_rows(ws: Any, first_row: int) -> dict[int, dict[int, Any]]:
    """Cells holding a value at or below ``first_row``, by row then column.

    Reads the worksheet's own cell map: iterating a range would create every empty cell in
    it, and a sheet with whole rows formatted reports 16,384 columns.
    """
    rows: dict[int, dict[int, Any]] = {}
    for (row, column), cell in ws._cells.items():
        value = cell.value
        if (
            row >= first_row
            and value is not None
            and not (isinstance(value, str) and not value.strip())
        ):
            rows.setdefault(row, {})[column] = cell
    return dict(sorted(rows.items()))


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix a value a spreadsheet could run as a formula with ``'`` (OWASP CSV injection).

    >>> neutralise("=HYPERLINK(1)"), neutralise("-1 team"), neutralise("Fine")
    ("'=HYPERLINK(1)", "'-1 team", 'Fine')
    """
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
