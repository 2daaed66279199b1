"""The actions tab: every action, overdue first; the chair marks the top priorities.

Each tab is built the first time it is opened (:class:`~widgets.dashboard.view.DashboardView`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as ipw
import pandas as pd

from widgets.dashboard.columns import ACTIONS
from widgets.dashboard.common import ExportView, html_widget, shown
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
    pick = ipw.Select(description="Action", rows=6, layout=ipw.Layout(width="95%"))
    pick.style.description_width = "initial"
    buttons = {
        ("partnership", True): ipw.Button(description="Mark as partnership top 5"),
        ("agency", True): ipw.Button(description="Mark as agency top 3"),
        ("partnership", False): ipw.Button(description="Unmark partnership top 5"),
        ("agency", False): ipw.Button(description="Unmark agency top 3"),
    }
    table = html_widget()
    export = ExportView(lambda: (m.actions(), ACTIONS, f"actions-{m.cycle}"))
    rows: list[pd.DataFrame] = [pd.DataFrame()]
    page.children = [
        html_widget(render("dashboard", "heading", "Actions")),
        table,
        pick,
        ipw.HBox(list(buttons.values()), layout=ipw.Layout(flex_flow="row wrap")),
        export,
    ]

    def press(scope: str, marked: bool) -> Callable[[Any], None]:
        def go(_: Any) -> None:
            if pick.value is not None:
                m.mark(rows[0].iloc[pick.value].to_dict(), scope, marked)

        return go

    for (scope, marked), button in buttons.items():
        button.layout.width = "auto"
        button.on_click(press(scope, marked))

    def draw() -> None:
        chair = m.may_moderate
        pick.layout.display = shown(chair)
        for button in buttons.values():
            button.layout.display = shown(chair)
        actions = m.actions()
        rows[0] = actions
        table.value = htmltable.html_table(
            actions, ACTIONS, "Actions, overdue first", emphasis="overdue", limit=300
        )
        pick.options = [
            (f"{r.agency}: {r.action[:80]} ({r.criterion_id}, {r.status})", i)
            for i, r in enumerate(actions.itertuples())
        ]
        export.links.value = ""

    return draw
