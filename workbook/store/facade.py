"""The store as callers see it: one object, acting for one identity.

:class:`Store` is a thin facade: each job is a small repository of its own (the
catalogue, returns, sharing, links, hub users, evidence), built around one shared
:class:`~workbook.store.engine.Database` for the identity the store acts for. Acting for
someone else (:meth:`Store.as_identity`) builds the same repositories for them over the
same database, so the connections and the framework cache are shared, never copied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager

from sqlalchemy import Engine

from workbook.access import Identity, Link, Role, default_identity, page_visitor
from workbook.schema.framework import Framework
from workbook.schema.partnership import Agency, Cycle, Partnership, Words
from workbook.schema.responses import Answers, Status
from workbook.store.actions import ActionStore
from workbook.store.catalog import Catalog
from workbook.store.engine import Database
from workbook.store.evidence import EvidenceStore
from workbook.store.highlights import HighlightStore
from workbook.store.hub_users import HubUsers
from workbook.store.links import Links, check_reach
from workbook.store.notes import Notes
from workbook.store.records import CycleInfo, CycleReturns, ReturnState, RevisionInfo
from workbook.store.returns import Returns
from workbook.store.shared import SharedReturns
from workbook.store.sharing import Sharing


class Store:
    """The workbook's database acting for ``identity``; open with :meth:`Store.open`.

    Parameters
    ----------
    database
        The store's connections, shared by every identity acting on it.
    identity
        Whom every read and write is checked for; by default the local user outside
        Voila and nobody inside it (:func:`workbook.access.default_identity`).
    """

    def __init__(
        self,
        database: Database,
        identity: Identity | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.database = database
        self.environ = environ
        """The environment who visits a page is decided in (:func:`default_identity`,
        :meth:`for_visitor`): this process's if None; a page kernel's in the store service."""
        self.identity = identity or default_identity(environ)
        self.catalog = Catalog(database, self.identity)
        self.sharing = Sharing(database, self.catalog, self.identity)
        self._returns = Returns(database, self.catalog, self.sharing)
        self._links = Links(database, self.catalog)
        self.hub_users = HubUsers(database, self.catalog)
        self.evidence = EvidenceStore(database, self.catalog, self.sharing, self.identity)
        self.actions = ActionStore(database, self.catalog, self.identity)
        self.highlights = HighlightStore(database, self.catalog, self.sharing, self.identity)
        self.shared = SharedReturns(database, self.catalog, self.identity)
        self.notes = Notes(database, self.catalog, self.sharing)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tests and tools that read the tables directly)."""
        return self.database.engine

    @property
    def url(self) -> str:
        """The store's URL, any password hidden."""
        return self.database.url

    def as_identity(self, identity: Identity) -> Store:
        """The same store acting for ``identity``: every read and write is checked for it."""
        return Store(self.database, identity, environ=self.environ)

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str | None = None, *, create: bool = True, migrate: bool = True) -> Store:
        """Open the store at ``url`` or the configured one (see :meth:`Database.open`).

        ``create`` False refuses a missing store (``missing_store``) and creates nothing;
        ``migrate`` False refuses one an earlier version wrote (``older_schema``). Pages
        and commands open stores that way (issue #18); ``workbook migrate`` upgrades.
        """
        return cls(Database.open(url, create=create, migrate=migrate))

    def close(self) -> None:
        """Release connections."""
        self.database.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        """The schema version recorded in the store."""
        return self.database.schema_version()

    # -- who is asking ---------------------------------------------------------------------

    def for_visitor(self, token: str | None) -> Store:
        """The store for whoever opened a page: the holder of ``token`` if one is given.

        See :func:`workbook.access.page_visitor` for who that is; a JupyterHub user is looked
        up in the administrator's list (:meth:`HubUsers.identify`, issue #9).
        """
        found = page_visitor(token, self.identity, self.environ)
        if found.hub_user is not None:
            return self.as_identity(self.hub_users.identify(found.hub_user))
        if found.token is not None:
            return self.identify(found.token)
        return self

    def identify(self, token: str | None, *, now: dt.datetime | None = None) -> Store:
        """The store acting for the holder of ``token``; AccessDenied, in words, if not valid."""
        return self.as_identity(self._links.identify(token, now=now))

    # -- personal links --------------------------------------------------------------------

    def check_reach(
        self,
        role: Role,
        *,
        partnership_id: str | None = None,
        agencies: Sequence[str] = (),
        cycle_id: str | None = None,
        kind: str = "bad_link",
        what: str = "link",
    ) -> tuple[Role, str | None, tuple[str, ...]]:
        """Check what a link or hub user would reach (see :func:`links.check_reach`)."""
        return check_reach(
            self.catalog,
            role,
            partnership_id=partnership_id,
            agencies=agencies,
            cycle_id=cycle_id,
            kind=kind,
            what=what,
        )

    def issue_link(
        self,
        name: str,
        role: Role,
        *,
        partnership_id: str | None = None,
        agencies: Sequence[str] = (),
        cycle_id: str | None = None,
        expires_at: dt.datetime | None = None,
    ) -> tuple[Link, str]:
        """Make a personal link; returns it and its token, which is shown once and not kept.

        A cycle implies its partnership. Members need at least one agency, each a member of
        the partnership (and invited to the cycle, when one is given).
        """
        return self._links.issue(
            name,
            role,
            partnership_id=partnership_id,
            agencies=agencies,
            cycle_id=cycle_id,
            expires_at=expires_at,
        )

    def link(self, link_id: int) -> Link:
        """One link by its number (as ``workbook links`` lists it)."""
        return self._links.link(link_id)

    def links(self) -> list[Link]:
        """Every link ever issued, newest first."""
        return self._links.links()

    def revoke_link(self, link_id: int) -> Link:
        """Withdraw a link at once; pages opened with it stop at their next read or save."""
        return self._links.revoke(link_id)

    # -- the catalogue ---------------------------------------------------------------------

    def agency_names(self, agency_ids: Sequence[str]) -> list[str]:
        """Agencies' names for messages, an id standing in for one no longer stored."""
        return self.catalog.agency_names(agency_ids)

    def put_framework(self, framework: Framework) -> None:
        """Keep a framework version; the same id and version with other content is refused."""
        self.catalog.put_framework(framework)

    def framework(self, framework_id: str, version: str) -> Framework:
        """The framework version a cycle runs."""
        return self.catalog.framework(framework_id, version)

    def frameworks(self) -> list[tuple[str, str, str]]:
        """Stored framework versions as ``(id, version, title)``."""
        return self.catalog.frameworks()

    def put_partnership(self, partnership: Partnership) -> None:
        """Add or rename a partnership and its agencies (cycles are added with put_cycle)."""
        self.catalog.put_partnership(partnership)

    def partnerships(self) -> list[tuple[str, str]]:
        """Partnerships as ``(id, name)``."""
        return self.catalog.partnerships()

    def partnership_words(self, partnership_id: str) -> Words:
        """See :meth:`Catalog.partnership_words`."""
        return self.catalog.partnership_words(partnership_id)

    def agencies(self, partnership_id: str | None = None) -> list[Agency]:
        """Agencies, all or one partnership's, by name."""
        return self.catalog.agencies(partnership_id)

    def agency(self, agency_id: str) -> Agency:
        """One agency."""
        return self.catalog.agency(agency_id)

    def put_cycle(self, partnership_id: str, cycle: Cycle, agencies: tuple[str, ...]) -> None:
        """Add a cycle; its framework version must be stored first."""
        self.catalog.put_cycle(partnership_id, cycle, agencies)

    def cycles(
        self, partnership_id: str | None = None, *, cycle_id: str | None = None
    ) -> list[CycleInfo]:
        """Cycles the identity reaches, oldest first by due date (one partnership's, or one)."""
        return self.catalog.cycles(partnership_id, cycle_id=cycle_id)

    def cycle(self, cycle_id: str) -> CycleInfo:
        """One cycle; one beyond the identity's reach is reported as not there."""
        return self.catalog.cycle(cycle_id)

    def snapshot(self) -> AbstractContextManager[None]:
        """Reads in this block from one consistent state of the store (``Database.snapshot``)."""
        return self.database.snapshot()

    def previous_cycle(self, cycle_id: str) -> CycleInfo | None:
        return self.catalog.previous_cycle(cycle_id)

    def cycle_framework(self, cycle_id: str) -> Framework:
        """The framework version a cycle runs."""
        return self.catalog.cycle_framework(cycle_id)

    # -- who may see what ------------------------------------------------------------------

    def is_shared(self, cycle_id: str) -> bool:
        """Whether the chair has shared the cycle's returns with the partnership."""
        return self.sharing.is_shared(cycle_id)

    def share(self, cycle_id: str, *, shared: bool = True, author: str | None = None) -> None:
        """Share a cycle's submitted returns with every member of the partnership (or stop)."""
        self.sharing.share(cycle_id, shared=shared, author=author)

    def may_compare(self, cycle_id: str) -> bool:
        """Whether the identity may see the cycle's comparisons (dashboard, reports)."""
        return self.sharing.may_compare(cycle_id)

    def require_compare(self, cycle_id: str) -> CycleInfo:
        """The cycle, if the identity may see its comparisons; else AccessDenied."""
        return self.sharing.require_compare(cycle_id)

    def require_moderator(self, cycle_id: str) -> CycleInfo:
        """The cycle, if the identity is its chair (or an administrator); else AccessDenied."""
        return self.sharing.require_moderator(cycle_id)

    def may_see(self, info: CycleInfo, agency_id: str, status: Status | None) -> bool:
        """Whether the identity may read this return's answers (given its status)."""
        return self.sharing.may_see(info, agency_id, status)

    # -- returns ---------------------------------------------------------------------------

    def latest(self, cycle_id: str, agency_id: str) -> ReturnState | None:
        """The current state of a return, or None if the agency has not started."""
        return self._returns.latest(cycle_id, agency_id)

    def at(self, cycle_id: str, agency_id: str, number: int) -> ReturnState:
        """A return as it was at revision ``number``."""
        return self._returns.at(cycle_id, agency_id, number)

    def returns(self, cycle_id: str) -> dict[str, ReturnState]:
        """Current state of every started return in a cycle the identity may see, by agency."""
        return self._returns.returns(cycle_id)

    def statuses(self, cycle_id: str) -> dict[str, Status]:
        """Status of every invited agency's return (``not_started`` when none saved)."""
        return self._returns.statuses(cycle_id)

    def current(self, cycle_ids: Sequence[str]) -> dict[str, CycleReturns]:
        """Many cycles' :meth:`statuses` and :meth:`returns` at once, answers as stored.

        What a dashboard reads; the same rules as the two of them, in three statements.
        """
        return self._returns.current(cycle_ids)

    def history(self, cycle_id: str, agency_id: str) -> list[RevisionInfo]:
        """Every revision of a return, oldest first, with the fields each changed."""
        return self._returns.history(cycle_id, agency_id)

    def save(
        self,
        cycle_id: str,
        agency_id: str,
        answers: Answers,
        *,
        author: str,
        based_on: int | None,
        status: Status = Status.DRAFT,
        note: str = "",
        at: dt.datetime | None = None,
        notes: dict[str, str] | None = None,
    ) -> ReturnState:
        """Save the full state of a return as a new revision.

        Parameters
        ----------
        answers
            Every criterion's answer as the user now sees it (not a delta).
        based_on
            The revision the user started from (None for a new return); if another save
            has happened since, nothing is written and ``Conflict`` says so.
        status
            ``draft``, ``submitted`` (checked for completeness) or ``reopened`` (needs a note).
        notes
            Notes for this cycle's partnership only, by criterion (issue #17): a shared
            return is answered once, and each partnership reads its own notes.
        """
        return self._returns.save(
            cycle_id,
            agency_id,
            answers,
            author=author,
            based_on=based_on,
            status=status,
            note=note,
            at=at,
            notes=notes,
        )

    def reopen(self, cycle_id: str, agency_id: str, *, author: str, reason: str) -> ReturnState:
        """The chair reopens a submitted return; the reason is kept in its history."""
        return self._returns.reopen(cycle_id, agency_id, author=author, reason=reason)
