"""The chair's highlights on the dashboard (issue #16), free of widgets.

``HighlightsModel`` holds the chair's draft of a cycle's highlights: per heading, the
points made from the returns' going-well and development statements (each keeping the
agencies it came from as its sources), and the key messages, recommendations and what the
meeting is asked to note and agree. Saving goes through ``store.highlights`` (a new
revision each time, refused over someone else's newer one); a refusal becomes words in
``message`` and the draft stays as typed, so nothing is lost. It knows no SQL and no
widgets, so tests drive it without a browser; :mod:`widgets.dashboard.highlights` draws it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import ValidationError
from traitlets import Bool, Int, Unicode

from widgets.base import Model
from widgets.dashboard.model import DashboardModel
from workbook.errors import HighlightsError, WorkbookError
from workbook.schema.framework import ResponseField
from workbook.schema.highlights import (
    MAX_POINTS,
    HeadingHighlights,
    Highlights,
    HighlightsRevision,
    Point,
)
from workbook.schema.responses import MAX_TEXT

PARTS = (ResponseField.GOING_WELL.value, ResponseField.DEVELOPMENT.value)
"""The two kinds of statement a heading's points are made from, in the framework's order."""

LISTS = {
    "key_messages": "Key messages",
    "recommendations": "Recommendations",
    "to_note": "The meeting is asked to note",
    "to_agree": "The meeting is asked to agree",
}
"""The chair's own lists (one item a line), as the tab labels them."""


@dataclass(frozen=True)
class Statement:
    """One thing the returns said under a heading, and every agency that said it.

    The same words from several agencies (or criteria) are one statement with several
    sources, so picking it keeps them all.
    """

    key: str
    text: str
    sources: tuple[str, ...]
    names: tuple[str, ...]


@dataclass
class DraftPoint:
    """A point as the chair is writing it."""

    text: str
    sources: list[str]


@dataclass
class Draft:
    """One cycle's highlights being edited, and the revision they were opened from."""

    saved: HighlightsRevision | None
    points: dict[tuple[str, str], list[DraftPoint]] = field(default_factory=dict)
    lists: dict[str, str] = field(default_factory=lambda: dict.fromkeys(LISTS, ""))

    @classmethod
    def of(cls, saved: HighlightsRevision | None) -> Draft:
        """The draft a saved revision (or nothing yet) opens as."""
        draft = cls(saved)
        if saved is None:
            return draft
        h = saved.highlights
        for name in LISTS:
            draft.lists[name] = "\n".join(getattr(h, name))
        for heading_id, heading in h.headings.items():
            for part in PARTS:
                draft.points[(heading_id, part)] = [
                    DraftPoint(p.text, list(p.sources)) for p in getattr(heading, part)
                ]
        return draft


def when(moment: dt.datetime) -> str:
    """A saved time as people read it: '14 March 2018 at 10:30 UTC'."""
    return f"{moment.astimezone(dt.UTC):%d %B %Y at %H:%M} UTC".lstrip("0")


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


class HighlightsModel(Model):
    """The chair's highlights of the dashboard's cycle, as a draft saved as revisions.

    ``message`` says what the last step did and ``failed`` whether it was refused;
    ``stale`` is set when a save was refused because someone else saved first.
    """

    heading = Unicode("", help="The heading whose statements and points are shown.")
    part = Unicode(PARTS[0], help="Going well or development: the statements shown.")
    key_messages = Unicode("", help="Key messages, one a line.")
    recommendations = Unicode("", help="Recommendations, one a line.")
    to_note = Unicode("", help="What the meeting is asked to note, one a line.")
    to_agree = Unicode("", help="What the meeting is asked to agree, one a line.")
    failed = Bool(False, help="The last step was refused.")
    stale = Bool(False, help="The last save was refused: someone else saved first.")
    changes = Int(0, help="Bumped whenever the points change; the view redraws them.")

    def __init__(self, dashboard: DashboardModel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dashboard = dashboard
        self._drafts: dict[str, Draft] = {}  # per cycle: switching cycles loses nothing
        self._cycle = ""
        self.observe(self._list_typed, names=list(LISTS))
        dashboard.observe(lambda _: self.sync(), names=["cycle", "heading"])
        if dashboard.cycle:
            self.sync()

    # -- the cycle and heading shown -------------------------------------------------------

    @property
    def may_edit(self) -> bool:
        """Whether the page's identity reads and saves the highlights (the chair)."""
        return self.dashboard.may_moderate

    def headings(self) -> list[tuple[str, str]]:
        """(title, id) of the cycle's headings, in the framework's order."""
        return [(h.title, h.id) for h in self.dashboard.framework_def.headings]

    def part_label(self, part: str) -> str:
        """The framework's own words for going well / development."""
        return str(self.dashboard.framework_def.label(ResponseField(part)))

    def sync(self) -> None:
        """Follow the dashboard: open the chosen cycle's draft and its heading filter."""
        d = self.dashboard
        ids = [i for _, i in self.headings()] if d.cycle else []
        if d.heading in ids:
            self.heading = d.heading
        elif self.heading not in ids:
            self.heading = ids[0] if ids else ""
        if d.cycle != self._cycle:
            self._cycle = d.cycle
            self.stale = self.failed = False
            self.message = ""
            self._show_lists()
            self.changes += 1

    @property
    def draft(self) -> Draft:
        """The draft of the dashboard's cycle, read from the store the first time."""
        cycle = self.dashboard.cycle
        if cycle not in self._drafts:
            saved = None
            if self.may_edit:
                saved = self.dashboard.store.highlights.latest(cycle)
            self._drafts[cycle] = Draft.of(saved)
        return self._drafts[cycle]

    def _show_lists(self) -> None:
        lists = self.draft.lists if self.may_edit else dict.fromkeys(LISTS, "")
        for name in LISTS:
            setattr(self, name, lists[name])

    def _list_typed(self, change: dict[str, Any]) -> None:
        if self.may_edit:
            self.draft.lists[change["name"]] = change["new"]

    # -- statements -----------------------------------------------------------------------

    def statements(self, part: str) -> list[Statement]:
        """The heading's ``part`` statements under the dashboard's agency and sector filters."""
        d = self.dashboard
        frame = d.filtered(heading=False)
        frame = frame[frame["heading_id"] == self.heading]
        frame = frame.sort_values(["criterion_order", "agency"])
        found: dict[str, list[str]] = {}
        said: dict[str, str] = {}
        for text, agency in zip(frame[part].fillna(""), frame["agency_id"], strict=True):
            words = " ".join(str(text).split())
            if not words:
                continue
            said.setdefault(words.casefold(), words)
            sources = found.setdefault(words.casefold(), [])
            if agency not in sources:
                sources.append(agency)
        names = d.agency_names
        made = []
        for n, (k, sources) in enumerate(found.items()):
            ordered = sorted(sources, key=lambda a: names.get(a, a))
            made.append(
                Statement(
                    f"{part}:{n}", said[k], tuple(ordered), tuple(names.get(a, a) for a in ordered)
                )
            )
        return made

    # -- points ---------------------------------------------------------------------------

    def points(self, part: str, heading: str | None = None) -> list[DraftPoint]:
        """The points of a heading (the one shown) and part, as the chair has them."""
        return self.draft.points.setdefault((heading or self.heading, part), [])

    def add(self, part: str, keys: list[str], *, together: bool = True) -> bool:
        """Points from the chosen statements: one point (``together``), or one each.

        A point pre-filled from several statements joins their words and keeps every
        agency that said any of them.
        """
        chosen = [s for s in self.statements(part) if s.key in keys]
        if not chosen:
            return self._say("Nothing added: tick one or more statements first.", True)
        groups = [chosen] if together else [[s] for s in chosen]
        points = self.points(part)
        for group in groups:
            sources = list(dict.fromkeys(a for s in group for a in s.sources))
            points.append(DraftPoint(" ".join(s.text for s in group), sources))
        made = "a point" if len(groups) == 1 else f"{len(groups)} points"
        return self._changed(f"Added {made} to {self._where(part)}: edit the words as you wish.")

    def edit(self, part: str, index: int, text: str) -> None:
        """The chair's words for one point (typing redraws nothing)."""
        self.points(part)[index].text = text

    def remove(self, part: str, index: int) -> bool:
        """Take a point out."""
        self.points(part).pop(index)
        return self._changed(f"Removed point {index + 1} from {self._where(part)}.")

    def move(self, part: str, index: int, step: int) -> bool:
        """Move a point up (-1) or down (+1)."""
        points = self.points(part)
        to = index + step
        if not 0 <= to < len(points):
            return False
        points[index], points[to] = points[to], points[index]
        return self._changed(f"Moved point {index + 1} to position {to + 1}.")

    def merge_up(self, part: str, index: int) -> bool:
        """Merge a point into the one above it: words joined, sources the union."""
        points = self.points(part)
        if index < 1:
            return False
        above, point = points[index - 1], points.pop(index)
        above.text = f"{above.text.rstrip()} {point.text.strip()}".strip()
        above.sources = list(dict.fromkeys([*above.sources, *point.sources]))
        return self._changed(f"Merged point {index + 1} into point {index}.")

    def source_names(self, point: DraftPoint) -> str:
        """The point's sources as agency names."""
        names = self.dashboard.agency_names
        return ", ".join(names.get(a, a) for a in point.sources)

    def _where(self, part: str) -> str:
        title = dict((i, t) for t, i in self.headings()).get(self.heading, self.heading)
        return f"{title}, {self.part_label(part)}"

    # -- saving ---------------------------------------------------------------------------

    @property
    def revision(self) -> HighlightsRevision | None:
        """The revision the draft was opened from or last saved as."""
        return self.draft.saved if self.may_edit else None

    def highlights(self) -> Highlights | None:
        """The draft as the schema's highlights; None, with the problem in words, if it is not."""
        problem = self._problem()
        if problem is None:
            lists = {name: _lines(self.draft.lists[name]) for name in LISTS}
            headings: dict[str, HeadingHighlights] = {}
            try:
                for (heading_id, part), points in self.draft.points.items():
                    if points:
                        made = tuple(Point(text=p.text, sources=tuple(p.sources)) for p in points)
                        old = headings.get(heading_id, HeadingHighlights())
                        headings[heading_id] = old.model_copy(update={part: made})
                return Highlights(headings=headings, **lists)
            except ValidationError as exc:
                first = exc.errors()[0]
                problem = f"{' '.join(str(p) for p in first['loc'])}: {first['msg']}"
        self._say(f"Not saved: {problem}.", True)
        return None

    def _problem(self) -> str | None:
        """What makes the draft's points unsaveable, in words (an empty point, say)."""
        titles = dict((i, t) for t, i in self.headings())
        for (heading_id, part), points in self.draft.points.items():
            where = f"{titles.get(heading_id, heading_id)}, {self.part_label(part)}"
            for n, point in enumerate(points, start=1):
                if not point.text.strip():
                    return f"point {n} under {where}, has no words: write them or remove it"
                if len(point.text.strip()) > MAX_TEXT:
                    return f"point {n} under {where}, is over {MAX_TEXT} characters"
            if len(points) > MAX_POINTS:
                return f"{where} has more than {MAX_POINTS} points"
        return None

    def save(self, *, over_newer: bool = False) -> bool:
        """Save the draft as the next revision; ``over_newer`` after a stale refusal.

        Refused (with nothing saved and the draft kept as typed) when someone else saved
        first, when a text cannot be stored, or for an identity that is not the chair.
        """
        d = self.dashboard
        highlights = self.highlights()
        if highlights is None:
            return False
        draft = self.draft
        based_on = draft.saved.number if draft.saved else None
        try:
            if over_newer:
                latest = d.store.highlights.latest(d.cycle)
                based_on = latest.number if latest else None
            saved = d.store.highlights.save(d.cycle, highlights, based_on=based_on, author=d.user)
        except HighlightsError as exc:
            if exc.reason == "stale":
                return self._stale()
            return self._say(f"Not saved: {exc}", True)
        except WorkbookError as exc:  # AccessDenied for anyone but the chair
            return self._say(f"Not saved: {exc}", True)
        draft.saved = saved
        self.stale = False
        return self._say(
            f"Saved as revision {saved.number} by {saved.author} at {when(saved.saved_at)}.",
            False,
        )

    def _stale(self) -> bool:
        d = self.dashboard
        latest = d.store.highlights.latest(d.cycle)
        who = (
            f" (revision {latest.number}, by {latest.author} at {when(latest.saved_at)})"
            if latest
            else ""
        )
        self.stale = True
        return self._say(
            f"Not saved: someone else saved these highlights first{who}"
            + ". Your words are still here. Reload to see theirs (yours are replaced), "
            "or save yours as the newest revision (theirs stays in the history).",
            True,
        )

    def reload(self) -> bool:
        """Drop the draft and open the latest saved revision."""
        self._drafts.pop(self.dashboard.cycle, None)
        self.stale = False
        self._show_lists()
        saved = self.revision
        return self._changed(
            f"Reloaded revision {saved.number}, saved by {saved.author}."
            if saved
            else "Reloaded: nothing is saved for this cycle yet."
        )

    def history(self) -> pd.DataFrame:
        """Every saved revision, newest first: number, who, when and how much it held."""
        d = self.dashboard
        rows = [
            {
                "number": r.number,
                "author": r.author,
                "saved_at": when(r.saved_at),
                "points": sum(
                    len(h.going_well) + len(h.development) for h in r.highlights.headings.values()
                ),
                "key_messages": len(r.highlights.key_messages),
            }
            for r in (d.store.highlights.history(d.cycle) if self.may_edit else [])
        ]
        columns = ["number", "author", "saved_at", "points", "key_messages"]
        return pd.DataFrame(rows, columns=columns).iloc[::-1]

    # -- messages -------------------------------------------------------------------------

    def _changed(self, text: str) -> bool:
        self.changes += 1
        return self._say(text, False)

    def _say(self, text: str, failed: bool) -> bool:
        self.failed = failed
        self.message = text
        return not failed
