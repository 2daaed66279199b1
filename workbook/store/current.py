"""Many cycles' returns read at once, answers as their rows hold them (issue #19).

The dashboard's frame of a partnership's ten cycles is thousands of answers that were
validated when saved. :func:`read` fetches them in three statements, whatever the number
of cycles, and hands them over as their rows (:class:`ReturnRows`), which the frame reads
column by column, rather than ``Answer`` models; :mod:`workbook.store.revisions` folds one
cycle's returns for everything else.
Like it, this decides nothing about who may see what (:mod:`workbook.store.returns`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple, cast

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from workbook.schema.responses import Action, Status
from workbook.store import tables as T
from workbook.store.engine import utc


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


def read(conn: Connection, cycle_ids: Sequence[str]) -> dict[str, dict[str, ReturnRows]]:
    """Every started return of the cycles at its newest revision, by cycle and agency.

    Three statements for any number of cycles, where ``revisions.states`` takes three
    per cycle, and no model per answer. Each return is read from where it is kept (its
    home cycle when shared, issue #17) and listed under every cycle asked for that reads
    it. Who may see what is the caller's to decide.
    """
    if not cycle_ids:
        return {}
    s, r = T.shared_return, T.revision
    moved = conn.execute(
        select(s.c.cycle_id, s.c.agency_id, s.c.home_cycle_id).where(s.c.cycle_id.in_(cycle_ids))
    ).all()
    home = {(cycle, agency): at for cycle, agency, at in moved}
    kept_away = {(cycle, agency) for cycle, agency, _ in moved}
    scope = or_(
        r.c.cycle_id.in_(cycle_ids),
        *(and_(r.c.cycle_id == at, r.c.agency_id == agency) for (_, agency), at in home.items()),
    )
    heads = {(row.cycle_id, row.agency_id): row for row in _newest_revisions(conn, scope)}
    # Every answer row of the returns in revision order, so a criterion's newest row is
    # the last one kept: SQLite's GROUP BY sorted them in a temporary B-tree, which cost
    # half as much again as reading them in the index's order (bench/scale.py, #19).
    answers = {
        key: {row[2]: row[3:] for row in rows}
        for key, rows in groupby(_answer_rows(conn, scope), key=itemgetter(0, 1))
    }
    found: dict[str, dict[str, ReturnRows]] = {cycle: {} for cycle in cycle_ids}
    for (cycle, agency), head in heads.items():
        if (cycle, agency) in kept_away:  # rows left from before it was shared
            continue
        readers = [cycle] if cycle in found else []
        readers += [c for (c, a), at in home.items() if a == agency and at == cycle]
        for reader in readers:
            found[reader][agency] = ReturnRows(
                agency_id=agency,
                revision=head.number,
                status=Status(head.status),
                saved_at=utc(head.saved_at),
                rows=answers.get((cycle, agency), {}),
            )
    return found


def _newest_revisions(conn: Connection, scope: ColumnElement[bool]) -> Sequence[Any]:
    """The newest revision row of each (cycle, agency) return in ``scope``."""
    r = T.revision
    newest = (
        select(r.c.cycle_id, r.c.agency_id, func.max(r.c.number).label("number"))
        .where(scope)
        .group_by(r.c.cycle_id, r.c.agency_id)
        .subquery()
    )
    on = and_(
        newest.c.cycle_id == r.c.cycle_id,
        newest.c.agency_id == r.c.agency_id,
        newest.c.number == r.c.number,
    )
    return conn.execute(select(r).join(newest, on)).all()


def _answer_rows(conn: Connection, scope: ColumnElement[bool]) -> Sequence[tuple[Any, ...]]:
    """Every answer row of the revisions in ``scope``, with its return and revision number,
    in the order of the returns and their revisions.

    The same rows on both databases the workbook runs on, and the same reading of them
    as the floor's one query (bench/scale.py). Each revision holds only the criteria it
    changed, so the rows grow with a return's history; a table pointing at each
    criterion's current row, kept on save, would make them not.
    """
    r, a = T.revision, T.answer
    query = (
        select(
            r.c.cycle_id,
            r.c.agency_id,
            a.c.criterion_id,
            r.c.number,
            a.c.rating,
            a.c.evidence,
            a.c.going_well,
            a.c.development,
            a.c.actions,
            a.c.not_applicable,
            a.c.na_reason,
        )
        .select_from(a.join(r, a.c.revision_id == r.c.id))
        .where(scope)
    )
    return cast(Sequence[tuple[Any, ...]], conn.execute(query).all())
