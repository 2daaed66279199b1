"""The trend tab: this cycle against earlier cycles of the same framework.

Each tab is built the first time it is opened (:class:`~widgets.dashboard.view.DashboardView`).
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as ipw

from widgets.dashboard.columns import CHANGES, TREND
from widgets.dashboard.common import ExportView, chart_with_table, html_widget
from widgets.dashboard.model import DashboardModel
from widgets.templating import render
from workbook.charts import builders as charts
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
    out = html_widget()
    export = ExportView(lambda: (m.criterion_changes(), CHANGES, f"criteria-changes-{m.cycle}"))
    page.children = [out, export]

    def draw() -> None:
        shown: list[tuple[str, str | None]] = []
        for by in ("heading", "agency"):
            table = m.trend(by)
            shown.append(
                (by, None)
                if table.empty
                else (
                    by,
                    chart_with_table(
                        charts.trend_chart(table, by=by),
                        htmltable.html_table(table, TREND, f"Mean rating by {by} and cycle"),
                        f"Table of the trend by {by}",
                    ),
                )
            )
        changes = htmltable.html_table(
            m.criterion_changes(), CHANGES, "Criteria against the previous cycle"
        )
        out.value = render("dashboard", "trend", shown, changes)
        export.links.value = ""

    return draw
