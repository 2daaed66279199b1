"""One return for several partnerships (issue #17): which returns are shared, and with whom.

Police forces, NHS trusts and probation answer the same self-assessment for each
partnership they work with. When two partnerships' cycles run the same framework version,
are open at overlapping times, both accept shared returns and both invite an agency, that
agency's return is kept once, under a *home* cycle, and each other cycle reads and saves it
there (``shared_return``; :mod:`workbook.store.revisions` folds it in). Moderation,
highlights, top marks and notes for one partnership stay keyed by each partnership's own
cycle.

Returns already started separately are never merged: each keeps its own history, and
loading says so.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from workbook.access import Identity
from workbook.store import action_rows
from workbook.store import tables as T
from workbook.store.catalog import Catalog
from workbook.store.engine import Database
from workbook.store.records import CycleInfo, Joined, SharedWith


def overlap(a: CycleInfo, b: CycleInfo) -> bool:
    """Whether two cycles take returns at overlapping times (their open-to-due windows)."""
    ta, tb = a.timetable, b.timetable
    return ta.returns_open <= tb.returns_due and tb.returns_open <= ta.returns_due


def partners(info: CycleInfo, every: list[CycleInfo]) -> list[CycleInfo]:
    """Other partnerships' cycles ``info``'s returns may be shared with, oldest first."""
    if not info.shared_returns:
        return []
    return [
        c
        for c in every
        if c.shared_returns
        and c.partnership_id != info.partnership_id
        and (c.framework_id, c.framework_version) == (info.framework_id, info.framework_version)
        and overlap(c, info)
    ]


def _started(conn: Connection, cycle_ids: list[str], agency_id: str) -> set[str]:
    """Those of ``cycle_ids`` holding revisions of the agency's return under themselves."""
    r = T.revision
    return set(
        conn.scalars(
            select(r.c.cycle_id)
            .where(r.c.cycle_id.in_(cycle_ids), r.c.agency_id == agency_id)
            .group_by(r.c.cycle_id)
            .having(func.count() > 0)
        )
    )


class SharedReturns:
    """Shared returns as ``identity`` sees them; only an administrator makes them.

    Parameters
    ----------
    database, catalog, identity
        The store's connections, its catalogue as ``identity`` sees it, and whom for.
    """

    def __init__(self, database: Database, catalog: Catalog, identity: Identity) -> None:
        self.database = database
        self.catalog = catalog
        self.identity = identity

    def join(self, cycle_id: str, *, at: dt.datetime | None = None) -> list[Joined]:
        """Share ``cycle_id``'s returns with its partner cycles, agency by agency.

        Called by ``workbook load`` after the cycle is stored. For each invited agency
        also invited to a partner cycle, the group's home is the cycle already holding
        its return (or the one an earlier load chose); with none started yet, the
        oldest partner cycle. A cycle that started its own return first keeps it.
        Loading again changes nothing that is already shared.
        """
        self.catalog.require_admin("share returns between partnerships")
        info = self.catalog.cycle(cycle_id)
        every = self.catalog.cycles(None)
        found = partners(info, every)
        if not found:
            return []
        now = at or dt.datetime.now(dt.UTC)
        s = T.shared_return
        done = []
        with self.database.writing() as conn:
            for agency_id in info.agencies:
                group = [info.id] + [c.id for c in found if agency_id in c.agencies]
                if len(group) == 1:
                    continue
                rows = conn.execute(
                    select(s.c.cycle_id, s.c.home_cycle_id).where(
                        s.c.cycle_id.in_(group), s.c.agency_id == agency_id
                    )
                ).all()
                homes = {row.cycle_id: row.home_cycle_id for row in rows}
                started = _started(conn, group, agency_id)
                chosen = next(iter(sorted(set(homes.values()))), None)
                if chosen is None:
                    chosen = sorted(started)[0] if started else group[1]
                apart = tuple(sorted(started - {chosen}))
                for other in group:
                    if other == chosen or other in homes or other in started:
                        continue
                    conn.execute(
                        insert(s).values(
                            cycle_id=other,
                            agency_id=agency_id,
                            home_cycle_id=chosen,
                            created_at=now,
                        )
                    )
                    self._link_actions(conn, chosen, other, agency_id, now)
                done.append(Joined(agency_id, info.id, homes.get(info.id, chosen), apart))
        return done

    @staticmethod
    def _link_actions(
        conn: Connection, home: str, reader: str, agency_id: str, at: dt.datetime
    ) -> None:
        """Make the actions already in the home return part of the cycle now reading it."""
        a, ac = T.tracked_action, T.action_cycle
        ids = conn.scalars(
            select(a.c.id)
            .join(ac, ac.c.action_id == a.c.id)
            .where(ac.c.cycle_id == home, a.c.agency_id == agency_id)
        ).all()
        for action_id in ids:
            action_rows.link(conn, action_id, reader, carried=False, at=at)

    def with_whom(self, cycle_id: str) -> dict[str, list[SharedWith]]:
        """For each agency whose return for ``cycle_id`` is shared, the other cycles reading it.

        Open to whoever reaches the cycle: which partnerships an agency answers for is
        no secret, and the other cycles' returns, moderation and notes stay out of reach.
        """
        info = self.catalog.cycle(cycle_id)
        s, c, p = T.shared_return, T.cycle, T.partnership
        siblings = partial(self.catalog.cycle_ids, info.partnership_id)
        if not (
            self.database.may_hold(s.c.cycle_id, cycle_id, siblings)
            or self.database.may_hold(s.c.home_cycle_id, cycle_id, siblings)
        ):
            return {}
        with self.database.reading() as conn:
            mine = {
                agency: home
                for agency, home in conn.execute(
                    select(s.c.agency_id, s.c.home_cycle_id).where(s.c.cycle_id == cycle_id)
                )
            }
            held = conn.execute(
                select(s.c.agency_id, s.c.home_cycle_id).where(s.c.home_cycle_id == cycle_id)
            ).all()
            for agency, home in held:
                mine.setdefault(agency, home)
            if not mine:
                return {}
            group = conn.execute(
                select(s.c.agency_id, s.c.cycle_id, s.c.home_cycle_id).where(
                    s.c.home_cycle_id.in_(set(mine.values())), s.c.agency_id.in_(list(mine))
                )
            ).all()
            readers: dict[str, set[str]] = {a: {h} for a, h in mine.items()}
            for agency, reader, home in group:
                if mine.get(agency) == home:
                    readers[agency].add(reader)
            ids = {cid for cycles in readers.values() for cid in cycles}
            cycles = {
                row.id: row
                for row in conn.execute(
                    select(c.c.id, c.c.title, c.c.partnership_id, p.c.name)
                    .join(p, p.c.id == c.c.partnership_id)
                    .where(c.c.id.in_(ids))
                )
            }
        return {
            agency: [
                SharedWith(
                    cycle_id=other,
                    cycle_title=cycles[other].title,
                    partnership_id=cycles[other].partnership_id,
                    partnership_name=cycles[other].name,
                    home=other == mine[agency],
                )
                for other in sorted(ids_, key=lambda x: (cycles[x].name, x))
                if other != cycle_id
            ]
            for agency, ids_ in sorted(readers.items())
        }

    def shares(self, cycle_id: str, agency_id: str) -> list[SharedWith]:
        """The other cycles reading this agency's return for ``cycle_id`` (empty: not shared)."""
        return self.with_whom(cycle_id).get(agency_id, [])
