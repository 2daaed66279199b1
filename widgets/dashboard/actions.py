"""The Actions tab: the chair's action tracker (issue #15).

Where each of the cycle's actions stands (overdue first), what is overdue, stuck or done
this quarter, and by owner; the chair creates partnership actions, marks the
partnership's top 5 and confirms or challenges each agency's top 3. Members and analysts
read it; the controls are the chair's. Built the first time the tab is opened
(:class:`~widgets.dashboard.view.DashboardView`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as ipw

from widgets.dashboard.columns import TRACKER, TRACKER_OWNERS, TRACKER_STATUS
from widgets.dashboard.common import ExportView, html_widget, shown
from widgets.dashboard.model import DashboardModel
from widgets.dashboard.tracker_model import MARK_CHOICES, TrackerModel
from widgets.templating import render
from workbook.analysis.tracker import (
    done_this_quarter,
    overdue_actions,
    owner_counts,
    status_counts,
    stuck_actions,
)
from workbook.charts import tables as htmltable

STYLE = {"description_width": "initial"}
WIDE = "95%"
"""The width of the tracker's inputs. Each input gets a layout of its own: a widget made
when the module is imported would be made in a kernel template, with no kernel to tell
the front end of it (widgets/forkserver/)."""


def _create_box(tracker: TrackerModel, redraw: Callable[[], None]) -> tuple[ipw.VBox, Any]:
    """The chair's form for a new partnership action; returns it and its two lists."""
    text = ipw.Textarea(description="What will be done", style=STYLE, layout=ipw.Layout(width=WIDE))
    owner = ipw.Text(
        description="Owner (a role, not a name)", style=STYLE, layout=ipw.Layout(width=WIDE)
    )
    due = ipw.DatePicker(description="Due date", style=STYLE)
    criteria = ipw.SelectMultiple(
        description="Criteria it answers", style=STYLE, layout=ipw.Layout(width=WIDE)
    )
    involves = ipw.SelectMultiple(
        description="Agencies it involves", style=STYLE, layout=ipw.Layout(width=WIDE)
    )
    create = ipw.Button(description="Create the partnership action", button_style="primary")
    create.layout.width = "auto"

    def go(_: Any) -> None:
        chosen = (tuple(criteria.value), tuple(involves.value))
        if tracker.create(text.value, owner.value, due.value, *chosen):
            text.value = owner.value = ""
            redraw()

    create.on_click(go)
    heading = html_widget(render("dashboard", "tracker_create"))
    box = ipw.VBox([heading, text, owner, due, criteria, involves, create])
    return box, (criteria, involves)


def _mark_box(tracker: TrackerModel, redraw: Callable[[], None]) -> tuple[ipw.VBox, Any]:
    """The chair's top-5 and top-3 marks; returns it and its action list."""
    action = ipw.Dropdown(description="Action", style=STYLE, layout=ipw.Layout(width=WIDE))
    choice = ipw.Dropdown(
        description="Mark", options=MARK_CHOICES, style=STYLE, layout=ipw.Layout(width=WIDE)
    )
    comment = ipw.Text(
        description="Comment (kept with the mark)", style=STYLE, layout=ipw.Layout(width=WIDE)
    )
    record = ipw.Button(description="Record the mark", button_style="primary")
    record.layout.width = "auto"

    def go(_: Any) -> None:
        if action.value and tracker.mark(action.value, choice.value, comment.value):
            comment.value = ""
            redraw()

    record.on_click(go)
    heading = html_widget(render("dashboard", "tracker_marks"))
    return ipw.VBox([heading, action, choice, comment, record]), action


def build(page: ipw.VBox, m: DashboardModel) -> Callable[[], None]:
    """Fill ``page`` with the tab's widgets; return the function that redraws it."""
    tracker = TrackerModel(m)
    intro, counts, overdue, stuck, done, owners, every = (html_widget() for _ in range(7))
    export = ExportView(lambda: (tracker.table(), TRACKER, f"actions-{m.cycle}"))
    boxes: list[Any] = []

    def draw() -> None:
        table = tracker.table()
        intro.value = render("dashboard", "tracker_intro", tracker.summary(), tracker.may_chair)
        counts.value = htmltable.html_table(
            status_counts(table), TRACKER_STATUS, "Actions by status"
        )
        overdue.value = htmltable.html_table(
            overdue_actions(table), TRACKER, "Overdue actions", empty="None overdue."
        )
        stuck.value = htmltable.html_table(
            stuck_actions(table),
            TRACKER,
            "Stuck: no progress noted for 90 days or more",
            empty="None stuck.",
        )
        done.value = htmltable.html_table(
            done_this_quarter(table, m.today),
            TRACKER,
            "Done this quarter",
            empty="None done this quarter yet.",
        )
        owners.value = htmltable.html_table(owner_counts(table), TRACKER_OWNERS, "By owner")
        every.value = htmltable.html_table(
            table, TRACKER, "Every action, overdue first", emphasis="overdue", limit=300
        )
        for box in boxes:
            box.layout.display = shown(tracker.may_chair)
        criteria.options = tracker.criteria_options()
        involves.options = tracker.agency_options()
        action.options = tracker.action_options()
        export.links.value = ""

    create_box, (criteria, involves) = _create_box(tracker, draw)
    mark_box, action = _mark_box(tracker, draw)
    boxes += [create_box, mark_box]
    for box in boxes:  # hidden from the start, so no member ever sees them flash
        box.layout.display = shown(tracker.may_chair)
    page.add_class("wb-tracker")
    page.children = [
        html_widget(render("dashboard", "heading", "Actions")),
        intro,
        counts,
        overdue,
        stuck,
        done,
        owners,
        every,
        export,
        mark_box,
        create_box,
    ]
    return draw
