"""The typed schema of evidence: data indicators and case-audit findings (issue #14).

An evidence file is a table, one row per indicator value or per audit finding; a row is
validated here as :class:`IndicatorRow` or :class:`FindingRow`, so its problems are worded
like every template's (:func:`workbook.schema.loader.error_message`). Rows of one indicator
or one audit are then gathered into :class:`Indicator` and :class:`CaseAudit`, which is
what the store keeps and every page, report and export reads.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StringConstraints

from workbook.schema.framework import Key, Model, OptionalText, Scale, Text

PERIOD_HINT = "a period such as 2017/18 (a financial year), 2018 Q1, 2018-03 or 2018"

_YEAR = r"(?P<year>(19|20)\d\d)"
_PERIODS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^{_YEAR}$"), "year"),
    (re.compile(rf"^{_YEAR}\s*[-/]\s*(?P<next>\d\d)$"), "financial"),
    (re.compile(rf"^{_YEAR}\s*[-/ ]?\s*Q(?P<quarter>[1-4])$", re.I), "quarter"),
    (re.compile(rf"^Q(?P<quarter>[1-4])\s*[-/ ]?\s*{_YEAR}$", re.I), "quarter"),
    (re.compile(rf"^{_YEAR}-(?P<month>0[1-9]|1[0-2])$"), "month"),
)


def canonical_period(text: str) -> str:
    """A period in one spelling: ``2017/18``, ``2018 Q1``, ``2018-03`` or ``2018``.

    >>> canonical_period("2017-18"), canonical_period("q1 2018"), canonical_period("2018-03")
    ('2017/18', '2018 Q1', '2018-03')
    >>> canonical_period("2017-19")
    Traceback (most recent call last):
    ValueError: expected a period such as 2017/18 (a financial year), 2018 Q1, 2018-03 or 2018
    """
    text = str(text).strip()
    for pattern, kind in _PERIODS:
        match = pattern.match(text)
        if match is None:
            continue
        year = int(match["year"])
        if kind == "financial":
            if int(match["next"]) != (year + 1) % 100:
                continue  # 2018-03 is a month, not a financial year
            return f"{year}/{match['next']}"
        if kind == "quarter":
            return f"{year} Q{match['quarter']}"
        return text
    raise ValueError(f"expected {PERIOD_HINT}")


def _split(value: Any) -> Any:
    """A list cell: ids separated by ';', ',' or new lines (an empty cell is no ids)."""
    if value is None:
        return ()
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = _text(value)  # a spreadsheet cell holding one id that looks like a number
    if isinstance(value, str):
        return tuple(part.strip() for part in re.split(r"[;,\n]", value) if part.strip())
    return value


def _number(value: Any) -> Any:
    """A number cell as a spreadsheet gives it, or as typed: ``1,234`` and ``24%`` read."""
    if isinstance(value, str):
        cleaned = value.strip().replace(",", "").removesuffix("%").strip()
        return cleaned if cleaned else None
    return value


def _blank_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _agency(value: Any) -> Any:
    """An agency cell; blank or 'partnership' means the value is the whole partnership's."""
    value = _blank_none(value)
    if isinstance(value, str) and value.strip().lower() in {"partnership", "all"}:
        return None
    return value


def _text(value: Any) -> Any:
    """A number a spreadsheet made of what was typed as text: 2018, not 2018.0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)


def _period(value: Any) -> Any:
    """A period cell; a spreadsheet turns 2018 into a number and 2018-03 into a date."""
    if isinstance(value, dt.date):
        if value.day != 1:
            raise ValueError(f"expected {PERIOD_HINT}, not a day")
        return f"{value.year}-{value.month:02d}"
    return _text(value)


def _day(value: Any) -> Any:
    """A date typed ISO-style or the English way (14/03/2018); spreadsheets give datetimes."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        iso = re.match(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$", value)
        english = re.match(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$", value)
        if iso:
            year, month, day = (int(g) for g in iso.groups())
        elif english:
            day, month, year = (int(g) for g in english.groups())
        else:
            return value
        try:
            return dt.date(year, month, day)
        except ValueError as exc:
            raise ValueError(f"{value.strip()!r} is not a real date ({exc})") from None
    return value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Keys = Annotated[tuple[Key, ...], BeforeValidator(_split)]
Number = Annotated[float, BeforeValidator(_number), Field(allow_inf_nan=False)]
Period = Annotated[str, BeforeValidator(_period), AfterValidator(canonical_period)]
Day = Annotated[dt.date, BeforeValidator(_day)]
Better = Annotated[Literal["higher", "lower"], BeforeValidator(_lower)]
Grades = Annotated[
    tuple[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)], ...
    ],
    BeforeValidator(_split),
]

MAX_FINDING = 4000
"""Longest finding: aggregate text about services, a paragraph or two."""


class _Row(Model):
    """A row of a table: a spreadsheet holds 2018 or 3 typed in a text column as numbers."""

    model_config = ConfigDict(coerce_numbers_to_str=True)


class IndicatorRow(_Row):
    """One row of an indicators table: one value of one indicator, for an agency or all."""

    indicator: Key = Field(description="The indicator's id, the same on every row of it.")
    name: Text
    definition: OptionalText = ""
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    better: Better = Field(description="'higher' or 'lower': which direction is better.")
    period: Period
    criteria: Keys = Field(min_length=1, description="Criterion ids, separated by ';'.")
    agency: Annotated[Key | None, BeforeValidator(_agency)] = Field(
        None, description="An agency id; blank (or 'partnership') for the whole partnership."
    )
    value: Number
    comparator: OptionalText = Field(
        "", description="What the value is compared with: 'England average', 'last period'."
    )
    comparator_value: Annotated[Number | None, BeforeValidator(_blank_none)] = None
    source: Text


class FindingRow(_Row):
    """One row of an audit-findings table: one finding of one case audit."""

    audit: Key = Field(description="The audit's id, the same on every row of it.")
    title: Text
    date: Day
    cases_reviewed: Annotated[int, BeforeValidator(_number), Field(ge=1, le=100_000)]
    audit_agencies: Keys = Field((), description="Agencies that took part, separated by ';'.")
    grades: Grades = Field(
        (), description="The audit's own grades, best first; blank for the framework's scale."
    )
    finding: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_FINDING)
    ]
    grade: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    criteria: Keys = Field(min_length=1)
    agencies: Keys = Field((), description="Agencies the finding is about; blank for all.")


INDICATOR_COLUMNS = tuple(IndicatorRow.model_fields)
FINDING_COLUMNS = tuple(FindingRow.model_fields)
AUDIT_COLUMNS = ("audit", "title", "date", "cases_reviewed", "audit_agencies", "grades")
"""Columns that describe the audit, not the finding: every row of one audit repeats them."""
INDICATOR_ONLY = ("indicator", "name", "definition", "unit", "better", "period", "criteria")
INDICATOR_SHARED = (*INDICATOR_ONLY, "comparator", "source")
"""Columns that describe the indicator, not one value: every row of one indicator repeats them."""


class IndicatorValue(Model):
    """One indicator's value for one agency, or for the partnership (``agency`` None)."""

    agency: Key | None = None
    value: float
    comparator_value: float | None = None


class Indicator(Model):
    """A data indicator for a cycle, linked to the criteria it bears on."""

    id: Key
    name: Text
    definition: OptionalText = ""
    unit: str
    better: Literal["higher", "lower"]
    period: str
    criteria: tuple[Key, ...]
    comparator: OptionalText = ""
    source: Text
    values: tuple[IndicatorValue, ...]

    def value_for(self, agency_id: str | None) -> IndicatorValue | None:
        """The agency's own value, else the partnership's, else None."""
        own = next((v for v in self.values if v.agency == agency_id), None)
        return own or next((v for v in self.values if v.agency is None), None)

    def worse_by(self, value: IndicatorValue) -> float | None:
        """How much worse than its comparator a value is, as a fraction of the comparator.

        Positive is worse, negative better, None when there is nothing to compare with. A
        comparator of zero compares by the difference itself.

        >>> i = Indicator(id="r", name="R", unit="%", better="lower", period="2018",
        ...               criteria=("a",), source="s", values=())
        >>> i.worse_by(IndicatorValue(value=24, comparator_value=20))
        0.2
        """
        if value.comparator_value is None:
            return None
        gap = value.value - value.comparator_value
        if self.better == "higher":
            gap = -gap
        base = abs(value.comparator_value)
        return gap / base if base else gap


class Finding(Model):
    """One graded finding of a case audit: aggregate text, never about one child."""

    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_FINDING)]
    grade: str = Field(description="A level key of the framework's scale, or an audit grade.")
    criteria: tuple[Key, ...]
    agencies: tuple[Key, ...] = ()


class CaseAudit(Model):
    """A multi-agency case audit: how many cases, who took part, and what it found."""

    id: Key
    title: Text
    date: dt.date
    cases_reviewed: int
    agencies: tuple[Key, ...] = ()
    grades: tuple[str, ...] = Field(
        (), description="The audit's own grade list, best first; empty: the framework's scale."
    )
    findings: tuple[Finding, ...]

    def position(self, grade: str, scale: Scale) -> float:
        """A finding's grade from 0 (worst) to 1 (best), on the audit's or the framework's scale.

        >>> audit = CaseAudit(id="a", title="A", date="2018-03-01", cases_reviewed=5,
        ...                   grades=("Good", "Adequate", "Poor"), findings=())
        >>> [audit.position(g, None) for g in audit.grades]  # type: ignore[arg-type]
        [1.0, 0.5, 0.0]
        """
        if self.grades:
            return 1.0 - self.grades.index(grade) / (len(self.grades) - 1)
        return scale.normalised(grade)

    def grade_label(self, grade: str, scale: Scale) -> str:
        """The grade in the words users know it by."""
        return grade if self.grades else scale.level(grade).label


class Evidence(Model):
    """A cycle's current evidence: its indicators and its case audits, as one reader sees it."""

    indicators: tuple[Indicator, ...] = ()
    audits: tuple[CaseAudit, ...] = ()

    def indicators_on(self, criterion_id: str) -> tuple[Indicator, ...]:
        """The indicators linked to one criterion."""
        return tuple(i for i in self.indicators if criterion_id in i.criteria)

    def findings_on(self, criterion_id: str) -> tuple[tuple[CaseAudit, Finding], ...]:
        """The findings on one criterion, each with its audit."""
        return tuple(
            (audit, finding)
            for audit in self.audits
            for finding in audit.findings
            if criterion_id in finding.criteria
        )

    @property
    def empty(self) -> bool:
        return not (self.indicators or self.audits)


def grade_key(text: str, scale: Scale, own: Iterable[str]) -> str | None:
    """A typed grade as stored: the audit's own grade, or a level key of the scale.

    Matched without regard to case, by the level's key or its label; None if neither.
    """
    wanted = text.strip().casefold()
    own = tuple(own)
    if own:
        return next((g for g in own if g.casefold() == wanted), None)
    for level in scale.levels:
        if wanted in {level.key.casefold(), level.label.casefold()}:
            return level.key
    return None
