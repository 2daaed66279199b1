"""Saving the form's return: revisions, retries while the store refuses, merges (issue #7).

A save refused because someone else saved first is never written over theirs: their work
is merged into the page and the user decides what both changed
(:mod:`widgets.form.merge_model`). A save the store refuses for a while (busy, full,
unreachable) is tried again later, and nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from traitlets import observe

from widgets.form.merge_model import DECIDING, LOCKED, MERGED, MergeModel, start_merge
from widgets.form.merge_model import MESSAGES as MERGE_MESSAGES
from widgets.form.messages import ASK_FOR_HELP, MESSAGES, STORE_PROBLEMS, clock_time, plural
from widgets.form.opening import ReturnModel
from workbook.errors import AccessDenied, Conflict, ResponseError, StorageError, StoreUnavailable
from workbook.schema.responses import Answer, Status, text_problem


class SavingModel(ReturnModel):
    """The open return, saved as revisions a few seconds after each change and on request."""

    # -- opening ---------------------------------------------------------------------------

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

    # -- saving --------------------------------------------------------------------------

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
                notes=dict(self.notes) if self.shared_with else None,
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

    def _retry_later(self, error: StoreUnavailable, status: Status) -> None:
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
