"""The chair's moderated ratings against the agencies' own (the optimism gap).

Apart from :mod:`workbook.analysis.compare` because it reads a second source (the
chair's moderations) and answers a different question: how far self-ratings are to be
trusted, not how agencies differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from workbook.analysis.frame import levels
from workbook.schema.framework import Scale


def moderation_frame(moderations: Iterable[Any], scale: Scale) -> pd.DataFrame:
    """Current moderations (``workbook.store.moderation.Moderation``) as a frame with labels."""
    lv = levels(scale).set_index("key")
    rows = [
        {
            "agency_id": m.agency_id,
            "criterion_id": m.criterion_id,
            "moderated": m.rating,
            "moderated_label": lv.loc[m.rating, "label"] if m.rating in lv.index else "",
            "moderated_level": lv.loc[m.rating, "level"] if m.rating in lv.index else None,
            "comment": m.comment,
            "moderator": m.author,
            "moderated_at": m.saved_at,
        }
        for m in moderations
    ]
    columns = [
        "agency_id criterion_id moderated moderated_label moderated_level comment moderator "
        "moderated_at"
    ][0].split()
    frame = pd.DataFrame(rows, columns=columns)
    frame["moderated_level"] = pd.to_numeric(frame["moderated_level"])
    return frame


def optimism_gap(frame: pd.DataFrame, moderation: pd.DataFrame) -> pd.DataFrame:
    """Self-rating against moderated rating for every moderated criterion.

    ``gap`` is in levels: positive when the agency rated itself higher than the chair.
    """
    rated = moderation[moderation["moderated_level"].notna()]
    table = frame[frame["level"].notna()].merge(rated, on=["agency_id", "criterion_id"])
    table = table.assign(gap=table["level"] - table["moderated_level"])
    columns = [
        "agency_id",
        "agency",
        "heading",
        "criterion_id",
        "prompt",
        "label",
        "moderated_label",
        "gap",
        "comment",
        "moderator",
        "moderated_at",
    ]
    return (
        table[columns]
        .sort_values(["gap", "agency"], ascending=[False, True])
        .reset_index(drop=True)
    )


def gap_by_agency(frame: pd.DataFrame, moderation: pd.DataFrame) -> pd.DataFrame:
    """Per agency: median self and moderated level (0 worst) of moderated criteria, mean gap."""
    gaps = optimism_gap(frame, moderation)
    rated = moderation[moderation["moderated_level"].notna()]
    both = frame[frame["level"].notna()].merge(rated, on=["agency_id", "criterion_id"])
    if both.empty:
        return pd.DataFrame(
            columns=["agency_id", "agency", "moderated", "self_mean", "moderated_mean", "mean_gap"]
        )
    table = (
        both.groupby(["agency_id", "agency"], sort=False)
        .agg(
            moderated=("criterion_id", "count"),
            self_mean=("level", "mean"),
            moderated_mean=("moderated_level", "mean"),
        )
        .reset_index()
    )
    table["mean_gap"] = table["agency_id"].map(gaps.groupby("agency_id")["gap"].mean())
    return table.sort_values(["mean_gap", "agency"], ascending=[False, True]).reset_index(drop=True)
