"""Users who sign in through JupyterHub, mapped by the administrator to roles (issue #9).

A partnership that outgrows personal links runs the workbook behind JupyterHub, which
authenticates people (the council's OIDC provider, say) and starts each one's own server.
The hub knows *who* someone is; this module keeps *what they may reach*: the
administrator maps a hub username to a role, a partnership or cycle and, for an agency
member, their agencies (``workbook users add|list|remove``). A page opened in a user's
server with no personal link acts for that user (:meth:`Store.for_visitor`), as
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
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from workbook.access import Identity, Role, _day
from workbook.errors import AccessDenied, StorageError
from workbook.store import tables as T

if TYPE_CHECKING:
    from workbook.store import Store

USERNAME_PATTERN = re.compile(r"[^\s/]{1,255}")
"""A hub username: JupyterHub's own rule (no whitespace or slash), at most 255 characters."""


def normalise_username(username: str) -> str:
    """The username as JupyterHub's authenticators give it by default: stripped, lower case.

    >>> normalise_username("  Alice.Smith@Council.gov.uk ")
    'alice.smith@council.gov.uk'
    """
    return username.strip().lower()


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

    def identity(self, agency_names: Sequence[str] = ()) -> Identity:
        return Identity(
            key=f"hub:{self.username}",
            name=self.name,
            role=self.role,
            partnership_id=self.partnership_id,
            agencies=frozenset(self.agencies),
            cycle_id=self.cycle_id,
            agency_names=tuple(agency_names),
        )


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _user(row: Any) -> HubUser:
    created_at = _utc(row.created_at)
    assert created_at is not None
    return HubUser(
        id=row.id,
        username=row.username,
        name=row.name,
        role=Role(row.role),
        partnership_id=row.partnership_id,
        agencies=tuple(json.loads(row.agencies)),
        cycle_id=row.cycle_id,
        created_at=created_at,
        created_by=row.created_by,
        removed_at=_utc(row.removed_at),
        removed_by=row.removed_by,
        last_seen_at=_utc(row.last_seen_at),
    )


def _require_admin(store: Store, action: str) -> None:
    store.identity.require(store.identity.administers, action)


def _latest(store: Store, username: str) -> HubUser | None:
    """The newest row for ``username`` (active or removed), unchecked: for :func:`identify`."""
    with store._read() as conn:
        row = conn.execute(
            select(T.hub_user)
            .where(T.hub_user.c.username == username)
            .order_by(T.hub_user.c.id.desc())
            .limit(1)
        ).first()
    return _user(row) if row is not None else None


def find(store: Store, username: str) -> HubUser | None:
    """The current entry for ``username`` (the removed one if they were removed), or None."""
    _require_admin(store, "see the hub users")
    return _latest(store, normalise_username(username))


def add(
    store: Store,
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
    none; an administrator may have no partnership (every partnership). ``name`` is whom
    the user is, as their saves will show it (default: the name they had, else the
    username).
    """
    _require_admin(store, "add hub users")
    username = normalise_username(username)
    if not USERNAME_PATTERN.fullmatch(username):
        raise AccessDenied(
            "bad_user",
            reason=f"{username!r} is not a JupyterHub username (no spaces or '/', "
            "at most 255 characters)",
        )
    role, partnership_id, agencies = store.check_reach(
        role,
        partnership_id=partnership_id,
        agencies=agencies,
        cycle_id=cycle_id,
        kind="bad_user",
        what="access",
    )
    now = dt.datetime.now(dt.UTC)
    who = store.identity.name
    with store._write() as conn:
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
    replaced = None if current is None else replace(_user(current), removed_at=now, removed_by=who)
    return _by_id(store, int(inserted[0])), replaced


def _by_id(store: Store, user_id: int) -> HubUser:
    with store._read() as conn:
        row = conn.execute(select(T.hub_user).where(T.hub_user.c.id == user_id)).first()
    assert row is not None
    return _user(row)


def listing(store: Store, *, removed: bool = False) -> list[HubUser]:
    """The hub users, by username: active ones, or with ``removed`` every entry ever made."""
    _require_admin(store, "see the hub users")
    query = select(T.hub_user).order_by(T.hub_user.c.username, T.hub_user.c.id)
    if not removed:
        query = query.where(T.hub_user.c.removed_at.is_(None))
    with store._read() as conn:
        return [_user(row) for row in conn.execute(query)]


def remove(store: Store, username: str) -> HubUser:
    """Withdraw a hub user's access: the next page they open refuses them. Their entry
    and their saves are kept."""
    _require_admin(store, "remove hub users")
    username = normalise_username(username)
    now = dt.datetime.now(dt.UTC)
    with store._write() as conn:
        current = conn.execute(
            select(T.hub_user).where(
                T.hub_user.c.username == username, T.hub_user.c.removed_at.is_(None)
            )
        ).first()
        if current is None:
            raise StorageError(
                "unknown",
                what="hub user",
                key=username,
                hint="See `workbook users list`.",
            )
        conn.execute(
            update(T.hub_user)
            .where(T.hub_user.c.id == current.id)
            .values(removed_at=now, removed_by=store.identity.name)
        )
    return _by_id(store, current.id)


def identify(store: Store, username: str, *, now: dt.datetime | None = None) -> Store:
    """The store acting for hub user ``username``; AccessDenied, in words, if not in the list.

    Called by :meth:`Store.for_visitor` in a user's server under JupyterHub, where the
    store starts anonymous: so it reads the list without the administrator's rights.
    """
    username = normalise_username(username)
    user = _latest(store, username) if USERNAME_PATTERN.fullmatch(username) else None
    if user is None:
        raise AccessDenied("hub_unknown", user=username)
    if user.removed_at is not None:
        raise AccessDenied("hub_removed", user=username, when=_day(user.removed_at))
    now = now or dt.datetime.now(dt.UTC)
    with store._write() as conn:
        conn.execute(update(T.hub_user).where(T.hub_user.c.id == user.id).values(last_seen_at=now))
    return store.as_identity(user.identity(store.agency_names(user.agencies)))
