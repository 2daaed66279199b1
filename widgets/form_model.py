"""The agency return form's state and behaviour (issue #3), free of widgets.

``FormModel`` opens one agency's return for one cycle, keeps what the user has typed,
saves it as revisions through :class:`~workbook.store.Store` (a few seconds after each
change, and on request), checks it before submission, and reopens it with a reason.
Everything it shows comes from the cycle's framework, so a new framework template needs
no code here. Every outcome is told in words through ``message``. A save refused because
someone else saved first is never written over theirs: their work is merged into the page
and the user decides what both changed (:mod:`widgets.merge`, issue #7).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from traitlets import Bool, Dict, Instance, Int, List, Unicode, UseEnum, observe

from widgets.autosave import Backoff, Debouncer, Schedule
from widgets.base import Model
from widgets.criterion import CriterionModel
from widgets.history import history_html
from widgets.merge import DECIDING, LOCKED, MERGED, MergeModel, start_merge
from widgets.merge import MESSAGES as MERGE_MESSAGES
from workbook import carry
from workbook.access import Role
from workbook.errors import (
    AccessDenied,
    Conflict,
    Problem,
    ResponseError,
    StorageError,
    StoreUnavailable,
)
from workbook.personal_data import passages, scan_answers
from workbook.schema.framework import Framework, Heading
from workbook.schema.responses import Answer, Status, missing_for_submission, progress, text_problem
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
    "read_only": (
        "This return has been submitted and is read-only. The MASE chair can reopen it, "
        "giving a reason."
    ),
    "view_only": (
        "You can read this return but not change it: your link ({who}) is not for this agency."
    ),
    "missing": (
        "Not submitted: {count} {things} to finish first. Each is listed under "
        "'Before you can submit', with a link to the criterion."
    ),
    "personal": (
        "Not submitted yet: {passages} like personal data about a person ({kinds}). Each is "
        "listed under 'Check before you submit', with a link to the criterion. Returns "
        "should describe services, not people. Edit them, or choose 'Submit anyway'."
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
    "bad_text": (
        "Not saved: {label} has a broken character (half of an emoji or symbol, often from "
        "pasting). Retype the text you pasted last."
    ),
    "bad_author": "Not saved: 'Your name or role' {problem}.",
    "failed": "Not saved: {error}",
    # the store refused for a while (busy, full, ...): nothing typed is lost (issue #7)
    "retrying": (
        "Not saved: {problem}. Your answers are still on this page; "
        "trying again in {seconds}.{hint}"
    ),
    "not_submitted_retrying": (
        "Not submitted: {problem}. Your answers are still on this page and are saved as a "
        "draft as soon as the store allows; then choose 'Submit the return' again.{hint}"
    ),
    "store_refused": "{outcome}: {problem}. Try again in a moment.{hint}",
}

STORE_PROBLEMS = {
    "store_busy": "the store is busy with other saves",
    "store_full": "the store is full",
    "store_read_only": "the store can only be read at the moment",
    "store_unreachable": "the store cannot be reached",
}
"""What a transient StorageError's kind means, in a few words for the form."""
ASK_FOR_HELP = {
    "store_full": " If this goes on, tell whoever runs the workbook.",
    "store_read_only": " If this goes on, tell whoever runs the workbook.",
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
        except (StorageError, AccessDenied) as exc:
            self.message = str(exc)
            return False
        self.autosave.cancel()
        identity = self.store.identity
        self.may_edit = identity.can_edit(info.partnership_id, cycle_id, agency_id)
        self.may_reopen = identity.can_moderate(info.partnership_id, cycle_id)
        self.cycle_id, self.agency_id = cycle_id, agency_id
        self.framework = framework
        self.title = f"{agency.name}: {info.title}"
        self.criteria = {}
        self._refused = {}
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
            error = exc.errors()[0] if exc.errors() else None
            if error is not None and error["type"] == "string_unicode":  # a lone surrogate
                self.message = MESSAGES["bad_text"].format(label=model.label)
            else:
                detail = error["msg"] if error is not None else str(exc)
                self.message = MESSAGES["too_long"].format(label=model.label, detail=detail)
            self._refused[model.id] = self.message  # said again by every save until fixed
            return
        self._refused.pop(model.id, None)
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
            self.message = self._read_only_text()
            return False
        refused = " ".join(self._refused.values())  # edits the form could not take
        if not self.dirty and self.based_on is None:
            self.message = refused or MESSAGES["nothing_yet"]
            return False
        status = Status.REOPENED if self.status == Status.REOPENED else Status.DRAFT
        before = self.based_on
        if not self._write(status):
            return False
        key = "unchanged" if self.based_on == before else "saved"
        self.message = " ".join([MESSAGES[key].format(time=self._saved_time()), refused]).strip()
        return True

    def _write(self, status: Status, note: str = "") -> bool:
        if self.conflict:  # a merge waits for the user's choices (issue #7)
            self._merge_waiting()
            return False
        author = self.author.strip()
        if not author:
            self.message = MESSAGES["need_author"]
            self._update_state()
            return False
        problem = text_problem(author)  # a URL's user=%00, a pasted broken character
        if problem:
            self.message = MESSAGES["bad_author"].format(problem=problem)
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
        except Conflict:
            return self._merge_in(status, note)
        except ResponseError as exc:
            self.message = MESSAGES["failed"].format(
                error="; ".join(self._problem_text(p) for p in exc.problems)
            )
            return False
        except StoreUnavailable as exc:
            self._retry_later(exc, status)
            return False
        except (StorageError, AccessDenied) as exc:
            self.message = MESSAGES["failed"].format(error=exc)
            return False
        self.dirty = False
        self.based_on = state.revision
        self.saved_at = state.saved_at
        self.status = state.status
        self._refresh_history()
        return True

    # -- someone else saved first: keep or merge, never overwrite (issue #7) ------------

    def _merge_in(self, status: Status, note: str) -> bool:
        """Take in what only they changed; ask about what both changed; then save."""
        self.autosave.cancel()
        assert self.framework is not None
        try:
            merge = start_merge(
                self.store,
                self.cycle_id,
                self.agency_id,
                self.based_on,
                self.answers,
                framework=self.framework,
                labels={cid: m.label for cid, m in self.criteria.items()},
                when=clock_time,
                apply=self.set_answer,
                submitting=status == Status.SUBMITTED,
            )
        except (StorageError, AccessDenied) as exc:
            self.message = MESSAGES["failed"].format(error=exc)
            return False
        if merge.state == LOCKED and not merge.copy_text:
            self.load()  # nothing of this page's is unsaved: show the submitted return
            self.message = MERGE_MESSAGES["locked_nothing"].format(who=merge.who)
            return False
        self.merge = merge
        if merge.state == LOCKED:
            self.conflict = True  # the page stays as typed, for copying; nothing is saved
            self.message = MERGE_MESSAGES["locked"].format(who=merge.who)
            return False
        answers = dict(self.answers)
        for criterion_id, names in merge.comparison.taken.items():
            taken = merge.comparison.merged.get(criterion_id)
            if criterion_id in self.criteria:
                value = taken or Answer()
                fields = {n: getattr(value, n) for n in [*names, "carried_forward"]}
                self.criteria[criterion_id].show_fields(**fields)
            answers.pop(criterion_id, None)
            if taken is not None:
                answers[criterion_id] = taken
        self.answers = answers
        self.dirty = True
        if merge.state == DECIDING:
            self.conflict = True  # autosave waits for the user's choices
            count = merge.undecided
            self.message = MERGE_MESSAGES["decide"].format(
                who=merge.who, count=count, answers=plural(count, "answer was", "answers were")
            )
            return False
        self._take_theirs(merge)
        if status == Status.SUBMITTED:  # not submitted unseen: they check it first
            self.autosave.poke()
            self.message = MERGE_MESSAGES["not_submitted"].format(who=merge.who)
            return False
        return self._write(Status.REOPENED if self.status == Status.REOPENED else status, note)

    def _take_theirs(self, merge: MergeModel) -> None:
        self.based_on = merge.theirs.revision
        self.status = merge.theirs.status

    def _merge_waiting(self) -> None:
        merge = self.merge
        if merge is not None and merge.state == LOCKED:
            self.message = MERGE_MESSAGES["locked"].format(who=merge.who)
        elif merge is not None:
            left = merge.undecided
            self.message = MERGE_MESSAGES["waiting"].format(
                left=left, need=plural(left, "needs", "need")
            )

    def save_merged(self) -> bool:
        """Save the page once every field both pages changed is decided (issue #7).

        It is based on the latest revision; if someone has saved again meanwhile, the
        comparison starts again from there.
        """
        merge = self.merge
        if merge is None or merge.state != DECIDING:
            self.message = MERGE_MESSAGES["nothing"]
            return False
        if merge.undecided:
            self._merge_waiting()
            return False
        merge.state = MERGED
        self.conflict = False
        self._take_theirs(merge)
        if not self.save():
            return False
        self.message = MERGE_MESSAGES["saved"].format(time=self._saved_time())
        return True

    def _retry_later(self, error: StorageError, status: Status) -> None:
        """Keep what was typed and save it again later, waiting longer each time (#7)."""
        problem = STORE_PROBLEMS.get(error.kind, "the store refused it")
        hint = ASK_FOR_HELP.get(error.kind, "")
        submitting = status == Status.SUBMITTED
        if not self.dirty:  # everything was saved before: nothing to try again
            outcome = "Not submitted" if submitting else "Not saved"
            self.message = MESSAGES["store_refused"].format(
                outcome=outcome, problem=problem, hint=hint
            )
            return
        self.store_problem = problem
        wait = self.retries.next()
        self.autosave.retry(wait)
        if submitting:
            self.message = MESSAGES["not_submitted_retrying"].format(problem=problem, hint=hint)
            return
        seconds = f"{wait:.0f} {plural(round(wait), 'second', 'seconds')}"
        self.message = MESSAGES["retrying"].format(problem=problem, seconds=seconds, hint=hint)

    @observe("dirty")
    def _saved_or_loaded(self, change: dict[str, Any]) -> None:
        if not change["new"]:  # saved, or the latest version loaded: the store answered
            self.store_problem = ""
            self.retries.reset()

    # -- submitting and reopening --------------------------------------------------------

    def missing(self) -> list[Problem]:
        """What stops the return being submitted, criterion by criterion."""
        if self.framework is None:
            return []
        return missing_for_submission(self.framework, self.answers)

    def personal_data(self) -> list[dict[str, str]]:
        """Passages that look like personal data about a person, criterion by criterion."""
        if self.framework is None:
            return []
        framework = self.framework
        return [
            {
                "criterion": found.criterion,
                "label": self.criteria[found.criterion].label,
                "field": found.field_label(framework),
                "kind": found.finding.kind.phrase,
                "excerpt": found.finding.excerpt,
            }
            for found in scan_answers(framework, self.answers)
            if found.criterion in self.criteria
        ]

    def submit(self, confirm_personal: bool = False) -> bool:
        """Check the return is complete and submit it; list what is missing if not.

        Passages that look like personal data stop it too, listed in
        ``personal_warnings``, unless ``confirm_personal`` (the user chose "Submit anyway").
        """
        if self.framework is None:
            self.message = MESSAGES["choose"]
            return False
        if self.read_only:
            self.message = self._read_only_text()
            return False
        missing = self.missing()
        for heading in self.headings:
            # opened before the list is shown, so its links lead to criteria already drawn
            if any(self.criteria[p.where].criterion.heading == heading.heading.id for p in missing):
                heading.open = True
        self.problems = [self._problem_entry(p) for p in missing]
        if missing:
            self.personal_warnings = []
            self.message = MESSAGES["missing"].format(
                count=len(missing), things=plural(len(missing), "thing", "things")
            )
            return False
        personal = self.personal_data()
        if personal and not confirm_personal:
            self._warn_personal(personal)
            return False
        self.autosave.cancel()
        note = f"Submitted anyway: {passages(len(personal))} like personal data" * bool(personal)
        if not self._write(Status.SUBMITTED, note):
            return False
        self.personal_warnings = []
        self.message = MESSAGES["submitted"].format(time=self._saved_time())
        return True

    def submit_anyway(self) -> bool:
        """Submit although passages look like personal data (the user has checked them)."""
        return self.submit(confirm_personal=True)

    def _warn_personal(self, personal: list[dict[str, str]]) -> None:
        shown = {self.criteria[p["criterion"]].criterion.heading for p in personal}
        for heading in self.headings:  # opened first, so the links lead to drawn criteria
            if heading.heading.id in shown:
                heading.open = True
        self.personal_warnings = personal
        kinds = list(dict.fromkeys(p["kind"] for p in personal))
        self.message = MESSAGES["personal"].format(
            passages=passages(len(personal)), kinds=", ".join(kinds)
        )

    @observe("answers")
    def _recheck_personal(self, _change: dict[str, Any]) -> None:
        # while the list is shown it follows the edits: a fixed passage leaves it
        if self.personal_warnings:
            self.personal_warnings = self.personal_data()

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
        for what, text in (("'Your name or role'", self.author), ("the reason", reason)):
            problem = text_problem(text)
            if problem:
                self.message = MESSAGES["failed"].format(error=f"{what} {problem}")
                return False
        try:
            self.store.reopen(
                self.cycle_id, self.agency_id, author=self.author.strip(), reason=reason
            )
        except (StorageError, AccessDenied) as exc:
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
        except (StorageError, AccessDenied):
            return
        if found is not None and added:
            self.carry_from = found.cycle.title

    def copy_forward(self) -> int:
        """Fill empty criteria with last cycle's answers, marked carried forward."""
        if self.read_only:
            self.message = self._read_only_text()
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
        except (StorageError, AccessDenied) as exc:
            self.history_html = ""
            self.message = str(exc)
            return
        labels = {cid: m.label for cid, m in self.criteria.items()}
        self.history_html = history_html(self.framework, revisions, labels, clock_time)

    def _read_only_text(self) -> str:
        if self.may_edit:
            return MESSAGES["read_only"]
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
