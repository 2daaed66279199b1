"""Where the evidence contradicts a self-rating, by the framework's rules (issue #14).

A self-rating at the top of the scale is contradicted by a case-audit finding on the same
criterion (and the same agency, where the finding names agencies) graded in the bottom
part of its scale, or by a linked indicator worse than its comparator by more than the
margin. What counts as "top", "bottom" and "worse" is the framework's
:class:`~workbook.schema.framework.ContradictionRules`, data rather than code. Pure: the
ratings, evidence and dismissals are given, so it is tested on small hand-made cases.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbook.schema.evidence import CaseAudit, Evidence, Finding, Indicator, IndicatorValue
from workbook.schema.framework import Framework

if TYPE_CHECKING:  # the form shows evidence lines without importing pandas
    import pandas as pd


@dataclass(frozen=True)
class Contradiction:
    """One self-rating and the evidence that contradicts it, side by side.

    ``key`` names it across loads, so the chair's dismissal stays with it: the criterion,
    the agency and the evidence item (an indicator's id, or an audit's id and a digest of
    the finding's words, so that a finding added above it in a later file, or the rows
    sorted otherwise, leave the dismissal with the finding it was about).
    """

    key: str
    criterion_id: str
    agency_id: str
    rating: str
    """The self-rating's label."""
    source: str
    """'indicator' or 'finding'."""
    evidence: str
    """The evidence in words: the finding and its grade, or the value beside its comparator."""
    reference: str
    """Where it comes from: the audit's title and date, or the indicator's source and period."""
    dismissed: bool = False
    reason: str = ""


def fmt(number: float) -> str:
    """A value as people write it: no trailing ``.0``, thousands separated.

    >>> fmt(1234.0), fmt(23.5), fmt(0.125)
    ('1,234', '23.5', '0.125')
    """
    if float(number).is_integer():
        return f"{int(number):,}"
    return f"{number:,.3f}".rstrip("0").rstrip(".")


def value_words(indicator: Indicator, value: IndicatorValue) -> str:
    """``24% against 20% (England average); lower is better``."""
    unit = indicator.unit
    joiner = "" if unit in {"%", "\u00a3"} else " "
    text = f"{fmt(value.value)}{joiner}{unit}"
    if value.comparator_value is not None:
        label = indicator.comparator or "comparator"
        text += f" against {fmt(value.comparator_value)}{joiner}{unit} ({label})"
    return f"{text}; {indicator.better} is better"


def _finding_applies(finding: Finding, agency_id: str) -> bool:
    return not finding.agencies or agency_id in finding.agencies


def find(
    framework: Framework,
    ratings: Mapping[tuple[str, str], str],
    evidence: Evidence,
    dismissals: Mapping[str, tuple[bool, str]] | None = None,
) -> list[Contradiction]:
    """Every contradiction between the self-ratings and the evidence, in framework order.

    Parameters
    ----------
    ratings
        ``(agency id, criterion id) -> level key`` of each self-rating.
    dismissals
        ``key -> (dismissed, reason)``, the chair's latest word on each.
    """
    rules = framework.contradictions
    scale = framework.scale
    top = {level.key for level in scale.best_first()[: rules.top_levels]}
    order = {c.id: n for n, c in enumerate(framework.criteria)}
    dismissals = dismissals or {}
    found: list[Contradiction] = []

    def add(
        agency_id: str, criterion_id: str, rating: str, source: str, item: str, **kw: str
    ) -> None:
        key = f"{criterion_id}|{agency_id}|{source}:{item}"
        dismissed, reason = dismissals.get(key, (False, ""))
        found.append(
            Contradiction(
                key=key,
                criterion_id=criterion_id,
                agency_id=agency_id,
                rating=scale.level(rating).label,
                source=source,
                dismissed=dismissed,
                reason=reason if dismissed else "",
                **kw,
            )
        )

    for (agency_id, criterion_id), rating in sorted(
        ratings.items(), key=lambda kv: (order.get(kv[0][1], len(order)), kv[0][0])
    ):
        if rating not in top:
            continue
        for audit, item, finding in _findings_on(evidence, criterion_id):
            if not _finding_applies(finding, agency_id):
                continue
            if audit.position(finding.grade, scale) < rules.finding_below:
                grade = audit.grade_label(finding.grade, scale)
                add(
                    agency_id,
                    criterion_id,
                    rating,
                    "finding",
                    item,
                    evidence=f"{grade}: {finding.text}",
                    reference=f"{audit.title} ({audit.date:%d %B %Y}, "
                    f"{audit.cases_reviewed} cases)",
                )
        for indicator in evidence.indicators_on(criterion_id):
            value = indicator.value_for(agency_id)
            worse = indicator.worse_by(value) if value else None
            if value is not None and worse is not None and worse > rules.indicator_margin:
                whose = "" if value.agency else " (partnership)"
                add(
                    agency_id,
                    criterion_id,
                    rating,
                    "indicator",
                    indicator.id,
                    evidence=f"{indicator.name}{whose}: {value_words(indicator, value)}",
                    reference=f"{indicator.source}, {indicator.period}",
                )
    return found


def finding_item(audit: CaseAudit, finding: Finding) -> str:
    """A finding as a contradiction's key names it: ``audit-id:`` and a digest of its words.

    >>> audit = CaseAudit(id="a1", title="A", date="2018-03-01", cases_reviewed=5, findings=())
    >>> def item(text): return finding_item(audit, Finding(text=text, grade="red", criteria=()))
    >>> late = item("Plans were late.")
    >>> late.startswith("a1:"), late == item("Plans  were late. "), late == item("On time.")
    (True, True, False)
    """
    digest = hashlib.sha256(" ".join(finding.text.split()).encode()).hexdigest()[:12]
    return f"{audit.id}:{digest}"


def _findings_on(evidence: Evidence, criterion_id: str) -> list[tuple[CaseAudit, str, Finding]]:
    found = []
    seen: set[str] = set()
    for audit in evidence.audits:
        for finding in audit.findings:
            if criterion_id not in finding.criteria:
                continue
            item = base = finding_item(audit, finding)
            repeat = 1
            while item in seen:  # the same words twice in one audit: each has a key
                repeat += 1
                item = f"{base}.{repeat}"
            seen.add(item)
            found.append((audit, item, finding))
    return found


def ratings_from(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    """``(agency id, criterion id) -> rating`` from the analysis frame of one cycle."""
    rated = frame[frame["rating"].notna()]
    return {
        (str(row.agency_id), str(row.criterion_id)): str(row.rating)
        for row in rated.itertuples(index=False)
    }
