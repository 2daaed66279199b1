"""Agencies side by side: the partnership at a glance, and the criteria they disagree on.

Medians take the worse of the two middle levels, so a heading never looks better than
its returns support. Answers marked not applicable and criteria not asked of an agency's
sector have no level in the frame, so no median, spread or disagreement counts them; a
heatmap cell with nothing else shows "N/A" (issue #16).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from workbook.analysis.frame import NA_CELL, NOT_RATED, counted, levels
from workbook.schema.framework import Scale


def _lowest(scale_levels: pd.DataFrame) -> int:
    """Levels below this are "the lowest levels": the worse half, at least the worst one."""
    return max(1, len(scale_levels) // 2)


# -- the partnership at a glance --------------------------------------------------------


def _lower_median(values: Iterable[float]) -> float | None:
    """The median level, taking the worse of the two middle ones (conservative)."""
    ordered = sorted(v for v in values if pd.notna(v))
    if not ordered:
        return None
    return ordered[(len(ordered) - 1) // 2]


def _distribution(labels: Sequence[str], values: Iterable[float]) -> str:
    counts: dict[int, int] = {}
    for value in values:
        if pd.notna(value):
            counts[int(value)] = counts.get(int(value), 0) + 1
    return ", ".join(f"{labels[i]} {counts[i]}" for i in sorted(counts, reverse=True))


def _blank(label: str) -> str:
    """A cell's text without a rating: "N/A" says so; a dash marks "not rated yet"."""
    return NA_CELL if label == NA_CELL else "\u2013"


def heatmap_table(frame: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """Agencies x headings: the median rating (with label and colour) and the distribution.

    ``criteria`` counts the criteria that count (asked, not marked not applicable) and
    ``not_applicable`` those marked so; a cell where none count is labelled "N/A".
    """
    lv = levels(scale)
    labels, shorts = list(lv["label"]), list(lv["short"])
    keys = ["agency_id", "heading_id"]
    # Sums and firsts in one grouped pass, and each cell's levels gathered in one loop:
    # a pandas operation per cell cost a third of the dashboard's first chart (#19).
    work = frame.assign(
        _counts=counted(frame),
        _na=frame["in_scope"].astype(bool) & frame["not_applicable"].astype(bool),
        _rated=frame["level"].notna(),
    )
    table = (
        work.groupby(keys, sort=False)
        .agg(
            agency=("agency", "first"),
            sector=("sector", "first"),
            status_label=("status_label", "first"),
            heading=("heading", "first"),
            heading_order=("heading_order", "first"),
            rated=("_rated", "sum"),
            criteria=("_counts", "sum"),
            not_applicable=("_na", "sum"),
            mean_normalised=("normalised", "mean"),
        )
        .reset_index()
    )
    rated: dict[tuple[str, str], list[int]] = {}
    for agency_id, heading_id, level in work.loc[work["_rated"], [*keys, "level"]].itertuples(
        index=False
    ):
        rated.setdefault((agency_id, heading_id), []).append(int(level))
    as_level = float if frame["level"].dtype.kind == "f" else int  # the frame's own type
    medians: list[float | None] = []
    label_column, short_column, distributions = [], [], []
    for agency_id, heading_id, criteria in zip(
        table["agency_id"], table["heading_id"], table["criteria"], strict=True
    ):
        found = sorted(rated.get((agency_id, heading_id), ()))
        blank = NA_CELL if criteria == 0 else NOT_RATED
        median = found[(len(found) - 1) // 2] if found else None
        medians.append(as_level(median) if median is not None else None)
        label_column.append(labels[median] if median is not None else blank)
        short_column.append(shorts[median] if median is not None else _blank(blank))
        distributions.append(_distribution(labels, found) or blank)
    built = {name: list(table[name]) for name in table.columns}
    built |= {
        "level": medians,
        "label": label_column,
        "short": short_column,
        "distribution": distributions,
    }
    columns = [
        "agency_id agency sector status_label heading_id heading heading_order rated criteria "
        "not_applicable level label short mean_normalised distribution"
    ][0].split()
    # from lists, as rows of plain values always made it: the same dtypes for the charts
    return pd.DataFrame({name: built[name] for name in columns}, columns=columns)


def rating_counts(frame: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """How many ratings each agency gave at each level under each heading (rated rows only)."""
    lv = levels(scale).set_index("level")
    rated = frame[frame["level"].notna()]
    counts = (
        rated.groupby(["agency_id", "agency", "heading_id", "heading", "level"], sort=False)
        .size()
        .rename("count")
        .reset_index()
    )
    counts["level"] = counts["level"].astype(int)
    counts["label"] = counts["level"].map(lv["label"])
    counts["short"] = counts["level"].map(lv["short"])
    return counts


def spread(frame: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """Per heading, how ratings spread across agencies: counts per level, median and range."""
    lv = levels(scale)
    labels = list(lv["label"])
    rows = []
    for heading_id, group in frame.groupby("heading_id", sort=False):
        rated = group["level"].dropna().astype(int)
        row: dict[str, Any] = {"heading_id": heading_id, "heading": group["heading"].iloc[0]}
        for index, label in enumerate(labels):
            row[label] = int((rated == index).sum())
        median = _lower_median(rated)
        row["rated"] = len(rated)
        row["agencies"] = int(group.loc[group["level"].notna(), "agency_id"].nunique())
        row["median"] = labels[int(median)] if median is not None else NOT_RATED
        row["lowest"] = labels[rated.min()] if len(rated) else NOT_RATED
        row["highest"] = labels[rated.max()] if len(rated) else NOT_RATED
        row["range_levels"] = int(rated.max() - rated.min()) if len(rated) else 0
        row["_order"] = group["heading_order"].iloc[0]
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    return table.sort_values("_order").drop(columns="_order").reset_index(drop=True)


# -- drill-down -------------------------------------------------------------------------


def divergence(frame: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """Criteria where agencies disagree most, then those rated lowest, listed first.

    ``range_levels`` is how many levels separate the best and worst rating; ``low`` counts
    ratings in the lowest levels (the worse half of the scale, at least the worst level).
    """
    lv = levels(scale)
    labels = list(lv["label"])
    low_below = _lowest(lv)
    rows = []
    for criterion_id, group in frame.groupby("criterion_id", sort=False):
        rated = group["level"].dropna().astype(int)
        first = group.iloc[0]
        median = _lower_median(rated)
        low = int((rated < low_below).sum())
        spread_levels = int(rated.max() - rated.min()) if len(rated) else 0
        rows.append(
            {
                "criterion_id": criterion_id,
                "heading_id": first["heading_id"],
                "heading": first["heading"],
                "criterion": first["criterion"],
                "prompt": first["prompt"],
                "rated": len(rated),
                "median": labels[int(median)] if median is not None else NOT_RATED,
                "lowest": labels[rated.min()] if len(rated) else NOT_RATED,
                "highest": labels[rated.max()] if len(rated) else NOT_RATED,
                "range_levels": spread_levels,
                "std": float(group["normalised"].std(ddof=0)) if len(rated) else 0.0,
                "low": low,
                "why": f"ratings span {spread_levels + 1 if len(rated) else 0} level(s); "
                f"{low} in the lowest",
                "_order": (first["heading_order"], first["criterion_order"]),
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table = table.sort_values(
        ["range_levels", "low", "std", "_order"], ascending=[False, False, False, True]
    )
    return table.drop(columns="_order").reset_index(drop=True)


def format_actions(actions: Iterable[Mapping[str, Any]]) -> str:
    """Actions as one line each: text (owner, due date)."""
    lines = []
    for action in actions:
        extra = [str(action[k]) for k in ("owner", "due") if action.get(k)]
        lines.append(action["text"] + (f" ({', '.join(extra)})" if extra else ""))
    return "\n".join(lines)


def drilldown(
    frame: pd.DataFrame,
    *,
    criterion_id: str | None = None,
    heading_id: str | None = None,
    moderation: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every agency's rating and texts side by side for a criterion (or all of a heading).

    Rows are in the order of the criteria given (or template order), worst rating first,
    and carry the chair's current moderated rating and comment when ``moderation`` is given.
    """
    rows = frame
    if criterion_id:
        rows = rows[rows["criterion_id"] == criterion_id]
    elif heading_id:
        rows = rows[rows["heading_id"] == heading_id]
    rows = rows.assign(actions_text=rows["actions"].map(format_actions))
    if moderation is not None and not moderation.empty:
        mod = moderation[["agency_id", "criterion_id", "moderated_label", "comment"]]
        rows = rows.merge(mod, on=["agency_id", "criterion_id"], how="left")
    else:
        rows = rows.assign(moderated_label=None, comment=None)
    rows = rows.fillna({"moderated_label": "", "comment": ""})
    rows = rows.sort_values(
        ["heading_order", "criterion_order", "level", "agency"], na_position="last"
    )
    columns = [
        "criterion_id",
        "criterion",
        "prompt",
        "agency_id",
        "agency",
        "sector",
        "status_label",
        "label",
        "moderated_label",
        "comment",
        "going_well",
        "development",
        "evidence",
        "actions_text",
        "na_reason",
        "note",
        "shared_with",
    ]
    return rows[columns].reset_index(drop=True)
