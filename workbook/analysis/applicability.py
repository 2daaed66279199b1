"""The answers marked "not applicable", with their reasons: the chair's list (issue #16).

An agency may say a criterion in its scope does not apply to it, and must say why. Those
answers count in no median, spread or trend, so the chair reads them here instead, can
challenge one, and the board report lists them. A pure function of the tidy frame, like
the rest of :mod:`workbook.analysis`.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = [
    "cycle_id",
    "agency_id",
    "agency",
    "sector",
    "status_label",
    "heading_id",
    "heading",
    "criterion_id",
    "criterion",
    "prompt",
    "na_reason",
    "comment",
]


def not_applicable(frame: pd.DataFrame, moderation: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every answer marked not applicable, in template order, then by agency.

    Parameters
    ----------
    frame
        The tidy frame (:func:`workbook.analysis.load`).
    moderation
        The chair's moderations (:func:`workbook.analysis.moderation_frame`); its
        ``comment`` is the chair's challenge, if any (blank without one).
    """
    rows = frame[frame["in_scope"].astype(bool) & frame["not_applicable"].astype(bool)]
    if moderation is not None and not moderation.empty:
        comments = moderation[["agency_id", "criterion_id", "comment"]]
        rows = rows.merge(comments, on=["agency_id", "criterion_id"], how="left")
    else:
        rows = rows.assign(comment="")
    rows = rows.fillna({"comment": ""})
    rows = rows.sort_values(["cycle_id", "heading_order", "criterion_order", "agency"])
    return rows[COLUMNS].reset_index(drop=True)
