"""A cycle's evidence as tidy tables for the export (issue #14).

Written even when empty, so every export of a cycle has the same sheets: ``indicators``
(one row per value, with the columns of the evidence import file and the agency's
name), ``audits`` (one row per case audit) and ``audit-findings`` (one row per finding,
its grade as stored, as a label and from 0 to 1 as the contradiction rules read it).
The evidence is what the exporting identity may read, as in every other view.
"""

from __future__ import annotations

from workbook.spreadsheets.tidy import Table
from workbook.store import Store

INDICATOR_COLUMNS = (
    "cycle",
    "indicator",
    "name",
    "definition",
    "unit",
    "better",
    "period",
    "criteria",
    "agency",
    "agency_name",
    "value",
    "comparator",
    "comparator_value",
    "source",
)
AUDIT_COLUMNS = (
    "cycle",
    "audit",
    "title",
    "date",
    "cases_reviewed",
    "audit_agencies",
    "grades",
    "findings",
)
FINDING_COLUMNS = (
    "cycle",
    "audit",
    "number",
    "finding",
    "grade",
    "grade_label",
    "normalised_grade",
    "criteria",
    "agencies",
)
PARTNERSHIP = "Partnership"
"""The agency name of a value for the whole partnership (its ``agency`` cell is empty)."""


def _ids(ids: tuple[str, ...]) -> str:
    """Ids as the evidence files list them, so an exported row reads like an imported one."""
    return "; ".join(ids)


def evidence_tables(store: Store, cycle_id: str) -> tuple[Table, Table, Table]:
    """The ``indicators``, ``audits`` and ``audit-findings`` tables of a cycle's evidence."""
    info = store.cycle(cycle_id)
    scale = store.framework(info.framework_id, info.framework_version).scale
    names = {a.id: a.name for a in store.agencies(info.partnership_id)}
    evidence = store.evidence.evidence(cycle_id)
    indicators = [
        (
            cycle_id,
            i.id,
            i.name,
            i.definition,
            i.unit,
            i.better,
            i.period,
            _ids(i.criteria),
            v.agency,
            names.get(v.agency, v.agency) if v.agency else PARTNERSHIP,
            v.value,
            i.comparator,
            v.comparator_value,
            i.source,
        )
        for i in evidence.indicators
        for v in i.values
    ]
    audits = [
        (
            cycle_id,
            a.id,
            a.title,
            a.date,
            a.cases_reviewed,
            _ids(a.agencies),
            _ids(a.grades),
            len(a.findings),
        )
        for a in evidence.audits
    ]
    findings = [
        (
            cycle_id,
            a.id,
            number,
            f.text,
            f.grade,
            a.grade_label(f.grade, scale),
            round(a.position(f.grade, scale), 6),
            _ids(f.criteria),
            _ids(f.agencies),
        )
        for a in evidence.audits
        for number, f in enumerate(a.findings, start=1)
    ]
    return (
        Table("indicators", INDICATOR_COLUMNS, indicators),
        Table("audits", AUDIT_COLUMNS, audits),
        Table("audit-findings", FINDING_COLUMNS, findings, title="Audit findings"),
    )
