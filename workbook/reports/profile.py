"""The agency profile (issue #5): one agency across cycles and frameworks, as plain data.

``notebooks/agency_profile.ipynb`` calls :func:`workbook.reports.agency_profile`, which
builds this context and displays it section by section. Per framework the agency has
answered: its mean rating per heading in each cycle (chart and table), how its latest
ratings compare with the partnership's, and what it said was going well or needs
development; then moderation and its actions across every cycle, with when progress
was last noted on each, and the tracked actions no return lists (issue #16: the
profile is also each agency's feedback pack, ``workbook report --each-agency``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from workbook import analysis
from workbook.charts import builders as charts
from workbook.errors import ParameterError, Problem
from workbook.reports.common import ACTION_COLUMNS, names, percent, plain, records, spec, themes
from workbook.reports.html import Profile
from workbook.schema import params
from workbook.schema.actions import TrackedAction
from workbook.store import CycleInfo, Store, moderation


def _cycles(store: Store, p: params.ProfileParameters) -> list[CycleInfo]:
    """The cycles to profile: those named, else every cycle the agency was invited to."""
    invited = [c for c in store.cycles() if p.agency in c.agencies]
    if not p.cycles:
        return invited
    by_id = {c.id: c for c in invited}
    wrong = [c for c in p.cycles if c not in by_id]
    if wrong:
        for cycle_id in wrong:
            store.cycle(cycle_id)  # an unknown cycle: StorageError names it
        raise ParameterError(
            "cycles",
            [
                Problem(
                    "agency_profile.ipynb parameters",
                    "cycles",
                    f"{p.agency!r} was not invited to {names(wrong)}",
                )
            ],
        )
    return [c for c in invited if c.id in set(p.cycles)]


def _returns(full: pd.DataFrame, as_of: dt.date) -> list[dict[str, Any]]:
    table = analysis.completion(full, as_of)
    cycles = full.drop_duplicates("cycle_id").set_index("cycle_id")
    table = table.assign(
        cycle=table["cycle_id"].map(cycles["cycle"]),
        framework=table["cycle_id"].map(cycles["framework_id"] + " " + cycles["framework_version"]),
    ).sort_values("due")
    return records(
        table, ["cycle", "framework", "state", "answered", "criteria", "due", "saved_at"]
    )


def _framework_section(
    store: Store, agency_id: str, cycles: list[CycleInfo], own: pd.DataFrame
) -> dict[str, Any]:
    """One framework: trend by heading, the latest cycle against the partnership, texts."""
    latest = cycles[-1]
    framework = store.framework(latest.framework_id, latest.framework_version)
    rated = own[own["level"].notna()]
    trend = analysis.trend(rated, "heading")
    titles = [c.title for c in cycles]
    by_heading: dict[str, dict[str, str]] = {}
    for row in trend.itertuples(index=False):
        by_heading.setdefault(row.name, {})[row.cycle] = percent(row.mean_normalised)
    order = [h.title for h in framework.headings]
    trend_rows = [
        {"heading": heading, "cells": [by_heading[heading].get(t, "\u2013") for t in titles]}
        for heading in sorted(by_heading, key=lambda h: (order.index(h) if h in order else 99, h))
    ]
    whole = analysis.load(store, [latest.id])
    whole = whole[whole["status"] != "not_started"]
    spread = analysis.spread(whole, framework.scale).set_index("heading")
    mine = analysis.heatmap_table(own[own["cycle_id"] == latest.id], framework.scale)
    versus = [
        {
            "heading": row.heading,
            "agency": row.label,
            "partnership": spread["median"].get(row.heading, analysis.NOT_RATED),
        }
        for row in mine.sort_values("heading_order").itertuples(index=False)
    ]
    latest_rows = own[own["cycle_id"] == latest.id]
    texts = [
        {
            "heading": heading.title,
            "going_well": themes(
                latest_rows[latest_rows["heading_id"] == heading.id], "going_well"
            ),
            "development": themes(
                latest_rows[latest_rows["heading_id"] == heading.id], "development"
            ),
        }
        for heading in framework.headings
    ]
    return {
        "framework": f"{framework.title} ({framework.id})",
        "cycles": titles,
        "latest": latest.title,
        "trend": trend_rows,
        "versus": versus,
        "texts": texts,
        "charts": {"trend": spec(charts.trend_chart(trend, by="heading"))} if len(trend) else {},
    }


def _moderation(
    store: Store, agency_id: str, cycles: list[CycleInfo], own: pd.DataFrame
) -> list[dict[str, Any]]:
    rows = []
    for cycle in cycles:
        framework = store.framework(cycle.framework_id, cycle.framework_version)
        current = [
            m for m in moderation.current(store, cycle.id).values() if m.agency_id == agency_id
        ]
        if not current:
            continue
        mods = analysis.moderation_frame(current, framework.scale)
        gaps = analysis.optimism_gap(own[own["cycle_id"] == cycle.id], mods)
        for row in gaps.itertuples(index=False):
            rows.append(
                {
                    "cycle": cycle.title,
                    "criterion_id": row.criterion_id,
                    "prompt": row.prompt,
                    "self": row.label,
                    "moderated": row.moderated_label,
                    "gap": f"{row.gap:+.0f}",
                    "comment": row.comment,
                }
            )
    return rows


def _followed(
    store: Store,
    agency_id: str,
    tracked: Iterable[TrackedAction],
    in_returns: set[str],
    as_of: dt.date,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The tracker's view of the agency's actions (issue #15, for its feedback, issue #16).

    When progress was last noted on each of its tracked actions, by id; and the tracked
    actions of the agency, or of the partnership involving it, that no return in the
    profile lists (added on the dashboard or carried from a cycle not shown).
    """
    mine = [a for a in tracked if a.agency_id == agency_id or agency_id in a.involves]
    names = {a.id: a.name for a in store.agencies()}
    table = analysis.tracker_table(mine, as_of, agencies=names)
    if table.empty:
        return {}, []
    notes = {i: plain(d) for i, d in zip(table["action_id"], table["last_note"], strict=True)}
    others = table[~table["action_id"].isin(in_returns)]
    columns = ["agency", "text", "owner", "due", "status_label", "last_note"]
    return notes, records(others, columns)


def profile_context(
    store: Store, p: params.ProfileParameters, run_at: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything the agency profile shows, as plain data."""
    agency = store.agency(p.agency)
    cycles = _cycles(store, p)
    as_of = p.as_of_date()
    full = analysis.load(store, [c.id for c in cycles])
    own = full[full["agency_id"] == agency.id]
    frameworks = []
    for framework_id in dict.fromkeys(c.framework_id for c in cycles):
        group = [c for c in cycles if c.framework_id == framework_id]
        answered = own[
            own["cycle_id"].isin({c.id for c in group}) & (own["status"] != "not_started")
        ]
        frameworks.append(_framework_section(store, agency.id, group, answered))
    marks = [m for c in cycles for m in moderation.marks(store, c.id) if m.agency_id == agency.id]
    tracked = list({a.id: a for c in cycles for a in store.actions.find(c.id)}.values())
    actions = analysis.actions(own, as_of, marks, tracked)
    listed = set(actions["action_id"].dropna()) if len(actions) else set()
    notes, others = _followed(store, agency.id, tracked, listed, as_of)
    partnerships = dict(store.partnerships())
    return {
        "kind": "profile",
        "title": f"Agency profile: {agency.name}",
        "agency": {"id": agency.id, "name": agency.name, "sector": agency.sector},
        "partnerships": sorted(
            {partnerships.get(c.partnership_id, c.partnership_id) for c in cycles}
        ),
        "cycles": [c.title for c in cycles],
        "as_of": as_of.isoformat(),
        "run_at": (run_at or dt.datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z").strip(),
        "store": store.url,
        "parameters": [list(item) for item in p.used()],
        "returns": _returns(full[full["agency_id"] == agency.id], as_of) if cycles else [],
        "frameworks": frameworks,
        "moderation": _moderation(store, agency.id, cycles, own),
        "actions": {
            "total": len(actions),
            "overdue_count": int(actions["overdue"].sum()) if len(actions) else 0,
            "rows": records(
                actions.assign(
                    cycle=actions["cycle_id"].map({c.id: c.title for c in cycles}),
                    top=[
                        names([w for w, on in (("partnership", pt), ("agency", at)) if on])
                        for pt, at in zip(
                            actions["partnership_top"], actions["agency_top"], strict=True
                        )
                    ],
                    last_note=actions["action_id"].map(lambda i: notes.get(i) or "\u2013"),
                ),
                ["cycle", *ACTION_COLUMNS[1:], "last_note", "top"],
            )
            if len(actions)
            else [],
            "followed": others,
        },
    }


def agency_profile(**values: Any) -> Profile:
    """The profile for ``notebooks/agency_profile.ipynb``: check the parameters, read the store.

    Takes the notebook's parameters as keywords (see
    :class:`workbook.schema.params.ProfileParameters`); a wrong one raises ``ParameterError``.
    """
    p = params.check(params.ProfileParameters, values, "agency_profile.ipynb parameters")
    with Store.open(p.db or None, create=False, migrate=False) as store:
        return Profile(profile_context(store, p))
