"""Many cycles' returns read at once, answers as their rows hold them (issue #19).

The dashboard's frame of a partnership's ten cycles is thousands of answers that were
validated when saved. :func:`read` fetches them in three statements, whatever the number
of cycles, and hands them over as their rows (:class:`ReturnRows`), which the frame reads
column by column, rather than ``Answer`` models; :mod:`workbook.store.revisions` folds one
cycle's returns for everything else.
Like it, this decides nothing about who may see what (:mod:`workbook.store.returns`).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from workbook.schema.responses import Status
from workbook.store import tables as T
from workbook.store.engine import utc
from workbook.store.records import ReturnRows


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
