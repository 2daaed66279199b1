"""Tables for the dashboard as escaped, accessible HTML, and their CSV/Excel downloads.

Everything users typed is escaped (Jinja autoescape); tables have a caption and header
cells with ``scope``, and sit in a ``<details>`` element when they are a chart's text
alternative, so they are one keyboard stop away. Downloads are ``data:`` links made from
the same table: CSV (UTF-8 with BOM) and .xlsx, both with formula-like text defused as
:mod:`workbook.spreadsheets.export` does it.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
from jinja2 import Environment, select_autoescape
from markupsafe import Markup

if TYPE_CHECKING:  # openpyxl takes a third of a second to import: only when downloading
    from workbook.spreadsheets import export

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))

_TABLE = _ENV.from_string(
    """\
<div class="wb-table-wrap" role="region" aria-label="{{ caption }}" tabindex="0">
<table class="wb-table">
<caption>{{ caption }}</caption>
<thead><tr>{% for label in labels %}<th scope="col">{{ label }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rows %}<tr{% if row.emphasis %} class="wb-emphasis"{% endif %}>
{%- for cell in row.cells %}{% if loop.first %}<th scope="row">{{ cell }}</th>\
{% else %}<td>{{ cell }}</td>{% endif %}{% endfor %}</tr>
{% endfor %}</tbody>
</table>
{% if not rows %}<p>{{ empty }}</p>{% endif %}
</div>"""
)

_DETAILS = _ENV.from_string(
    '<details class="wb-alt"><summary>{{ summary }}</summary>{{ table }}</details>'
)

_LINKS = _ENV.from_string(
    'Download this table: <a download="{{ stem }}.csv" href="{{ csv }}">CSV</a> | '
    '<a download="{{ stem }}.xlsx" href="{{ xlsx }}">Excel (.xlsx)</a>'
)

STYLE = """<style>
.wb-table-wrap { max-width: 100%; overflow-x: auto; margin: 0.5em 0 1em; }
.wb-table { border-collapse: collapse; font-size: 13px; }
.wb-table caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
.wb-table th, .wb-table td { border: 1px solid #8c8c8c; padding: 0.25em 0.5em;
  text-align: left; vertical-align: top; white-space: pre-wrap; max-width: 40em; }
.wb-table thead th { background: #eeeeee; }
.wb-table tr.wb-emphasis th, .wb-table tr.wb-emphasis td { font-weight: bold; }
.wb-alt summary { cursor: pointer; padding: 0.2em 0; }
.wb-alt summary:focus-visible, .wb-table-wrap:focus-visible { outline: 3px solid #1a5fb4; }
.wb-overdue::before { content: "\\26A0\\FE0F  "; }
</style>"""
"""CSS for the tables (displayed once by the dashboard)."""


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def html_table(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    caption: str,
    *,
    emphasis: str | None = None,
    empty: str = "Nothing to show.",
    limit: int | None = None,
) -> str:
    """An escaped HTML table of ``columns`` (name -> heading), first column as row headers.

    Parameters
    ----------
    emphasis
        A boolean column; its true rows are set in bold (with the words saying why
        elsewhere in the row, so weight is not the only cue).
    limit
        Show at most this many rows (the caption says so).
    """
    rows = frame if limit is None else frame.head(limit)
    if limit is not None and len(frame) > limit:
        caption = f"{caption} (first {limit} of {len(frame)}; download for all)"
    records = [
        {
            "cells": [_cell(row[c]) for c in columns],
            "emphasis": bool(row[emphasis]) if emphasis else False,
        }
        for _, row in rows.iterrows()
    ]
    return _TABLE.render(caption=caption, labels=list(columns.values()), rows=records, empty=empty)


def details(summary: str, table: str) -> str:
    """A table folded into ``<details>``: the keyboard-reachable text alternative of a chart."""
    return _DETAILS.render(summary=summary, table=Markup(table))  # table: already escaped


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def export_table(frame: pd.DataFrame, columns: Mapping[str, str], name: str) -> export.Table:
    """The table as plain values with its display headings, for the writers."""
    from workbook.spreadsheets import export

    rows = [tuple(_plain(v) for v in row) for row in frame[list(columns)].itertuples(index=False)]
    return export.Table(name=name, columns=tuple(columns.values()), rows=rows)


def csv_bytes(table: export.Table) -> bytes:
    """CSV, UTF-8 with BOM (Excel reads it right), formula-like text defused."""
    from workbook.spreadsheets import layout as L

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(
            [L.neutralise(v) if isinstance(v, str) else ("" if v is None else v) for v in row]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(table: export.Table) -> bytes:
    """An .xlsx workbook of one sheet; text cells are typed as text (never formulas)."""
    from workbook.spreadsheets import export

    out = io.BytesIO()
    export.write_xlsx((table,), out)
    return out.getvalue()


def _data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def download_links(frame: pd.DataFrame, columns: Mapping[str, str], stem: str) -> str:
    """Two links that download the table as CSV and as Excel, made in the page (no server)."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "table"
    table = export_table(frame, columns, stem[:31])
    return _LINKS.render(
        stem=stem,
        csv=_data_url("text/csv", csv_bytes(table)),
        xlsx=_data_url(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            xlsx_bytes(table),
        ),
    )
