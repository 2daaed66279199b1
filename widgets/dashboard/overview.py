"""The overview tab: completion against the due date, the partnership at a glance, sharing.

Each tab is built the first time it is opened (:class:`~widgets.dashboard.view.DashboardView`).
The overview is the page's first tab: on the page's first render its charts and tables
are made just after the page's HTML has gone, while the browser starts Voila's front end
(:mod:`widgets.later`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as ipw
import pandas as pd

from widgets import later
from widgets.dashboard.columns import COMPLETION, HEATMAP
from widgets.dashboard.common import ExportView, chart_with_table, html_widget, shown
from widgets.dashboard.model import DashboardModel
from widgets.templating import render
from workbook import analysis
from workbook.charts import builders as charts
from workbook.charts import offline
from workbook.charts import tables as htmltable


def build(page: ipw.VBox, m: DashboardModel) -> Callable[[], None]:
    """Fill ``page`` with the tab's widgets; return the function that redraws it.

    Parameters
    ----------
    page
        The tab's box.
    m
        The dashboard's model.
    """
    done, charts_html = html_widget(), html_widget()
    export = ExportView(lambda: (m.heatmap(), HEATMAP, f"heatmap-{m.cycle}"))
    export_done = ExportView(lambda: (m.completion(), COMPLETION, f"completion-{m.cycle}"))
    sharing = html_widget()
    share = ipw.Button(layout=ipw.Layout(width="auto"))
    share.on_click(lambda _b: m.share(not m.shared))
    share_box = ipw.VBox([sharing, share])
    page.children = [done, export_done, charts_html, export, share_box]

    def draw_sharing() -> None:
        shared = m.shared
        sharing.value = render("dashboard", "sharing", shared)
        share.description = (
            "Stop sharing the returns"
            if shared
            else "Share the submitted returns with the partnership"
        )
        share.layout.display = shown(m.may_moderate)

    def fill(drawn: tuple[str, str]) -> None:
        done.value, charts_html.value = drawn

    def failed(exc: BaseException) -> None:
        done.value = render(
            "dashboard", "feedback", f"The overview could not be drawn: {exc}", True
        )
        charts_html.value = ""

    def draw() -> None:
        draw_sharing()
        export_done.links.value = ""
        export.links.value = ""
        data = Shown.of(m)  # the cycle and filters as they are now, drawn a moment later
        later.defer(lambda: (completion_html(data), glance_html(data)), fill, failed)

    return draw


@dataclass(frozen=True)
class Shown:
    """What the overview draws, read from the model at once; its charts are made later."""

    title: str
    due: dt.date
    as_at: dt.date
    past: bool
    """Whether ``as_at`` is a past cycle's own last date rather than today."""
    scale: Any
    rows: pd.DataFrame
    """The cycle's rows under the agency, sector and heading filters."""
    all_headings: pd.DataFrame
    """The same without the heading filter (completion counts every heading)."""

    @classmethod
    def of(cls, m: DashboardModel) -> Shown:
        """The model's current cycle under its current filters."""
        info = m.info
        return cls(
            title=info.title,
            due=info.timetable.returns_due,
            as_at=m.as_at,
            past=m.as_at != m.today,
            scale=m.scale,
            rows=m.filtered(),
            all_headings=m.filtered(heading=False),
        )


def completion_html(data: Shown) -> str:
    """The returns against their due date: a chart and its table (the page's first chart)."""
    table = analysis.completion(data.all_headings, data.as_at)
    overdue = int(table["overdue"].sum()) if len(table) else 0
    return render(
        "dashboard",
        "completion",
        data.title,
        f"{data.due:%d %B %Y}",
        overdue,
        offline.chart_html(charts.completion_chart(table)),
        htmltable.html_table(table, COMPLETION, "Returns, overdue first", emphasis="overdue"),
        f"{data.as_at:%d %B %Y}" if data.past else "",
    )


def glance_html(data: Shown) -> str:
    """The partnership at a glance: the heatmap above the spread, each with its table."""
    heat = analysis.heatmap_table(data.rows, data.scale)
    spread = analysis.spread(data.rows, data.scale)
    spread_columns = {
        c: c.replace("_", " ").capitalize() for c in spread.columns if c != "heading_id"
    }
    return render(
        "dashboard",
        "glance",
        chart_with_table(
            charts.overview(heat, analysis.rating_counts(data.rows, data.scale), data.scale),
            htmltable.html_table(heat, HEATMAP, "Median rating by agency and heading"),
            "Table of the heatmap",
        ),
        htmltable.details(
            "Table of the spread",
            htmltable.html_table(spread, spread_columns, "Ratings at each level by heading"),
        ),
    )
