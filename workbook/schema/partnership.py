"""The typed schema of a partnership file: agencies and assessment cycles as data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from workbook.schema.framework import Key, Model, OptionalText, ShortText, Text
from workbook.schema.parts import Breach, Entries, ReadEntries, duplicates


class Agency(Model):
    """A partner agency; one agency may belong to several partnerships."""

    id: Key
    name: Text
    sector: Text = Field(description="e.g. police, health, local authority, education.")
    statutory: bool = Field(
        False,
        description="A statutory safeguarding partner (local authority, police, integrated "
        "care board) in this partnership.",
    )


class Words(Model):
    """What a partnership calls the people and bodies its papers name (issue #16).

    Every field may be left out: :meth:`Partnership.words_for` fills it from the
    partnership's own words, then from these neutral defaults.
    """

    group: ShortText | None = Field(
        None, description="The group that runs the self-assessment, e.g. 'MASE', 'MACE'."
    )
    group_full: ShortText | None = Field(
        None, description="Its name in full, e.g. 'Multi-Agency Sexual Exploitation meeting'."
    )
    board: ShortText | None = Field(
        None,
        description="The board or executive it reports to, e.g. 'Quality and Effectiveness Board'.",
    )
    chair: ShortText | None = Field(
        None, description="The chair's title, e.g. 'MASE chair', 'Head of Safeguarding'."
    )


DEFAULT_WORDS = Words(
    group="self-assessment group",
    group_full="",
    board="safeguarding partnership board",
    chair="chair",
)


HISTORY_AFTER = dt.timedelta(days=365)
"""How long after its last date a cycle is still followed up, before it is history."""


class Timetable(Model):
    """The dates of one cycle, in the order they happen."""

    criteria_agreed: dt.date
    returns_open: dt.date
    returns_due: dt.date
    draft_report: dt.date | None = Field(None, description="The draft report to the group.")
    final_report: dt.date | None = Field(None, description="The final report agreed by the group.")
    board_meeting: dt.date | None = Field(None, description="The board meeting that receives it.")

    @property
    def last(self) -> dt.date:
        """The last date the timetable gives: when the cycle's work is over."""
        return self.board_meeting or self.final_report or self.draft_report or self.returns_due

    def as_at(self, today: dt.date) -> dt.date:
        """The day a cycle's figures speak for: today, or for a past cycle, its last date.

        A cycle whose timetable ended more than a year ago is history: its returns,
        actions and overdue counts are shown as its timetable left them, not as they
        would look years on ("overdue by 3,302 days", issue #16). Within a year of its
        board meeting a cycle is still followed up, so it counts to today.

        >>> t = Timetable(criteria_agreed="2018-01-15", returns_open="2018-02-01",
        ...               returns_due="2018-02-28", board_meeting="2018-05-16")
        >>> t.as_at(dt.date(2026, 12, 2)), t.as_at(dt.date(2018, 9, 1))
        (datetime.date(2018, 5, 16), datetime.date(2018, 9, 1))
        """
        last = self.last
        return last if today > last + HISTORY_AFTER else today


TIMETABLE_ORDER = (
    "criteria_agreed",
    "returns_open",
    "returns_due",
    "draft_report",
    "final_report",
    "board_meeting",
)


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
    words: Words = Field(
        default_factory=Words,
        description="This cycle's group, board or chair where they differ from the "
        "partnership's (a front-door review run by another group, say).",
    )
    shared_returns: bool = Field(
        False,
        description="Accept returns shared with other partnerships (issue #17): an agency "
        "invited here and to another partnership's cycle of the same framework version, "
        "open at an overlapping time and also accepting them, answers once for both.",
    )


class Partnership(Model):
    """A safeguarding partnership with its member agencies and cycles."""

    kind: Literal["partnership"]
    id: Key
    name: Text
    description: OptionalText = ""
    words: Words = Field(default_factory=Words, description="Its group, board and chair.")
    agencies: tuple[Agency, ...] = Field(min_length=1)
    cycles: tuple[Cycle, ...] = ()

    def words_for(self, cycle: Cycle | None = None) -> Words:
        """The words a cycle's pages and papers use: the cycle's, the partnership's, defaults."""
        return merged_words(*([cycle.words] if cycle else []), self.words)

    def invited(self, cycle: Cycle) -> tuple[str, ...]:
        """Agency ids invited to a cycle."""
        if cycle.agencies == "all":
            return tuple(a.id for a in self.agencies)
        return cycle.agencies


def merged_words(*layers: Words) -> Words:
    """The words in force: each field from the first layer that gives it, else the default.

    >>> merged_words(Words(group="MACE"), Words(group="MASE", board="Exec")).board
    'Exec'
    """
    values = {
        name: next(
            (getattr(w, name) for w in layers if getattr(w, name) is not None),
            getattr(DEFAULT_WORDS, name),
        )
        for name in Words.model_fields
    }
    return Words(**values)


@dataclass(frozen=True)
class PartnershipParts:
    """What a partnership file's cross-field rules look at.

    The timetables are read on their own, by their cycle's index, so that dates out of
    order are named even in a cycle with another field broken.
    """

    agencies: Entries[Agency]
    cycles: Entries[Cycle]
    timetables: Entries[Timetable]

    @classmethod
    def of(cls, document: Partnership) -> PartnershipParts:
        """The parts of a partnership file that validated whole."""
        return cls(
            Entries.of(document.agencies),
            Entries.of(document.cycles),
            Entries.of([cycle.timetable for cycle in document.cycles]),
        )

    @classmethod
    def read(cls, read: ReadEntries) -> PartnershipParts:
        """The agencies, cycles and cycles' timetables that validate on their own."""
        return cls(
            read(("agencies",), Agency),
            read(("cycles",), Cycle),
            read(("cycles",), Timetable, inside=("timetable",)),
        )

    def problems(self) -> list[Breach]:
        """Cross-field rules of a partnership file, with the path of each breach."""
        problems = list(duplicates(self.agencies, "id", "agencies"))
        problems += duplicates(self.cycles, "id", "cycles")
        if self.agencies.complete:  # an agency is unknown only once every agency is known
            agency_ids = {a.id for _, a in self.agencies}
            for index, cycle in self.cycles:
                if cycle.agencies != "all":
                    problems += [
                        (("cycles", index, "agencies", position), f"unknown agency {agency!r}")
                        for position, agency in enumerate(cycle.agencies)
                        if agency not in agency_ids
                    ]
        for index, timetable in self.timetables:
            dates = [(name, getattr(timetable, name)) for name in TIMETABLE_ORDER]
            known = [(name, day) for name, day in dates if day is not None]
            problems += [
                (
                    ("cycles", index, "timetable", after),
                    f"{after} ({second}) is before {before} ({first})",
                )
                for (before, first), (after, second) in zip(known, known[1:], strict=False)
                if second < first
            ]
        return problems


def reference_problems(partnership: Partnership) -> list[Breach]:
    """The cross-field rules a partnership that validated whole breaks (none when it loads)."""
    return PartnershipParts.of(partnership).problems()
