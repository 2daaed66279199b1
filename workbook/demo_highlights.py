"""The demo's highlights (issue #16): what the chair made of a cycle's returns for the board.

For each heading, a few points made from the submitted returns' going-well and
development statements, each keeping every agency that said it as a source (one point
merges two statements, as the chair does on the dashboard), then the key messages,
recommendations and what the meeting is asked to note and agree. Saved twice, as the
chair works: the points a week before the draft report, the rest three days before it,
so the history has two revisions. Drawn from the caller's ``rng`` (never the returns'
generator), so the same seed gives the same store.
"""

from __future__ import annotations

import datetime as dt
import random

from workbook.schema.framework import Framework, ResponseField
from workbook.schema.highlights import HeadingHighlights, Highlights, Point
from workbook.schema.responses import Status
from workbook.store import CycleInfo, Store
from workbook.synthetic import KEY_MESSAGES, POINTS, RECOMMENDATIONS, TO_AGREE, TO_NOTE

CHAIR = "MASE chair"
CYCLES = ("cse-2017-18",)
"""The demo cycles whose chair has written highlights."""


Statements = dict[tuple[str, str], list[str]]
"""(criterion id, statement) -> the agencies that made it there."""
Said = dict[tuple[str, str], Statements]
"""(heading id, part) -> its statements."""


def said(store: Store, cycle: CycleInfo, framework: Framework) -> Said:
    """Who said what on each criterion, heading by heading, in the submitted returns."""
    found: Said = {}
    for agency_id, state in sorted(store.returns(cycle.id).items()):
        if state.status is not Status.SUBMITTED:
            continue
        for criterion_id, answer in state.answers.items():
            heading = framework.criterion(criterion_id).heading
            for part in (ResponseField.GOING_WELL, ResponseField.DEVELOPMENT):
                text = getattr(answer, part.value).strip()
                if text in POINTS:
                    key = (criterion_id, text)
                    found.setdefault((heading, part.value), {}).setdefault(key, []).append(
                        agency_id
                    )
    return found


def _chosen(statements: Statements, k: int, rng: random.Random) -> list[tuple[str, str]]:
    """``k`` statements with different words, those more agencies made on a criterion first
    (the rng breaks ties)."""
    ranked = sorted(statements, key=lambda key: (-len(statements[key]), rng.random()))
    chosen: dict[str, tuple[str, str]] = {}
    for key in ranked:
        chosen.setdefault(key[1], key)
    return list(chosen.values())[:k]


def _points(statements: Statements, k: int, rng: random.Random) -> tuple[Point, ...]:
    """``k`` points, each one statement as the chair words it, with its agencies."""
    return tuple(
        Point(text=POINTS[text], sources=tuple(sorted(statements[(cid, text)])))
        for cid, text in _chosen(statements, k, rng)
    )


def _merged(statements: Statements, rng: random.Random) -> tuple[Point, ...]:
    """Two statements as one point, whose sources are both's agencies."""
    chosen = _chosen(statements, 2, rng)
    if not chosen:
        return ()
    sources = sorted({a for key in chosen for a in statements[key]})
    return (Point(text=" ".join(POINTS[text] for _, text in chosen), sources=tuple(sources)),)


def _best_and_worst(store: Store, cycle: CycleInfo, framework: Framework) -> tuple[str, str]:
    """The titles of the headings the submitted returns rate best and worst on average."""
    rank = {level.key: n for n, level in enumerate(framework.scale.best_first())}
    ranks: dict[str, list[int]] = {}
    for state in store.returns(cycle.id).values():
        if state.status is Status.SUBMITTED:
            for criterion_id, answer in state.answers.items():
                if answer.rating in rank:
                    heading = framework.criterion(criterion_id).heading
                    ranks.setdefault(heading, []).append(rank[answer.rating])
    order = sorted(ranks, key=lambda h: sum(ranks[h]) / len(ranks[h]))  # best first
    titles = {h.id: h.title for h in framework.headings}
    return titles[order[0]], titles[order[-1]]


def write(store: Store, cycle: CycleInfo, rng: random.Random) -> None:
    """Save the cycle's highlights as two revisions, unless it has some already."""
    if store.highlights.latest(cycle.id) is not None:
        return
    framework = store.framework(cycle.framework_id, cycle.framework_version)
    statements = said(store, cycle, framework)
    headings: dict[str, HeadingHighlights] = {}
    for number, heading in enumerate(framework.headings):
        well = statements.get((heading.id, ResponseField.GOING_WELL.value), {})
        worries = statements.get((heading.id, ResponseField.DEVELOPMENT.value), {})
        development = _merged(worries, rng) if number == 0 else _points(worries, 1, rng)
        headings[heading.id] = HeadingHighlights(
            going_well=_points(well, rng.randint(2, 3), rng), development=development
        )
    day = cycle.timetable.draft_report or cycle.timetable.returns_due + dt.timedelta(days=21)
    first = store.highlights.save(
        cycle.id,
        Highlights(headings=headings),
        based_on=None,
        author=CHAIR,
        at=dt.datetime.combine(day - dt.timedelta(days=7), dt.time(16, 10), dt.UTC),
    )
    submitted = sum(s is Status.SUBMITTED for s in store.statuses(cycle.id).values())
    best, worst = _best_and_worst(store, cycle, framework)
    facts = {"submitted": submitted, "invited": len(cycle.agencies), "best": best, "worst": worst}
    done = first.highlights.model_copy(
        update={
            "key_messages": tuple(m.format(**facts) for m in KEY_MESSAGES),
            "recommendations": tuple(RECOMMENDATIONS),
            "to_note": tuple(TO_NOTE),
            "to_agree": tuple(TO_AGREE),
        }
    )
    store.highlights.save(
        cycle.id,
        done,
        based_on=first.number,
        author=CHAIR,
        at=dt.datetime.combine(day - dt.timedelta(days=3), dt.time(11, 40), dt.UTC),
    )
