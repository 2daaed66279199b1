"""Users who sign in through JupyterHub, mapped by the administrator to roles (issue #9).

A partnership that outgrows personal links runs the workbook behind JupyterHub, which
authenticates people (the council's OIDC provider, say) and starts each one's own server.
The hub knows *who* someone is; this module keeps *what they may reach*: the
administrator maps a hub username to a role, a partnership or cycle and, for an agency
member, their agencies (``workbook users add|list|remove``). A page opened in a user's
server with no personal link acts for that user (``Store.for_visitor``), as
``hub:NAME``; a user who is not in the list, or was removed, is refused in words, as a
bad link is.

Nothing is deleted: removing a user stamps their row, and adding them again (or changing
what they reach) adds a new row, so the list's history stays in the store. The decisions
themselves are :class:`workbook.access.Identity`'s, as for links.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import insert, select, update

from workbook.access import Identity, Role, day_in_words
from workbook.errors import AccessDenied, NotFound
from workbook.store import tables as T
from workbook.store.catalog import Catalog
from workbook.store.engine import Database, utc, utc_or_none
from workbook.store.links import check_reach
from workbook.store.records import HubUser

USERNAME_PATTERN = re.compile(r"[^\s/]{1,255}")
"""A hub username: JupyterHub's own rule (no whitespace or slash), at most 255 characters."""


def normalise_username(username: str) -> str:
    """The username as JupyterHub's authenticators give it by default: stripped, lower case.

    >>> normalise_username("  Alice.Smith@Council.gov.uk ")
    'alice.smith@council.gov.uk'
    """
    return username.strip().lower()


def _user(row: Any) -> HubUser:
    return HubUser(
        id=row.id,
        username=row.username,
        name=row.name,
        role=Role(row.role),
        partnership_id=row.partnership_id,
        agencies=tuple(json.loads(row.agencies)),
        cycle_id=row.cycle_id,
        created_at=utc(row.created_at),
        created_by=row.created_by,
        removed_at=utc_or_none(row.removed_at),
        removed_by=row.removed_by,
        last_seen_at=utc_or_none(row.last_seen_at),
    )


class HubUsers:
    """The administrator's list of hub users, as ``catalog.identity`` may manage it.

    Parameters
    ----------
    database, catalog
        The store's connections and its catalogue as the acting identity sees it.
    """

    def __init__(self, database: Database, catalog: Catalog) -> None:
        self.database = database
        self.catalog = catalog

    def _latest(self, username: str) -> HubUser | None:
        """The newest row for ``username`` (active or removed), unchecked: for identify."""
        with self.database.reading() as conn:
            row = conn.execute(
                select(T.hub_user)
                .where(T.hub_user.c.username == username)
                .order_by(T.hub_user.c.id.desc())
                .limit(1)
            ).first()
        return _user(row) if row is not None else None

    def _by_id(self, user_id: int) -> HubUser:
        with self.database.reading() as conn:
            row = conn.execute(select(T.hub_user).where(T.hub_user.c.id == user_id)).first()
        assert row is not None
        return _user(row)

    def find(self, username: str) -> HubUser | None:
        """The current entry for ``username`` (the removed one if they were removed), or None."""
        self.catalog.require_admin("see the hub users")
        return self._latest(normalise_username(username))

    def add(
        self,
        username: str,
        role: Role,
        *,
        name: str | None = None,
        partnership_id: str | None = None,
        agencies: Sequence[str] = (),
        cycle_id: str | None = None,
    ) -> tuple[HubUser, HubUser | None]:
        """Map a hub user to a role; returns the new entry and the active one it replaced.

        The same checks as a personal link: a cycle implies its partnership, a member needs
        agencies of the partnership (invited to the cycle, when one is given), other roles
        none; an administrator may have no partnership (every partnership). ``name`` is
        whom the user is, as their saves will show it (default: the name they had, else
        the username).
        """
        self.catalog.require_admin("add hub users")
        username = normalise_username(username)
        if not USERNAME_PATTERN.fullmatch(username):
            raise AccessDenied(
                "bad_user",
                reason=f"{username!r} is not a JupyterHub username (no spaces or '/', "
                "at most 255 characters)",
            )
        role, partnership_id, agencies = check_reach(
            self.catalog,
            role,
            partnership_id=partnership_id,
            agencies=agencies,
            cycle_id=cycle_id,
            kind="bad_user",
            what="access",
        )
        now = dt.datetime.now(dt.UTC)
        who = self.catalog.identity.name
        with self.database.writing() as conn:
            current = conn.execute(
                select(T.hub_user).where(
                    T.hub_user.c.username == username, T.hub_user.c.removed_at.is_(None)
                )
            ).first()
            shown = (name or "").strip() or (current.name if current is not None else username)
            if current is not None:
                conn.execute(
                    update(T.hub_user)
                    .where(T.hub_user.c.id == current.id)
                    .values(removed_at=now, removed_by=who)
                )
            inserted = conn.execute(
                insert(T.hub_user).values(
                    username=username,
                    name=shown,
                    role=role.value,
                    partnership_id=partnership_id,
                    agencies=json.dumps(list(agencies)),
                    cycle_id=cycle_id,
                    created_at=now,
                    created_by=who,
                )
            ).inserted_primary_key
        assert inserted is not None
        replaced = (
            None if current is None else replace(_user(current), removed_at=now, removed_by=who)
        )
        return self._by_id(int(inserted[0])), replaced

    def listing(self, *, removed: bool = False) -> list[HubUser]:
        """The hub users, by username: active ones, or with ``removed`` every entry ever made."""
        self.catalog.require_admin("see the hub users")
        query = select(T.hub_user).order_by(T.hub_user.c.username, T.hub_user.c.id)
        if not removed:
            query = query.where(T.hub_user.c.removed_at.is_(None))
        with self.database.reading() as conn:
            return [_user(row) for row in conn.execute(query)]

    def remove(self, username: str) -> HubUser:
        """Withdraw a hub user's access: the next page they open refuses them. Their entry
        and their saves are kept."""
        self.catalog.require_admin("remove hub users")
        username = normalise_username(username)
        now = dt.datetime.now(dt.UTC)
        with self.database.writing() as conn:
            current = conn.execute(
                select(T.hub_user).where(
                    T.hub_user.c.username == username, T.hub_user.c.removed_at.is_(None)
                )
            ).first()
            if current is None:
                raise NotFound(what="hub user", key=username, hint="See `workbook users list`.")
            conn.execute(
                update(T.hub_user)
                .where(T.hub_user.c.id == current.id)
                .values(removed_at=now, removed_by=self.catalog.identity.name)
            )
        return self._by_id(current.id)

    def identify(self, username: str, *, now: dt.datetime | None = None) -> Identity:
        """Whom hub user ``username`` acts as; AccessDenied, in words, if not in the list.

        Called for a page opened in a user's server under JupyterHub, where the store
        starts anonymous: so it reads the list without the administrator's rights.
        """
        username = normalise_username(username)
        user = self._latest(username) if USERNAME_PATTERN.fullmatch(username) else None
        if user is None:
            raise AccessDenied("hub_unknown", user=username)
        if user.removed_at is not None:
            raise AccessDenied("hub_removed", user=username, when=day_in_words(user.removed_at))
        now = now or dt.datetime.now(dt.UTC)
        with self.database.writing() as conn:
            conn.execute(
                update(T.hub_user).where(T.hub_user.c.id == user.id).values(last_seen_at=now)
            )
        return user.identity(self.catalog.agency_names(user.agencies))
