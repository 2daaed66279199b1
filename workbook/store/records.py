"""What the store hands out: its records, importable without SQLAlchemy (issue #19).

A page's kernel reads the store through the store service (:mod:`workbook.store.remote`),
which sends these back pickled; a kernel unpickling one imports the module that defines
it. Kept here, away from the queries, they cost a form's kernel none of SQLAlchemy's
10 MiB. The modules that make them import them from here, and callers may import them
from either.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from workbook.access import Identity, Role, grant_identity
from workbook.schema.evidence import CaseAudit, Indicator
from workbook.schema.partnership import Timetable, Words, merged_words
from workbook.schema.responses import Action, Answer, Status


@dataclass(frozen=True)
class CycleInfo:
    """A cycle as stored: its framework version is fixed."""

    id: str
    partnership_id: str
    title: str
    framework_id: str
    framework_version: str
    timetable: Timetable
    agencies: tuple[str, ...]
    words: Words = merged_words()
    """The group, board and chair this cycle's pages and papers name (issue #16)."""
    shared_returns: bool = False
    """It accepts returns shared with other partnerships' cycles (issue #17)."""


class StoredAnswer(NamedTuple):
    """One criterion's answer as its row holds it, for reading many returns at once.

    :class:`Answer` validates every field again on the way out; a partnership's
    dashboard reads thousands of rows that were validated when saved, and building a
    model per row was a quarter of its time (bench/scale.py, issue #19). The fields the
    frame reads are the same, so the frame takes either. An empty answer is kept.
    """

    rating: str | None
    evidence: str
    going_well: str
    development: str
    action_records: tuple[dict[str, Any], ...]
    """Each action as ``Action.model_dump()`` gives it (``due`` a date), the frame's form."""
    not_applicable: bool
    na_reason: str

    @property
    def actions(self) -> tuple[Action, ...]:
        """The actions as models, as :class:`Answer` has them."""
        return tuple(Action(**record) for record in self.action_records)


_ACTION_DEFAULTS: dict[str, Any] = {"text": "", "owner": "", "due": None, "id": None}
"""An action record's fields (``Action.model_dump()``'s), with what a missing one is."""


def action_records(stored: str) -> tuple[dict[str, Any], ...]:
    """An ``answer.actions`` column's JSON as ``Action.model_dump()`` records."""
    return many_action_records([stored])[0]


def many_action_records(stored: Sequence[str]) -> list[tuple[dict[str, Any], ...]]:
    """Many ``answer.actions`` columns' JSON as ``Action.model_dump()`` records.

    Read with the standard library, not pydantic: it was checked when saved, and half of
    a partnership's answers carry actions (a fifth of the dashboard's read, issue #19).
    The answers that have any are parsed in one ``json.loads`` call, and json's own
    dicts are made what ``model_dump()`` gives in place.
    """
    found: list[tuple[dict[str, Any], ...]] = [() for _ in stored]
    text = [i for i, s in enumerate(stored) if s != "[]"]
    if not text:
        return found
    parsed = json.loads("[" + ",".join(stored[i] for i in text) + "]")
    date = dt.date.fromisoformat
    for i, items in zip(text, parsed, strict=True):
        for item in items:
            if len(item) != len(_ACTION_DEFAULTS):  # written without a field's default
                for key, default in _ACTION_DEFAULTS.items():
                    item.setdefault(key, default)
            if item["due"]:
                item["due"] = date(item["due"])
        found[i] = tuple(items)
    return found


StoredRow = tuple[int, str | None, str, str, str, str, bool, str]
"""A current answer's row: revision number, rating, evidence, going well, development,
actions (the column's JSON), not applicable and its reason."""


@dataclass(frozen=True)
class ReturnRows:
    """A return's newest revision and its current answers as their rows hold them.

    ``rows`` is what the dashboard's frame reads, column by column, with no object per
    answer (:mod:`workbook.analysis.cells`); ``answers`` makes :class:`StoredAnswer`
    tuples of them for everyone else, once, when first asked.
    """

    agency_id: str
    revision: int
    status: Status
    saved_at: dt.datetime
    rows: dict[str, StoredRow]
    """Each criterion's current row, by criterion id."""

    @cached_property
    def answers(self) -> dict[str, StoredAnswer]:
        """The current answers, by criterion id."""
        make = StoredAnswer._make
        return {
            criterion: make((rating, evidence, well, develop, action_records(acts), na, why))
            for criterion, (_, rating, evidence, well, develop, acts, na, why) in self.rows.items()
        }


@dataclass(frozen=True)
class CycleReturns:
    """What one cycle's dashboard reads of its returns: each invited agency's status, and
    the returns the identity may see (:meth:`workbook.store.Store.current`)."""

    statuses: dict[str, Status]
    returns: dict[str, ReturnRows]


@dataclass(frozen=True)
class ReturnState:
    """An agency's return as of one revision."""

    cycle_id: str
    agency_id: str
    revision: int
    status: Status
    author: str
    saved_at: dt.datetime
    answers: dict[str, Answer] = field(default_factory=dict)


@dataclass(frozen=True)
class RevisionInfo:
    """One entry of a return's history: who saved what, when, and why."""

    number: int
    based_on: int | None
    status: Status
    author: str
    saved_at: dt.datetime
    note: str
    changes: dict[str, list[str]]
    saved_by: str | None = None


@dataclass(frozen=True)
class SharedWith:
    """Another partnership's cycle that reads the same return."""

    cycle_id: str
    cycle_title: str
    partnership_id: str
    partnership_name: str
    home: bool
    """The return is kept under this cycle."""


@dataclass(frozen=True)
class Joined:
    """What loading a cycle did about one agency's return: shared, or kept apart."""

    agency_id: str
    cycle_id: str
    home_cycle_id: str
    apart: tuple[str, ...] = ()
    """Cycles whose own return was started before sharing, and so stays separate."""

    @property
    def shared(self) -> bool:
        return not self.apart


@dataclass(frozen=True)
class LoadSummary:
    """What a load did: ids added, changed (a new revision) and unchanged, by kind."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    def describe(self) -> str:
        """In words, for the CLI and the dashboard."""
        parts = [
            f"{len(ids)} {what}"
            for what, ids in (
                ("added", self.added),
                ("changed", self.changed),
                ("unchanged", self.unchanged),
            )
            if ids
        ]
        return ", ".join(parts) or "nothing to load"


@dataclass(frozen=True)
class ItemRevision:
    """One revision of one indicator or audit."""

    kind: str
    key: str
    number: int
    item: Indicator | CaseAudit
    source: str
    author: str
    saved_at: dt.datetime


@dataclass(frozen=True)
class Dismissal:
    """The chair's latest word on one contradiction: dismissed (with why) or restored."""

    key: str
    dismissed: bool
    reason: str
    author: str
    saved_at: dt.datetime


@dataclass(frozen=True)
class HubUser:
    """One entry of the administrator's list of hub users (a row of ``hub_user``)."""

    id: int
    username: str
    name: str
    role: Role
    partnership_id: str | None
    agencies: tuple[str, ...]
    cycle_id: str | None
    created_at: dt.datetime
    created_by: str
    removed_at: dt.datetime | None
    removed_by: str | None
    last_seen_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.removed_at is None

    def identity(self, agency_names: Iterable[str] = ()) -> Identity:
        """Whom this user acts as (see :class:`workbook.access.Grant`)."""
        return grant_identity(f"hub:{self.username}", self, agency_names)


@dataclass(frozen=True)
class Moderation:
    """One recorded moderation of one agency's self-rating of one criterion."""

    id: int
    cycle_id: str
    agency_id: str
    criterion_id: str
    rating: str | None
    comment: str
    self_rating: str | None
    revision: int | None
    author: str
    saved_at: dt.datetime


@dataclass(frozen=True)
class ActionMark:
    """One marking (or unmarking) of an action as a top priority."""

    id: int
    cycle_id: str
    agency_id: str
    criterion_id: str
    action_text: str
    scope: str
    marked: bool
    author: str
    saved_at: dt.datetime

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """What identifies the marked action within its cycle, with the scope."""
        return (self.cycle_id, self.agency_id, self.criterion_id, self.action_text, self.scope)
