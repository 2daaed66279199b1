"""The evidence on one criterion as short lines of words, without pandas (issue #14).

The agency return form shows these lines under each criterion, and its kernels never
import pandas (``tests/widgets/test_app.py``), so they live apart from the tables of
:mod:`workbook.evidence.tables`, which re-exports them for the dashboard and the reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from workbook.evidence.contradictions import value_words
from workbook.schema.evidence import Evidence
from workbook.schema.framework import Scale


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


def names_of(agencies: Sequence[str], names: Mapping[str, str]) -> str:
    """Agency ids as their names, comma-separated (an unknown id as itself)."""
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
                names_of(finding.agencies, names),
            )
        )
    return lines
