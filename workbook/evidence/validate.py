"""Check an evidence file's rows against the cycle it is for, and gather them.

Each row is validated by the typed schema (:mod:`workbook.schema.evidence`), in the words
every template problem uses; then the rows of one indicator or one audit must agree, no
value may come twice, and every criterion, agency and grade must be the cycle's. Every
problem is collected and raised together, so one pass over a file shows what to fix.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from workbook import personal_data
from workbook.errors import EvidenceError, Problem
from workbook.evidence.files import Table
from workbook.schema.evidence import (
    AUDIT_COLUMNS,
    INDICATOR_SHARED,
    CaseAudit,
    Evidence,
    Finding,
    FindingRow,
    Indicator,
    IndicatorRow,
    IndicatorValue,
    grade_key,
)
from workbook.schema.framework import Framework
from workbook.schema.loader import clean_loc, error_message
from workbook.schema.responses import text_problem


@dataclass(frozen=True)
class Context:
    """What a file's rows are checked against: the cycle's framework and agencies."""

    framework: Framework
    agencies: Collection[str]
    despite_personal_data: bool = False


def _row_model(
    model: type[BaseModel], cells: dict[str, Any], where: str, problems: list[Problem]
) -> Any:
    try:
        return model.model_validate(cells)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            path = clean_loc(error["loc"])
            column = str(path[0]) if path else ""
            message = _message(model, error, path)
            problems.append(Problem(where, column, message))
        return None


DATE_HINT = "expected a date such as 2018-03-14 or 14/03/2018"


def _message(model: type[BaseModel], error: ErrorDetails, path: tuple[str | int, ...]) -> str:
    """A cell's problem in the template problems' words, without pydantic's own prefixes."""
    kind = error["type"]
    if kind == "missing":
        return "this cell is empty; a value is required"
    if kind == "value_error":  # our validators' own words, not "value error, ..."
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind.startswith("date_"):
        return DATE_HINT
    return error_message(model, error, path)


def _unknown(kind: str, key: str, known: Iterable[str], context: str) -> str:
    listed = sorted(known)
    shown = ", ".join(listed[:8]) + (", ..." if len(listed) > 8 else "")
    return f"unknown {kind} {key!r}; {context}: {shown}"


class _Checker:
    """The cycle's ids, and the problems found so far."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.criteria = {c.id for c in context.framework.criteria}
        self.agencies = set(context.agencies)
        self.problems: list[Problem] = []
        fw = context.framework
        self.criteria_hint = f"{fw.id} {fw.version} has criteria"

    def add(self, where: str, column: str, message: str) -> None:
        self.problems.append(Problem(where, column, message))

    def ids(self, where: str, column: str, keys: Iterable[str | None], kind: str) -> None:
        known = self.criteria if kind == "criterion" else self.agencies
        hint = self.criteria_hint if kind == "criterion" else "the cycle's agencies are"
        for key in keys:
            if key is not None and key not in known:
                self.add(where, column, _unknown(kind, key, known, hint))

    def text(self, where: str, column: str, text: str) -> None:
        problem = text_problem(text)
        if problem:
            self.add(where, column, problem)
            return
        if self.context.despite_personal_data:
            return
        for found in personal_data.scan(text):
            self.add(
                where,
                column,
                f"looks like {found.kind.phrase} ({found.excerpt}); evidence describes services, "
                "not people: remove it, or load with --despite-personal-data if it is not",
            )

    def same(
        self, where: str, row: Any, first: Any, first_row: int, columns: Iterable[str]
    ) -> None:
        """Columns every row of one indicator or audit repeats must agree with its first row."""
        for column in columns:
            if getattr(row, column) != getattr(first, column):
                self.add(where, column, f"differs from row {first_row}, the same {_noun(row)}")


def _noun(row: Any) -> str:
    return "indicator" if isinstance(row, IndicatorRow) else "audit"


def _indicators(table: Table, check: _Checker) -> list[Indicator]:
    first: dict[str, tuple[int, IndicatorRow]] = {}
    values: dict[str, list[IndicatorValue]] = {}
    seen: dict[tuple[str, str | None], int] = {}
    for number, cells in table.rows:
        where = f"{table.where}:{number}"
        row: IndicatorRow | None = _row_model(IndicatorRow, cells, where, check.problems)
        if row is None:
            continue
        check.ids(where, "criteria", row.criteria, "criterion")
        check.ids(where, "agency", [row.agency], "agency")
        for column in ("name", "definition", "source", "comparator"):
            check.text(where, column, getattr(row, column))
        if row.comparator_value is not None and not row.comparator:
            check.add(
                where, "comparator", "say what the comparator value is (e.g. 'England average')"
            )
        key = (row.indicator, row.agency)
        if key in seen:
            whom = row.agency or "the partnership"
            check.add(
                where,
                "indicator",
                f"the same indicator twice: {row.indicator!r} for {whom} "
                f"is also on row {seen[key]}",
            )
            continue
        seen[key] = number
        if row.indicator in first:
            first_row, head = first[row.indicator]
            check.same(where, row, head, first_row, INDICATOR_SHARED)
        else:
            first[row.indicator] = (number, row)
        values.setdefault(row.indicator, []).append(
            IndicatorValue(
                agency=row.agency, value=row.value, comparator_value=row.comparator_value
            )
        )
    return [
        Indicator(
            id=head.indicator,
            name=head.name,
            definition=head.definition,
            unit=head.unit,
            better=head.better,
            period=head.period,
            criteria=head.criteria,
            comparator=head.comparator,
            source=head.source,
            values=tuple(values[key]),
        )
        for key, (_, head) in first.items()
    ]


def _audits(table: Table, check: _Checker) -> list[CaseAudit]:
    scale = check.context.framework.scale
    first: dict[str, tuple[int, FindingRow]] = {}
    findings: dict[str, list[Finding]] = {}
    for number, cells in table.rows:
        where = f"{table.where}:{number}"
        row: FindingRow | None = _row_model(FindingRow, cells, where, check.problems)
        if row is None:
            continue
        check.ids(where, "criteria", row.criteria, "criterion")
        check.ids(where, "agencies", row.agencies, "agency")
        check.ids(where, "audit_agencies", row.audit_agencies, "agency")
        for column in ("title", "finding"):
            check.text(where, column, getattr(row, column))
        if len(row.grades) == 1:
            check.add(where, "grades", "an audit's own grade list needs at least 2 grades")
        elif len({g.casefold() for g in row.grades}) != len(row.grades):
            check.add(where, "grades", "the same grade twice")
        grade = grade_key(row.grade, scale, row.grades)
        if grade is None:
            allowed = row.grades or tuple(level.label for level in scale.levels)
            where_from = "the audit's grades" if row.grades else f"the scale {scale.name!r}"
            check.add(
                where,
                "grade",
                f"unknown grade {row.grade!r}; expected one of {where_from}: " + ", ".join(allowed),
            )
            grade = row.grade
        if row.audit in first:
            first_row, head = first[row.audit]
            check.same(where, row, head, first_row, AUDIT_COLUMNS)
        else:
            first[row.audit] = (number, row)
        findings.setdefault(row.audit, []).append(
            Finding(text=row.finding, grade=grade, criteria=row.criteria, agencies=row.agencies)
        )
    return [
        CaseAudit(
            id=head.audit,
            title=head.title,
            date=head.date,
            cases_reviewed=head.cases_reviewed,
            agencies=head.audit_agencies,
            grades=head.grades,
            findings=tuple(findings[key]),
        )
        for key, (_, head) in first.items()
    ]


def gather(tables: Iterable[Table], context: Context, source: str) -> Evidence:
    """The indicators and audits a file's tables hold, checked against the cycle.

    Raises
    ------
    EvidenceError
        With every problem found, each at its row and column; nothing is returned.
    """
    check = _Checker(context)
    indicators: list[Indicator] = []
    audits: list[CaseAudit] = []
    for table in tables:
        if table.kind == "indicators":
            found = _indicators(table, check)
            _no_repeats([i.id for i in indicators], found, table.where, check, "indicator")
            indicators += found
        else:
            audits_found = _audits(table, check)
            _no_repeats([a.id for a in audits], audits_found, table.where, check, "audit")
            audits += audits_found
    if check.problems:
        raise EvidenceError(source, check.problems)
    return Evidence(indicators=tuple(indicators), audits=tuple(audits))


def _no_repeats(
    before: list[str],
    found: Iterable[Indicator | CaseAudit],
    where: str,
    check: _Checker,
    what: str,
) -> None:
    for item in found:
        if item.id in before:
            check.add(where, what, f"{what} {item.id!r} is also in another table of this file")
