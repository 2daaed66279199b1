"""The agency return form's state and behaviour (issue #3), free of widgets.

``FormModel`` opens one agency's return for one cycle, keeps what the user has typed,
saves it as revisions through :class:`~workbook.store.Store` (a few seconds after each
change, and on request), checks it before submission, and reopens it with a reason.
Everything it shows comes from the cycle's framework, so a new framework template needs
no code here. Every outcome is told in words through ``message``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from traitlets import Bool, Dict, Instance, Int, List, Unicode, UseEnum, observe

from widgets.autosave import Debouncer, Schedule
from widgets.base import Model
from widgets.criterion import CriterionModel
from widgets.history import history_html
from workbook import carry
from workbook.errors import ConflictError, Problem, ResponseError, StorageError
from workbook.framework import Framework, Heading
from workbook.responses import Status, missing_for_submission, progress
from workbook.store import Store

try:
    LOCAL_TIME: dt.tzinfo = ZoneInfo("Europe/London")
except ZoneInfoNotFoundError:  # no time zone database: show UTC and say so
    LOCAL_TIME = dt.UTC

MESSAGES = {
    "choose": "Choose a cycle and your agency, then open the return.",
    "not_invited": "{agency} is not invited to {cycle}; choose another agency or cycle.",
    "opened": "Opened the return for {agency}, {cycle}.",
    "need_author": (
        "Not saved yet: type your name or role in 'Your name or role' so your work can be "
        "saved with your name on it."
    ),
    "saved": "Saved at {time}.",
    "unchanged": "Nothing new to save; it was last saved at {time}.",
    "nothing_yet": "Nothing to save yet: answer a criterion first.",
    "conflict": (
        "Not saved: someone else saved this return (revision {latest}) after you opened "
        "revision {based_on}. Their work has not been overwritten and yours is still on "
        "this page. Copy anything you want to keep, then choose 'Load the latest version'."
    ),
    "read_only": (
        "This return has been submitted and is read-only. The MASE chair can reopen it, "
        "giving a reason."
    ),
    "missing": (
        "Not submitted: {count} {things} to finish first. Each is listed under "
        "'Before you can submit', with a link to the criterion."
    ),
    "submitted": "Submitted at {time}. The return is now read-only.",
    "not_submitted": "Only a submitted return can be reopened.",
    "need_reason": "Give a reason for reopening the return; it is kept in its history.",
    "reopened": "Reopened at {time}. The return can be edited again.",
    "copied": (
        "Copied {count} {answers} from {cycle}. Each is marked 'carried forward' until you edit it."
    ),
    "nothing_to_copy": "There is nothing from an earlier cycle to copy into empty criteria.",
    "too_long": "Not saved: {label} has a field that is too long ({detail}). Shorten it.",
    "failed": "Not saved: {error}",
}


def plural(count: int, one: str, many: str) -> str:
    """``one`` or ``many`` to agree with ``count``."""
    return one if count == 1 else many


def clock_time(moment: dt.datetime, today: dt.date | None = None) -> str:
    """A save time in UK local time: "14:03" today, else "3 Nov 2017 at 14:03".

    >>> clock_time(dt.datetime(2017, 11, 3, 14, 3, tzinfo=dt.UTC), dt.date(2017, 11, 3))
    '14:03'
    >>> clock_time(dt.datetime(2017, 7, 3, 14, 3, tzinfo=dt.UTC), dt.date(2017, 11, 3))
    '3 Jul 2017 at 15:03'
    """
    local = moment.astimezone(LOCAL_TIME)
    suffix = " UTC" if LOCAL_TIME is dt.UTC else ""
    if local.date() == (today or dt.datetime.now(LOCAL_TIME).date()):
        return f"{local:%H:%M}{suffix}"
    return f"{local.day} {local:%b %Y} at {local:%H:%M}{suffix}"


class HeadingModel(Model):
    """One heading of the framework: its criteria, whether it is open, its progress."""

    open = Bool(False)
    done = Int(0)
    total = Int(0)

    def __init__(self, heading: Heading, criteria: list[CriterionModel], **kwargs: Any):
        super().__init__(total=len(criteria), **kwargs)
        self.heading = heading
        self.criteria = criteria


class FormModel(Model):
    """One agency's return for one cycle, as the form shows it.

    Parameters
    ----------
    store
        Where returns are kept.
    schedule
        How autosave runs later (tests pass a manual scheduler).
    clock
        Monotonic seconds, for autosave's longest wait.
    autosave_delay
        Quiet seconds after the last change before saving.
    """

    # choosing a return
    cycle_options: List[tuple[str, str]] = List(help="(title, cycle id), newest cycle first.")
    agency_options: List[tuple[str, str]] = List(help="(name, agency id) invited to chosen_cycle.")
    chosen_cycle = Unicode(None, allow_none=True)
    chosen_agency = Unicode(None, allow_none=True)
    # the open return
    cycle_id = Unicode("")
    agency_id = Unicode("")
    title = Unicode("")
    framework = Instance(Framework, allow_none=True)
    author = Unicode("", help="Who is saving: recorded on every revision.")
    answers = Dict(help="Answer by criterion id, as it would be saved now.")
    status = UseEnum(Status, default_value=Status.NOT_STARTED)
    based_on = Int(None, allow_none=True, help="The revision the user is editing.")
    saved_at = Instance(dt.datetime, allow_none=True)
    dirty = Bool(False)
    conflict = Bool(False)
    read_only = Bool(False)
    save_state = Unicode("", help="Saved or not, in words.")
    overall = Unicode("", help="Answered / total criteria, in words.")
    problems: List[dict[str, str]] = List(
        help="What stops submission: dicts of criterion, label, prompt, problem."
    )
    carry_from = Unicode("", help="Title of the earlier cycle answers can be copied from.")
    reopen_reason = Unicode("")
    history_open = Bool(False)
    history_html = Unicode("")
    loaded = Int(0, help="Incremented each time a return is opened (views rebuild).")

    def __init__(
        self,
        store: Store,
        *,
        schedule: Schedule | None = None,
        clock: Callable[[], float] | None = None,
        autosave_delay: float = 3.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.autosave = Debouncer(
            self._autosave, autosave_delay, schedule=schedule, clock=clock or time.monotonic
        )
        self.criteria: dict[str, CriterionModel] = {}
        self.headings: list[HeadingModel] = []
        cycles = list(reversed(store.cycles()))
        self.cycle_options = [(c.title, c.id) for c in cycles]
        self._agency_names = {a.id: a.name for a in store.agencies()}
        self._update_state()

    # -- choosing and opening ------------------------------------------------------------

    @observe("chosen_cycle")
    def _cycle_chosen(self, change: dict[str, Any]) -> None:
        invited: tuple[str, ...] = ()
        if change["new"]:
            try:
                invited = self.store.cycle(change["new"]).agencies
            except StorageError as exc:
                self.message = str(exc)
        options = sorted((self._agency_names.get(a, a), a) for a in invited)
        if self.chosen_agency not in invited:
            self.chosen_agency = None
        self.agency_options = options

    def open(self, cycle_id: str | None = None, agency_id: str | None = None) -> bool:
        """Open a return (by default the chosen one); unsaved work is saved first."""
        cycle_id = cycle_id or self.chosen_cycle
        agency_id = agency_id or self.chosen_agency
        if not (cycle_id and agency_id):
            self.message = MESSAGES["choose"]
            return False
        if self.dirty and not self.save():
            return False  # the message says why the open return could not be saved
        if not self._load(cycle_id, agency_id):
            return False
        self.chosen_cycle, self.chosen_agency = cycle_id, agency_id
        return True

    def load(self) -> bool:
        """(Re)load the open return's latest revision from the store."""
        return self._load(self.cycle_id, self.agency_id)

    def _load(self, cycle_id: str, agency_id: str) -> bool:
        try:
            info = self.store.cycle(cycle_id)
            agency = self.store.agency(agency_id)
            if agency.id not in info.agencies:
                self.message = MESSAGES["not_invited"].format(agency=agency.name, cycle=info.title)
                return False
            framework = self.store.framework(info.framework_id, info.framework_version)
            state = self.store.latest(cycle_id, agency_id)
        except StorageError as exc:
            self.message = str(exc)
            return False
        self.autosave.cancel()
        self.cycle_id, self.agency_id = cycle_id, agency_id
        self.framework = framework
        self.title = f"{agency.name}: {info.title}"
        self.criteria = {}
        self.headings = []
        for heading in framework.headings:
            models = [
                self._criterion_model(framework, criterion, f"{heading.title} {number}")
                for number, criterion in enumerate(framework.criteria_under(heading.id), 1)
            ]
            self.headings.append(HeadingModel(heading, models))
        answers = dict(state.answers) if state else {}
        for criterion_id, answer in answers.items():
            if criterion_id in self.criteria:
                self.criteria[criterion_id].show(answer)
        self.problems = []
        self.conflict = False
        self.dirty = False
        self.based_on = state.revision if state else None
        self.saved_at = state.saved_at if state else None
        self.status = state.status if state else Status.NOT_STARTED
        self.answers = answers
        self._status_changed()
        self._find_carry_source()
        self._refresh_history()
        self._update_state()
        self.message = MESSAGES["opened"].format(agency=agency.name, cycle=info.title)
        self.loaded += 1
        return True

    def _criterion_model(self, framework: Framework, criterion: Any, label: str) -> CriterionModel:
        model = CriterionModel(framework, criterion, label)
        model.observe(self._criterion_edited, names="edits")
        self.criteria[criterion.id] = model
        return model

    # -- editing -------------------------------------------------------------------------

    def set_answer(self, criterion_id: str, **fields: Any) -> None:
        """Change fields of one criterion as the user would (``rating="green"``, ...)."""
        model = self.criteria[criterion_id]
        for name, value in fields.items():
            if name == "actions":
                model.set_actions(value)
            else:
                setattr(model, name, value)

    def _criterion_edited(self, change: dict[str, Any]) -> None:
        model: CriterionModel = change["owner"]
        try:
            answer = model.answer()
        except ValidationError as exc:
            detail = exc.errors()[0]["msg"] if exc.errors() else str(exc)
            self.message = MESSAGES["too_long"].format(label=model.label, detail=detail)
            return
        answers = {k: v for k, v in self.answers.items() if k != model.id}
        if not answer.is_empty:
            answers[model.id] = answer
        self.answers = answers
        self.dirty = True
        if not self.conflict:
            self.autosave.poke()

    @observe("answers")
    def _answers_changed(self, _change: dict[str, Any]) -> None:
        if self.framework is None:
            return
        counts = progress(self.framework, self.answers)
        for heading in self.headings:
            heading.done, heading.total = counts[heading.heading.id]
        done = sum(d for d, _ in counts.values())
        total = sum(t for _, t in counts.values())
        self.overall = f"{done} of {total} criteria answered"

    @observe("author")
    def _author_changed(self, _change: dict[str, Any]) -> None:
        if self.dirty and self.author.strip() and not self.conflict:
            self.autosave.poke()
        self._update_state()

    # -- saving --------------------------------------------------------------------------

    def _autosave(self) -> None:
        if self.dirty:
            self.save()

    def save(self) -> bool:
        """Save what the form shows as a new revision; True when it is saved."""
        self.autosave.cancel()
        if self.framework is None:
            self.message = MESSAGES["choose"]
            return False
        if self.read_only:
            self.message = MESSAGES["read_only"]
            return False
        if not self.dirty and self.based_on is None:
            self.message = MESSAGES["nothing_yet"]
            return False
        status = Status.REOPENED if self.status == Status.REOPENED else Status.DRAFT
        before = self.based_on
        if not self._write(status):
            return False
        key = "unchanged" if self.based_on == before else "saved"
        self.message = MESSAGES[key].format(time=self._saved_time())
        return True

    def _write(self, status: Status, note: str = "") -> bool:
        if self.conflict:
            return False  # the conflict message stays until the latest version is loaded
        author = self.author.strip()
        if not author:
            self.message = MESSAGES["need_author"]
            self._update_state()
            return False
        try:
            state = self.store.save(
                self.cycle_id,
                self.agency_id,
                self.answers,
                author=author,
                based_on=self.based_on,
                status=status,
                note=note,
            )
        except ConflictError as exc:
            self.conflict = True
            facts = exc.facts
            self.message = MESSAGES["conflict"].format(
                latest=facts["latest"], based_on=facts["based_on"]
            )
            return False
        except ResponseError as exc:
            self.message = MESSAGES["failed"].format(
                error="; ".join(self._problem_text(p) for p in exc.problems)
            )
            return False
        except StorageError as exc:
            self.message = MESSAGES["failed"].format(error=exc)
            return False
        self.dirty = False
        self.based_on = state.revision
        self.saved_at = state.saved_at
        self.status = state.status
        self._refresh_history()
        return True

    # -- submitting and reopening --------------------------------------------------------

    def missing(self) -> list[Problem]:
        """What stops the return being submitted, criterion by criterion."""
        if self.framework is None:
            return []
        return missing_for_submission(self.framework, self.answers)

    def submit(self) -> bool:
        """Check the return is complete and submit it; list what is missing if not."""
        if self.framework is None:
            self.message = MESSAGES["choose"]
            return False
        if self.read_only:
            self.message = MESSAGES["read_only"]
            return False
        missing = self.missing()
        for heading in self.headings:
            # opened before the list is shown, so its links lead to criteria already drawn
            if any(self.criteria[p.where].criterion.heading == heading.heading.id for p in missing):
                heading.open = True
        self.problems = [self._problem_entry(p) for p in missing]
        if missing:
            self.message = MESSAGES["missing"].format(
                count=len(missing), things=plural(len(missing), "thing", "things")
            )
            return False
        self.autosave.cancel()
        if not self._write(Status.SUBMITTED):
            return False
        self.message = MESSAGES["submitted"].format(time=self._saved_time())
        return True

    def reopen(self, reason: str | None = None) -> bool:
        """Reopen a submitted return (the chair's action); the reason is recorded."""
        reason = (self.reopen_reason if reason is None else reason).strip()
        if self.status != Status.SUBMITTED:
            self.message = MESSAGES["not_submitted"]
            return False
        if not reason:
            self.message = MESSAGES["need_reason"]
            return False
        if not self.author.strip():
            self.message = MESSAGES["need_author"]
            return False
        try:
            self.store.reopen(
                self.cycle_id, self.agency_id, author=self.author.strip(), reason=reason
            )
        except StorageError as exc:
            self.message = MESSAGES["failed"].format(error=exc)
            return False
        self.load()  # the latest revision, whoever wrote it
        self.reopen_reason = ""
        self.message = MESSAGES["reopened"].format(time=self._saved_time())
        return True

    # -- copy forward --------------------------------------------------------------------

    def _find_carry_source(self) -> None:
        self.carry_from = ""
        if self.read_only:
            return
        try:
            added, found = carry.carry_forward(
                self.store, self.cycle_id, self.agency_id, self.answers
            )
        except StorageError:
            return
        if found is not None and added:
            self.carry_from = found.cycle.title

    def copy_forward(self) -> int:
        """Fill empty criteria with last cycle's answers, marked carried forward."""
        if self.read_only:
            self.message = MESSAGES["read_only"]
            return 0
        current = {cid: m.answer() for cid, m in self.criteria.items()}
        added, found = carry.carry_forward(self.store, self.cycle_id, self.agency_id, current)
        if found is None or not added:
            self.message = MESSAGES["nothing_to_copy"]
            self.carry_from = ""
            return 0
        answers = dict(self.answers)
        for criterion_id, answer in added.items():
            self.criteria[criterion_id].show(answer)
            answers[criterion_id] = answer
        self.answers = answers
        self.dirty = True
        self.carry_from = ""
        self.message = MESSAGES["copied"].format(
            count=len(added),
            answers=plural(len(added), "answer", "answers"),
            cycle=found.cycle.title,
        )
        self.autosave.poke()
        return len(added)

    # -- what the user is told -----------------------------------------------------------

    def _problem_text(self, problem: Problem) -> str:
        model = self.criteria.get(problem.where)
        label = model.label if model else problem.where
        return f"{label}: {problem.message}"

    def _problem_entry(self, problem: Problem) -> dict[str, str]:
        model = self.criteria[problem.where]
        return {
            "criterion": model.id,
            "label": model.label,
            "prompt": model.criterion.prompt,
            "problem": problem.message,
        }

    def _saved_time(self) -> str:
        return clock_time(self.saved_at) if self.saved_at else "never"

    @observe("history_open")
    def _history_toggled(self, _change: dict[str, Any]) -> None:
        self._refresh_history()

    def _refresh_history(self) -> None:
        if not (self.history_open and self.framework):
            return
        try:
            revisions = self.store.history(self.cycle_id, self.agency_id)
        except StorageError as exc:
            self.history_html = ""
            self.message = str(exc)
            return
        labels = {cid: m.label for cid, m in self.criteria.items()}
        self.history_html = history_html(self.framework, revisions, labels, clock_time)

    @observe("status")
    def _status_changed(self, _change: object = None) -> None:
        self.read_only = not self.status.editable
        for model in self.criteria.values():
            model.read_only = self.read_only
        if self.read_only:
            self.carry_from = ""

    @observe("dirty", "saved_at", "conflict", "status")
    def _update_state(self, _change: object = None) -> None:
        if self.conflict:
            text = "Not saved: changed by someone else"
        elif self.dirty and not self.author.strip():
            text = "Unsaved changes: type your name or role to save"
        elif self.dirty:
            text = "Unsaved changes: saving in a few seconds"
        elif self.saved_at is not None:
            when = self._saved_time()
            text = f"{self.status.label}, saved {'on' if ' at ' in when else 'at'} {when}"
        else:
            text = "Nothing saved yet"
        self.save_state = text
