"""Plain-data helpers both reports share: values for YAML and templates, and wording.

Both contexts are snapshot-tested as plain data (``data_regression``), so every value
they hold passes through :func:`plain`, and both word lists and counts the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd

from workbook.charts import offline
from workbook.schema.responses import Status


def plain(value: Any) -> Any:
    """A value as YAML-friendly plain data: dates as ISO text, NaN as None, numpy as Python."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return plain(value.item())
    if isinstance(value, float):
        return round(value, 4)
    return value


def records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of ``columns`` as plain dicts."""
    return [
        {c: plain(v) for c, v in zip(columns, row, strict=True)}
        for row in frame[list(columns)].itertuples(index=False)
    ]


def percent(value: Any) -> str:
    """A 0..1 mean rating as a whole percentage, or an en dash when there is none."""
    return "\u2013" if value is None or pd.isna(value) else f"{round(float(value) * 100)}%"


def names(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (semicolons when an item has "and" in it).

    >>> names(["Prevent", "Identify", "Intervene and support"])
    'Prevent; Identify; and Intervene and support'
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if any(" and " in item or "," in item for item in items):
        return "; ".join(items[:-1]) + "; and " + items[-1]
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 return``, ``2 returns``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def spec(chart: Any) -> dict[str, Any]:
    """A chart's Vega-Lite spec (plain data; drawn as SVG when rendered)."""
    return offline.spec(chart)


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def themes(
    frame: pd.DataFrame, column: str, name: Callable[[str], str] | None = None
) -> list[dict[str, Any]]:
    """Distinct texts of one field under a heading, with who wrote them, most shared first.

    ``name`` gives the criteria's names (the board paper's: ids are for its appendix);
    without it they are listed by id.
    """
    found: dict[str, dict[str, Any]] = {}
    for record in frame[frame[column].str.strip() != ""].itertuples(index=False):
        text = getattr(record, column).strip()
        item = found.setdefault(_normal(text), {"text": text, "agencies": set(), "criteria": {}})
        item["agencies"].add(record.agency)
        item["criteria"][record.criterion_id] = record.criterion_order
    items = sorted(found.values(), key=lambda i: (-len(i["agencies"]), min(i["criteria"].values())))
    for item in items:
        item["criteria"] = sorted(item["criteria"], key=item["criteria"].get)
    return [
        {
            "text": i["text"],
            "count": len(i["agencies"]),
            "agencies": names(sorted(i["agencies"])),
            "criteria": "; ".join(name(c) for c in i["criteria"])
            if name
            else ", ".join(i["criteria"]),
        }
        for i in items
    ]


ACTION_COLUMNS = ["agency", "heading", "criterion_id", "action", "owner", "due", "status"]


def analysis_rows(frame: pd.DataFrame, include_unsubmitted: bool) -> pd.DataFrame:
    """The rows the analysis uses: every saved return, or submitted returns only."""
    if include_unsubmitted:
        return frame[frame["status"] != Status.NOT_STARTED.value]
    return frame[frame["status"] == Status.SUBMITTED.value]
