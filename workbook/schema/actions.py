"""Actions followed to done: one action, its status and its history, across cycles (issue #15).

An action is written inside a return (``responses.Action``: text, owner, due) and from
then on is *tracked*: it keeps its id from cycle to cycle, and every change to it (its
words, owner, due date, criteria, status, a progress note) is a new revision, as a
return's are. Its status says where it stands; nothing here reads the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from enum import StrEnum

from pydantic import Field

from workbook.schema.framework import Model
from workbook.schema.responses import Answer, Answers

MAX_NOTE = 4000
"""Longest progress note or reason accepted (about a page and a half)."""

STUCK_DAYS = 90
"""An unfinished action with no progress note for this many days is stuck."""

ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed back


NEW_ID_LENGTH = 8
"""Characters after ``A-`` in a fresh id: 40 bits. With 6 (30 bits), a store holding
16,000 actions (1,000 agencies' returns) gave one of its ids again to about one run in
eight of 1,000 imports, and the save was refused as naming another agency's action."""


def new_action_id() -> str:
    """A fresh action id, short enough to type from a spreadsheet: ``A-`` and 8 characters.

    Random, so that pages and files can name a new action before it is saved; long
    enough that a store's other actions are practically never named again (ids already
    given, 6 characters long, stay valid).
    """
    return "A-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(NEW_ID_LENGTH))


def derived_action_id(*parts: object) -> str:
    """The same id for the same ``parts``: for synthetic data that must come out the same.

    >>> derived_action_id("demo", 1) == derived_action_id("demo", 1) != derived_action_id(2)
    True
    """
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return "A-" + "".join(ID_ALPHABET[b % len(ID_ALPHABET)] for b in digest[:6])


class ActionStatus(StrEnum):
    """Where an action stands."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        """Words for users."""
        return self.value.replace("_", " ").capitalize()

    @property
    def finished(self) -> bool:
        """Done or dropped: no longer followed, not carried into a new cycle."""
        return self in (ActionStatus.DONE, ActionStatus.DROPPED)

    @classmethod
    def parse(cls, text: str) -> ActionStatus:
        """A status from its key or its label, any case ('In progress', 'in_progress')."""
        words = text.strip().lower().replace(" ", "_").replace("-", "_")
        return cls(words)


class TopScope(StrEnum):
    """Which list an action is marked in: the partnership's top 5 or an agency's top 3."""

    PARTNERSHIP = "partnership"
    AGENCY = "agency"

    @property
    def limit(self) -> int:
        return 5 if self is TopScope.PARTNERSHIP else 3


class TopState(StrEnum):
    """A mark's state. A member nominates its agency's top 3; the chair confirms or challenges."""

    NOMINATED = "nominated"
    CONFIRMED = "confirmed"
    CHALLENGED = "challenged"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def counts(self) -> bool:
        """Whether the mark takes one of the list's places."""
        return self in (TopState.NOMINATED, TopState.CONFIRMED)


class TrackedAction(Model):
    """An action as it stands now (its latest revision), with what it belongs to."""

    id: str
    partnership_id: str
    agency_id: str | None = Field(None, description="None: the partnership's own action.")
    text: str
    owner: str = ""
    due: dt.date | None = None
    criteria: tuple[str, ...] = ()
    involves: tuple[str, ...] = Field((), description="Agencies a partnership action involves.")
    status: ActionStatus = ActionStatus.OPEN
    reason: str = Field("", description="Why it was dropped.")
    cycles: tuple[str, ...] = Field((), description="The cycles it was part of, oldest first.")
    reach: tuple[tuple[str, str], ...] = Field(
        (),
        description="(partnership, cycle) of each cycle it is part of: another partnership's "
        "too when it is in a return shared with it (issue #17).",
    )
    revision: int = 1
    updated_at: dt.datetime
    last_note_at: dt.datetime | None = Field(None, description="When progress was last noted.")
    created_at: dt.datetime

    def overdue(self, today: dt.date) -> bool:
        """Not done or dropped, and past its due date."""
        return not self.status.finished and self.due is not None and self.due < today

    def stuck(self, today: dt.date, days: int = STUCK_DAYS) -> bool:
        """Unfinished with no progress noted for ``days`` (counted from creation if never)."""
        if self.status.finished:
            return False
        since = (self.last_note_at or self.created_at).date()
        return (today - since).days >= days


class ActionRevision(Model):
    """One change to an action: the whole action after it, the note it added, who and when."""

    action_id: str
    number: int
    text: str
    owner: str
    due: dt.date | None
    criteria: tuple[str, ...]
    involves: tuple[str, ...] = ()
    status: ActionStatus
    reason: str
    note: str = ""
    author: str
    saved_by: str | None = None
    saved_at: dt.datetime


class ActionChange(Model):
    """What one update changes; None leaves a field as it is. ``note`` adds a progress note."""

    text: str | None = Field(None, max_length=10_000)
    owner: str | None = Field(None, max_length=200)
    due: dt.date | None = None
    clear_due: bool = False
    criteria: tuple[str, ...] | None = None
    involves: tuple[str, ...] | None = None
    status: ActionStatus | None = None
    reason: str | None = Field(None, max_length=MAX_NOTE)
    note: str = Field("", max_length=MAX_NOTE)

    @property
    def empty(self) -> bool:
        return not (
            self.text is not None
            or self.owner is not None
            or self.due is not None
            or self.clear_due
            or self.criteria is not None
            or self.involves is not None
            or self.status is not None
            or self.reason is not None
            or self.note.strip()
        )


class TopMark(Model):
    """One word on one action in one cycle's top list; the latest is the current one."""

    id: int
    cycle_id: str
    action_id: str
    scope: TopScope
    state: TopState
    comment: str = ""
    author: str
    saved_at: dt.datetime


def assign_ids(
    before: Answers, after: Answers, new_id: Callable[[], str] = new_action_id
) -> dict[str, Answer]:
    """``after`` with an id on every action, so a save keeps each action's identity.

    A page or a file may send an action without its id (typed anew, or from an older
    spreadsheet). It takes the id of the action it replaces in ``before`` (the revision
    the save is based on): on the same criterion, first one with the same words, then
    the one in the same place; otherwise it is a new action with a new id.

    >>> from workbook.schema.responses import Action
    >>> old = {"c1": Answer(actions=(Action(text="Audit", id="A-AAAAAA"),))}
    >>> new = {"c1": Answer(actions=(Action(text="Audit, twice a year"),))}
    >>> assign_ids(old, new)["c1"].actions[0].id
    'A-AAAAAA'
    """
    taken = {a.id for answer in after.values() for a in answer.actions if a.id}
    result: dict[str, Answer] = {}
    for criterion_id, answer in after.items():
        if all(a.id for a in answer.actions):
            result[criterion_id] = answer
            continue
        old = [a for a in before.get(criterion_id, Answer()).actions if a.id not in taken]
        by_text = {a.text: a.id for a in reversed(old)}
        actions = list(answer.actions)
        for number, action in enumerate(actions):  # same words first
            found = by_text.get(action.text) if action.id is None else None
            if found and found not in taken:
                actions[number] = action.model_copy(update={"id": found})
                taken.add(found)
        before_actions = before.get(criterion_id, Answer()).actions
        for number, action in enumerate(actions):  # then the same place, else a new id
            if action.id is not None:
                continue
            same_place = before_actions[number].id if number < len(before_actions) else None
            if same_place is not None and same_place not in taken:
                chosen = same_place
            else:
                chosen = new_id()
                while chosen in taken:
                    chosen = new_id()
            actions[number] = action.model_copy(update={"id": chosen})
            taken.add(chosen)
        result[criterion_id] = answer.model_copy(update={"actions": tuple(actions)})
    return result
