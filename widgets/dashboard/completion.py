"""Completion against the due date: the page's first chart, above the filters and the tabs.

Voila shows a page's plain outputs as soon as its front end has started, and its widgets
only once it has then connected to the kernel and asked for their states: about 0.15 s
later on a busy machine (issue #19). So in a page's first render the completion chart
goes with the page's HTML as a plain output (:func:`first_chart_html`), which is why it
stands at the top of the page, where the widgets that follow cannot move it. Its live
twin (:func:`build`) stays hidden until the cycle or a filter changes; it then takes the
first drawing's place, which a style rule hides (:data:`FIRST_CHART_GONE`).
"""

from __future__ import annotations

import ipywidgets as ipw

from widgets import later
from widgets.dashboard.columns import COMPLETION
from widgets.dashboard.common import ExportView, html_widget
from widgets.dashboard.model import DashboardModel
from widgets.templating import render
from workbook.charts import builders as charts
from workbook.charts import offline
from workbook.charts import tables as htmltable

REDRAWN_BY = ("cycle", "agency", "sector")
"""The model's choices the completion depends on (the cycle's returns, two filters)."""


def completion_html(m: DashboardModel) -> str:
    """The returns against their due date: a chart and its table (the page's first chart)."""
    table = m.completion()
    info = m.info
    overdue = int(table["overdue"].sum()) if len(table) else 0
    return render(
        "dashboard",
        "completion",
        info.title,
        f"{info.timetable.returns_due:%d %B %Y}",
        overdue,
        offline.chart_html(charts.completion_chart(table)),
        htmltable.details(
            "Table of the returns",
            htmltable.html_table(table, COMPLETION, "Returns, overdue first", emphasis="overdue"),
        ),
        f"{m.as_at:%d %B %Y}" if m.as_at != m.today else "",
    )


def first_chart_html(m: DashboardModel) -> str:
    """The completion as the plain output that goes with a page's HTML (see the module),
    with the tables' style, which the page's widgets bring again: its table is drawn the
    same before and after they come."""
    return render("dashboard", "first_chart", htmltable.STYLE, completion_html(m))


FIRST_CHART_GONE = render("dashboard", "first_chart_gone")
"""A style rule hiding the first drawing, once its live twin has taken its place."""


def build(m: DashboardModel, style: ipw.HTML, *, first_shown: bool) -> ipw.VBox:
    """The completion's live section: its chart and table, and their downloads.

    Parameters
    ----------
    m
        The dashboard's model; the section redraws when :data:`REDRAWN_BY` change.
    style
        The page's style widget, to which :data:`FIRST_CHART_GONE` is added when the
        section first draws over a first drawing.
    first_shown
        Whether the page's HTML carried the first drawing (:func:`first_chart_html`): the
        section then stays hidden until the first change.
    """
    drawn = html_widget()
    drawn.add_class("wb-completion")
    export = ExportView(lambda: (m.completion(), COMPLETION, f"completion-{m.cycle}"))
    drawn_for: list[tuple[str, ...]] = []  # the choices last drawn for: a cycle's change
    # can change a filter too (one no longer offered), and each would redraw

    def chosen() -> tuple[str, ...]:
        return tuple(getattr(m, name) for name in REDRAWN_BY)

    def fill(html: str) -> None:
        drawn.value = html

    def failed(exc: BaseException) -> None:
        drawn.value = render(
            "dashboard", "feedback", f"The completion could not be drawn: {exc}", True
        )

    def draw() -> None:
        if drawn_for == [chosen()]:
            return
        drawn_for[:] = [chosen()]
        export.links.value = ""
        if drawn.layout.display == "none":  # the first drawing goes; this takes its place
            style.value += FIRST_CHART_GONE
            drawn.layout.display = None
        later.defer(lambda: completion_html(m), fill, failed)

    if first_shown:
        drawn.layout.display = "none"
        drawn_for.append(chosen())
    else:
        draw()
    m.observe(lambda _: draw(), names=list(REDRAWN_BY))
    return ipw.VBox([drawn, export])
