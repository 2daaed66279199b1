"""The self-assessment report (issue #5): its context as plain data, and the notebook's API.

:func:`report_context` reads the store once and builds everything the report shows as
plain data (lists of dicts of text and numbers, plus Vega-Lite specs under ``charts``),
so it is tested with ``data_regression``. :func:`self_assessment` is what
``notebooks/report.ipynb`` calls: it checks the parameters, builds the context and
returns a :class:`~workbook.reports.html.Report` whose methods each display one section.
The agency profile's context is in :mod:`workbook.reports.profile`.

The analysis is :mod:`workbook.analysis` and the charts :mod:`workbook.charts.builders` (shared
with the chair's dashboard); this module only chooses, orders and words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Altair first, before pandas and the store: in a Jupyter kernel (which loads debugpy)
# importing Altair after them took about 2 s longer, measured over papermill runs (its
# jsonschema builds an IRI grammar with lark at import); first, it takes the usual time.
import altair  # noqa: F401
import pandas as pd

from workbook import analysis
from workbook.charts import builders as charts
from workbook.charts import offline
from workbook.errors import ParameterError, Problem
from workbook.reports.html import Profile, Report
from workbook.schema import params
from workbook.schema.framework import Framework
from workbook.schema.responses import Status
from workbook.store import CycleInfo, Store, moderation

STAGES = {
    "draft": {"title": "draft report to the MASE", "audience": "The MASE", "who": "the MASE"},
    "final": {"title": "report to the board", "audience": "The board", "who": "the board"},
}
OVERDUE_LISTED = 15
"""Overdue actions listed in the report (the rest are counted)."""


# -- plain data helpers -----------------------------------------------------------------


def plain(value: Any) -> Any:
    """A value as YAML-friendly plain data: dates as ISO text, NaN as None, numpy as Python."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return plain(value.item())
    if isinstance(value, float):
        return round(value, 4)
    return value


def records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of ``columns`` as plain dicts."""
    return [
        {c: plain(v) for c, v in zip(columns, row, strict=True)}
        for row in frame[list(columns)].itertuples(index=False)
    ]


def percent(value: Any) -> str:
    """A 0..1 mean rating as a whole percentage, or an en dash when there is none."""
    return "\u2013" if value is None or pd.isna(value) else f"{round(float(value) * 100)}%"


def names(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (semicolons when an item has "and" in it).

    >>> names(["Prevent", "Identify", "Intervene and support"])
    'Prevent; Identify; and Intervene and support'
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if any(" and " in item or "," in item for item in items):
        return "; ".join(items[:-1]) + "; and " + items[-1]
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 return``, ``2 returns``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def spec(chart: Any) -> dict[str, Any]:
    """A chart's Vega-Lite spec (plain data; drawn as SVG when rendered)."""
    return offline.spec(chart)


# -- sections ---------------------------------------------------------------------------


def completion_section(full: pd.DataFrame, as_of: dt.date, due: dt.date) -> dict[str, Any]:
    """Every invited agency's return: status, criteria answered, overdue first."""
    table = analysis.completion(full, as_of)
    submitted = int((table["status"] == Status.SUBMITTED.value).sum())
    outstanding = table[table["status"] != Status.SUBMITTED.value]
    return {
        "invited": len(table),
        "submitted": submitted,
        "due": due.isoformat(),
        "outstanding": list(outstanding["agency"]),
        "overdue": list(table.loc[table["overdue"], "agency"]),
        "rows": records(
            table, ["agency", "sector", "state", "answered", "criteria", "saved_at", "overdue"]
        ),
    }


def heatmap_rows(table: pd.DataFrame) -> tuple[list[str], list[dict[str, Any]]]:
    """The heatmap as agencies x headings of median labels (the chart's text alternative)."""
    headings = list(dict.fromkeys(table.sort_values("heading_order")["heading"]))
    rows = []
    for agency, group in table.groupby("agency", sort=True):
        labels = dict(zip(group["heading"], group["label"], strict=True))
        rows.append(
            {"agency": agency, "cells": [labels.get(h, analysis.NOT_RATED) for h in headings]}
        )
    return headings, rows


def ratings_section(frame: pd.DataFrame, framework: Framework) -> dict[str, Any]:
    """Ratings by agency x heading (median) and their spread under each heading."""
    scale = framework.scale
    table = analysis.heatmap_table(frame, scale)
    headings, rows = heatmap_rows(table)
    spread = analysis.spread(frame, scale)
    labels = list(analysis.levels(scale)["label"])
    return {
        "headings": headings,
        "rows": rows,
        "levels": labels,
        "spread": records(spread, ["heading", *labels, "rated", "median", "lowest", "highest"])
        if not spread.empty
        else [],
        "charts": {
            "heatmap": spec(charts.heatmap(table, scale)),
            "spread": spec(
                charts.spread_chart(
                    analysis.rating_counts(frame, scale), scale, heading_order=headings
                )
            ),
        },
    }


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def themes(frame: pd.DataFrame, column: str) -> list[dict[str, Any]]:
    """Distinct texts of one field under a heading, with who wrote them, most shared first."""
    found: dict[str, dict[str, Any]] = {}
    for record in frame[frame[column].str.strip() != ""].itertuples(index=False):
        text = getattr(record, column).strip()
        item = found.setdefault(_normal(text), {"text": text, "agencies": set(), "criteria": {}})
        item["agencies"].add(record.agency)
        item["criteria"][record.criterion_id] = record.criterion_order
    items = sorted(found.values(), key=lambda i: (-len(i["agencies"]), min(i["criteria"].values())))
    for item in items:
        item["criteria"] = sorted(item["criteria"], key=item["criteria"].get)
    return [
        {
            "text": i["text"],
            "count": len(i["agencies"]),
            "agencies": names(sorted(i["agencies"])),
            "criteria": ", ".join(i["criteria"]),
        }
        for i in items
    ]


def themes_section(frame: pd.DataFrame, framework: Framework) -> list[dict[str, Any]]:
    """Per heading, what is going well and the areas for development, from every return."""
    out = []
    for heading in framework.headings:
        rows = frame[frame["heading_id"] == heading.id]
        out.append(
            {
                "heading": heading.title,
                "going_well": themes(rows, "going_well"),
                "development": themes(rows, "development"),
            }
        )
    return out


def _who(rows: pd.DataFrame, level: float) -> str:
    return names(sorted(rows.loc[rows["level"] == level, "agency"]))


def disagreement_section(
    frame: pd.DataFrame, framework: Framework, top: int
) -> list[dict[str, Any]]:
    """The criteria agencies disagree on most, with who rated lowest and highest."""
    table = analysis.divergence(frame, framework.scale)
    if table.empty:
        return []
    table = table[table["range_levels"] > 0].head(top)  # agreement is not disagreement
    out = []
    for row in table.itertuples(index=False):
        rated = frame[(frame["criterion_id"] == row.criterion_id) & frame["level"].notna()]
        low, high = rated["level"].min(), rated["level"].max()
        out.append(
            {
                "criterion_id": row.criterion_id,
                "prompt": row.prompt,
                "heading": row.heading,
                "rated": int(row.rated),
                "lowest": f"{row.lowest}: {_who(rated, low)}",
                "median": row.median,
                "highest": f"{row.highest}: {_who(rated, high)}",
                "why": row.why,
            }
        )
    return out


def moderation_section(
    store: Store, frame: pd.DataFrame, cycle_id: str, framework: Framework
) -> dict[str, Any]:
    """Moderated ratings against self-ratings: counts, per agency, and the largest gaps."""
    current = moderation.current(store, cycle_id).values()
    mods = analysis.moderation_frame(current, framework.scale)
    gaps = analysis.optimism_gap(frame, mods)
    by_agency = analysis.gap_by_agency(frame, mods)
    labels = list(analysis.levels(framework.scale)["label"])

    def label(level: Any) -> str:
        return labels[int(round(level))] if pd.notna(level) else ""

    rows = [
        {
            "agency": r.agency,
            "moderated": int(r.moderated),
            "self": label(r.self_mean),
            "moderated_rating": label(r.moderated_mean),
            "mean_gap": f"{r.mean_gap:+.1f}",
        }
        for r in by_agency.itertuples(index=False)
    ]
    differing = gaps[gaps["gap"] != 0]
    return {
        "recorded": len(mods),
        "rated": int(mods["moderated_level"].notna().sum()),
        "comments_only": int(mods["moderated_level"].isna().sum()),
        "lowered": int((gaps["gap"] > 0).sum()),
        "raised": int((gaps["gap"] < 0).sum()),
        "agreed": int((gaps["gap"] == 0).sum()),
        "by_agency": rows,
        "largest": records(
            differing.head(10),
            ["agency", "criterion_id", "prompt", "label", "moderated_label", "comment"],
        ),
        "charts": {"gap": spec(charts.gap_chart(by_agency, framework.scale))} if rows else {},
    }


def comparison_section(
    store: Store, current: CycleInfo, earlier: CycleInfo, include_unsubmitted: bool
) -> dict[str, Any]:
    """This cycle against an earlier one: mean rating per heading, criteria that moved."""
    frame = analysis_rows(analysis.load(store, [earlier.id, current.id]), include_unsubmitted)
    trend = analysis.trend(frame, "heading")
    changes = analysis.criterion_trend(frame, current.id, earlier.id)
    headings = []
    for _key, group in trend.groupby("key", sort=False):
        before = group.loc[group["cycle_id"] == earlier.id, "mean_normalised"]
        now = group.loc[group["cycle_id"] == current.id, "mean_normalised"]
        b = float(before.iloc[0]) if len(before) else None
        n = float(now.iloc[0]) if len(now) else None
        change = f"{round((n - b) * 100):+d} points" if b is not None and n is not None else ""
        headings.append(
            {
                "heading": group["name"].iloc[-1],
                "before": percent(b),
                "now": percent(n),
                "change": change,
            }
        )
    kept = changes[(changes["change"] == "kept") & changes["delta"].notna()]

    def moved(rows: pd.DataFrame) -> list[dict[str, Any]]:
        return [
            {
                "criterion_id": r.criterion_id,
                "prompt": r.prompt,
                "heading": r.heading,
                "before": percent(r.mean_before),
                "now": percent(r.mean_now),
                "change": f"{round(r.delta * 100):+d} points",
            }
            for r in rows.itertuples(index=False)
        ]

    return {
        "earlier": earlier.title,
        "headings": headings,
        "improved": moved(kept[kept["delta"] > 0].sort_values("delta", ascending=False).head(5)),
        "declined": moved(kept[kept["delta"] < 0].sort_values("delta").head(5)),
        "new": list(changes.loc[changes["change"] == "new", "criterion_id"]),
        "dropped": list(changes.loc[changes["change"] == "dropped", "criterion_id"]),
        "charts": {"trend": spec(charts.trend_chart(trend, by="heading"))} if len(trend) else {},
    }


ACTION_COLUMNS = ["agency", "heading", "criterion_id", "action", "owner", "due", "status"]


def actions_section(
    store: Store, frame: pd.DataFrame, cycle_id: str, as_of: dt.date
) -> dict[str, Any]:
    """The partnership's top 5 and each agency's top 3 (as the chair marked them), then counts."""
    table = analysis.actions(frame, as_of, moderation.marks(store, cycle_id))
    if table.empty:
        table = table.assign(**{c: [] for c in ACTION_COLUMNS})
    top = table[table["partnership_top"]] if len(table) else table
    agency_top = table[table["agency_top"]] if len(table) else table
    summary = []
    for agency, group in table.groupby("agency", sort=True):
        summary.append(
            {
                "agency": agency,
                "actions": len(group),
                "overdue": int(group["overdue"].sum()),
                "due_soon": int((group["status"] == "Due soon").sum()),
                "no_due_date": int(group["due"].isna().sum()),
            }
        )
    overdue = table[table["overdue"]] if len(table) else table
    return {
        "total": len(table),
        "overdue_count": len(overdue),
        "partnership_top": records(top, ACTION_COLUMNS),
        "agency_top": [
            {"agency": agency, "actions": records(group, ACTION_COLUMNS)}
            for agency, group in agency_top.groupby("agency", sort=True)
        ],
        "summary": summary,
        "overdue": records(overdue.head(OVERDUE_LISTED), ACTION_COLUMNS),
    }


def asks_section(context: Mapping[str, Any], extra: Sequence[str]) -> dict[str, Any]:
    """What the MASE (draft) or the board (final) is asked to note and to agree."""
    completion = context["completion"]
    have = "has" if completion["submitted"] == 1 else "have"
    note = [
        f"{completion['submitted']} of {completion['invited']} agencies {have} submitted their "
        f"return (due {completion['due']})"
        + (
            f"; outstanding: {names(completion['outstanding'])}."
            if completion["outstanding"]
            else "."
        )
    ]
    spread = context["ratings"]["spread"]
    levels = context["ratings"]["levels"]
    if spread:
        rank = {label: i for i, label in enumerate(levels)}
        lowest = min(rank.get(row["median"], len(levels)) for row in spread)
        weakest = [row["heading"] for row in spread if rank.get(row["median"]) == lowest]
        if weakest and lowest < len(levels):
            note.append(f"Ratings are lowest under {names(weakest)} (median {levels[lowest]}).")
    if context["disagreement"]:
        ids = [row["criterion_id"] for row in context["disagreement"][:3]]
        note.append(f"Agencies disagree most on {names(ids)}; the chair may probe these.")
    mods = context["moderation"]
    if mods["rated"]:
        note.append(
            f"The chair moderated {plural(mods['rated'], 'rating')}: "
            f"{mods['lowered']} lowered, {mods['raised']} raised, {mods['agreed']} agreed."
        )
    comparison = context.get("comparison")
    if comparison:
        up = [h["heading"] for h in comparison["headings"] if h["change"].startswith("+")]
        down = [h["heading"] for h in comparison["headings"] if h["change"].startswith("-")]
        words = []
        if up:
            words.append(f"rose under {names(up)}")
        if down:
            words.append(f"fell under {names(down)}")
        if words:
            note.append(
                f"Compared with {comparison['earlier']}, mean ratings {' and '.join(words)}."
            )
    actions = context["actions"]
    agree = []
    if actions["partnership_top"]:
        agree.append("The partnership's top 5 actions, their owners and due dates.")
    else:
        agree.append("The partnership's priority actions: the chair has not yet marked the top 5.")
    if actions["overdue_count"]:
        agree.append(
            f"That the owners of {plural(actions['overdue_count'], 'overdue action')} "
            "report progress to the next meeting."
        )
    if len(completion["outstanding"]) == 1:
        agree.append(
            f"That {completion['outstanding'][0]} submits its return before the next meeting."
        )
    elif completion["outstanding"]:
        agree.append(
            f"That the {len(completion['outstanding'])} agencies with outstanding returns "
            "submit them before the next meeting."
        )
    return {
        "audience": STAGES[context["stage"]]["audience"],
        "who": STAGES[context["stage"]]["who"],
        "note": note,
        "agree": agree,
        "extra": list(extra),
    }


# -- the whole report -------------------------------------------------------------------


def analysis_rows(frame: pd.DataFrame, include_unsubmitted: bool) -> pd.DataFrame:
    """The rows the analysis uses: every saved return, or submitted returns only."""
    if include_unsubmitted:
        return frame[frame["status"] != Status.NOT_STARTED.value]
    return frame[frame["status"] == Status.SUBMITTED.value]


def _partnership_name(store: Store, partnership_id: str) -> str:
    return dict(store.partnerships()).get(partnership_id, partnership_id)


def _check_comparison(current: CycleInfo, earlier: CycleInfo, source: str) -> None:
    reason = ""
    if earlier.id == current.id:
        reason = "is the cycle reported on; choose an earlier cycle or ''"
    elif earlier.framework_id != current.framework_id:
        reason = (
            f"{earlier.id!r} runs {earlier.framework_id}, not {current.framework_id}; "
            "choose a cycle of the same framework or ''"
        )
    if reason:
        raise ParameterError(source, [Problem(source, "compare_with", reason)])


def report_context(
    store: Store, p: params.ReportParameters, run_at: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything the self-assessment report shows, as plain data.

    Parameters
    ----------
    p
        The report's parameters (already validated).
    run_at
        When the report is made (default: now); shown in the title block only.
    """
    cycle = store.cycle(p.cycle)
    framework = store.framework(cycle.framework_id, cycle.framework_version)
    stage = STAGES[p.stage]
    timetable_date = (
        cycle.timetable.draft_report if p.stage == "draft" else cycle.timetable.final_report
    )
    as_of = p.as_of_date(timetable_date)
    earlier = store.cycle(p.compare_with) if p.compare_with else None
    if earlier is not None:
        _check_comparison(cycle, earlier, "compare_with")
    full = analysis.load(store, [cycle.id])
    frame = analysis_rows(full, p.include_unsubmitted)
    excluded = sorted(set(full["agency"]) - set(frame["agency"]))
    context: dict[str, Any] = {
        "kind": "report",
        "title": f"{cycle.title}: {stage['title']}",
        "stage": p.stage,
        "audience": stage["audience"],
        "partnership": _partnership_name(store, cycle.partnership_id),
        "framework": {"id": framework.id, "title": framework.title, "version": framework.version},
        "cycle": {
            "id": cycle.id,
            "title": cycle.title,
            "due": cycle.timetable.returns_due.isoformat(),
        },
        "compare": {"id": earlier.id, "title": earlier.title} if earlier else None,
        "as_of": as_of.isoformat(),
        "run_at": (run_at or dt.datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z").strip(),
        "store": store.url,
        "parameters": [list(item) for item in p.used()],
        "scope": (
            "Ratings and texts are from every saved return, submitted or not."
            if p.include_unsubmitted
            else "Ratings and texts are from submitted returns only"
            + (f"; not included: {names(excluded)}." if excluded else ".")
        ),
        "completion": completion_section(full, as_of, cycle.timetable.returns_due),
        "ratings": ratings_section(frame, framework),
        "themes": themes_section(frame, framework),
        "disagreement": disagreement_section(frame, framework, p.top_disagreement),
        "moderation": moderation_section(store, frame, cycle.id, framework),
        "comparison": (
            comparison_section(store, cycle, earlier, p.include_unsubmitted) if earlier else None
        ),
        "actions": actions_section(store, frame, cycle.id, as_of),
    }
    context["completion"]["chart"] = spec(charts.completion_chart(analysis.completion(full, as_of)))
    context["asks"] = asks_section(context, p.board_asks)
    return context


def self_assessment(**values: Any) -> Report:
    """The report for ``notebooks/report.ipynb``: check the parameters, read the store.

    Takes the notebook's parameters as keywords (see
    :class:`workbook.schema.params.ReportParameters`); a wrong one raises ``ParameterError``.
    """
    p = params.check(params.ReportParameters, values, "report.ipynb parameters")
    with Store.open(p.db or None) as store:
        return Report(report_context(store, p))


def agency_profile(**values: Any) -> Profile:
    """The profile for ``notebooks/agency_profile.ipynb`` (see :mod:`workbook.reports.profile`)."""
    from workbook.reports import profile

    p = params.check(params.ProfileParameters, values, "agency_profile.ipynb parameters")
    with Store.open(p.db or None) as store:
        return Profile(profile.profile_context(store, p))
