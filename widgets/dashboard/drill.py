"""The drill-down tab: pick a heading, then a criterion; every agency's answer side by side.

Below the answers, each agency's self-rating beside the data indicators and case-audit
findings on the criterion (issue #14), so a rating is never read without its evidence.

Each tab is built the first time it is opened (:class:`~widgets.dashboard.view.DashboardView`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as ipw

from widgets.dashboard.columns import ALL, BESIDE, DIVERGENCE
from widgets.dashboard.common import ExportView, html_widget, shown
from widgets.dashboard.evidence_model import EvidenceModel
from widgets.dashboard.model import DashboardModel
from widgets.templating import render
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
    heading = ipw.Dropdown(
        description="Heading",
        options=m.heading_options(),
        style={"description_width": "initial"},
    )
    criterion = ipw.Select(description="Criterion", rows=6, layout=ipw.Layout(width="95%"))
    criterion.style.description_width = "initial"
    first, table = html_widget(), html_widget()
    export = ExportView(lambda: (m.drilldown(), m.drill_columns(), f"drilldown-{m.cycle}"))
    evidence = EvidenceModel(m)
    beside = html_widget()
    export_beside = ExportView(
        lambda: (evidence.beside(m.criterion), BESIDE, f"evidence-{m.criterion}-{m.cycle}")
    )
    page.children = [
        html_widget(render("dashboard", "drill_intro")),
        heading,
        first,
        criterion,
        table,
        export,
        beside,
        export_beside,
    ]
    ipw.link((m, "heading"), (heading, "value"))
    busy = [False]

    def picked(change: Mapping[str, Any]) -> None:
        if not busy[0]:
            m.criterion = change["new"] or ALL

    criterion.observe(picked, names="value")

    def draw() -> None:
        busy[0] = True
        heading.options = m.heading_options()
        heading.value = m.heading
        options = [("All criteria under the heading", ALL), *m.criterion_options()]
        criterion.options = options
        criterion.value = m.criterion if m.criterion in [v for _, v in options] else ALL
        busy[0] = False
        first.value = htmltable.html_table(
            m.divergence(), DIVERGENCE, "Criteria to look at first", limit=10
        )
        rows = m.drilldown()
        caption = (
            f"Every agency's answer to {m.criterion}"
            if m.criterion
            else "Every agency's answers under "
            + (
                dict((v, k) for k, v in m.heading_options())[m.heading]
                if m.heading
                else "all headings"
            )
        )
        drill = m.drill_columns()  # the framework's own labels (issue #16)
        columns = drill if m.criterion else {"criterion": "Criterion", **drill}
        table.value = htmltable.html_table(
            rows, columns, caption, limit=None if m.criterion else 200
        )
        export.links.value = ""
        draw_beside()

    def draw_beside() -> None:
        lines = evidence.beside(m.criterion) if m.criterion else None
        found = lines is not None and (lines["lines"] != "").any()
        beside.value = (
            htmltable.html_table(
                lines, BESIDE, f"Self-ratings beside the data and audit findings on {m.criterion}"
            )
            if found
            else render("dashboard", "beside_hint", m.criterion)
        )
        export_beside.layout.display = shown(found)
        export_beside.links.value = ""

    return draw
