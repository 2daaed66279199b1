"""Who may see which returns and comparisons, from what the store says about a cycle.

The decisions themselves are :class:`workbook.access.Identity`'s, from plain facts; this
module finds the facts they need in the store (is the cycle shared? is the return
submitted?) and records the chair's sharing of a cycle with the partnership.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from workbook.access import Identity, Role
from workbook.errors import AccessDenied, NotFound
from workbook.schema.responses import Status
from workbook.store import tables as T
from workbook.store.catalog import Catalog
from workbook.store.engine import Database
from workbook.store.records import CycleInfo


class Sharing:
    """Sharing a cycle, and what ``identity`` may see because of it.

    Parameters
    ----------
    database, catalog, identity
        The store's connections, its catalogue as ``identity`` sees it, and whom for.
    """

    def __init__(self, database: Database, catalog: Catalog, identity: Identity) -> None:
        self.database = database
        self.catalog = catalog
        self.identity = identity

    def is_shared(self, cycle_id: str) -> bool:
        """Whether the chair has shared the cycle's returns with the partnership."""
        with self.database.reading() as conn:
            shared = conn.scalar(
                select(T.cycle_share.c.shared)
                .where(T.cycle_share.c.cycle_id == cycle_id)
                .order_by(T.cycle_share.c.id.desc())
                .limit(1)
            )
        return bool(shared)

    def share(self, cycle_id: str, *, shared: bool = True, author: str | None = None) -> None:
        """Share a cycle's submitted returns with every member of the partnership (or stop)."""
        info = self.catalog.cycle(cycle_id)
        who = self.identity
        who.require(who.can_moderate(info.partnership_id, cycle_id), "share this cycle")
        with self.database.writing() as conn:
            conn.execute(
                insert(T.cycle_share).values(
                    cycle_id=cycle_id,
                    shared=shared,
                    author=author or who.name,
                    saved_at=dt.datetime.now(dt.UTC),
                )
            )

    def may_compare(self, cycle_id: str) -> bool:
        """Whether the identity may see the cycle's comparisons (dashboard, reports)."""
        info = self.catalog.cycle(cycle_id)
        who = self.identity
        if who.role != Role.MEMBER:
            return who.can_see_cycle(info.partnership_id, cycle_id, shared=False)
        return who.can_see_cycle(info.partnership_id, cycle_id, shared=self.is_shared(cycle_id))

    def require_compare(self, cycle_id: str) -> CycleInfo:
        """The cycle, if the identity may see its comparisons; else AccessDenied."""
        info = self.catalog.cycle(cycle_id)
        self.identity.require(self.may_compare(cycle_id), f"see the comparisons for {info.title}")
        return info

    def require_moderator(self, cycle_id: str) -> CycleInfo:
        """The cycle, if the identity is its chair (or an administrator); else AccessDenied."""
        info = self.catalog.cycle(cycle_id)
        who = self.identity
        who.require(who.can_moderate(info.partnership_id, cycle_id), "moderate this cycle")
        return info

    def may_see(self, info: CycleInfo, agency_id: str, status: Status | None) -> bool:
        """Whether the identity may read this return's answers (given its status)."""
        who = self.identity
        if who.role != Role.MEMBER or who.owns(agency_id):
            return who.can_see_return(
                info.partnership_id, info.id, agency_id, shared=False, submitted=False
            )
        submitted = status == Status.SUBMITTED
        shared = submitted and self.is_shared(info.id)
        return who.can_see_return(
            info.partnership_id, info.id, agency_id, shared=shared, submitted=submitted
        )

    def denial(self, agency_id: str, what: str = "see") -> AccessDenied:
        """The refusal to ``what`` an agency's return, naming the agency as people know it."""
        try:
            name = self.catalog.agency(agency_id).name
        except NotFound:
            name = agency_id
        who = self.identity
        if who.anonymous:
            return AccessDenied("no_token")
        return AccessDenied("forbidden", who=who.describe(), action=f"{what} {name}'s return")
