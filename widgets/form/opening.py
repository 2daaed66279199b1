"""The return open on the form: choosing it, loading it, the user's edits, the state in words.

:class:`ReturnModel` is the first layer of the form's model (issue #3): it holds every trait
the form's views link to, opens one agency's return for one cycle and keeps what the user
has typed. Saving (:mod:`widgets.form.saving`) and submitting (:mod:`widgets.form.model`)
build on it as subclasses, so each module stays about one behaviour while the views still
see one model, :class:`~widgets.form.model.FormModel`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from traitlets import Bool, Dict, Instance, Int, List, Unicode, UseEnum, observe

from widgets.base import Model
from widgets.form.autosave import Backoff, Debouncer, Schedule
from widgets.form.criterion import CriterionModel
from widgets.form.history import history_html
from widgets.form.merge_model import LOCKED, MergeModel
from widgets.form.messages import MESSAGES, clock_time, shared_words
from workbook import carry
from workbook.access import Role
from workbook.errors import AccessDenied, Problem, StorageError
from workbook.evidence.lines import Line, lines_on
from workbook.schema.framework import Framework, Heading
from workbook.schema.responses import NOTE_LABEL, Status, progress

if TYPE_CHECKING:
    from workbook.store import Store


class HeadingModel(Model):
    """One heading of the framework: its criteria, whether it is open, its progress."""

    open = Bool(False)
    done = Int(0)
    total = Int(0)

    def __init__(self, heading: Heading, criteria: list[CriterionModel], **kwargs: Any):
        super().__init__(total=len(criteria), **kwargs)
        self.heading = heading
        self.criteria = criteria


class ReturnModel(Model):
    """One agency's return for one cycle as the form shows it, before any saving.

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
    chair = Unicode("chair", help="The chair's title in the partnership's words (issue #16).")
    framework = Instance(Framework, allow_none=True)
    author = Unicode("", help="Who is saving: recorded on every revision.")
    author_fixed = Bool(False, help="The personal link names who saves; no name is typed.")
    who = Unicode("", help="The identity the page acts for, in words.")
    may_edit = Bool(True, help="The identity may change the open return.")
    may_reopen = Bool(False, help="The identity may reopen it (the chair).")
    answers = Dict(help="Answer by criterion id, as it would be saved now.")
    status = UseEnum(Status, default_value=Status.NOT_STARTED)
    based_on = Int(None, allow_none=True, help="The revision the user is editing.")
    saved_at = Instance(dt.datetime, allow_none=True)
    dirty = Bool(False)
    conflict = Bool(False, help="A merge waits for the user: nothing is saved meanwhile.")
    merge = Instance(MergeModel, allow_none=True, help="After someone else saved first (issue #7).")
    read_only = Bool(False)
    save_state = Unicode("", help="Saved or not, in words.")
    store_problem = Unicode("", help="Why the store refused the last save, while it retries.")
    overall = Unicode("", help="Answered / total criteria, in words.")
    problems: List[dict[str, str]] = List(
        help="What stops submission: dicts of criterion, label, prompt, problem."
    )
    personal_warnings: List[dict[str, str]] = List(
        help="Passages that look like personal data, shown before submission (issue #7): "
        "dicts of criterion, label, field, kind, excerpt (masked)."
    )
    carry_from = Unicode("", help="Title of the earlier cycle answers can be copied from.")
    reopen_reason = Unicode("")
    history_open = Bool(False)
    history_html = Unicode("")
    loaded = Int(0, help="Incremented each time a return is opened (views rebuild).")
    sector = Unicode("", help="The open agency's sector: it scopes the criteria (issue #16).")
    not_asked = Int(0, help="Criteria the framework does not ask of that sector (not shown).")
    shared_with = Unicode("", help="The partnerships a shared return also answers, in words.")
    notes = Dict(help="Notes for this page's partnership only, by criterion (issue #17).")

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
        self.retries = Backoff()  # waits between attempts while the store refuses (#7)
        self.criteria: dict[str, CriterionModel] = {}
        self._refused: dict[str, str] = {}  # criterion id -> why its last edit was not taken
        self.headings: list[HeadingModel] = []
        identity = store.identity
        self.who = identity.describe()
        if not identity.trusted_local:
            self.author, self.author_fixed = identity.name, True
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
            except (StorageError, AccessDenied) as exc:
                self.message = str(exc)
        identity = self.store.identity
        if identity.role == Role.MEMBER:  # members choose among their own agencies only
            invited = tuple(a for a in invited if identity.owns(a))
        options = sorted((self._agency_names.get(a, a), a) for a in invited)
        if self.chosen_agency not in invited:
            self.chosen_agency = None
        self.agency_options = options

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
            shares = self.store.shared.shares(cycle_id, agency_id)
            notes = self.store.notes.latest(cycle_id, agency_id) if shares else {}
        except (StorageError, AccessDenied) as exc:
            self.message = str(exc)
            return False
        own = dict(self.store.partnerships()).get(info.partnership_id, info.partnership_id)
        note_label = NOTE_LABEL.format(partnership=own) if shares else ""
        lines = self._evidence_lines(cycle_id, agency_id, framework)
        self.autosave.cancel()
        identity = self.store.identity
        self.may_edit = identity.can_edit(info.partnership_id, cycle_id, agency_id)
        self.may_reopen = identity.can_moderate(info.partnership_id, cycle_id)
        self.cycle_id, self.agency_id = cycle_id, agency_id
        self.framework = framework
        self.title = f"{agency.name}: {info.title}"
        self.chair = info.words.chair or "chair"
        self.sector = agency.sector
        self.not_asked = len(framework.criteria) - len(framework.criteria_for(agency.sector))
        self.criteria = {}
        self._refused = {}
        self.headings = []
        for heading in framework.headings:
            # numbered as in the framework, so "Prevent 4" is the same for every agency;
            # a criterion not asked of the sector is not shown (issue #16)
            models = [
                self._criterion_model(
                    framework, criterion, f"{heading.title} {number}", lines.get(criterion.id, [])
                )
                for number, criterion in enumerate(framework.criteria_under(heading.id), 1)
                if criterion.applies(agency.sector)
            ]
            if models:
                self.headings.append(HeadingModel(heading, models))
        answers = dict(state.answers) if state else {}
        for criterion_id, answer in answers.items():
            if criterion_id in self.criteria:
                self.criteria[criterion_id].show(answer)
        for criterion_id, model in self.criteria.items():
            model.note_label = note_label
            model.show_note(notes.get(criterion_id, ""))
        self.notes = notes
        self.shared_with = shared_words(agency.name, own, shares)
        self.problems = []
        self.personal_warnings = []
        self.merge = None
        self.conflict = False
        self.dirty = False
        self.based_on = state.revision if state else None
        self.saved_at = state.saved_at if state else None
        self.status = state.status if state else Status.NOT_STARTED
        self.answers = answers
        self._answers_changed({})  # new heading models: count even if the answers are equal
        self._status_changed()
        self._find_carry_source()
        self._refresh_history()
        self._update_state()
        self.message = MESSAGES["opened"].format(agency=agency.name, cycle=info.title)
        self.loaded += 1
        return True

    def _evidence_lines(
        self, cycle_id: str, agency_id: str, framework: Framework
    ) -> dict[str, list[Line]]:
        """The data and audit findings on each criterion for the agency (issue #14).

        Read once per opening, not per criterion. They help the rating but never stop the
        return opening: evidence the store cannot give is simply not shown.
        """
        try:
            evidence = self.store.evidence.evidence(cycle_id)
        except (StorageError, AccessDenied):
            return {}
        if evidence.empty:
            return {}
        found = {
            c.id: lines_on(evidence, c.id, framework.scale, self._agency_names, agency_id)
            for c in framework.criteria
        }
        return {cid: lines for cid, lines in found.items() if lines}

    def _criterion_model(
        self, framework: Framework, criterion: Any, label: str, lines: list[Line]
    ) -> CriterionModel:
        model = CriterionModel(framework, criterion, label, lines)
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
            error = exc.errors()[0] if exc.errors() else None
            if error is not None and error["type"] == "string_unicode":  # a lone surrogate
                self.message = MESSAGES["bad_text"].format(label=model.label)
            else:
                detail = error["msg"] if error is not None else str(exc)
                self.message = MESSAGES["too_long"].format(label=model.label, detail=detail)
            self._refused[model.id] = self.message  # said again by every save until fixed
            return
        self._refused.pop(model.id, None)
        if model.note_label and model.note != self.notes.get(model.id, ""):
            self.notes = {**self.notes, model.id: model.note}
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
        counts = progress(self.framework, self.answers, self.sector or None)
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

    def _autosave(self) -> None:
        if self.dirty:
            self.save()

    def save(self) -> bool:
        """Save what the form shows; :class:`~widgets.form.saving.SavingModel` does it."""
        raise NotImplementedError

    def _find_carry_source(self) -> None:
        self.carry_from = ""
        if self.read_only:
            return
        try:
            added, found = carry.carry_forward(
                self.store, self.cycle_id, self.agency_id, self.answers
            )
        except (StorageError, AccessDenied):
            return
        if found is not None and added:
            self.carry_from = found.cycle.title

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
        except (StorageError, AccessDenied) as exc:
            self.history_html = ""
            self.message = str(exc)
            return
        labels = {cid: m.label for cid, m in self.criteria.items()}
        self.history_html = history_html(self.framework, revisions, labels, clock_time)

    def _read_only_text(self) -> str:
        if self.may_edit:
            return MESSAGES["read_only"].format(chair=self.chair)
        return MESSAGES["view_only"].format(who=self.who)

    @observe("status", "may_edit")
    def _status_changed(self, _change: object = None) -> None:
        self.read_only = not (self.status.editable and self.may_edit)
        for model in self.criteria.values():
            model.read_only = self.read_only
        if self.read_only:
            self.carry_from = ""

    @observe("dirty", "saved_at", "conflict", "status", "store_problem")
    def _update_state(self, _change: object = None) -> None:
        if self.conflict and self.merge is not None and self.merge.state == LOCKED:
            text = "Not saved: submitted by someone else"
        elif self.conflict:
            text = "Not saved: changed by someone else; choose what to keep"
        elif self.dirty and self.store_problem:
            text = f"Unsaved changes: {self.store_problem}; trying again"
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
