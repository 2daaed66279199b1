"""Where each invited agency's return stands against the due date.

Kept apart from the ratings: it is the one view that counts returns rather than
reading them, and the report and the dashboard both open with it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from workbook.analysis.frame import counted
from workbook.schema.responses import Status

STATUS_ORDER = {
    Status.NOT_STARTED.value: 0,
    Status.DRAFT.value: 1,
    Status.REOPENED.value: 2,
    Status.SUBMITTED.value: 3,
}


def completion(frame: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Each agency's return against the due date; overdue ones first.

    A return is overdue when it is not submitted and its cycle's due date has passed.
    ``criteria`` counts only the criteria that count for the agency (asked of its sector,
    not marked not applicable), ``answered`` the rated ones among them, and
    ``not_applicable`` those it marked not applicable (issue #16).
    """
    counts = counted(frame)
    rated = frame.assign(
        answered=frame["rating"].notna() & counts,
        asked=counts,
        na=frame["in_scope"].astype(bool) & frame["not_applicable"].astype(bool),
    )
    table = (
        rated.groupby(["cycle_id", "agency_id"], sort=False)
        .agg(
            agency=("agency", "first"),
            sector=("sector", "first"),
            status=("status", "first"),
            status_label=("status_label", "first"),
            revision=("revision", "first"),
            saved_at=("saved_at", "first"),
            due=("due", "first"),
            answered=("answered", "sum"),
            criteria=("asked", "sum"),
            not_applicable=("na", "sum"),
        )
        .reset_index()
    )
    if table.empty:
        return table.assign(overdue=[], days_overdue=[], state=[])
    late = table["due"].map(lambda d: (today - d).days)
    table["overdue"] = (table["status"] != Status.SUBMITTED.value) & (late > 0)
    table["days_overdue"] = late.where(table["overdue"], 0).astype(int)
    table["state"] = [
        f"{label} (overdue by {days} day{'s' if days != 1 else ''})" if overdue else label
        for label, overdue, days in zip(
            table["status_label"], table["overdue"], table["days_overdue"], strict=True
        )
    ]
    table["_order"] = table["status"].map(STATUS_ORDER)
    table = table.sort_values(
        ["overdue", "days_overdue", "_order", "agency"], ascending=[False, False, True, True]
    )
    return table.drop(columns="_order").reset_index(drop=True)
