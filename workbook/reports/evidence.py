"""The report's "What the evidence says" section (issue #14), as plain data.

The board reads the self-ratings beside what the partnership's data and case audits say:
under each heading, the indicators and findings on its criteria in words; then the
contradictions the chair has not dismissed, each self-rating beside the evidence against
it; then every indicator with its source and period, and every audit with its date, so
each figure can be traced. Ratings are the report's own (submitted returns only, unless
the parameters include drafts), so a contradiction is never about a rating the report
leaves out. The wording of a value or a grade is :mod:`workbook.evidence.tables`', the
same as on the form and the dashboard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import pandas as pd

from workbook.errors import AccessDenied
from workbook.evidence import contradictions
from workbook.evidence.contradictions import Contradiction
from workbook.evidence.tables import audit_table, lines_on
from workbook.reports.board_paper import criterion_name
from workbook.reports.common import names, plural, records
from workbook.schema.evidence import Evidence
from workbook.schema.framework import Framework
from workbook.store import CycleInfo, Store

AUDIT_COLUMNS = ["audit", "date", "cases_reviewed", "agencies", "findings"]


def _dismissals(store: Store, cycle_id: str) -> dict[str, tuple[bool, str]] | None:
    """The chair's word on each contradiction; None when the reader may not see it.

    Without it the report cannot tell a dismissed contradiction from a kept one, so it
    lists none rather than every one.
    """
    try:
        found = store.evidence.dismissals(cycle_id)
    except AccessDenied:
        return None
    return {key: (d.dismissed, d.reason) for key, d in found.items()}


def _headings(
    evidence: Evidence, framework: Framework, agency_names: Mapping[str, str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Per heading with evidence, its criteria with evidence and their lines; and the
    headings with none, to be named once so the board sees they were not forgotten."""
    shown, without = [], []
    for heading in framework.headings:
        criteria = []
        for criterion in framework.criteria_under(heading.id):
            lines = lines_on(evidence, criterion.id, framework.scale, agency_names)
            if lines:
                criteria.append(
                    {
                        "criterion_id": criterion.id,
                        "criterion": criterion.name,
                        "lines": [asdict(line) for line in lines],
                    }
                )
        if criteria:
            shown.append({"heading": heading.title, "criteria": criteria})
        else:
            without.append(heading.title)
    return shown, without


def _rows(
    kept: Sequence[Contradiction], framework: Framework, agency_names: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One row per criterion and piece of evidence, every agency whose rating it
    contradicts named in the row: the same finding against five agencies'
    ratings is one line for the board, not five."""
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for c in kept:
        item = c.key.split("|", 2)[2]  # the evidence item: 'finding:audit:3', 'indicator:x'
        row = groups.get((c.criterion_id, item, c.rating, c.evidence))
        if row is None:
            criterion = framework.criterion(c.criterion_id)
            row = groups[(c.criterion_id, item, c.rating, c.evidence)] = {
                "heading": framework.heading(criterion.heading).title,
                "criterion_id": c.criterion_id,
                "criterion": criterion.name,
                "agencies": [],
                "rating": c.rating,
                "evidence": c.evidence,
                "reference": c.reference,
            }
        row["agencies"].append(agency_names.get(c.agency_id, c.agency_id))
    return [{**row, "agencies": names(sorted(row["agencies"]))} for row in groups.values()]


def _indicators(evidence: Evidence, framework: Framework) -> list[dict[str, Any]]:
    return [
        {
            "indicator": i.name,
            "definition": i.definition,
            "period": i.period,
            "source": i.source,
            "comparator": i.comparator,
            "criteria": names(criterion_name(framework, c) for c in i.criteria),
        }
        for i in evidence.indicators
    ]


def _summary(evidence: Evidence, framework: Framework) -> str:
    """``2 indicators and 1 case audit with 8 findings bear on 9 of the 24 criteria.``"""
    findings = sum(len(a.findings) for a in evidence.audits)
    on = {c for i in evidence.indicators for c in i.criteria}
    on |= {c for a in evidence.audits for f in a.findings for c in f.criteria}
    parts = []
    if evidence.indicators:
        parts.append(plural(len(evidence.indicators), "indicator"))
    if evidence.audits:
        parts.append(
            f"{plural(len(evidence.audits), 'case audit')} with {plural(findings, 'finding')}"
        )
    one = len(evidence.indicators) + len(evidence.audits) == 1
    return (
        f"{' and '.join(parts)} {'bears' if one else 'bear'} on {len(on)} of the "
        f"{len(framework.criteria)} criteria."
    )


def evidence_section(
    store: Store, cycle: CycleInfo, framework: Framework, frame: pd.DataFrame
) -> dict[str, Any]:
    """What the evidence says, per heading; the kept contradictions; indicators and audits.

    Parameters
    ----------
    frame
        The rows the report rates from (:func:`~workbook.reports.common.analysis_rows`).
    """
    evidence = store.evidence.evidence(cycle.id)
    if evidence.empty:
        return {"loaded": False}
    agency_names = {a.id: a.name for a in store.agencies(cycle.partnership_id)}
    headings, without = _headings(evidence, framework, agency_names)
    dismissals = _dismissals(store, cycle.id)
    ratings = contradictions.ratings_from(frame) if len(frame) else {}
    found = (
        contradictions.find(framework, ratings, evidence, dismissals)
        if dismissals is not None
        else []
    )
    kept = [c for c in found if not c.dismissed]
    return {
        "loaded": True,
        "summary": _summary(evidence, framework),
        "headings": headings,
        "without": names(without),
        "reviewed": dismissals is not None,
        "contradictions": _rows(kept, framework, agency_names),
        "contradicted": len({(c.agency_id, c.criterion_id) for c in kept}),
        "dismissed": len(found) - len(kept),
        "indicators": _indicators(evidence, framework),
        "audits": records(audit_table(evidence, agency_names), AUDIT_COLUMNS),
    }
