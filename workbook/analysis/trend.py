"""Cycles of one framework against each other, matched by heading, agency or criterion id.

Criteria are matched by id across framework versions, so a reworded criterion keeps its
history and a new or dropped one is named rather than silently compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import pandas as pd


def trend(
    frame: pd.DataFrame, by: Literal["heading", "agency"], criteria: Iterable[str] | None = None
) -> pd.DataFrame:
    """Mean normalised rating (0 worst .. 1 best) per cycle for each heading or agency.

    Parameters
    ----------
    frame
        Tidy rows of several cycles of one framework (any versions).
    criteria
        Criterion ids to compare (matched by id across versions); None uses all.
    """
    rows = frame if criteria is None else frame[frame["criterion_id"].isin(set(criteria))]
    key, name = ("heading_id", "heading") if by == "heading" else ("agency_id", "agency")
    table = (
        rows.groupby(["cycle_id", key], sort=False)
        .agg(
            cycle=("cycle", "first"),
            due=("due", "first"),
            name=(name, "last"),
            mean_normalised=("normalised", "mean"),
            rated=("normalised", "count"),
        )
        .reset_index()
        .rename(columns={key: "key"})
    )
    table = table[table["rated"] > 0]
    return table.sort_values(["due", "name"]).reset_index(drop=True)


def criterion_trend(frame: pd.DataFrame, current: str, previous: str | None) -> pd.DataFrame:
    """This cycle against an earlier one, criterion by criterion, matched by id.

    ``change`` is ``kept``, ``new`` (only in the current cycle) or ``dropped`` (only in
    the earlier one); ``delta`` is the change of the mean normalised rating.
    """

    def summary(cycle_id: str | None) -> pd.DataFrame:
        rows = frame[frame["cycle_id"] == cycle_id]
        return rows.groupby("criterion_id", sort=False).agg(
            heading=("heading", "first"),
            prompt=("prompt", "first"),
            heading_order=("heading_order", "first"),
            order=("criterion_order", "first"),
            mean=("normalised", "mean"),
        )

    table = summary(current).merge(
        summary(previous),
        how="outer",
        left_index=True,
        right_index=True,
        suffixes=("_now", "_before"),
    )
    table["change"] = "kept"
    table.loc[table["prompt_before"].isna(), "change"] = "new"
    table.loc[table["prompt_now"].isna(), "change"] = "dropped"
    if previous is None:
        table["change"] = "new"
    table["heading"] = table["heading_now"].fillna(table["heading_before"])
    table["prompt"] = table["prompt_now"].fillna(table["prompt_before"])
    table["delta"] = table["mean_now"] - table["mean_before"]
    table["_heading"] = table["heading_order_now"].fillna(table["heading_order_before"])
    table["_order"] = table["order_now"].fillna(table["order_before"] + 0.5)
    table = table.reset_index().sort_values(["_heading", "_order", "criterion_id"])
    columns = ["criterion_id", "heading", "prompt", "change", "mean_before", "mean_now", "delta"]
    return table[columns].reset_index(drop=True)
