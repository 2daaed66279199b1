"""The evidence laid out for people: lines under a criterion, and tidy tables (issue #14).

The form, the dashboard, the board report and the exports all show the same evidence;
they take it from here so that a value, a grade or a comparator reads the same wherever
it appears. Pure: evidence and names in, plain rows out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from workbook.evidence.contradictions import Contradiction, value_words
from workbook.schema.evidence import Evidence
from workbook.schema.framework import Framework, Scale


@dataclass(frozen=True)
class Line:
    """One piece of evidence on one criterion, in words, for a compact read-only list."""

    kind: str
    """'indicator' or 'finding'."""
    title: str
    """The indicator's name, or the audit's title."""
    detail: str
    """The value beside its comparator, or the grade and the finding."""
    reference: str
    """Source and period, or the audit's date and cases reviewed."""
    agency: str = ""
    """Whose value or finding it is (an agency's name); empty for the partnership."""


def _names(agencies: Sequence[str], names: Mapping[str, str]) -> str:
    return ", ".join(names.get(a, a) for a in agencies)


def lines_on(
    evidence: Evidence,
    criterion_id: str,
    scale: Scale,
    names: Mapping[str, str],
    agency_id: str | None = None,
) -> list[Line]:
    """The evidence on one criterion: indicators first, then audit findings.

    Parameters
    ----------
    agency_id
        Only what bears on this agency: its own values and the partnership's, and findings
        naming it or no agency. None: everything (each line says whose it is).
    """
    lines = []
    for indicator in evidence.indicators_on(criterion_id):
        values = (
            [v for v in [indicator.value_for(agency_id)] if v is not None]
            if agency_id is not None
            else list(indicator.values)
        )
        for value in values:
            lines.append(
                Line(
                    "indicator",
                    indicator.name,
                    value_words(indicator, value),
                    f"{indicator.source}, {indicator.period}",
                    names.get(value.agency, value.agency) if value.agency else "",
                )
            )
    for audit, finding in evidence.findings_on(criterion_id):
        if agency_id is not None and finding.agencies and agency_id not in finding.agencies:
            continue
        lines.append(
            Line(
                "finding",
                audit.title,
                f"{audit.grade_label(finding.grade, scale)}: {finding.text}",
                f"{audit.date:%d %B %Y}, {audit.cases_reviewed} cases reviewed",
                _names(finding.agencies, names),
            )
        )
    return lines


INDICATOR_COLUMNS = {
    "indicator_id": "Indicator id",
    "indicator": "Indicator",
    "definition": "Definition",
    "period": "Period",
    "agency": "Agency",
    "value": "Value",
    "unit": "Unit",
    "comparator": "Comparator",
    "comparator_value": "Comparator value",
    "better": "Better",
    "criteria": "Criteria",
    "source": "Source",
}


def indicator_table(evidence: Evidence, names: Mapping[str, str]) -> pd.DataFrame:
    """One row per indicator value (the partnership's agency is 'Partnership')."""
    rows = [
        {
            "indicator_id": i.id,
            "indicator": i.name,
            "definition": i.definition,
            "period": i.period,
            "agency": names.get(v.agency, v.agency) if v.agency else "Partnership",
            "value": v.value,
            "unit": i.unit,
            "comparator": i.comparator,
            "comparator_value": v.comparator_value,
            "better": f"{i.better} is better",
            "criteria": ", ".join(i.criteria),
            "source": i.source,
        }
        for i in evidence.indicators
        for v in i.values
    ]
    return pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS))


AUDIT_COLUMNS = {
    "audit_id": "Audit id",
    "audit": "Audit",
    "date": "Date",
    "cases_reviewed": "Cases reviewed",
    "agencies": "Agencies taking part",
    "findings": "Findings",
}


def audit_table(evidence: Evidence, names: Mapping[str, str]) -> pd.DataFrame:
    """One row per case audit."""
    rows = [
        {
            "audit_id": a.id,
            "audit": a.title,
            "date": a.date,
            "cases_reviewed": a.cases_reviewed,
            "agencies": _names(a.agencies, names),
            "findings": len(a.findings),
        }
        for a in evidence.audits
    ]
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


FINDING_COLUMNS = {
    "audit_id": "Audit id",
    "audit": "Audit",
    "number": "Finding",
    "grade": "Grade",
    "finding": "What the audit found",
    "criteria": "Criteria",
    "agencies": "About",
}


def finding_table(evidence: Evidence, scale: Scale, names: Mapping[str, str]) -> pd.DataFrame:
    """One row per audit finding, its grade in words."""
    rows = [
        {
            "audit_id": a.id,
            "audit": a.title,
            "number": n,
            "grade": a.grade_label(f.grade, scale),
            "finding": f.text,
            "criteria": ", ".join(f.criteria),
            "agencies": _names(f.agencies, names) or "All agencies",
        }
        for a in evidence.audits
        for n, f in enumerate(a.findings, start=1)
    ]
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS))


CONTRADICTION_COLUMNS = {
    "heading": "Heading",
    "criterion": "Criterion",
    "agency": "Agency",
    "rating": "Self-rating",
    "evidence": "Evidence",
    "reference": "Source",
    "dismissed": "Dismissed",
    "reason": "Reason",
}


def contradiction_table(
    found: Sequence[Contradiction], framework: Framework, names: Mapping[str, str]
) -> pd.DataFrame:
    """One row per contradiction: the self-rating and the evidence side by side."""
    rows = []
    for c in found:
        criterion = framework.criterion(c.criterion_id)
        rows.append(
            {
                "key": c.key,
                "heading": framework.heading(criterion.heading).title,
                "criterion": criterion.prompt,
                "criterion_id": c.criterion_id,
                "agency_id": c.agency_id,
                "agency": names.get(c.agency_id, c.agency_id),
                "rating": c.rating,
                "source": c.source,
                "evidence": c.evidence,
                "reference": c.reference,
                "dismissed": c.dismissed,
                "reason": c.reason,
            }
        )
    extra = ["key", "criterion_id", "agency_id", "source"]
    return pd.DataFrame(rows, columns=[*CONTRADICTION_COLUMNS, *extra])
