"""The agency's tracked actions on the form: progress, status and top 3 all year (issue #15).

An action written in a return is followed until it is done or dropped, and that happens
between returns as much as inside one. So this section does not follow the return's
``read_only``: a submitted return still shows controls to its agency's members. It is
hidden only while no return is open, and shows the table without controls to whoever
may read but not change the agency's actions (an analyst). The store decides who may
change what; every refusal comes back here as words, never as an exception on the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as ipw
from traitlets import Bool, List, Unicode, observe

from widgets.base import Model, View
from widgets.form.messages import LOCAL_TIME, TRACKED
from widgets.templating import render
from workbook.errors import AccessDenied, ActionError, StorageError
from workbook.schema.actions import (
    MAX_NOTE,
    STUCK_DAYS,
    ActionChange,
    ActionStatus,
    TopMark,
    TopScope,
    TopState,
    TrackedAction,
)

if TYPE_CHECKING:
    from widgets.form.criterion import Look
    from workbook.store import Store

OPTION_TEXT = 60
"""How much of an action's words its 'Action' option shows after the id."""
REFUSED = (ActionError, StorageError, AccessDenied)
"""What the store raises instead of doing something; StoreUnavailable is a StorageError."""
TOP_WORDS = {
    TopState.NOMINATED: "Nominated",
    TopState.CONFIRMED: "Confirmed by the chair",
    TopState.CHALLENGED: "Challenged by the chair",
}


def day(moment: dt.date | dt.datetime | None, none: str) -> str:
    """A date as people write it ("30 Sep 2020"); a time as its UK day; ``none`` if None."""
    if moment is None:
        return none
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(LOCAL_TIME).date()
    return f"{moment.day} {moment:%b %Y}"


def option_label(action: TrackedAction) -> str:
    """How the 'Action' list names an action: its id, then the start of its words."""
    words = " ".join(action.text.split())
    if len(words) > OPTION_TEXT:
        words = words[: OPTION_TEXT - 1].rstrip() + "…"
    return f"{action.id}: {words}"


def progress_words(action: TrackedAction, today: dt.date) -> str:
    """Overdue or stuck in words, so neither is told by colour or an icon alone."""
    if action.status.finished:
        return "Finished"
    said = []
    if action.overdue(today):
        said.append("overdue")
    if action.stuck(today):
        said.append(f"stuck: no progress noted for {STUCK_DAYS} days or more")
    return "; ".join(said).capitalize() or "Neither"


def top_words(mark: TopMark | None) -> str:
    """An action's place in its agency's top 3, with the chair's comment on a challenge."""
    if mark is None:
        return "Not nominated"
    words = TOP_WORDS.get(mark.state, mark.state.label)
    return f"{words}: {mark.comment}" if mark.comment else words


class TrackedActionsModel(Model):
    """One agency's tracked actions in one cycle, and the change its member is making.

    Parameters
    ----------
    store
        The store, acting for whoever opened the page.
    today
        Today's date, for overdue and stuck (tests fix it).
    """

    shown = Bool(False, help="A return is open, so there is an agency and a cycle.")
    may_change = Bool(False, help="The identity may change this agency's actions.")
    agency_name = Unicode("")
    rows: List[dict[str, str]] = List(help="The table's rows, in words (see the template).")
    options: List[tuple[str, str]] = List(help="(label, action id) for the 'Action' list.")
    chosen = Unicode(None, allow_none=True, help="The action being changed.")
    status = Unicode(ActionStatus.OPEN.value, help="The status to record, by its key.")
    note = Unicode("", help="A progress note to add.")
    reason = Unicode("", help="Why the action is dropped (asked only then).")
    in_top = Bool(False, help="The chosen action takes one of the agency's top 3 places.")
    failed = Bool(False, help="The message is a refusal (announced at once).")
    author = Unicode("", help="Who records, when the identity may name them (local use).")

    def __init__(
        self, store: Store, *, today: Callable[[], dt.date] = dt.date.today, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.today = today
        self.cycle_id = ""
        self.agency_id = ""
        self.actions: dict[str, TrackedAction] = {}
        self.marks: dict[str, TopMark] = {}

    # -- reading -------------------------------------------------------------------------

    def show(self, cycle_id: str, agency_id: str) -> None:
        """Show ``agency_id``'s actions in ``cycle_id`` (a return was opened or saved)."""
        if (cycle_id, agency_id) != (self.cycle_id, self.agency_id):
            self.note = self.reason = ""
            self.message = ""
        self.cycle_id, self.agency_id = cycle_id, agency_id
        self.shown = bool(cycle_id and agency_id)
        self.reload()

    def reload(self) -> bool:
        """Read the actions and their top-3 marks again; the inputs typed are kept."""
        if not self.shown:
            return False
        identity = self.store.identity
        try:
            info = self.store.cycle(self.cycle_id)
            self.agency_name = self.store.agency(self.agency_id).name
            found = [a for a in self.store.actions.find(self.cycle_id) if self._ours(a)]
            marks = self.store.actions.marks(self.cycle_id)
        except REFUSED as exc:
            self._tell(TRACKED["unreadable"].format(error=exc), failed=True)
            return False
        self.may_change = identity.can_change_action(
            ((info.partnership_id, self.cycle_id),), self.agency_id
        )
        today = self.today()
        found.sort(key=lambda a: (a.status.finished, a.due or dt.date.max, a.id))
        before = self.actions.get(self.chosen or "")
        self.actions = {a.id: a for a in found}
        self.marks = {m.action_id: m for m in marks if m.scope is TopScope.AGENCY}
        self.rows = [self._row(a, today) for a in found]
        self.options = [(option_label(a), a.id) for a in found]
        now = self.actions.get(self.chosen or "")
        if now is None:
            self.chosen = found[0].id if found else None
        elif before is None or before.revision != now.revision:
            self._chosen_changed()  # changed meanwhile: its inputs start from where it is
        else:  # unchanged: a status being chosen is not undone by the return's autosave
            self.in_top = now.id in self.marks
        return True

    def _ours(self, action: TrackedAction) -> bool:
        return action.agency_id == self.agency_id

    def _row(self, action: TrackedAction, today: dt.date) -> dict[str, str]:
        return {
            "id": action.id,
            "text": action.text,
            "owner": action.owner or "Not named",
            "due": day(action.due, "No date"),
            "status": action.status.label,
            "reason": action.reason if action.status is ActionStatus.DROPPED else "",
            "progress": progress_words(action, today),
            "last_note": day(action.last_note_at, "None yet"),
            "top": top_words(self.marks.get(action.id)),
        }

    @observe("chosen")
    def _chosen_changed(self, _change: object = None) -> None:
        action = self.actions.get(self.chosen or "")
        self.in_top = action is not None and action.id in self.marks
        if action is not None:
            self.status = action.status.value
            self.reason = action.reason

    # -- changing ------------------------------------------------------------------------

    def record(self) -> bool:
        """Record the chosen status and progress note as a new revision of the action."""
        action = self.actions.get(self.chosen or "")
        if action is None:
            return self._tell(TRACKED["choose"], failed=True)
        status = ActionStatus(self.status)
        note, reason = self.note.strip(), self.reason.strip()
        for what, text in (("progress note", note), ("reason", reason)):
            if len(text) > MAX_NOTE:
                error = ActionError("too_long", what=what, length=len(text), limit=MAX_NOTE)
                return self._tell(TRACKED["not_recorded"].format(error=error), failed=True)
        new_status = status is not action.status or (
            status is ActionStatus.DROPPED and reason != action.reason
        )
        if not (new_status or note):
            return self._tell(TRACKED["nothing"].format(action=action.id), failed=True)
        change = ActionChange(
            status=status if new_status else None,
            reason=reason if new_status and status is ActionStatus.DROPPED else None,
            note=note,
        )
        try:
            after = self.store.actions.update(
                action.id, change, based_on=action.revision, author=self.author.strip() or None
            )
        except REFUSED as exc:
            self.reload()  # show where it stands now; what was typed stays to try again
            return self._tell(TRACKED["not_recorded"].format(error=exc), failed=True)
        self.note = ""
        self.reload()
        if after.revision == action.revision:
            unchanged = TRACKED["unchanged"].format(action=action.id, status=after.status.label)
            return self._tell(unchanged)
        said = [f"status {after.status.label}"] * new_status + ["a progress note"] * bool(note)
        text = TRACKED["recorded"].format(
            action=action.id, what=" and ".join(said), revision=after.revision
        )
        self._tell(text)
        return True

    def nominate(self) -> bool:
        """Nominate the chosen action for the agency's top 3 (the chair then confirms it)."""
        action = self.actions.get(self.chosen or "")
        if action is None:
            return self._tell(TRACKED["choose"], failed=True)
        mark = self.marks.get(action.id)
        if mark is not None:
            state = top_words(mark).split(":")[0].lower()
            text = TRACKED["already_top"].format(
                action=action.id, agency=self.agency_name, state=state
            )
            return self._tell(text, failed=True)
        if not self._mark(action, TopState.NOMINATED, "not_nominated"):
            return False
        count = sum(1 for m in self.marks.values() if m.state.counts)
        text = TRACKED["nominated"].format(action=action.id, agency=self.agency_name, count=count)
        self._tell(text)
        return True

    def withdraw(self) -> bool:
        """Take the chosen action off the agency's top 3."""
        action = self.actions.get(self.chosen or "")
        if action is None:
            return self._tell(TRACKED["choose"], failed=True)
        if action.id not in self.marks:
            text = TRACKED["not_top"].format(action=action.id, agency=self.agency_name)
            return self._tell(text, failed=True)
        if not self._mark(action, TopState.REMOVED, "not_withdrawn"):
            return False
        self._tell(TRACKED["withdrawn"].format(action=action.id, agency=self.agency_name))
        return True

    def _mark(self, action: TrackedAction, state: TopState, refused: str) -> bool:
        try:
            self.store.actions.mark(
                self.cycle_id,
                action.id,
                TopScope.AGENCY,
                state,
                author=self.author.strip() or None,
            )
        except REFUSED as exc:
            self.reload()
            return self._tell(TRACKED[refused].format(error=exc), failed=True)
        self.reload()
        return True

    def _tell(self, text: str, *, failed: bool = False) -> bool:
        """Say ``text``; False, so a refusal can be said and returned in one line."""
        self.failed = failed
        self.message = text
        return False


class TrackedActionsView(View[TrackedActionsModel]):
    """The section: the table of actions, then labelled controls, then the outcome in words."""

    def __init__(self, model: TrackedActionsModel, look: Look, **kwargs: Any) -> None:
        self.look = look
        self._syncing = False
        super().__init__(model, layout=ipw.Layout(width="100%"), **kwargs)

    def render(self) -> None:
        m, look = self.model, self.look
        self.add_class("wb-tracked-actions")
        self.intro = look.html()
        self.table = look.html()
        m.observe(self._draw_table, names=["rows", "agency_name"])
        self.action = ipw.Dropdown(
            description="Action",
            options=[],
            value=None,
            layout=look.full,
            style=look.description_style,
        )
        self.action.observe(self._action_picked, names="value")
        m.observe(self._draw_options, names=["options", "chosen"])
        self.status = ipw.Dropdown(
            description="Status",
            options=[(s.label, s.value) for s in ActionStatus],
            layout=look.auto,
            style=look.description_style,
        )
        ipw.link((m, "status"), (self.status, "value"))
        self.note = ipw.Textarea(
            description="Progress note", layout=look.stacked, style=look.text_style, rows=3
        )
        ipw.link((m, "note"), (self.note, "value"))
        self.reason = ipw.Textarea(
            description="Why it is dropped",
            layout=ipw.Layout(width="100%", flex_flow="column", align_items="stretch"),
            style=look.text_style,
            rows=2,
        )
        ipw.link((m, "reason"), (self.reason, "value"))
        ipw.dlink(
            (m, "status"),
            (self.reason.layout, "display"),
            lambda s: None if s == ActionStatus.DROPPED.value else "none",
        )
        self.record = look.button("Record progress")
        self.record.on_click(lambda _b: m.record())
        self.nominate = look.button("Nominate for our top 3")
        self.nominate.on_click(lambda _b: m.nominate())
        self.withdraw = look.button("Take off our top 3")
        self.withdraw.on_click(lambda _b: m.withdraw())
        ipw.dlink((m, "in_top"), (self.nominate, "disabled"))
        ipw.dlink((m, "in_top"), (self.withdraw, "disabled"), lambda top: not top)
        self.controls = ipw.VBox(
            [
                self.action,
                self.status,
                self.note,
                self.reason,
                ipw.HBox([self.record, self.nominate, self.withdraw], layout=look.row),
            ],
            layout=ipw.Layout(width="100%"),
        )
        m.observe(self._show_controls, names=["may_change", "options"])
        self.message = look.html()
        m.observe(self._draw_message, names=["message", "failed"])
        ipw.dlink((m, "shown"), (self.layout, "display"), lambda s: None if s else "none")
        self._draw_table()
        self._draw_options()
        self._show_controls()
        self._draw_message()
        self.children = [self.intro, self.table, self.controls, self.message]

    def _draw_table(self, _change: object = None) -> None:
        m = self.model
        self.intro.value = render("tracked", "intro", m.agency_name)
        self.table.value = render("tracked", "table", m.rows, m.agency_name)

    def _draw_options(self, _change: object = None) -> None:
        # a Dropdown selects its first option when given new ones; that is not a choice
        m = self.model
        self._syncing = True
        try:
            if tuple(self.action.options) != tuple(m.options):
                self.action.options = m.options
            self.action.value = m.chosen if m.chosen in self.model.actions else None
        finally:
            self._syncing = False

    def _action_picked(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.model.chosen = change["new"]

    def _show_controls(self, _change: object = None) -> None:
        m = self.model
        self.controls.layout.display = None if m.may_change and m.options else "none"

    def _draw_message(self, _change: object = None) -> None:
        m = self.model
        self.message.value = render("tracked", "message", m.message, m.failed)
