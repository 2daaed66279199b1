"""The parts that make the report a board paper (issue #16), as plain data.

A board member reads a paper before the meeting: why it is in front of them, what the
chair wants them to take away, what they are asked to note and agree, and then the
partnership's picture heading by heading. The store, the parameters and the criteria's
ids are for whoever checks the method, so they go in an appendix at the end. Every
name a paper uses comes from the partnership (its group, board and chair) and the
framework (its headings, criteria and field labels), never from this code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from workbook import analysis
from workbook.errors import AccessDenied
from workbook.reports.common import names, plural
from workbook.schema.framework import Framework, ResponseField
from workbook.schema.highlights import HighlightsRevision, Point
from workbook.schema.partnership import Words
from workbook.store import CycleInfo, Store

TIMETABLE_WORDS = {
    "criteria_agreed": "Criteria agreed",
    "returns_open": "Returns opened",
    "returns_due": "Returns due",
    "draft_report": "Draft to the {group}",
    "final_report": "Final agreed by the {group}",
    "board_meeting": "{board} meeting",
}


def words_context(words: Words) -> dict[str, str]:
    """The partnership's words as plain text, each field filled (by the catalogue)."""
    return {name: value or "" for name, value in words.model_dump().items()}


def labels_context(framework: Framework) -> dict[str, str]:
    """The framework's own labels for what agencies record, for every heading and table."""
    return {field.value: framework.label(field) for field in ResponseField}


def criterion_name(framework: Framework, criterion_id: str) -> str:
    """How the paper names a criterion: its short title, else its question."""
    try:
        return framework.criterion(criterion_id).name
    except KeyError:  # a criterion of an earlier version, in the comparison
        return criterion_id


def timetable_rows(cycle: CycleInfo) -> list[dict[str, str]]:
    """The cycle's dates in the order they happen, named in the partnership's words."""
    words = words_context(cycle.words)
    rows = []
    for name, template in TIMETABLE_WORDS.items():
        day = getattr(cycle.timetable, name)
        if day is not None:
            label = template.format(**words)
            rows.append({"step": label[0].upper() + label[1:], "date": day.isoformat()})
    return rows


def purpose_section(
    cycle: CycleInfo,
    framework: Framework,
    partnership: str,
    completion: Mapping[str, Any],
    statutory: Sequence[str],
    stage: str,
) -> dict[str, Any]:
    """Why the paper is in front of its readers, and the self-assessment it reports."""
    words = words_context(cycle.words)
    group = words["group"]
    if words["group_full"]:
        group = f"{words['group_full']} ({words['group']})"
    reader = f"the {words['group']}" if stage == "draft" else f"the {words['board']}"
    purpose = (
        f"This paper reports to {reader} what {partnership}'s partner agencies said in "
        f"{cycle.title}, how the {words['chair']} and the evidence tested it, and what "
        "the partnership should do next."
    )
    context = (
        f"The {group} runs the {framework.title} each year. Each invited agency assessed "
        f"itself against {plural(len(framework.criteria), 'criterion', 'criteria')} under "
        f"{plural(len(framework.headings), 'heading')} "
        f"({names(h.title for h in framework.headings)}), rating each on the scale "
        f"{names(lv.label for lv in framework.scale.best_first())}. "
        f"{completion['submitted']} of {completion['invited']} invited agencies submitted "
        f"their return by the time of this paper."
    )
    if statutory:
        context += f" The statutory safeguarding partners are {names(statutory)}."
    return {"purpose": purpose, "context": context, "timetable": timetable_rows(cycle)}


def _points(points: Sequence[Point], agency_names: Mapping[str, str]) -> list[dict[str, str]]:
    return [
        {
            "text": point.text,
            "sources": names(sorted(agency_names.get(a, a) for a in point.sources)),
        }
        for point in points
    ]


def _latest_highlights(store: Store, cycle_id: str) -> HighlightsRevision | None | bool:
    """The chair's latest highlights; None if never saved; False if the reader may not see."""
    try:
        return store.highlights.latest(cycle_id)
    except AccessDenied:
        return False


def highlights_section(
    store: Store,
    cycle: CycleInfo,
    framework: Framework,
    frame: pd.DataFrame,
    agency_names: Mapping[str, str],
) -> dict[str, Any]:
    """The chair's highlights per heading, with the partnership's median beside each.

    Where the chair has written nothing for a heading, the paper says so rather than
    filling the gap with every agency's words: those are in the detail.
    """
    latest = _latest_highlights(store, cycle.id)
    scale = framework.scale
    spread = analysis.spread(frame, scale)
    medians = dict(zip(spread["heading"], spread["median"], strict=True)) if len(spread) else {}
    rated = dict(zip(spread["heading"], spread["rated"], strict=True)) if len(spread) else {}
    chosen = latest.highlights if isinstance(latest, HighlightsRevision) else None
    headings = []
    for heading in framework.headings:
        points = chosen.heading(heading.id) if chosen else None
        headings.append(
            {
                "heading": heading.title,
                "median": medians.get(heading.title, analysis.NOT_RATED),
                "rated": int(rated.get(heading.title, 0)),
                "going_well": _points(points.going_well, agency_names) if points else [],
                "development": _points(points.development, agency_names) if points else [],
            }
        )
    return {
        "visible": latest is not False,
        "written": chosen is not None and not chosen.is_empty,
        "revision": latest.number if isinstance(latest, HighlightsRevision) else None,
        "author": latest.author if isinstance(latest, HighlightsRevision) else "",
        "saved_at": (
            latest.saved_at.strftime("%Y-%m-%d %H:%M")
            if isinstance(latest, HighlightsRevision)
            else ""
        ),
        "key_messages": list(chosen.key_messages) if chosen else [],
        "recommendations": list(chosen.recommendations) if chosen else [],
        "to_note": list(chosen.to_note) if chosen else [],
        "to_agree": list(chosen.to_agree) if chosen else [],
        "headings": headings,
    }


def appendix_section(framework: Framework) -> dict[str, Any]:
    """The criteria with their ids, for whoever checks the method against the data."""
    return {
        "criteria": [
            {
                "criterion_id": c.id,
                "heading": framework.heading(c.heading).title,
                "name": c.name,
                "question": " ".join(c.prompt.split()),
                "applies_to": ", ".join(c.applies_to) if c.applies_to else "Every agency",
            }
            for c in framework.criteria
        ],
    }
