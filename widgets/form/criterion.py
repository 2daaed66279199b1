"""One criterion of a return: its model (answer state) and view (labelled inputs).

``CriterionModel`` holds what the user sees for one criterion and counts their edits in
``edits``; the form model listens to that and turns the criterion into an
:class:`~workbook.schema.responses.Answer`. Loading a saved answer (:meth:`CriterionModel.show`)
is not an edit. ``CriterionView`` only builds labelled widgets and links them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import ipywidgets as ipw
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle
from traitlets import Bool, Instance, Int, List, Unicode, observe

from widgets.base import Model, View
from widgets.templating import render
from workbook.evidence.lines import Line
from workbook.schema.actions import new_action_id
from workbook.schema.framework import Criterion, Framework, ResponseField
from workbook.schema.responses import NA_REASON_LABEL, NOT_APPLICABLE, Action, Answer

ANCHOR_PREFIX = "wb-crit-"
TEXT_FIELDS = (ResponseField.EVIDENCE, ResponseField.GOING_WELL, ResponseField.DEVELOPMENT)


def anchor(criterion_id: str) -> str:
    """The page id of a criterion's title, for links such as the list of missing items."""
    return ANCHOR_PREFIX + criterion_id


class ActionModel(Model):
    """One action: what will be done, who owns it and by when.

    ``action_id`` is the tracked action it is (issue #15): a saved action keeps its own,
    and a row added on the page gets a new one at once, so every save of the page names
    the same action however its words change.
    """

    text = Unicode("")
    owner = Unicode("")
    due = Instance(dt.date, allow_none=True)
    action_id = Unicode(None, allow_none=True)

    @classmethod
    def of(cls, action: Action) -> ActionModel:
        """A model showing a saved action."""
        return cls(text=action.text, owner=action.owner, due=action.due, action_id=action.id)

    @property
    def is_blank(self) -> bool:
        """True for a row nothing has been typed in (not saved)."""
        return not (self.text.strip() or self.owner.strip() or self.due)

    def action(self) -> Action:
        """The action as saved (text as typed)."""
        return Action(text=self.text, owner=self.owner, due=self.due, id=self.action_id)


class CriterionModel(Model):
    """The answer to one criterion as the user sees it.

    Parameters
    ----------
    framework
        The framework the criterion belongs to (its scale and field labels).
    criterion
        The criterion answered.
    label
        Short name users see, e.g. "Prevent 2".
    lines
        The data and audit findings on the criterion for this agency, shown read-only
        beside the rating so it is given with the evidence in view (issue #14).
    """

    rating = Unicode(None, allow_none=True)
    evidence = Unicode("")
    going_well = Unicode("")
    development = Unicode("")
    actions = List(Instance(ActionModel))
    carried_forward = Bool(False)
    not_applicable = Bool(False, help="The agency says it does not apply (issue #16).")
    na_reason = Unicode("", help="Why not; kept while unticked, saved only while ticked.")
    read_only = Bool(False)
    edits = Int(0, help="Incremented on every change the user makes.")
    note = Unicode("", help="A note for this page's partnership only (issue #17).")
    note_label = Unicode("", help="Its label; empty when the return is not shared.")

    def __init__(
        self,
        framework: Framework,
        criterion: Criterion,
        label: str,
        lines: Sequence[Line] = (),
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.framework = framework
        self.criterion = criterion
        self.label = label
        self.lines = tuple(lines)
        self.asked = framework.fields_for(criterion)
        self._loading = False

    @property
    def id(self) -> str:
        """The criterion id."""
        return self.criterion.id

    def show(self, answer: Answer) -> None:
        """Display a saved (or carried) answer; this is not an edit."""
        self._loading = True
        try:
            self.rating = answer.rating
            self.evidence = answer.evidence
            self.going_well = answer.going_well
            self.development = answer.development
            self.actions = [self._watched(ActionModel.of(a)) for a in answer.actions]
            self.carried_forward = answer.carried_forward
            self.not_applicable = answer.not_applicable
            self.na_reason = answer.na_reason
        finally:
            self._loading = False

    def show_fields(self, **values: Any) -> None:
        """Display some fields of a saved answer, leaving the others as typed; not an edit.

        A merge (issue #7) takes in the fields only someone else changed this way.
        """
        self._loading = True
        try:
            for name, value in values.items():
                if name == "actions":
                    self.actions = [self._watched(ActionModel.of(a)) for a in value]
                else:
                    setattr(self, name, value)
        finally:
            self._loading = False

    def answer(self) -> Answer:
        """The answer as it would be saved; blank action rows are left out.

        Raises pydantic's ``ValidationError`` when a text is longer than the store takes.
        """
        return Answer(
            rating=self.rating,
            evidence=self.evidence,
            going_well=self.going_well,
            development=self.development,
            actions=tuple(a.action() for a in self.actions if not a.is_blank),
            carried_forward=self.carried_forward,
            not_applicable=self.not_applicable,
            na_reason=self.na_reason if self.not_applicable else "",
        )

    def set_actions(self, actions: Sequence[Action]) -> None:
        """Replace the actions, as an edit."""
        for old in self.actions:
            old.unobserve(self._action_changed)
        self.actions = [self._watched(ActionModel.of(a)) for a in actions]

    def add_action(self) -> None:
        """Add an empty action row."""
        if not self.read_only:
            added = ActionModel(action_id=new_action_id())
            self.actions = [*self.actions, self._watched(added)]

    def remove_action(self, index: int) -> None:
        """Remove the action at ``index`` (0-based)."""
        if not self.read_only and 0 <= index < len(self.actions):
            self.actions[index].unobserve(self._action_changed)
            self.actions = self.actions[:index] + self.actions[index + 1 :]

    def _watched(self, action: ActionModel) -> ActionModel:
        action.observe(self._action_changed, names=["text", "owner", "due"])
        return action

    def _action_changed(self, _change: dict[str, Any]) -> None:
        self._edited()

    @observe("rating", "evidence", "going_well", "development", "actions", "not_applicable")
    def _field_changed(self, change: dict[str, Any]) -> None:
        # a rating and "not applicable" exclude each other: choosing one clears the other,
        # so no save ever holds both (check_answers refuses that, issue #16)
        if not self._loading and change["name"] == "rating" and change["new"] is not None:
            self.not_applicable = False
        if not self._loading and change["name"] == "not_applicable" and change["new"]:
            self.rating = None
        self._edited()

    def show_note(self, note: str) -> None:
        """Display the saved note for this partnership; not an edit."""
        self._loading = True
        try:
            self.note = note
        finally:
            self._loading = False

    @observe("note")
    def _note_changed(self, _change: dict[str, Any]) -> None:
        if not self._loading:  # not part of the answer: the answer is not carried or changed
            self.edits += 1

    @observe("na_reason")
    def _reason_changed(self, _change: dict[str, Any]) -> None:
        if self.not_applicable:  # typed while unticked, it is not part of the answer
            self._edited()

    def _edited(self) -> None:
        if self._loading:
            return
        self.carried_forward = False  # edited, so it is this cycle's answer now
        self.edits += 1


def _criterion_html(model: CriterionModel) -> str:
    criterion = model.criterion
    asks_evidence = ResponseField.EVIDENCE in model.asked
    return render(
        "criterion",
        "header",
        anchor(criterion.id),
        model.label,
        criterion,
        asks_evidence,
        model.lines,
    )


def _level_text(framework: Framework, key: str | None) -> str:
    return render("criterion", "level", None if key is None else framework.scale.level(key))


class Look:
    """Layouts and styles shared by many widgets, so a big form sends fewer models."""

    def __init__(self) -> None:
        self.full = ipw.Layout(width="100%")
        # label above its input, as wide as the form
        self.stacked = ipw.Layout(width="100%", flex_flow="column", align_items="stretch")
        self.row = ipw.Layout(flex_flow="row wrap", align_items="flex-end", width="100%")
        self.auto = ipw.Layout(width="auto")
        self.text_style = TextStyle(description_width="initial")
        self.description_style = DescriptionStyle(description_width="initial")
        self.button_style = ipw.ButtonStyle()
        self.html_style = HTMLStyle()
        self.checkbox_style = CheckboxStyle(description_width="initial")

    def html(self, value: str = "") -> ipw.HTML:
        """An HTML widget with the shared layout and style."""
        return ipw.HTML(value, layout=self.full, style=self.html_style)

    def button(self, description: str = "") -> ipw.Button:
        """A button as wide as its words, with the shared layout and style."""
        return ipw.Button(description=description, layout=self.auto, style=self.button_style)


class ActionsView(View[CriterionModel]):
    """Editable list of a criterion's actions: text, owner and due date, add and remove."""

    def __init__(self, model: CriterionModel, look: Look, **kwargs: Any) -> None:
        self.look = look
        super().__init__(model, layout=look.full, **kwargs)

    def render(self) -> None:
        m = self.model
        title = m.framework.label(ResponseField.ACTIONS)
        self.heading = self.look.html(render("criterion", "field_title", title))
        self.rows = ipw.VBox(layout=self.look.full)
        self.add = self.look.button(f"Add an action to {m.label}")
        self.add.on_click(lambda _b: m.add_action())
        ipw.dlink((m, "read_only"), (self.add, "disabled"))
        m.observe(self._draw_rows, names="actions")
        self._draw_rows()
        self.children = [self.heading, self.rows, self.add]

    def _draw_rows(self, _change: object = None) -> None:
        rows = [self._row(number, action) for number, action in enumerate(self.model.actions, 1)]
        self.rows.children = rows or [self.look.html(render("criterion", "no_actions"))]

    def _row(self, number: int, action: ActionModel) -> ipw.Widget:
        look, m = self.look, self.model
        text = ipw.Textarea(
            description=f"Action {number}", layout=look.stacked, style=look.text_style, rows=2
        )
        owner = ipw.Text(
            description=f"Action {number} owner", layout=look.auto, style=look.text_style
        )
        due = ipw.DatePicker(
            description=f"Action {number} due date",
            layout=look.auto,
            style=look.description_style,
        )
        remove = look.button(f"Remove action {number}")
        remove.on_click(lambda _b, index=number - 1: m.remove_action(index))
        for widget, name in ((text, "text"), (owner, "owner"), (due, "due")):
            ipw.link((action, name), (widget, "value"))
        for widget in (text, owner, due, remove):
            ipw.dlink((m, "read_only"), (widget, "disabled"))
        return ipw.VBox(
            [text, ipw.HBox([owner, due, remove], layout=look.row)],
            layout=look.full,
        )


class CriterionView(View[CriterionModel]):
    """The labelled inputs for one criterion; built when its heading is first opened."""

    def __init__(self, model: CriterionModel, look: Look, **kwargs: Any) -> None:
        self.look = look
        super().__init__(model, layout=look.full, **kwargs)

    def render(self) -> None:
        m, look = self.model, self.look
        self.add_class("wb-criterion")
        self.add_class(f"wb-c-{m.id}")  # lets tests and styles find one criterion
        children: list[ipw.Widget] = [look.html(_criterion_html(m))]
        self.carried = look.html()
        ipw.dlink(
            (m, "carried_forward"),
            (self.carried, "value"),
            lambda c: render("criterion", "carried", c),
        )
        children.append(self.carried)
        self.inputs: dict[str, ipw.Widget] = {}
        if ResponseField.RATING in m.asked:
            scale = m.framework.scale
            rating = ipw.RadioButtons(
                options=[(level.label, level.key) for level in scale.levels],
                value=None,
                description=f"{m.framework.label(ResponseField.RATING)} for {m.label}",
                layout=look.stacked,
                style=look.description_style,
            )
            self.level = look.html()
            ipw.link((m, "rating"), (rating, "value"))
            ipw.dlink((m, "rating"), (self.level, "value"), lambda k: _level_text(m.framework, k))
            self.inputs["rating"] = rating
            children += [rating, self.level, *self._not_applicable()]
        for field in TEXT_FIELDS:
            if field in m.asked:
                box = ipw.Textarea(
                    description=m.framework.label(field),
                    layout=look.stacked,
                    style=look.text_style,
                    rows=3,
                )
                ipw.link((m, field.value), (box, "value"))
                self.inputs[field.value] = box
                children.append(box)
        for widget in self.inputs.values():
            ipw.dlink((m, "read_only"), (widget, "disabled"))
        if m.note_label:  # a shared return: what only this partnership reads (#17)
            note = ipw.Textarea(
                description=m.note_label, layout=look.stacked, style=look.text_style, rows=2
            )
            note.add_class("wb-note")
            ipw.link((m, "note"), (note, "value"))
            self.inputs["note"] = note
            ipw.dlink((m, "read_only"), (note, "disabled"))
            children.append(note)
        if ResponseField.ACTIONS in m.asked:
            self.actions = ActionsView(m, look)
            children.append(self.actions)
        self.children = children

    def _not_applicable(self) -> list[ipw.Widget]:
        """The "Not applicable" tick box, and the reason it asks for only while ticked."""
        m, look = self.model, self.look
        box = ipw.Checkbox(
            description=f"{NOT_APPLICABLE}: {m.label} does not apply to our agency",
            indent=False,
            layout=look.auto,
            style=look.checkbox_style,
        )
        box.add_class("wb-na")
        reason = ipw.Textarea(
            description=f"{NA_REASON_LABEL} (needed to submit)",
            layout=ipw.Layout(width="100%", flex_flow="column", align_items="stretch"),
            style=look.text_style,
            rows=2,
        )
        ipw.link((m, "not_applicable"), (box, "value"))
        ipw.link((m, "na_reason"), (reason, "value"))
        ipw.dlink(
            (m, "not_applicable"), (reason.layout, "display"), lambda on: "" if on else "none"
        )
        self.inputs["not_applicable"], self.inputs["na_reason"] = box, reason
        return [box, reason]
