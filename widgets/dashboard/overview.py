"""The overview tab: the partnership at a glance, and sharing.

Each tab is built the first time it is opened (:class:`~widgets.dashboard.view.DashboardView`).
The overview is the page's first tab, below the completion (:mod:`~widgets.dashboard.completion`,
the page's first chart): on the page's first render its heatmap and spread are made once
the front end has the page's widgets (:mod:`widgets.later`), while the browser draws that
first chart.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as ipw

from widgets import later
from widgets.dashboard.columns import HEATMAP
from widgets.dashboard.common import ExportView, chart_with_table, html_widget, shown
from widgets.dashboard.completion import completion_html
from widgets.dashboard.model import DashboardModel
from widgets.templating import render
from workbook import analysis
from workbook.charts import builders as charts
from workbook.charts import tables as htmltable
from workbook.store import generate

DRAWING_GLANCE = "Drawing the partnership at a glance…"
"""Said (as a status) where the heatmap goes, until it arrives just after the first chart."""


def build(page: ipw.VBox, m: DashboardModel) -> Callable[[], None]:
    """Fill ``page`` with the tab's widgets; return the function that redraws it.

    Parameters
    ----------
    page
        The tab's box.
    m
        The dashboard's model.
    """
    charts_html = html_widget()
    export = ExportView(lambda: (m.heatmap(), HEATMAP, f"heatmap-{m.cycle}"))
    sharing = html_widget()
    share = ipw.Button(layout=ipw.Layout(width="auto"))
    share.on_click(lambda _b: m.share(not m.shared))
    share_box = ipw.VBox([sharing, share])
    page.children = [charts_html, export, share_box]

    def draw_sharing() -> None:
        shared = m.shared
        sharing.value = render("dashboard", "sharing", shared)
        share.description = (
            "Stop sharing the returns"
            if shared
            else "Share the submitted returns with the partnership"
        )
        share.layout.display = shown(m.may_moderate)

    below = (export, share_box)  # hidden while the status stands in for the heatmap

    def fill_glance(drawn: str) -> None:
        charts_html.value = drawn
        for box in below:
            box.layout.display = None

    def failed_glance(exc: BaseException) -> None:
        fill_glance(render("dashboard", "feedback", f"The heatmap could not be drawn: {exc}", True))

    def draw() -> None:
        draw_sharing()
        export.links.value = ""
        if not charts_html.value:  # the first drawing; a redraw keeps the last till then
            charts_html.value = render("dashboard", "status", DRAWING_GLANCE)
            for box in below:  # nothing to push down when the heatmap comes (layout shift)
                box.layout.display = "none"
        # below the first chart: on a first render, made once the front end has the widgets
        later.after_page(lambda: glance_html(m), fill_glance, failed_glance)

    return draw


def glance_html(m: DashboardModel) -> str:
    """The partnership at a glance: the heatmap above the spread, each with its table."""
    heat = m.heatmap()
    spread = analysis.spread(m.filtered(), m.scale)
    spread_columns = {
        c: c.replace("_", " ").capitalize() for c in spread.columns if c != "heading_id"
    }
    return render(
        "dashboard",
        "glance",
        chart_with_table(
            charts.overview(heat, m.counts(), m.scale),
            htmltable.html_table(heat, HEATMAP, "Median rating by agency and heading"),
            "Table of the heatmap",
        ),
        htmltable.details(
            "Table of the spread",
            htmltable.html_table(spread, spread_columns, "Ratings at each level by heading"),
        ),
    )


def warm_up() -> None:
    """Draw the overview once over a throwaway sample (:func:`generate.sample_for_chair`).

    A preheated kernel does this before its request, and the dashboards' kernel template
    (widgets/forkserver/) before it forks, so the visitor's first drawing is not the
    process's first: a new kernel's first paid about 30 ms more (Altair's and pandas' first
    calls, compiled patterns), on the machine's CPU while the browser starts Voila's
    front end (issue #19). Only HTML is made: no widget, whose state would go to the
    page with the visitor's.
    """
    with generate.sample_for_chair() as store, store.snapshot():
        model = DashboardModel(store)
        completion_html(model)
        glance_html(model)
