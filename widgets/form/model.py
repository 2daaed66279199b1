"""The agency return form's state and behaviour (issue #3), free of widgets.

``FormModel`` opens one agency's return for one cycle, keeps what the user has typed,
saves it as revisions through :class:`~workbook.store.Store` (a few seconds after each
change, and on request), checks it before submission, and reopens it with a reason.
Everything it shows comes from the cycle's framework, so a new framework template needs
no code here. Every outcome is told in words through ``message``. It is built in layers,
one module each: the open return (:mod:`widgets.form.opening`), saving and merging
(:mod:`widgets.form.saving`), and here submitting, reopening and copying forward.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from traitlets import dlink, observe

from widgets.form.messages import MESSAGES, plural
from widgets.form.opening import HeadingModel
from widgets.form.saving import SavingModel
from widgets.form.tracked import TrackedActionsModel
from workbook import carry
from workbook.errors import AccessDenied, Problem, StorageError
from workbook.personal_data import passages, scan_answers, scan_notes
from workbook.schema.responses import Status, missing_for_submission, text_problem

if TYPE_CHECKING:
    from workbook.store import Store

__all__ = ["FormModel", "HeadingModel"]


class FormModel(SavingModel):
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

    ``tracked`` is the open agency's tracked actions (issue #15), shown below the
    criteria: read again whenever a return is opened, and whenever a save changes its
    actions or its status, so an action typed into the return can be followed as soon as
    it is saved. An autosave of other words leaves it be: reading it again was half of
    each autosave's time (issue #19).
    """

    def __init__(self, store: Store, **kwargs: Any) -> None:
        self.tracked = TrackedActionsModel(store)
        self._saved_actions: tuple[Any, ...] = ()
        super().__init__(store, **kwargs)
        dlink((self, "author"), (self.tracked, "author"))

    def _load(self, cycle_id: str, agency_id: str) -> bool:
        opened = super()._load(cycle_id, agency_id)
        if opened:
            self._saved_actions = self._actions_in_return()
            self.tracked.show(self.cycle_id, self.agency_id)
        return opened

    def _write(self, status: Status, note: str = "") -> bool:
        was = (self._saved_actions, self.status)
        written = super()._write(status, note)
        if written:
            self._saved_actions = self._actions_in_return()
            if (self._saved_actions, self.status) != was:
                self.tracked.show(self.cycle_id, self.agency_id)
        return written

    def _actions_in_return(self) -> tuple[Any, ...]:
        """The actions the return holds, criterion by criterion: what a save syncs."""
        return tuple(
            (criterion_id, answer.actions)
            for criterion_id, answer in sorted(self.answers.items())
            if answer.actions
        )

    # -- submitting and reopening --------------------------------------------------------

    def missing(self) -> list[Problem]:
        """What stops the return being submitted, criterion by criterion."""
        if self.framework is None:
            return []
        return missing_for_submission(self.framework, self.answers, self.sector or None)

    def personal_data(self) -> list[dict[str, str]]:
        """Passages that look like personal data about a person, criterion by criterion."""
        if self.framework is None:
            return []
        framework = self.framework
        notes = self.notes if self.shared_with else {}
        return [
            {
                "criterion": found.criterion,
                "label": self.criteria[found.criterion].label,
                "field": found.field_label(framework),
                "kind": found.finding.kind.phrase,
                "excerpt": found.finding.excerpt,
            }
            for found in [*scan_answers(framework, self.answers), *scan_notes(framework, notes)]
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

    @observe("answers", "notes")
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
