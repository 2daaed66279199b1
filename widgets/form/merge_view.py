"""The merge panel (issue #7): both values side by side, a decision for each, then save.

:class:`MergeView` draws the form's :class:`~widgets.form.merge_model.MergeModel` under the
form's bar while a merge is pending or just done.

Accessibility: every state is told in words (never by colour); decisions are ordinary
buttons whose text names the criterion and field; after each decision focus moves to the
next undecided one, then to "Save the merged return".
"""

from __future__ import annotations

from typing import Any

import ipywidgets as ipw

from widgets.base import View
from widgets.form.criterion import Look
from widgets.form.merge_model import DECIDING, LOCKED, MERGED, MergeModel
from widgets.form.model import FormModel
from widgets.templating import render
from workbook.merge import Side

FOCUS_DELAY = 0.5
"""Seconds before focusing a widget just sent to the browser (it has no view until then)."""


class MergeView(View[FormModel]):
    """The panel under the form's bar while a merge is pending or just done.

    Parameters
    ----------
    model
        The form.
    look
        Shared layouts and styles.
    focus_after
        Where focus goes when the note is closed (the form's "Save now").
    """

    def __init__(
        self,
        model: FormModel,
        look: Look,
        focus_after: ipw.Button | None = None,
        **kwargs: Any,
    ) -> None:
        self.look = look
        self.focus_after = focus_after
        self.merge: MergeModel | None = None
        super().__init__(model, layout=ipw.Layout(width="100%", display="none"), **kwargs)

    def render(self) -> None:
        self.add_class("wb-merge")
        self.buttons: dict[str, tuple[ipw.Button, ipw.Button]] = {}
        self.decisions: dict[str, ipw.HTML] = {}
        self.model.observe(self._draw, names="merge")
        self._draw()

    def _focus_soon(self, widget: ipw.DOMWidget) -> None:
        # a widget sent to the browser a moment ago has no view yet to take the focus
        self.model.autosave.schedule(FOCUS_DELAY, widget.focus)

    def _draw(self, change: dict[str, Any] | None = None) -> None:
        if self.merge is not None:
            self.merge.unobserve(self._draw_state, names="state")
            self.merge.unobserve(self._show_choices, names="choices")
        self.merge = merge = self.model.merge
        if merge is None:
            self.children: list[ipw.Widget] = []
            self.layout.display = "none"
            if change is not None and self.focus_after is not None:
                self.focus_after.focus()
            return
        merge.observe(self._draw_state, names="state")
        merge.observe(self._show_choices, names="choices")
        self._draw_state()

    def _draw_state(self, _change: object = None) -> None:
        merge, look = self.merge, self.look
        assert merge is not None
        self.layout.display = None
        self.buttons, self.decisions = {}, {}
        head = look.html(render("merge", "head", merge.title, merge.summary))
        if merge.state == LOCKED:
            self.copy_box = ipw.Textarea(
                merge.copy_text,
                description="Your changes that were not saved, to copy",
                rows=min(12, merge.copy_text.count("\n") + 2),
                layout=look.stacked,
                style=look.text_style,
            )
            self.show_theirs = look.button("Show the submitted return")
            self.show_theirs.on_click(lambda _b: self.model.load())
            self.children = [head, self.copy_box, self.show_theirs]
            self._focus_soon(self.copy_box)
        elif merge.state == MERGED:
            self.close_button = look.button("Close this note")
            self.close_button.on_click(lambda _b: setattr(self.model, "merge", None))
            self.children = [head, self.close_button]
            self._focus_soon(self.close_button)
        else:
            self.children = [head, *self._deciding(merge)]
            first = next(iter(self.buttons.values()), None)
            if first is not None:
                self._focus_soon(first[0])

    def _deciding(self, merge: MergeModel) -> list[ipw.Widget]:
        look = self.look
        self.left = look.html()
        self.keep_all = look.button("Keep all mine")
        self.keep_all.on_click(lambda _b: self._decide_all("mine"))
        self.use_all = look.button("Use all theirs")
        self.use_all.on_click(lambda _b: self._decide_all("theirs"))
        items: list[ipw.Widget] = []
        for entry in merge.entries:
            key, title = entry["key"], entry["title"]
            keep = look.button(f"Keep mine ({title})")
            use = look.button(f"Use theirs ({title})")
            keep.on_click(lambda _b, key=key: self._decide(key, "mine"))
            use.on_click(lambda _b, key=key: self._decide(key, "theirs"))
            self.buttons[key] = (keep, use)
            self.decisions[key] = look.html()
            item = ipw.VBox(
                [
                    look.html(render("merge", "values", entry)),
                    self.decisions[key],
                    ipw.HBox([keep, use], layout=look.row),
                ],
                layout=look.full,
            )
            item.add_class("wb-merge-item")
            item.add_class(f"wb-merge-{key.replace('/', '-')}")  # lets tests find one
            items.append(item)
        self.save_button = look.button("Save the merged return")
        self.save_button.on_click(lambda _b: self.model.save_merged())
        self._show_choices()
        return [
            self.left,
            ipw.HBox([self.keep_all, self.use_all], layout=look.row),
            *items,
            self.save_button,
        ]

    def _show_choices(self, _change: object = None) -> None:
        merge = self.merge
        if merge is None or merge.state != DECIDING:
            return
        for key, html in self.decisions.items():
            html.value = render("merge", "decision", merge.choices.get(key))
        total = len(merge.conflicts)
        self.left.value = render("merge", "left", merge.undecided, total)

    def _decide(self, key: str, side: Side) -> None:
        merge = self.merge
        if merge is None:
            return
        criterion_id, name = key.split("/", 1)
        merge.choose(criterion_id, name, side)
        keys = list(self.buttons)
        after = keys[keys.index(key) + 1 :] + keys[: keys.index(key)]
        following = [k for k in after if k not in merge.choices]
        (self.buttons[following[0]][0] if following else self.save_button).focus()

    def _decide_all(self, side: Side) -> None:
        if self.merge is not None:
            self.merge.choose_all(side)
            self.save_button.focus()
