"""The sections of the self-assessment report, each a plain-data dict its template shows.

Kept apart from :mod:`workbook.reports.self_assessment`, which orders the sections and
words the asks: each section reads the analysis and charts on its own, so each can be
read and changed without the rest of the report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from workbook import analysis
from workbook.charts import builders as charts
from workbook.reports.board_paper import criterion_name
from workbook.reports.common import (
    analysis_rows,
    names,
    percent,
    records,
    spec,
    themes,
)
from workbook.schema.framework import Framework
from workbook.schema.responses import Status
from workbook.store import CycleInfo, Store, moderation


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


def shared_part(full: pd.DataFrame, frame: pd.DataFrame) -> dict[str, Any]:
    """Returns answered once for several partnerships, and the notes for this one (#17).

    ``full`` names every shared return; the notes come from ``frame``, the returns the
    report reads, so a draft's note stays out of a report of submitted returns.
    """
    shared = full.loc[full["shared_with"] != "", ["agency", "shared_with"]].drop_duplicates()
    noted = frame[frame["note"] != ""].sort_values(["agency", "heading_order", "criterion_order"])
    return {
        "shared": records(shared.sort_values("agency"), ["agency", "shared_with"]),
        "notes": records(noted, ["agency", "criterion", "note"]),
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


def themes_section(frame: pd.DataFrame, framework: Framework) -> list[dict[str, Any]]:
    """Per heading, what is going well and the areas for development, from every return."""

    def name(criterion_id: str) -> str:
        return criterion_name(framework, criterion_id)

    out = []
    for heading in framework.headings:
        rows = frame[frame["heading_id"] == heading.id]
        out.append(
            {
                "heading": heading.title,
                "going_well": themes(rows, "going_well", name),
                "development": themes(rows, "development", name),
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
                "criterion": criterion_name(framework, row.criterion_id),
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
    differing = gaps[gaps["gap"] != 0].head(10)
    differing = differing.assign(
        criterion=[criterion_name(framework, c) for c in differing["criterion_id"]]
    )
    return {
        "recorded": len(mods),
        "rated": int(mods["moderated_level"].notna().sum()),
        "comments_only": int(mods["moderated_level"].isna().sum()),
        "lowered": int((gaps["gap"] > 0).sum()),
        "raised": int((gaps["gap"] < 0).sum()),
        "agreed": int((gaps["gap"] == 0).sum()),
        "by_agency": rows,
        "largest": records(
            differing, ["agency", "criterion", "label", "moderated_label", "comment"]
        ),
        "charts": {"gap": spec(charts.gap_chart(by_agency, framework.scale))} if rows else {},
    }


def comparison_section(
    store: Store,
    current: CycleInfo,
    earlier: CycleInfo,
    include_unsubmitted: bool,
    framework: Framework,
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
    earlier_framework = store.framework(earlier.framework_id, earlier.framework_version)

    def moved(rows: pd.DataFrame) -> list[dict[str, Any]]:
        return [
            {
                "criterion": criterion_name(framework, r.criterion_id),
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
        "new": [
            criterion_name(framework, c)
            for c in changes.loc[changes["change"] == "new", "criterion_id"]
        ],
        "dropped": [
            criterion_name(earlier_framework, c)
            for c in changes.loc[changes["change"] == "dropped", "criterion_id"]
        ],
        "charts": {"trend": spec(charts.trend_chart(trend, by="heading"))} if len(trend) else {},
    }


def not_applicable_section(
    store: Store, frame: pd.DataFrame, cycle_id: str, framework: Framework
) -> dict[str, Any]:
    """The answers marked not applicable, each with its reason and the chair's challenge.

    They count in no median, spread or trend (issue #16), so the paper lists them: the
    board sees what was left out of the figures, and why.
    """
    mods = analysis.moderation_frame(moderation.current(store, cycle_id).values(), framework.scale)
    table = analysis.not_applicable(frame, mods)
    return {
        "count": len(table),
        "agencies": int(table["agency_id"].nunique()),
        "rows": records(table, ["agency", "criterion", "heading", "na_reason", "comment"]),
    }
