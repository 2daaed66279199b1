"""Who may see and do what: roles, identities, personal links (issue #7).

Every permission is decided here, from plain facts, and the store asks before it reads
or writes (:meth:`workbook.store.Store.as_identity`), so the form, the dashboard, the CLI
and the reports obey the same rules and a widget never decides alone.

- An **agency member** sees and edits only their own agencies' returns. Once the chair
  shares a cycle with the partnership, members also see the other agencies' *submitted*
  returns (never another agency's draft) and the cycle's dashboard, read-only.
- The **chair** (moderator) sees every return in the partnership, moderates, marks top
  actions, reopens submitted returns and shares a cycle; the chair does not edit returns.
- An **analyst** reads everything in the partnership and changes nothing.
- An **administrator** sets the workbook up, issues links, and may save returns on an
  agency's behalf (importing a spreadsheet sent by email).

Outside Voila (the CLI, papermill, JupyterLab) the person at the keyboard already holds
the store file or its password, so they act as a local administrator. Inside a Voila
kernel nobody is trusted until a personal link says who they are, or, in a user's server
under JupyterHub (issue #9), until the hub user is found in the administrator's list of
hub users (:mod:`workbook.store.hub_users`).
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlencode

from workbook.errors import AccessDenied

TOKEN_BYTES = 32
"""Random bytes in a link's token (43 URL-safe characters)."""
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,100}")
DEFAULT_LINK_DAYS = 90


class Role(StrEnum):
    MEMBER = "member"
    CHAIR = "chair"
    ANALYST = "analyst"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.MEMBER: "agency member",
    Role.CHAIR: "chair",
    Role.ANALYST: "analyst",
    Role.ADMIN: "administrator",
}


@dataclass(frozen=True)
class Identity:
    """Someone the workbook acts for, and the reach of their role.

    ``key`` is what revisions record (``link:12``, ``local:alice``); ``name`` is whom the
    link was issued to and is the author of their saves. ``partnership_id`` None means
    every partnership (administrators); ``cycle_id`` None means every cycle in reach.
    """

    key: str
    name: str
    role: Role | None
    partnership_id: str | None = None
    agencies: frozenset[str] = field(default_factory=frozenset)
    cycle_id: str | None = None
    agency_names: tuple[str, ...] = ()

    @classmethod
    def local(cls, name: str | None = None) -> Identity:
        """The person at the keyboard: a local administrator."""
        user = name or _login_name()
        return cls(key=f"local:{user}", name=user, role=Role.ADMIN)

    @property
    def trusted_local(self) -> bool:
        """True for the CLI/JupyterLab identity, which may type any author name."""
        return self.key.startswith("local:")

    @property
    def anonymous(self) -> bool:
        return self.role is None

    @property
    def signed_in(self) -> str:
        """How this identity was established, in words for pages ('Signed in ...')."""
        return "through JupyterHub" if self.key.startswith("hub:") else "by your personal link"

    def describe(self) -> str:
        """The identity in words, for messages: 'agency member for Police, cycle x'."""
        if self.role is None:
            return "no personal link"
        words = self.role.label
        if self.role == Role.MEMBER:
            words += " for " + ", ".join(self.agency_names or sorted(self.agencies))
        elif self.partnership_id:
            words += f" for partnership {self.partnership_id}"
        if self.cycle_id:
            words += f", cycle {self.cycle_id}"
        return words

    # -- decisions (plain facts in, True/False out) -------------------------------------

    def reaches(self, partnership_id: str, cycle_id: str) -> bool:
        """The cycle is within this identity's partnership and cycle limits."""
        if self.role is None:
            return False
        if self.partnership_id is not None and self.partnership_id != partnership_id:
            return False
        return self.cycle_id is None or self.cycle_id == cycle_id

    def owns(self, agency_id: str) -> bool:
        return self.role == Role.MEMBER and agency_id in self.agencies

    def can_see_return(
        self, partnership_id: str, cycle_id: str, agency_id: str, *, shared: bool, submitted: bool
    ) -> bool:
        """A return's answers: own agency; everyone above member; others' once shared+submitted."""
        if not self.reaches(partnership_id, cycle_id):
            return False
        if self.role != Role.MEMBER:
            return True
        return self.owns(agency_id) or (shared and submitted)

    def can_see_history(self, partnership_id: str, cycle_id: str, agency_id: str) -> bool:
        """Revision history includes drafts, so only the owner and roles above member."""
        if not self.reaches(partnership_id, cycle_id):
            return False
        return self.role != Role.MEMBER or self.owns(agency_id)

    def can_edit(self, partnership_id: str, cycle_id: str, agency_id: str) -> bool:
        if not self.reaches(partnership_id, cycle_id):
            return False
        return self.owns(agency_id) or self.role == Role.ADMIN

    def can_moderate(self, partnership_id: str, cycle_id: str) -> bool:
        """Moderating, reopening, marking top actions, sharing: the chair's work."""
        return self.reaches(partnership_id, cycle_id) and self.role in {Role.CHAIR, Role.ADMIN}

    def can_see_cycle(self, partnership_id: str, cycle_id: str, *, shared: bool) -> bool:
        """The cycle's comparisons (dashboard, reports): members only once it is shared."""
        if not self.reaches(partnership_id, cycle_id):
            return False
        return self.role != Role.MEMBER or shared

    @property
    def administers(self) -> bool:
        return self.role == Role.ADMIN and self.partnership_id is None

    def require(self, allowed: bool, action: str) -> None:
        """Raise :class:`AccessDenied` naming ``action`` unless ``allowed``."""
        if not allowed:
            if self.role is None:
                raise AccessDenied("no_token")
            raise AccessDenied("forbidden", who=self.describe(), action=action)


ANONYMOUS = Identity(key="anonymous", name="", role=None)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


def in_voila_kernel(environ: dict[str, str] | None = None) -> bool:
    """True in a kernel Voila started (it sets VOILA_BASE_URL, preheated or not)."""
    env = os.environ if environ is None else environ
    return "VOILA_BASE_URL" in env or "VOILA_PREHEAT" in env


HUB_USER_VARIABLE = "JUPYTERHUB_USER"
"""Set by JupyterHub's spawner in each user's server, and inherited by its kernels."""
IDENTITY_VARIABLE = "WORKBOOK_IDENTITY"
"""``hub`` in the servers of the workbook's own hub (deploy/jupyterhub_config.py)."""


def hub_username(environ: Mapping[str, str] | None = None) -> str | None:
    """The JupyterHub user whose server this process runs in, or None outside the hub.

    JupyterHub authenticates the user, starts their own server with ``JUPYTERHUB_USER``
    set, and lets no one else in; Voila starts each page's kernel with the server's
    environment, so a kernel of that server acts for that user. Only the workbook's own
    hub says so (``WORKBOOK_IDENTITY=hub``): on any other JupyterHub (Binder, a
    developer's hub) the workbook runs as it does on a laptop.

    >>> hub_username({"JUPYTERHUB_USER": "alice", "WORKBOOK_IDENTITY": "hub"})
    'alice'
    >>> hub_username({"JUPYTERHUB_USER": "alice"}), hub_username({"WORKBOOK_IDENTITY": "hub"})
    (None, None)
    """
    env = os.environ if environ is None else environ
    if env.get(IDENTITY_VARIABLE, "").strip().lower() != "hub":
        return None
    name = env.get(HUB_USER_VARIABLE, "").strip()
    return name or None


def default_identity(environ: dict[str, str] | None = None) -> Identity:
    """Whom a freshly opened store acts for: nobody in Voila or in the workbook's hub (where
    the page says who is asking), the local user elsewhere."""
    if in_voila_kernel(environ) or hub_username(environ) is not None:
        return ANONYMOUS
    return Identity.local()


# -- personal links ----------------------------------------------------------------------


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
        return Identity(
            key=f"link:{self.id}",
            name=self.name,
            role=self.role,
            partnership_id=self.partnership_id,
            agencies=frozenset(self.agencies),
            cycle_id=self.cycle_id,
            agency_names=tuple(agency_names),
        )


def check_usable(link: Link, now: dt.datetime) -> None:
    """Refuse an expired or revoked link with the date, in words."""
    state = link.state(now)
    if state == "revoked" and link.revoked_at is not None:
        raise AccessDenied("revoked", when=_day(link.revoked_at))
    if state == "expired" and link.expires_at is not None:
        raise AccessDenied("expired", when=_day(link.expires_at))


def _day(moment: dt.datetime) -> str:
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
