"""The evidence laid out for people: lines under a criterion, and tidy tables (issue #14).

The form, the dashboard, the board report and the exports all show the same evidence;
they take it from here so that a value, a grade or a comparator reads the same wherever
it appears. Pure: evidence and names in, plain rows out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from workbook.evidence.contradictions import Contradiction
from workbook.evidence.lines import Line, lines_on
from workbook.evidence.lines import names_of as _names
from workbook.schema.evidence import Evidence
from workbook.schema.framework import Framework, Scale

__all__ = [
    "Line",
    "audit_table",
    "contradiction_table",
    "finding_table",
    "indicator_table",
    "lines_on",
]


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
