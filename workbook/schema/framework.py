"""The typed schema of an assessment framework (``templates/frameworks/*.yaml``).

This module is the single source of truth for what a template may contain.
Loaders go through :mod:`workbook.schema.loader`, which turns these models' errors
into located messages; nothing else reads a template's raw mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from workbook.schema.parts import Breach, Entries, ReadEntries, duplicates

Key = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64),
]
"""An identifier: lower-case letters, digits, ``-``, ``_`` or ``.``; stable across versions."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
Sector = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]

KEY_HINT = "an id of lower-case letters, digits, '-', '_' or '.' (for example 'prevent-1')"


class ResponseField(StrEnum):
    """What a criterion asks an agency to record."""

    RATING = "rating"
    EVIDENCE = "evidence"
    GOING_WELL = "going_well"
    DEVELOPMENT = "development"
    ACTIONS = "actions"


DEFAULT_FIELD_LABELS: dict[ResponseField, str] = {
    ResponseField.RATING: "Rating",
    ResponseField.EVIDENCE: "Evidence",
    ResponseField.GOING_WELL: "What is going well",
    ResponseField.DEVELOPMENT: "Areas for development / worries",
    ResponseField.ACTIONS: "Actions (owner and due date)",
}


class Model(BaseModel):
    """Base for template models: immutable, and unknown keys are errors, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Level(Model):
    """One point on a rating scale."""

    key: Key
    label: Text = Field(description="What users see, e.g. 'Requires improvement to be good'.")
    score: float = Field(description="Number used for medians and trends.")
    colour: Colour = Field(description="Hex colour '#rrggbb' for charts; never the only cue.")
    description: OptionalText = ""


class Scale(Model):
    """An ordered rating scale; which end is best is stated, never assumed."""

    name: Text
    best: Literal["highest", "lowest"] = Field(
        description="Whether the highest or the lowest score is the best rating."
    )
    levels: tuple[Level, ...] = Field(min_length=2)

    def level(self, key: str) -> Level:
        """Return the level with ``key``; ``KeyError`` if none."""
        for level in self.levels:
            if level.key == key:
                return level
        raise KeyError(key)

    def best_first(self) -> tuple[Level, ...]:
        """Levels from best to worst, whatever order the template lists them in."""
        return tuple(
            sorted(self.levels, key=lambda lv: -lv.score if self.best == "highest" else lv.score)
        )

    @property
    def best_level(self) -> Level:
        """The top rating (for which evidence is required on submission)."""
        return self.best_first()[0]

    def normalised(self, key: str) -> float:
        """Score mapped to 0 (worst) .. 1 (best), so scales of either direction compare."""
        scores = [lv.score for lv in self.levels]
        low, high = min(scores), max(scores)
        value = (self.level(key).score - low) / (high - low)
        return value if self.best == "highest" else 1.0 - value


class Heading(Model):
    """A section of the framework (e.g. 'Prevent'); its title may be renamed freely."""

    id: Key
    title: Text
    guidance: OptionalText = ""


class Criterion(Model):
    """One question an agency answers.

    ``title`` names the criterion where its whole question is too long (tables, charts,
    the board paper); ids are for the method appendix only (issue #16). ``applies_to``
    scopes it to the agencies of some sectors: an agency of another sector is not asked
    it, and its return leaves it out of completion, medians, spread and trends.
    """

    id: Key
    heading: Key = Field(description="The id of the heading this criterion sits under.")
    prompt: Text
    title: ShortText = Field("", description="A short name for tables and the board paper.")
    guidance: OptionalText = ""
    evidence: OptionalText = Field(
        "", description="What good evidence for this criterion looks like."
    )
    fields: tuple[ResponseField, ...] | None = Field(
        None, description="Response fields asked for; defaults to the framework's 'fields'."
    )
    applies_to: tuple[Sector, ...] | None = Field(
        None,
        min_length=1,
        description="The sectors asked (as the partnership file names them); all if absent.",
    )

    @property
    def name(self) -> str:
        """How people see it named: its short title, else its question (shortened)."""
        if self.title:
            return self.title
        prompt = " ".join(self.prompt.split())
        return prompt if len(prompt) <= 120 else prompt[:119].rsplit(" ", 1)[0] + "…"

    def applies(self, sector: str | None) -> bool:
        """Whether an agency of ``sector`` is asked this (None: not known, so asked).

        >>> Criterion(id="d-1", heading="d", prompt="?", applies_to=("Police",)).applies("police")
        True
        """
        if self.applies_to is None or sector is None:
            return True
        wanted = sector.strip().casefold()
        return any(s.casefold() == wanted for s in self.applies_to)


class ContradictionRules(Model):
    """When evidence contradicts a self-rating: data in the framework YAML, not code.

    A self-rating among the scale's best ``top_levels`` levels is contradicted by a finding
    on the same criterion (and agency, where the finding names agencies) graded below
    ``finding_below`` (0 worst, 1 best: 0.5 is "in the bottom half"), or by a linked
    indicator worse than its comparator by more than ``indicator_margin`` (a fraction of
    the comparator: 0.1 is 10%).
    """

    top_levels: int = Field(1, ge=1, description="How many of the best levels count as top.")
    finding_below: float = Field(0.5, gt=0, le=1, description="Grades below this contradict.")
    indicator_margin: float = Field(
        0.1, ge=0, description="How much worse than its comparator an indicator may be."
    )


class Framework(Model):
    """An assessment framework: scale, headings and criteria, all data."""

    kind: Literal["framework"] = "framework"
    id: Key
    title: Text
    version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    description: OptionalText = ""
    scale: Scale
    fields: tuple[ResponseField, ...] = Field(tuple(ResponseField), min_length=1)
    labels: dict[ResponseField, Text] = Field(
        default_factory=dict, description="Renamed labels for response fields."
    )
    headings: tuple[Heading, ...] = Field(min_length=1)
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    contradictions: ContradictionRules = Field(
        default_factory=ContradictionRules,
        description="When evidence contradicts a self-rating (issue #14).",
    )

    @cached_property
    def _criteria_by_id(self) -> dict[str, Criterion]:
        return {c.id: c for c in self.criteria}

    def criterion(self, criterion_id: str) -> Criterion:
        """Return the criterion with this id; ``KeyError`` if none."""
        return self._criteria_by_id[criterion_id]

    def heading(self, heading_id: str) -> Heading:
        """Return the heading with this id; ``KeyError`` if none."""
        for heading in self.headings:
            if heading.id == heading_id:
                return heading
        raise KeyError(heading_id)

    def criteria_under(self, heading_id: str) -> tuple[Criterion, ...]:
        """Criteria of one heading, in template order."""
        return tuple(c for c in self.criteria if c.heading == heading_id)

    def criteria_for(self, sector: str | None) -> tuple[Criterion, ...]:
        """The criteria an agency of ``sector`` is asked, in template order."""
        return tuple(c for c in self.criteria if c.applies(sector))

    def fields_for(self, criterion: Criterion) -> tuple[ResponseField, ...]:
        """The response fields a criterion asks for."""
        return criterion.fields if criterion.fields is not None else self.fields

    def label(self, field: ResponseField) -> str:
        """The partnership's label for a response field."""
        return self.labels.get(field, DEFAULT_FIELD_LABELS[field])


@dataclass(frozen=True)
class FrameworkParts:
    """What a framework's cross-field rules look at: its levels, headings and criteria."""

    levels: Entries[Level]
    headings: Entries[Heading]
    criteria: Entries[Criterion]

    @classmethod
    def of(cls, document: Framework) -> FrameworkParts:
        """The parts of a framework that validated whole."""
        return cls(
            Entries.of(document.scale.levels),
            Entries.of(document.headings),
            Entries.of(document.criteria),
        )

    @classmethod
    def read(cls, read: ReadEntries) -> FrameworkParts:
        """The levels, headings and criteria that validate on their own."""
        return cls(
            read(("scale", "levels"), Level),
            read(("headings",), Heading),
            read(("criteria",), Criterion),
        )

    def problems(self) -> list[Breach]:
        """Cross-field rules a single field's type cannot express, with each breach's path."""
        problems = list(duplicates(self.headings, "id", "headings"))
        problems += duplicates(self.criteria, "id", "criteria")
        for attr in ("key", "label"):
            problems += [
                (("scale", *path), msg) for path, msg in duplicates(self.levels, attr, "levels")
            ]
        levels = [level for _, level in self.levels]
        if len({lv.score for lv in levels}) != len(levels):
            problems.append((("scale", "levels"), "each level needs a different score"))
        # an unknown heading only once every heading is known; no criteria only once all are
        if self.headings.complete:
            heading_ids = {h.id for _, h in self.headings}
            expected = ", ".join(repr(h) for h in sorted(heading_ids))
            problems += [
                (
                    ("criteria", index, "heading"),
                    f"unknown heading {criterion.heading!r}; expected one of {expected}",
                )
                for index, criterion in self.criteria
                if criterion.heading not in heading_ids
            ]
        if self.criteria.complete:
            used = {c.heading for _, c in self.criteria}
            problems += [
                (("headings", index, "id"), f"heading {heading.id!r} has no criteria")
                for index, heading in self.headings
                if heading.id not in used
            ]
        return problems


def reference_problems(framework: Framework) -> list[Breach]:
    """The cross-field rules a framework that validated whole breaks (none when it loads)."""
    return FrameworkParts.of(framework).problems()
