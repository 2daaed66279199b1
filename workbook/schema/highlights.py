"""The chair's highlights of a cycle: what the board paper leads with (issue #16).

The chair picks statements from the returns' going-well and development answers, edits
them into a few points per heading, each keeping the agencies it came from as its
sources, and writes the key messages, the recommendations and what the meeting is asked
to note and to agree. The whole set is saved as one revision each time, so the board
paper can say which revision it printed and nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StringConstraints

from workbook.schema.framework import Key, Model
from workbook.schema.responses import MAX_TEXT

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
"""One bullet point, message or recommendation."""

MAX_POINTS = 50
"""More points than a board paper's page can hold is a mistake, not a draft."""


class Point(Model):
    """A point the chair makes about a heading, and the agencies whose returns it draws on."""

    text: Line
    sources: tuple[Key, ...] = Field((), description="Agency ids the point came from.")


class HeadingHighlights(Model):
    """A heading's points, in the framework's going-well / development pair."""

    going_well: tuple[Point, ...] = Field((), max_length=MAX_POINTS)
    development: tuple[Point, ...] = Field((), max_length=MAX_POINTS)

    @property
    def is_empty(self) -> bool:
        """Nothing written for the heading."""
        return not (self.going_well or self.development)


class Highlights(Model):
    """What the chair wants the board to read first, for one cycle."""

    key_messages: tuple[Line, ...] = Field((), max_length=MAX_POINTS)
    recommendations: tuple[Line, ...] = Field((), max_length=MAX_POINTS)
    to_note: tuple[Line, ...] = Field((), max_length=MAX_POINTS)
    to_agree: tuple[Line, ...] = Field((), max_length=MAX_POINTS)
    headings: dict[Key, HeadingHighlights] = Field(default_factory=dict)

    def heading(self, heading_id: str) -> HeadingHighlights:
        """One heading's points (none yet: an empty set)."""
        return self.headings.get(heading_id, HeadingHighlights())

    @property
    def is_empty(self) -> bool:
        """Nothing written at all."""
        return not (
            self.key_messages
            or self.recommendations
            or self.to_note
            or self.to_agree
            or any(not h.is_empty for h in self.headings.values())
        )

    def texts(self) -> list[tuple[str, str]]:
        """Every text with where it sits, for the personal-data screen."""
        found = [
            (f"{part} {n}", text)
            for part in ("key_messages", "recommendations", "to_note", "to_agree")
            for n, text in enumerate(getattr(self, part), start=1)
        ]
        for heading_id, points in self.headings.items():
            for part in ("going_well", "development"):
                found += [
                    (f"{heading_id} {part} {n}", point.text)
                    for n, point in enumerate(getattr(points, part), start=1)
                ]
        return found


class HighlightsRevision(Model):
    """One saved state of a cycle's highlights: who saved it and when."""

    cycle_id: str
    number: int
    highlights: Highlights
    author: str
    saved_at: dt.datetime


def problems(
    highlights: Highlights, heading_ids: set[str], agency_ids: set[str]
) -> list[tuple[str, str]]:
    """Headings and sources the cycle does not have, as ``(where, problem)``."""
    found = []
    for heading_id, points in highlights.headings.items():
        if heading_id not in heading_ids:
            found.append((heading_id, f"no heading {heading_id!r} in this cycle's framework"))
            continue
        for part in ("going_well", "development"):
            for n, point in enumerate(getattr(points, part), start=1):
                for source in point.sources:
                    if source not in agency_ids:
                        found.append(
                            (
                                f"{heading_id} {part} {n}",
                                f"source {source!r} is not an agency invited to this cycle",
                            )
                        )
    return found
