"""A cycle's evidence in the store: indicators, case audits and dismissed contradictions.

Loading is the chair's or an administrator's work; reading follows the returns' rule:
roles above member read everything in their reach, and an agency member reads the
partnership-wide evidence and what is about their own agencies (issue #14). Every load
that changes an indicator or an audit adds a revision of it, and every dismissal or
restoring of a contradiction adds a row: nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from workbook.access import Identity, Role
from workbook.errors import ModerationError, StorageError
from workbook.schema.evidence import CaseAudit, Evidence, Indicator
from workbook.schema.responses import text_problem
from workbook.store import tables as T
from workbook.store.catalog import Catalog
from workbook.store.engine import Database, utc
from workbook.store.records import CycleInfo, Dismissal, ItemRevision, LoadSummary
from workbook.store.sharing import Sharing

KINDS: dict[str, type[Indicator] | type[CaseAudit]] = {"indicator": Indicator, "audit": CaseAudit}
MAX_REASON = 4000


class EvidenceStore:
    """A cycle's evidence as ``identity`` may load, read and dismiss it.

    Parameters
    ----------
    database, catalog, sharing, identity
        The store's connections, its catalogue and sharing as ``identity`` sees them.
    """

    def __init__(
        self, database: Database, catalog: Catalog, sharing: Sharing, identity: Identity
    ) -> None:
        self.database = database
        self.catalog = catalog
        self.sharing = sharing
        self.identity = identity

    # -- loading ---------------------------------------------------------------------------

    def _latest(self, conn: Connection, cycle_id: str) -> dict[tuple[str, str], tuple[int, str]]:
        """(kind, key) -> (number, body) of the latest revision of each item of a cycle."""
        e = T.evidence_item
        newest = (
            select(e.c.kind, e.c.key, func.max(e.c.number).label("number"))
            .where(e.c.cycle_id == cycle_id)
            .group_by(e.c.kind, e.c.key)
            .subquery()
        )
        rows = conn.execute(
            select(e.c.kind, e.c.key, e.c.number, e.c.body)
            .join(
                newest,
                and_(
                    e.c.kind == newest.c.kind,
                    e.c.key == newest.c.key,
                    e.c.number == newest.c.number,
                ),
            )
            .where(e.c.cycle_id == cycle_id)
        )
        return {(r.kind, r.key): (r.number, r.body) for r in rows}

    def load(
        self,
        cycle_id: str,
        evidence: Evidence,
        *,
        source: str,
        author: str | None = None,
        at: dt.datetime | None = None,
    ) -> LoadSummary:
        """Keep a file's indicators and audits for a cycle, each changed one as a new revision.

        Items the file does not mention are left as they are: an auditor's file does not
        remove the analyst's indicators. Only the chair and administrators load.
        """
        self.sharing.require_moderator(cycle_id)
        who = self.identity
        items: list[tuple[str, Indicator | CaseAudit]] = [
            ("indicator", i) for i in evidence.indicators
        ]
        items += [("audit", a) for a in evidence.audits]
        for attempt in range(3):  # a load racing another for the same revision tries again
            added: list[str] = []
            changed: list[str] = []
            unchanged: list[str] = []
            try:
                with self.database.writing() as conn:
                    latest = self._latest(conn, cycle_id)
                    for kind, item in items:
                        body = item.model_dump_json()
                        number, stored = latest.get((kind, item.id), (0, None))
                        if stored is not None and KINDS[kind].model_validate_json(stored) == item:
                            unchanged.append(item.id)
                            continue
                        (changed if stored is not None else added).append(item.id)
                        conn.execute(
                            insert(T.evidence_item).values(
                                cycle_id=cycle_id,
                                kind=kind,
                                key=item.id,
                                number=number + 1,
                                body=body,
                                source=source,
                                author=author or who.name,
                                saved_by=who.key,
                                saved_at=at or dt.datetime.now(dt.UTC),
                            )
                        )
            except IntegrityError:
                if attempt == 2:
                    raise StorageError("busy_evidence", cycle=cycle_id) from None
                continue
            return LoadSummary(tuple(added), tuple(changed), tuple(unchanged))
        raise AssertionError("unreachable")  # pragma: no cover

    # -- reading ---------------------------------------------------------------------------

    def _readable(self, cycle_id: str) -> CycleInfo:
        info = self.catalog.cycle(cycle_id)  # beyond the identity's reach: not there
        who = self.identity
        allowed = who.reaches(info.partnership_id, cycle_id) and (
            who.role != Role.MEMBER or any(a in info.agencies for a in who.agencies)
        )
        who.require(allowed, f"see the evidence for {info.title}")
        return info

    def evidence(self, cycle_id: str) -> Evidence:
        """The cycle's current indicators and audits, as far as the identity may read them."""
        self._readable(cycle_id)
        with self.database.reading() as conn:
            latest = self._latest(conn, cycle_id)
        indicators = [
            Indicator.model_validate_json(body)
            for (kind, _), (_, body) in sorted(latest.items())
            if kind == "indicator"
        ]
        audits = [
            CaseAudit.model_validate_json(body)
            for (kind, _), (_, body) in sorted(latest.items())
            if kind == "audit"
        ]
        return _visible(Evidence(indicators=tuple(indicators), audits=tuple(audits)), self.identity)

    def history(self, cycle_id: str, kind: str, key: str) -> list[ItemRevision]:
        """Every revision of one indicator or audit, oldest first (roles above member)."""
        info = self._readable(cycle_id)
        self.identity.require(
            self.identity.role != Role.MEMBER, f"see the evidence history for {info.title}"
        )
        e = T.evidence_item
        with self.database.reading() as conn:
            rows = conn.execute(
                select(e)
                .where(e.c.cycle_id == cycle_id, e.c.kind == kind, e.c.key == key)
                .order_by(e.c.number)
            ).all()
        return [
            ItemRevision(
                kind=r.kind,
                key=r.key,
                number=r.number,
                item=KINDS[r.kind].model_validate_json(r.body),
                source=r.source,
                author=r.author,
                saved_at=utc(r.saved_at),
            )
            for r in rows
        ]

    # -- dismissals ------------------------------------------------------------------------

    def dismiss(
        self,
        cycle_id: str,
        key: str,
        *,
        reason: str,
        dismissed: bool = True,
        author: str | None = None,
        at: dt.datetime | None = None,
    ) -> Dismissal:
        """The chair dismisses a contradiction, saying why (or restores it); both are kept."""
        self.sharing.require_moderator(cycle_id)
        reason = reason.strip()
        if dismissed and not reason:
            raise ModerationError("dismiss_reason")
        problem = text_problem(reason)
        if problem:
            raise ModerationError("bad_text", what="reason", problem=problem)
        if len(reason) > MAX_REASON:
            raise ModerationError("reason_too_long", length=len(reason), limit=MAX_REASON)
        who = self.identity
        when = at or dt.datetime.now(dt.UTC)
        with self.database.writing() as conn:
            conn.execute(
                insert(T.dismissal).values(
                    cycle_id=cycle_id,
                    key=key,
                    dismissed=dismissed,
                    reason=reason,
                    author=author or who.name,
                    saved_by=who.key,
                    saved_at=when,
                )
            )
        return Dismissal(key, dismissed, reason, author or who.name, when)

    def dismissals(self, cycle_id: str) -> dict[str, Dismissal]:
        """The latest word on each contradiction the chair has dismissed or restored."""
        info = self._readable(cycle_id)
        self.identity.require(
            self.identity.role != Role.MEMBER, f"see the dismissed contradictions for {info.title}"
        )
        d = T.dismissal
        with self.database.reading() as conn:
            rows = conn.execute(select(d).where(d.c.cycle_id == cycle_id).order_by(d.c.id)).all()
        latest = {
            r.key: Dismissal(r.key, r.dismissed, r.reason, r.author, utc(r.saved_at)) for r in rows
        }
        return latest


def _visible(evidence: Evidence, who: Identity) -> Evidence:
    """What an agency member reads: the partnership's evidence and their agencies' own."""
    if who.role != Role.MEMBER:
        return evidence
    mine = set(who.agencies)
    indicators = []
    for indicator in evidence.indicators:
        values = tuple(v for v in indicator.values if v.agency is None or v.agency in mine)
        if values:
            indicators.append(indicator.model_copy(update={"values": values}))
    audits = []
    for audit in evidence.audits:
        findings = tuple(
            f for f in audit.findings if not f.agencies or mine.intersection(f.agencies)
        )
        if findings:
            audits.append(audit.model_copy(update={"findings": findings}))
    return Evidence(indicators=tuple(indicators), audits=tuple(audits))
