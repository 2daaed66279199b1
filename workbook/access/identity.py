"""Whom the workbook acts for, their role, and what that role reaches (issue #7).

An :class:`Identity` is plain facts, and its decisions (``can_edit``, ``can_moderate``,
...) are pure: facts in, True/False out. The store asks them before it reads or writes,
so every page, command and report obeys the same rules.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from workbook.errors import AccessDenied


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

    def can_see_action(self, reach: Iterable[tuple[str, str]], agency_id: str | None) -> bool:
        """A tracked action (issue #15): the partnership's own, or an agency's.

        ``reach`` is the (partnership, cycle) of every cycle the action is part of: an
        action is in reach through any of them, so a shared return's actions (#17) are
        reached from each partnership that reads the return. Members see their own
        agencies' actions and the partnership's; roles above member see every action in
        reach.
        """
        if not any(self.reaches(p, c) for p, c in reach):
            return False
        return self.role != Role.MEMBER or agency_id is None or self.owns(agency_id)

    def can_change_action(self, reach: Iterable[tuple[str, str]], agency_id: str | None) -> bool:
        """Updating an action: its agency's members, the chair and administrators.

        The partnership's own actions are the chair's (and administrators') alone.
        """
        if not any(self.reaches(p, c) for p, c in reach):
            return False
        if self.role in {Role.CHAIR, Role.ADMIN}:
            return True
        return agency_id is not None and self.owns(agency_id)

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


class Grant(Protocol):
    """What a personal link or a hub user grants: a role, and the reach of it.

    Both become an :class:`Identity` one way, :func:`grant_identity`, through their own
    ``identity(agency_names)``.
    """

    @property
    def name(self) -> str: ...
    @property
    def role(self) -> Role: ...
    @property
    def partnership_id(self) -> str | None: ...
    @property
    def agencies(self) -> tuple[str, ...]: ...
    @property
    def cycle_id(self) -> str | None: ...

    def identity(self, agency_names: Iterable[str] = ()) -> Identity:
        """Whom the holder acts as; ``agency_names`` name their agencies in messages."""
        ...


def grant_identity(key: str, grant: Grant, agency_names: Iterable[str] = ()) -> Identity:
    """The identity a grant gives its holder, recorded in revisions as ``key``.

    Parameters
    ----------
    key
        ``link:N`` or ``hub:USERNAME``: how saves record who made them.
    grant
        The link or hub user.
    agency_names
        Their agencies' names, for messages.
    """
    return Identity(
        key=key,
        name=grant.name,
        role=grant.role,
        partnership_id=grant.partnership_id,
        agencies=frozenset(grant.agencies),
        cycle_id=grant.cycle_id,
        agency_names=tuple(agency_names),
    )
