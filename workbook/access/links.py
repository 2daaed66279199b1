"""Personal links: unguessable tokens, what a link grants, and the pages it opens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from workbook.access.identity import Identity, Role, grant_identity
from workbook.errors import AccessDenied

TOKEN_BYTES = 32
"""Random bytes in a link's token (43 URL-safe characters)."""
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,100}")
DEFAULT_LINK_DAYS = 90


def new_token() -> str:
    """A random, unguessable token for a personal link."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the store keeps instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def well_formed(token: str) -> bool:
    """Cheap check before any lookup, so garbage never reaches the database."""
    return bool(TOKEN_PATTERN.fullmatch(token))


@dataclass(frozen=True)
class Link:
    """A personal link as listed by ``workbook links`` (its token is never kept)."""

    id: int
    name: str
    role: Role
    partnership_id: str | None
    agencies: tuple[str, ...]
    cycle_id: str | None
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    def state(self, now: dt.datetime) -> str:
        """'active', 'expired' or 'revoked'."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def identity(self, agency_names: Iterable[str] = ()) -> Identity:
        """Whom the link's holder acts as (see :class:`workbook.access.identity.Grant`)."""
        return grant_identity(f"link:{self.id}", self, agency_names)


def check_usable(link: Link, now: dt.datetime) -> None:
    """Refuse an expired or revoked link with the date, in words."""
    state = link.state(now)
    if state == "revoked" and link.revoked_at is not None:
        raise AccessDenied("revoked", when=day_in_words(link.revoked_at))
    if state == "expired" and link.expires_at is not None:
        raise AccessDenied("expired", when=day_in_words(link.expires_at))


def day_in_words(moment: dt.datetime) -> str:
    """A moment as messages give it: '3 March 2031 at 09:00 UTC'."""
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M} UTC"


def expiry_from_date(day: dt.date) -> dt.datetime:
    """A link 'expiring on' a date works through that whole day (UTC)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=dt.UTC)


PAGES = {Role.MEMBER: "form.ipynb", Role.CHAIR: "dashboard.ipynb", Role.ANALYST: "dashboard.ipynb"}


def page_url(
    base_url: str,
    page: str,
    token: str,
    *,
    cycle_id: str | None = None,
    agency_id: str | None = None,
) -> str:
    """The Voila address of a page, carrying the token and what to open."""
    query: dict[str, str] = {}
    if cycle_id:
        query["cycle"] = cycle_id
    if agency_id:
        query["agency"] = agency_id
    query["token"] = token
    return f"{base_url.rstrip('/')}/voila/render/{page}?{urlencode(query)}"


def link_urls(
    base_url: str,
    token: str,
    role: Role,
    *,
    cycle_id: str | None = None,
    agencies: Iterable[str] = (),
) -> dict[str, str]:
    """The addresses a new link opens: its start page, and the form or dashboard directly."""
    urls = {"start page": page_url(base_url, "index.ipynb", token)}
    agencies = list(agencies)
    if role == Role.MEMBER:
        for agency_id in agencies:
            urls[f"return for {agency_id}"] = page_url(
                base_url, "form.ipynb", token, cycle_id=cycle_id, agency_id=agency_id
            )
    elif role in PAGES:
        urls["dashboard"] = page_url(base_url, PAGES[role], token, cycle_id=cycle_id)
    return urls
