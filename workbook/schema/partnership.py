"""The typed schema of a partnership file: agencies and assessment cycles as data."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from workbook.schema.framework import FieldPath, Key, Model, OptionalText, Text


class Agency(Model):
    """A partner agency; one agency may belong to several partnerships."""

    id: Key
    name: Text
    sector: Text = Field(description="e.g. police, health, local authority, education.")


class Timetable(Model):
    """The dates of one cycle, in the order they happen."""

    criteria_agreed: dt.date
    returns_open: dt.date
    returns_due: dt.date
    draft_report: dt.date | None = Field(None, description="Draft report to the MASE.")
    final_report: dt.date | None = Field(None, description="Final report to the board.")


class Cycle(Model):
    """One run of a framework version for a partnership."""

    id: Key
    title: Text
    framework: Key
    framework_version: Text | None = Field(
        None, description="Template version; defaults to the version in templates/ when loaded."
    )
    agencies: Literal["all"] | tuple[Key, ...] = "all"
    timetable: Timetable


class Partnership(Model):
    """A safeguarding partnership with its member agencies and cycles."""

    kind: Literal["partnership"]
    id: Key
    name: Text
    description: OptionalText = ""
    agencies: tuple[Agency, ...] = Field(min_length=1)
    cycles: tuple[Cycle, ...] = ()

    def invited(self, cycle: Cycle) -> tuple[str, ...]:
        """Agency ids invited to a cycle."""
        if cycle.agencies == "all":
            return tuple(a.id for a in self.agencies)
        return cycle.agencies


def reference_problems(partnership: Partnership) -> list[tuple[FieldPath, str]]:
    """Cross-field rules of a partnership file, with the path of each breach."""
    problems: list[tuple[FieldPath, str]] = []
    for collection in ("agencies", "cycles"):
        seen: dict[str, int] = {}
        for index, item in enumerate(getattr(partnership, collection)):
            if item.id in seen:
                problems.append(
                    (
                        (collection, index, "id"),
                        f"duplicate id {item.id!r} (first used by {collection}[{seen[item.id]}])",
                    )
                )
            seen.setdefault(item.id, index)
    agency_ids = {a.id for a in partnership.agencies}
    order = ("criteria_agreed", "returns_open", "returns_due", "draft_report", "final_report")
    for index, cycle in enumerate(partnership.cycles):
        if cycle.agencies != "all":
            for position, agency in enumerate(cycle.agencies):
                if agency not in agency_ids:
                    problems.append(
                        (("cycles", index, "agencies", position), f"unknown agency {agency!r}")
                    )
        dates = [(name, getattr(cycle.timetable, name)) for name in order]
        known = [(name, day) for name, day in dates if day is not None]
        for (before, first), (after, second) in zip(known, known[1:], strict=False):
            if second < first:
                problems.append(
                    (
                        ("cycles", index, "timetable", after),
                        f"{after} ({second}) is before {before} ({first})",
                    )
                )
    return problems
