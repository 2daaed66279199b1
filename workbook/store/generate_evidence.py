"""Synthetic evidence for the generated store: indicators and case audits per cycle (issue #14).

The benchmarks measure the form and the dashboard with a cycle's evidence in place (50
indicators and 5 audits by default, :class:`workbook.store.generate.Size`). The rows are
validated by the same models the store keeps, and written in the shape
:meth:`EvidenceStore.load` writes them (revision 1 of each item), from a stream of their
own so that the returns of a seed stay as they were.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from workbook.schema.evidence import CaseAudit, Evidence, Finding, Indicator, IndicatorValue

FINDINGS_PER_AUDIT = 6
SOURCES = ("Case management system", "Police MASH data", "Health dashboard", "CIN census")


def _indicator(n: int, criteria: list[str], agencies: list[str], rng: random.Random) -> Indicator:
    better = "higher" if n % 2 else "lower"
    comparator = 50 + rng.random() * 40
    values = [
        IndicatorValue(
            value=round(comparator * rng.uniform(0.7, 1.3), 1),
            comparator_value=round(comparator, 1),
        )
    ]
    for agency in rng.sample(agencies, min(3, len(agencies))):
        values.append(
            IndicatorValue(
                agency=agency,
                value=round(comparator * rng.uniform(0.6, 1.4), 1),
                comparator_value=round(comparator, 1),
            )
        )
    return Indicator(
        id=f"ind-{n:02d}",
        name=f"Indicator {n:02d}",
        definition=f"A synthetic measure number {n}, for benchmarks.",
        unit="%",
        better=better,
        period="2017/18",
        criteria=tuple(rng.sample(criteria, min(2, len(criteria)))),
        comparator="England average",
        source=rng.choice(SOURCES),
        values=tuple(values),
    )


def _audit(
    n: int,
    criteria: list[str],
    agencies: list[str],
    levels: list[str],
    due: dt.date,
    rng: random.Random,
) -> CaseAudit:
    findings = tuple(
        Finding(
            text=f"Finding {k} of audit {n}: practice was mixed across the cases reviewed.",
            grade=rng.choice(levels),
            criteria=(rng.choice(criteria),),
            agencies=tuple(rng.sample(agencies, 1)) if rng.random() < 0.3 else (),
        )
        for k in range(1, FINDINGS_PER_AUDIT + 1)
    )
    return CaseAudit(
        id=f"audit-{n}",
        title=f"Multi-agency case audit {n}",
        date=due - dt.timedelta(days=90 + 10 * n),
        cases_reviewed=rng.randint(5, 25),
        agencies=tuple(rng.sample(agencies, min(4, len(agencies)))),
        findings=findings,
    )


def synthetic_evidence(
    cycle_id: str,
    criteria: list[str],
    agencies: list[str],
    levels: list[str],
    due: dt.date,
    counts: tuple[int, int],
    seed: object,
) -> Evidence:
    """A cycle's synthetic indicators and audits: ``counts`` is (indicators, audits).

    For a benchmark that loads them through the store (:meth:`EvidenceStore.load`).
    """
    indicators, audits = counts
    rng = random.Random(f"{seed}/evidence/{cycle_id}")
    return Evidence(
        indicators=tuple(_indicator(n, criteria, agencies, rng) for n in range(1, indicators + 1)),
        audits=tuple(_audit(n, criteria, agencies, levels, due, rng) for n in range(1, audits + 1)),
    )


def evidence_rows(
    cycle_id: str,
    criteria: list[str],
    agencies: list[str],
    levels: list[str],
    due: dt.date,
    counts: tuple[int, int],
    seed: object,
) -> list[dict[str, Any]]:
    """``evidence_item`` rows for one cycle: ``counts`` is (indicators, audits)."""
    made = synthetic_evidence(cycle_id, criteria, agencies, levels, due, counts, seed)
    items: list[tuple[str, Indicator | CaseAudit]] = [("indicator", i) for i in made.indicators]
    items += [("audit", a) for a in made.audits]
    saved = dt.datetime.combine(due - dt.timedelta(days=60), dt.time(9), dt.UTC)
    return [
        {
            "cycle_id": cycle_id,
            "kind": kind,
            "key": item.id,
            "number": 1,
            "body": item.model_dump_json(),
            "source": "generated",
            "author": "Generator",
            "saved_by": None,
            "saved_at": saved,
        }
        for kind, item in items
    ]
