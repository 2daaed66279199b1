"""The Highlights tab (issue #16): the chair turns the returns' statements into the board's points.

For the heading and kind chosen (the framework's own going-well and development words),
every statement the returns make, one checkbox each, with the agencies that made it; the
ticked ones become a point (one, or one each) that keeps those agencies as its sources.
The chair edits, orders, merges and removes points, writes the key messages,
recommendations and asks, and saves a new revision. A save refused because someone else
saved first says so and keeps every word typed. Only the chair (and administrators) see
the tab at all (:class:`~widgets.dashboard.view.DashboardView`); the model is
:class:`~widgets.dashboard.highlights_model.HighlightsModel`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import ipywidgets as ipw

from widgets.dashboard.common import html_widget, shown
from widgets.dashboard.highlights_model import LISTS, PARTS, HighlightsModel, when
from widgets.dashboard.model import DashboardModel
from widgets.templating import render
from workbook.charts import tables as htmltable

STYLE = {"description_width": "initial"}
WIDE = "95%"
HISTORY = {
    "number": "Revision",
    "author": "Saved by",
    "saved_at": "Saved at",
    "points": "Points",
    "key_messages": "Key messages",
}


def _button(description: str, action: Callable[[], Any], **kwargs: Any) -> ipw.Button:
    button = ipw.Button(description=description, **kwargs)
    button.layout.width = "auto"
    button.on_click(lambda _b: action())
    return button


def _close(box: ipw.Box) -> None:
    """Empty a box and close what it held (their comms too), before it is given new ones."""
    old, box.children = box.children, ()
    for child in old:
        if isinstance(child, ipw.Box):
            _close(child)
        child.close()


def _choose(widget: ipw.Dropdown, options: list[tuple[str, str]], value: str) -> None:
    """New options (only when they differ), then the model's choice among them."""
    if list(widget.options) != options:
        widget.options = options
    if value in [v for _, v in options]:
        widget.value = value


class HighlightsTab:
    """The tab's widgets over one :class:`HighlightsModel`; ``draw`` redraws them."""

    def __init__(self, page: ipw.VBox, m: DashboardModel) -> None:
        self.m = m
        self.model = h = HighlightsModel(m)
        page.add_class("wb-highlights")
        self.intro = html_widget()
        self.heading = ipw.Dropdown(description="Heading to work on", style=STYLE)
        self.part = ipw.Dropdown(description="Statements about", style=STYLE)
        self.statements_intro = html_widget()
        self.statements = ipw.VBox()
        self.ticks: dict[str, ipw.Checkbox] = {}
        self.add_one = _button(
            "Add the ticked statements as one point", lambda: self._add(True), icon="plus"
        )
        self.add_each = _button(
            "Add each ticked statement as its own point", lambda: self._add(False)
        )
        self.points_intro = html_widget()
        self.points = ipw.VBox()
        self.lists = {
            name: ipw.Textarea(
                description=f"{label} (one a line)",
                style=STYLE,
                layout=ipw.Layout(width=WIDE, height="6em"),
            )
            for name, label in LISTS.items()
        }
        for name, area in self.lists.items():
            ipw.link((h, name), (area, "value"))
        self.save = _button(
            "Save the highlights", lambda: h.save(), button_style="primary", icon="check"
        )
        self.feedback = html_widget()
        self.stale_box = ipw.HBox(
            [
                _button("Reload the latest revision (your words are replaced)", h.reload),
                _button(
                    "Save mine as the newest revision (theirs stays in the history)",
                    lambda: h.save(over_newer=True),
                ),
            ],
            layout=ipw.Layout(flex_flow="row wrap", display="none"),
        )
        self.summary, self.history = html_widget(), html_widget()
        self.editor = ipw.VBox(
            [
                ipw.HBox([self.heading, self.part], layout=ipw.Layout(flex_flow="row wrap")),
                self.statements_intro,
                self.statements,
                ipw.HBox([self.add_one, self.add_each], layout=ipw.Layout(flex_flow="row wrap")),
                self.points_intro,
                self.points,
                html_widget(render("highlights", "lists_heading")),
                *self.lists.values(),
                self.save,
                self.feedback,
                self.stale_box,
                self.summary,
                self.history,
            ]
        )
        self.editor.layout.display = "none"  # shown once the identity is known to be the chair
        page.children = [self.intro, self.editor]
        self._shown: tuple[Any, ...] = ()
        self._drawing = False
        # the dropdowns follow the model in ``draw``, once their options are the cycle's
        self.heading.observe(lambda c: self._pick("heading", c["new"]), names="value")
        self.part.observe(lambda c: self._pick("part", c["new"]), names="value")
        h.observe(lambda _: self._choice(), names=["heading", "part"])
        h.observe(lambda _: self._changed(), names="changes")
        h.observe(lambda _: self._feedback(), names=["message", "failed", "stale"])

    # -- the chair's steps ----------------------------------------------------------------

    def _add(self, together: bool) -> None:
        keys = [key for key, tick in self.ticks.items() if tick.value]
        if self.model.add(self.model.part, keys, together=together):
            for tick in self.ticks.values():
                tick.value = False

    def _pick(self, name: str, value: str | None) -> None:
        if value and not self._drawing:
            setattr(self.model, name, value)

    def _feedback(self) -> None:
        h = self.model
        self.feedback.value = render("highlights", "feedback", h.message, h.failed)
        self.stale_box.layout.display = shown(h.stale)
        if not h.failed:
            self._intro()
            self._history()

    # -- drawing --------------------------------------------------------------------------

    def _choice(self) -> None:
        self._draw_statements()
        self._draw_points()

    def _changed(self) -> None:
        self._draw_points()
        self._summary()

    def _draw_statements(self) -> None:
        h, m = self.model, self.m
        found = h.statements(h.part)
        key = (m.cycle, h.heading, h.part, tuple((s.key, s.text, s.sources) for s in found))
        if key == self._shown:
            return
        self._shown = key
        title = dict((i, t) for t, i in h.headings()).get(h.heading, h.heading)
        filtered = bool(m.agency or m.sector)
        self.statements_intro.value = render(
            "highlights", "statements", h.part_label(h.part), title, len(found), filtered
        )
        _close(self.statements)
        self.ticks = {
            s.key: ipw.Checkbox(
                description=f"{s.text} ({', '.join(s.names)})",
                indent=False,
                layout=ipw.Layout(width="auto"),
            )
            for s in found
        }
        self.statements.children = list(self.ticks.values())
        for button in (self.add_one, self.add_each):
            button.layout.display = shown(bool(found))

    def _draw_points(self) -> None:
        h = self.model
        part = h.part
        points = h.points(part)
        title = dict((i, t) for t, i in h.headings()).get(h.heading, h.heading)
        self.points_intro.value = render(
            "highlights", "points_heading", h.part_label(part), title, len(points)
        )
        _close(self.points)
        rows = []
        for index, point in enumerate(points):
            n = index + 1
            text = ipw.Textarea(
                value=point.text,
                description=f"Point {n}",
                style=STYLE,
                layout=ipw.Layout(width=WIDE, height="4em"),
            )
            text.observe(partial(self._edit, part, index), names="value")
            buttons = [
                _button(f"Move point {n} up", partial(h.move, part, index, -1)),
                _button(f"Move point {n} down", partial(h.move, part, index, 1)),
                _button(f"Merge point {n} into point {n - 1}", partial(h.merge_up, part, index)),
                _button(f"Remove point {n}", partial(h.remove, part, index), icon="trash"),
            ]
            buttons[0].layout.display = shown(index > 0)
            buttons[2].layout.display = shown(index > 0)
            buttons[1].layout.display = shown(index < len(points) - 1)
            row = ipw.VBox(
                [
                    text,
                    html_widget(render("highlights", "sources", h.source_names(point))),
                    ipw.HBox(buttons, layout=ipw.Layout(flex_flow="row wrap")),
                ]
            )
            row.add_class("wb-point")
            rows.append(row)
        self.points.children = rows

    def _edit(self, part: str, index: int, change: dict[str, Any]) -> None:
        self.model.edit(part, index, change["new"])
        self._summary()

    def _summary(self) -> None:
        """The whole draft, under every heading."""
        h = self.model
        rows = []
        for title, heading_id in h.headings():
            parts = [
                (h.part_label(part), [(p.text, h.source_names(p)) for p in points])
                for part in PARTS
                if (points := h.points(part, heading_id))
            ]
            if parts:
                rows.append((title, parts))
        self.summary.value = render("highlights", "summary", rows)

    def _history(self) -> None:
        """The revisions saved so far, newest first."""
        self.history.value = htmltable.html_table(
            self.model.history(),
            HISTORY,
            "Saved revisions of the highlights, newest first",
            empty="No revision saved yet.",
        )

    def _intro(self) -> None:
        h = self.model
        saved = h.revision
        self.intro.value = render(
            "highlights",
            "intro",
            self.m.info.title,
            h.may_edit,
            {"number": saved.number, "author": saved.author, "when": when(saved.saved_at)}
            if saved
            else None,
        )

    def draw(self) -> None:
        """Redraw from the model: the cycle or the filters changed."""
        h = self.model
        h.sync()
        self._intro()
        chair = h.may_edit
        self.editor.layout.display = shown(chair)
        if not chair:
            return
        self._drawing = True  # new options must not move the model's choice
        try:
            _choose(self.heading, h.headings(), h.heading)
            _choose(self.part, [(h.part_label(p), p) for p in PARTS], h.part)
        finally:
            self._drawing = False
        self._draw_statements()
        self._draw_points()
        self._summary()
        self._history()


def build(page: ipw.VBox, m: DashboardModel) -> Callable[[], None]:
    """Fill ``page`` with the tab's widgets; return the function that redraws it.

    Parameters
    ----------
    page
        The tab's box.
    m
        The dashboard's model.
    """
    return HighlightsTab(page, m).draw
