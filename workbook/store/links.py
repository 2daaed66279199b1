"""Personal links: issuing, listing and withdrawing them, and whom a token stands for.

Only a token's SHA-256 is kept, so the store cannot hand a link out again. The rules
for what a link may reach are shared with hub users (:func:`check_reach`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update

from workbook.access import (
    Identity,
    Link,
    Role,
    check_usable,
    new_token,
    token_hash,
    well_formed,
)
from workbook.errors import AccessDenied, NotFound
from workbook.store import tables as T
from workbook.store.catalog import Catalog
from workbook.store.engine import Database, utc, utc_or_none


def check_reach(
    catalog: Catalog,
    role: Role,
    *,
    partnership_id: str | None = None,
    agencies: Sequence[str] = (),
    cycle_id: str | None = None,
    kind: str = "bad_link",
    what: str = "link",
) -> tuple[Role, str | None, tuple[str, ...]]:
    """Check what a link or hub user would reach; ``(role, partnership, agencies)``.

    A cycle implies its partnership. Members need at least one agency, each a member of
    the partnership (and invited to the cycle, when one is given); other roles none.
    Problems raise ``AccessDenied(kind)`` in words naming ``what`` is being made.
    """
    role = Role(role)
    info = catalog.cycle(cycle_id) if cycle_id else None
    if info is not None:
        if partnership_id not in (None, info.partnership_id):
            raise AccessDenied(
                kind,
                reason=f"cycle {cycle_id!r} belongs to partnership {info.partnership_id!r}",
            )
        partnership_id = info.partnership_id
    if role != Role.ADMIN and partnership_id is None:
        raise AccessDenied(kind, reason=f"a {role.label}'s {what} needs a cycle or a partnership")
    if partnership_id is not None and partnership_id not in dict(catalog.partnerships()):
        raise AccessDenied(kind, reason=f"there is no partnership {partnership_id!r}")
    agencies = tuple(dict.fromkeys(agencies))
    if role == Role.MEMBER and not agencies:
        raise AccessDenied(kind, reason=f"an agency member's {what} needs an agency")
    if role != Role.MEMBER and agencies:
        raise AccessDenied(kind, reason=f"a {role.label}'s {what} is not for one agency")
    members = {a.id for a in catalog.agencies(partnership_id)} if partnership_id else set()
    for agency_id in agencies:
        if agency_id not in members:
            raise AccessDenied(
                kind, reason=f"agency {agency_id!r} is not in partnership {partnership_id!r}"
            )
        if info is not None and agency_id not in info.agencies:
            raise AccessDenied(kind, reason=f"agency {agency_id!r} is not invited to {cycle_id!r}")
    return role, partnership_id, agencies


def _link(row: Any) -> Link:
    return Link(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        partnership_id=row.partnership_id,
        agencies=tuple(json.loads(row.agencies)),
        cycle_id=row.cycle_id,
        created_at=utc(row.created_at),
        created_by=row.created_by,
        expires_at=utc_or_none(row.expires_at),
        revoked_at=utc_or_none(row.revoked_at),
        last_used_at=utc_or_none(row.last_used_at),
    )


class Links:
    """The personal links, as the administrator ``catalog.identity`` manages them.

    Parameters
    ----------
    database, catalog
        The store's connections and its catalogue as the acting identity sees it.
    """

    def __init__(self, database: Database, catalog: Catalog) -> None:
        self.database = database
        self.catalog = catalog

    def issue(
        self,
        name: str,
        role: Role,
        *,
        partnership_id: str | None = None,
        agencies: Sequence[str] = (),
        cycle_id: str | None = None,
        expires_at: dt.datetime | None = None,
    ) -> tuple[Link, str]:
        """Make a personal link; returns it and its token, which is shown once and not kept."""
        self.catalog.require_admin("issue links")
        if not name.strip():
            raise AccessDenied("bad_link", reason="a link needs the name of whom it is for")
        role, partnership_id, agencies = check_reach(
            self.catalog, role, partnership_id=partnership_id, agencies=agencies, cycle_id=cycle_id
        )
        token = new_token()
        now = dt.datetime.now(dt.UTC)
        if expires_at is not None and utc(expires_at) <= now:
            raise AccessDenied("bad_link", reason="its expiry date has already passed")
        with self.database.writing() as conn:
            inserted = conn.execute(
                insert(T.access_link).values(
                    token_hash=token_hash(token),
                    name=name.strip(),
                    role=role.value,
                    partnership_id=partnership_id,
                    agencies=json.dumps(list(agencies)),
                    cycle_id=cycle_id,
                    created_at=now,
                    created_by=self.catalog.identity.name,
                    expires_at=expires_at,
                )
            ).inserted_primary_key
        assert inserted is not None
        return self.link(int(inserted[0])), token

    def link(self, link_id: int) -> Link:
        """One link by its number (as ``workbook links`` lists it)."""
        self.catalog.require_admin("see links")
        with self.database.reading() as conn:
            row = conn.execute(select(T.access_link).where(T.access_link.c.id == link_id)).first()
        if row is None:
            raise NotFound(what="link", key=link_id, hint="See `workbook links`.")
        return _link(row)

    def links(self) -> list[Link]:
        """Every link ever issued, newest first."""
        self.catalog.require_admin("see links")
        with self.database.reading() as conn:
            rows = conn.execute(select(T.access_link).order_by(T.access_link.c.id.desc()))
            return [_link(row) for row in rows]

    def revoke(self, link_id: int) -> Link:
        """Withdraw a link at once; pages opened with it stop at their next read or save."""
        link = self.link(link_id)
        if link.revoked_at is None:
            with self.database.writing() as conn:
                conn.execute(
                    update(T.access_link)
                    .where(T.access_link.c.id == link_id)
                    .values(
                        revoked_at=dt.datetime.now(dt.UTC), revoked_by=self.catalog.identity.name
                    )
                )
        return self.link(link_id)

    def identify(self, token: str | None, *, now: dt.datetime | None = None) -> Identity:
        """Whom ``token`` stands for; AccessDenied, in words, if it is not a usable link.

        Anyone may ask (a page's store starts anonymous), so nothing here needs rights.
        """
        token = (token or "").strip()
        if not token:
            raise AccessDenied("no_token")
        if not well_formed(token):
            raise AccessDenied("bad_token")
        now = now or dt.datetime.now(dt.UTC)
        with self.database.reading() as conn:
            row = conn.execute(
                select(T.access_link).where(T.access_link.c.token_hash == token_hash(token))
            ).first()
        if row is None:
            raise AccessDenied("bad_token")
        link = _link(row)
        check_usable(link, now)
        with self.database.writing() as conn:
            conn.execute(
                update(T.access_link).where(T.access_link.c.id == link.id).values(last_used_at=now)
            )
        return link.identity(self.catalog.agency_names(link.agencies))
