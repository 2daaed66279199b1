"""Passages like personal data in a cycle's other records: evidence, actions, highlights.

The returns are screened by :mod:`workbook.personal_data`; an evidence file (issue #14)
and the tracked actions' words and progress notes (issue #15) are typed elsewhere, and
must not reach the board unremarked either. Findings are named by the item's id, never
its title or words, which may be the passage itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbook.personal_data import Finding, passages, scan
from workbook.schema.actions import ActionRevision, TrackedAction
from workbook.schema.evidence import Evidence

if TYPE_CHECKING:  # the store loads SQLAlchemy; only scan_cycle_actions needs it
    from workbook.store import Store


@dataclass(frozen=True)
class EvidenceFinding:
    """A finding in one text of a cycle's evidence: an indicator's or a case audit's.

    Named by the item's id, never its title or name, which may be the passage itself.
    ``number`` is the finding's 1-based number in its audit when ``field`` is ``finding``.
    """

    kind: str
    """'indicator' or 'audit'."""
    item: str
    field: str
    found: Finding
    number: int | None = None

    def where(self) -> str:
        """``audit mase-review-2018, finding 3`` or ``indicator contacts, definition``."""
        if self.number is not None and self.kind == "action":
            return f"action {self.item}, progress note of revision {self.number}"
        field = f"finding {self.number}" if self.number is not None else self.field
        return f"{self.kind} {self.item}, {field}"


INDICATOR_TEXTS = ("name", "definition", "comparator", "source")
"""The free texts of an indicator, as the evidence import checks them."""


def scan_evidence(evidence: Evidence) -> list[EvidenceFinding]:
    """Findings in every free text of the evidence: indicators first, then audits.

    The import refuses such text unless told it is not about a person, so this finds what
    was loaded ``--despite-personal-data`` (or before the check existed) and must still
    not reach the board unremarked.
    """
    found = [
        EvidenceFinding("indicator", indicator.id, field, f)
        for indicator in evidence.indicators
        for field in INDICATOR_TEXTS
        for f in scan(getattr(indicator, field))
    ]
    for audit in evidence.audits:
        found += [EvidenceFinding("audit", audit.id, "title", f) for f in scan(audit.title)]
        for number, item in enumerate(audit.findings, start=1):
            found += [
                EvidenceFinding("audit", audit.id, "finding", f, number) for f in scan(item.text)
            ]
    return found


def scan_actions(
    actions: Iterable[TrackedAction], notes: Mapping[str, Iterable[ActionRevision]]
) -> list[EvidenceFinding]:
    """Findings in the tracked actions' words, owners, reasons and progress notes (#15).

    A progress note is typed at any time of year, outside any return, so the return's
    check never sees it; the board report and the export look here as well.
    """
    found = []
    for action in actions:
        for field in ("text", "owner", "reason"):
            found += [
                EvidenceFinding("action", action.id, field, f) for f in scan(getattr(action, field))
            ]
        for change in notes.get(action.id, ()):
            found += [
                EvidenceFinding("action", action.id, "progress note", f, change.number)
                for f in scan(change.note)
            ]
    return found


def scan_cycle_actions(store: Store, cycle_id: str) -> list[EvidenceFinding]:
    """:func:`scan_actions` over a cycle's actions as they stand: each one's latest note.

    Notes are append-only, so an earlier one cannot be taken back; what a report shows,
    and what a new note or new words can still put right, is the latest.
    """
    actions = store.actions.find(cycle_id)
    latest = {}
    for action in actions:
        noted = [c for c in store.actions.history(action.id) if c.note]
        latest[action.id] = noted[-1:]
    return scan_actions(actions, latest)


def scan_highlights(store: Store, cycle_id: str) -> list[EvidenceFinding]:
    """Findings in the chair's latest highlights (issue #16), which the board paper leads with.

    The chair edits agencies' statements into them, so a name an agency typed can travel
    there; a reader who may not see the highlights gets none in the paper, and none here.
    """
    from workbook.errors import AccessDenied

    try:
        latest = store.highlights.latest(cycle_id)
    except AccessDenied:
        return []
    if latest is None:
        return []
    return [
        EvidenceFinding("highlights", f"revision {latest.number}", where, f)
        for where, text in latest.highlights.texts()
        for f in scan(text)
    ]


def describe_evidence(found: Iterable[EvidenceFinding], where: str) -> list[str]:
    """A heading line, then one indented line per finding (item, text, kind), as
    :func:`describe` words those in returns.

    Parameters
    ----------
    where
        What was scanned, for the heading ("the evidence for cse-2017-18").
    """
    found = list(found)
    lines = [f"{passages(len(found))} like personal data about a person in {where}:"]
    for f in found:
        lines.append(f'  {f.where()}: looks like {f.found.kind.phrase}: "{f.found.excerpt}"')
    return lines
