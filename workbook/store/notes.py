"""Notes for one partnership on a shared return (issue #17).

An agency that answers once for several partnerships may add, on any criterion, a short
note that only one of them reads ("in Bexley the panel meets monthly"). Notes are keyed
by that partnership's own cycle, so another partnership never reads them, and they are
append-only like everything else: a change is a new row, an empty text a note taken away.
They are written by a return's save (:mod:`workbook.store.returns`) in its transaction,
and read with the same checks as the return's answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import partial

from sqlalchemy import and_, func, insert, select
from sqlalchemy.engine import Connection

from workbook.store import tables as T
from workbook.store.catalog import Catalog
from workbook.store.engine import Database
from workbook.store.revisions import last_statuses
from workbook.store.sharing import Sharing


def current(conn: Connection, cycle_id: str, agency_id: str | None) -> dict[str, dict[str, str]]:
    """The notes in force on a cycle's returns (one agency's, or all): agency -> criterion."""
    n = T.partnership_note
    where = [n.c.cycle_id == cycle_id]
    if agency_id is not None:
        where.append(n.c.agency_id == agency_id)
    newest = (
        select(n.c.agency_id, n.c.criterion_id, func.max(n.c.id).label("id"))
        .where(*where)
        .group_by(n.c.agency_id, n.c.criterion_id)
        .subquery()
    )
    rows = conn.execute(
        select(n.c.agency_id, n.c.criterion_id, n.c.text)
        .join(newest, and_(newest.c.id == n.c.id))
        .order_by(n.c.agency_id, n.c.criterion_id)
    ).all()
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        if row.text:
            found.setdefault(row.agency_id, {})[row.criterion_id] = row.text
    return found


def write(
    conn: Connection,
    cycle_id: str,
    agency_id: str,
    notes: Mapping[str, str],
    *,
    author: str,
    saved_by: str | None,
    at: dt.datetime,
) -> dict[str, str]:
    """Add a row for each note that differs from the one in force; the notes now in force."""
    before = current(conn, cycle_id, agency_id).get(agency_id, {})
    wanted = {cid: text.strip() for cid, text in notes.items()}
    changed = {cid: text for cid, text in wanted.items() if before.get(cid, "") != text}
    if changed:
        conn.execute(
            insert(T.partnership_note),
            [
                {
                    "cycle_id": cycle_id,
                    "agency_id": agency_id,
                    "criterion_id": cid,
                    "text": text,
                    "author": author,
                    "saved_by": saved_by,
                    "saved_at": at,
                }
                for cid, text in sorted(changed.items())
            ],
        )
    after = {**before, **changed}
    return {cid: text for cid, text in after.items() if text}


class Notes:
    """Reading notes for one partnership, for ``sharing``'s identity.

    Parameters
    ----------
    database, catalog, sharing
        The store's connections, its catalogue and the sharing rules, for one identity.
    """

    def __init__(self, database: Database, catalog: Catalog, sharing: Sharing) -> None:
        self.database = database
        self.catalog = catalog
        self.sharing = sharing

    def latest(self, cycle_id: str, agency_id: str) -> dict[str, str]:
        """One return's notes for this cycle's partnership, by criterion."""
        return self.for_cycle(cycle_id, agency_id).get(agency_id, {})

    def for_cycle(self, cycle_id: str, agency_id: str | None = None) -> dict[str, dict[str, str]]:
        """The notes on every return of the cycle the identity may read, by agency.

        A return's notes are read as its answers are: the agency's own members, the
        chair and analysts of this partnership; other members once it is shared.
        """
        info = self.catalog.cycle(cycle_id)
        siblings = partial(self.catalog.cycle_ids, info.partnership_id)
        if not self.database.may_hold(T.partnership_note.c.cycle_id, cycle_id, siblings):
            return {}
        with self.database.reading() as conn:
            found = current(conn, cycle_id, agency_id)
            # statuses only when there are notes: most cycles have none (a dashboard's load)
            status = last_statuses(conn, cycle_id) if found else {}
        if self.sharing.identity.administers:
            return found
        return {
            agency: notes
            for agency, notes in found.items()
            if self.sharing.may_see(info, agency, status.get(agency))
        }
