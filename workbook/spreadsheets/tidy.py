"""A tidy table of plain values: what the exports and the dashboard's downloads write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Table:
    """One tidy table: column names and rows of plain values.

    ``name`` names its CSV file (``<stem>-<name>.csv``); ``title`` its sheet, when
    the capitalised name would not do ("Audit findings" for ``audit-findings``).
    """

    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    title: str = ""

    @property
    def sheet(self) -> str:
        """The sheet's name in an .xlsx file."""
        return self.title or self.name.capitalize()

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]
