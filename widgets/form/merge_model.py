"""Someone else saved the return this page is editing (issue #7): keep or merge, never overwrite.

When a save is refused with ``Conflict``, :func:`start_merge` compares what the page
shows with the revision it was based on and the latest revision
(:func:`workbook.merge.compare`). ``FormModel`` takes the fields only they changed into the
page; a :class:`MergeModel` holds the fields both pages changed until the user decides
each one ("Keep mine" or "Use theirs"), and :class:`~widgets.form.merge_view.MergeView`
shows both values side by side, in words, with who saved theirs and when. If they
submitted the return meanwhile it is read-only, so the page offers the user's unsaved text
to copy instead of saving it. The model imports no widgets, so the form's model can hold
one without depending on any view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from traitlets import Dict, Int, List, Unicode, observe

from widgets.base import Model
from widgets.form.history import describe_changes, field_name
from workbook.errors import NotFound
from workbook.merge import Comparison, FieldConflict, Side, compare, in_words
from workbook.schema.responses import Answers, Status

if TYPE_CHECKING:
    from workbook.schema.framework import Framework
    from workbook.store import ReturnState, RevisionInfo, Store

DECIDING, LOCKED, MERGED = "deciding", "locked", "merged"

MESSAGES = {
    "decide": (
        "Not saved yet: {who} while you were working. {count} {answers} changed on both "
        "pages: under 'Someone else saved this return', choose 'Keep mine' or 'Use theirs' "
        "for each, then 'Save the merged return'. Nothing has been overwritten."
    ),
    "waiting": (
        "Not saved yet: {left} of the answers changed on both pages still {need} a choice "
        "('Keep mine' or 'Use theirs'); then choose 'Save the merged return'."
    ),
    "locked": (
        "Not saved: {who}, so it is read-only now. Your unsaved changes are listed under "
        "'This return was submitted while you were working', for you to copy."
    ),
    "locked_nothing": "{who}, so it is read-only now. You had no unsaved changes.",
    "not_submitted": (
        "Not submitted: {who} while you were working. Their changes are now on this page "
        "with yours (see 'Merged with someone else's changes'); check them, then choose "
        "'Submit the return' again."
    ),
    "saved": "Saved the merged return at {time}.",
    "nothing": "There is nothing to merge: no one else has saved this return since you opened it.",
}


def _names(people: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return people[0] if len(people) == 1 else ", ".join(people[:-1]) + " and " + people[-1]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


class MergeModel(Model):
    """A save refused because someone else saved first, and what the user decides.

    Parameters
    ----------
    comparison
        Base, mine and theirs compared (:func:`workbook.merge.compare`).
    theirs
        The latest revision.
    revisions
        The revisions saved since the page's base, oldest first.
    framework
        The framework answered (labels and rating words).
    labels
        Short criterion names by id, in framework order.
    when
        How to show a save time.
    apply
        Puts a decided value on the page: ``apply(criterion_id, **{field: value})``.
    submitting
        The refused save was a submission.
    """

    state = Unicode(DECIDING, help="'deciding', 'locked' (they submitted it) or 'merged'.")
    title = Unicode("")
    summary = Unicode("")
    entries: List[dict[str, str]] = List(
        help="One per field both pages changed: key, title, mine, theirs, theirs_by."
    )
    choices = Dict(help="'mine' or 'theirs' by entry key ('criterion/field').")
    undecided = Int(0)
    copy_text = Unicode("", help="The user's unsaved changes in words, when it is locked.")
    chair = Unicode("chair", help="Who reopens a submitted return, in the partnership's words.")

    def __init__(
        self,
        comparison: Comparison,
        theirs: ReturnState,
        revisions: Sequence[RevisionInfo],
        *,
        framework: Framework,
        labels: Mapping[str, str],
        when: Callable[[dt.datetime], str],
        apply: Callable[..., None],
        submitting: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.comparison = comparison
        self.theirs = theirs
        self.revisions = list(revisions)
        self.framework = framework
        self.labels = dict(labels)
        self.when = when
        self.apply = apply
        self.submitting = submitting
        self.conflicts = {f"{c.criterion}/{c.field}": c for c in comparison.conflicts}
        by: dict[tuple[str, str], RevisionInfo] = {}  # who last changed each field
        for revision in self.revisions:
            for criterion_id, names in revision.changes.items():
                for name in names:
                    by[(criterion_id, name)] = revision
        self.entries = [self._entry(key, c, by.get(c.key)) for key, c in self.conflicts.items()]
        self.undecided = len(self.conflicts)
        if not theirs.status.editable:
            self.copy_text = self._mine_in_words()
        self.state = (
            LOCKED if not theirs.status.editable else DECIDING if self.conflicts else MERGED
        )
        self._describe()

    # -- facts ---------------------------------------------------------------------------

    @property
    def who(self) -> str:
        """Who saved since this page's base, and when: "Sam saved this return at 14:03 ..."."""
        theirs, when = self.theirs, self.when(self.theirs.saved_at)
        if theirs.status == Status.SUBMITTED:
            return f"{theirs.author} submitted this return at {when} (revision {theirs.revision})"
        authors = list(dict.fromkeys(r.author for r in self.revisions)) or [theirs.author]
        times = f" {len(self.revisions)} times, last" if len(self.revisions) > 1 else ""
        return f"{_names(authors)} saved this return{times} at {when} (revision {theirs.revision})"

    def _title(self, criterion_id: str, name: str) -> str:
        label = self.labels.get(criterion_id, criterion_id)
        return f"{label}, {field_name(self.framework, name)}"

    def _entry(self, key: str, c: FieldConflict, by: RevisionInfo | None) -> dict[str, str]:
        author, saved, number = (
            (by.author, by.saved_at, by.number)
            if by
            else (self.theirs.author, self.theirs.saved_at, self.theirs.revision)
        )
        return {
            "key": key,
            "title": self._title(c.criterion, c.field),
            "mine": in_words(self.framework, c.field, c.mine),
            "theirs": in_words(self.framework, c.field, c.theirs),
            "theirs_by": f"saved by {author} at {self.when(saved)} (revision {number})",
        }

    def _mine_in_words(self) -> str:
        mine = self.comparison.mine
        return "\n\n".join(
            f"{self._title(cid, name)}:\n"
            + in_words(self.framework, name, getattr(mine[cid], name) if cid in mine else None)
            for cid, names in self.comparison.mine_changed().items()
            for name in names
        )

    # -- deciding ------------------------------------------------------------------------

    def choose(self, criterion_id: str, name: str, side: Side) -> None:
        """Decide one field both pages changed; the page shows the chosen value at once.

        Parameters
        ----------
        criterion_id, name
            The criterion and field (an entry's key is ``"criterion/field"``).
        side
            ``"mine"`` (as typed on this page) or ``"theirs"`` (as they saved it).
        """
        key = f"{criterion_id}/{name}"
        if self.state != DECIDING or key not in self.conflicts:
            return
        conflict = self.conflicts[key]
        self.apply(criterion_id, **{name: conflict.mine if side == "mine" else conflict.theirs})
        choices = {**self.choices, key: side}
        self.undecided = len(self.conflicts) - len(choices)  # before the view hears of it
        self.choices = choices

    def choose_all(self, side: Side) -> None:
        """Decide every field both pages changed the same way ("Keep all mine", ...)."""
        for conflict in self.conflicts.values():
            self.choose(conflict.criterion, conflict.field, side)

    # -- in words ------------------------------------------------------------------------

    def _changes(self, changes: Mapping[str, Sequence[str]]) -> str:
        return describe_changes(self.framework, changes, self.labels)

    @observe("state")
    def _describe(self, _change: object = None) -> None:
        c = self.comparison
        taken = f" Their changes are now on this page: {self._changes(c.taken)}." * bool(c.taken)
        kept = f" Your changes are kept: {self._changes(c.kept)}." * bool(c.kept)
        resubmit = (
            " The return has not been submitted: once this is saved, choose 'Submit the "
            "return' again." * self.submitting
        )
        if self.state == LOCKED:
            self.title = "This return was submitted while you were working"
            self.summary = (
                f"{self.who}, so it is read-only now and the changes you made on this page "
                "were not saved. They are below: select the text and copy it to keep it. "
                f"The {self.chair} can reopen the return. Then choose 'Show the submitted "
                "return'."
            )
        elif self.state == DECIDING:
            count = len(self.conflicts)
            self.title = "Someone else saved this return while you were working"
            self.summary = (
                f"{self.who}. Nothing has been overwritten.{taken}{kept} "
                f"{_plural(count, 'answer was', 'answers were')} changed on both pages: "
                "for each, keep yours or use theirs, then choose 'Save the merged return'."
                f"{resubmit}"
            )
        else:
            chose = ""
            if self.choices:
                kept_mine = [e["title"] for e in self.entries if self.choices[e["key"]] == "mine"]
                used = [e["title"] for e in self.entries if self.choices[e["key"]] == "theirs"]
                chose = f" You kept yours for {'; '.join(kept_mine)}." * bool(
                    kept_mine
                ) + f" You used theirs for {'; '.join(used)}." * bool(used)
            self.title = "Merged with someone else's changes"
            self.summary = f"{self.who}.{taken}{kept}{chose}{resubmit}"


def start_merge(
    store: Store,
    cycle_id: str,
    agency_id: str,
    based_on: int | None,
    mine: Answers,
    *,
    labels: Mapping[str, str],
    **kwargs: Any,
) -> MergeModel:
    """Compare the page with its base and the latest revision, after a refused save.

    Raises ``StorageError`` when the store cannot be read.

    Parameters
    ----------
    store
        Where the return is kept.
    cycle_id, agency_id
        The return.
    based_on
        The revision the page was based on (None: nothing was saved when it opened).
    mine
        What the page shows.
    labels
        Short criterion names by id, in framework order (the order decisions are asked).
    **kwargs
        Passed on to :class:`MergeModel` (framework, when, apply, submitting).
    """
    base = store.at(cycle_id, agency_id, based_on).answers if based_on else {}
    theirs = store.latest(cycle_id, agency_id)
    if theirs is None:
        raise NotFound(what="return", key=f"{cycle_id}/{agency_id}")
    revisions = [
        r
        for r in store.history(cycle_id, agency_id)
        if (based_on or 0) < r.number <= theirs.revision
    ]
    comparison = compare(base, mine, theirs.answers, order=list(labels))
    chair = store.cycle(cycle_id).words.chair or "chair"
    return MergeModel(comparison, theirs, revisions, labels=labels, chair=chair, **kwargs)
