"""The report's actions section, from the action tracker (issue #15).

Every action of the cycle as the tracker has it: the agencies' (from their returns, and
those brought forward unfinished from the last cycle) and the partnership's own. A done
or dropped action is not overdue, whatever its due date. Then, for the board, "Top
actions: what happened": the last cycle's partnership top 5 and each agency's top 3 with
what happened to each, and this cycle's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from workbook import analysis
from workbook.reports.common import records
from workbook.store import CycleInfo, Store

OVERDUE_LISTED = 15
"""Overdue actions listed in the report (the rest are counted)."""

LISTED = ["agency", "action", "owner", "due", "status"]
"""The columns of a list of actions in the report."""

TOP = ["agency", "action", "owner", "due", "outcome", "detail", "mark"]
"""The columns of a top-5 or top-3 list: what happened to each action."""


def _detail(row: Any) -> str:
    """A few words on what happened: when it was done, why it was dropped, the last note."""
    if row.status == "done":
        return f"Done on {row.done_on.isoformat()}" if row.done_on else "Done"
    if row.status == "dropped":
        return f"Dropped: {row.reason}" if row.reason else "Dropped"
    words = [row.status_label] if row.overdue else []
    words.append(
        f"last progress noted {row.last_note.isoformat()}" if row.last_note else "no progress noted"
    )
    text = "; ".join(words)
    return text[:1].upper() + text[1:]


def _listed(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(
        action=table["text"],
        status=table["status_label"],
        detail=[_detail(r) for r in table.itertuples(index=False)] if len(table) else [],
    )


def _tops(table: pd.DataFrame) -> dict[str, Any]:
    """A cycle's partnership top 5 and each agency's top 3, with what happened to each."""
    table = _listed(table)
    partnership = table[table["partnership_top"] != ""] if len(table) else table
    agency = table[table["agency_top"] != ""] if len(table) else table
    return {
        "partnership": records(partnership.assign(mark=partnership["partnership_top"]), TOP),
        "agencies": [
            {"agency": name, "actions": records(group.assign(mark=group["agency_top"]), TOP)}
            for name, group in agency.groupby("agency", sort=True)
        ],
    }


def _outcomes(table: pd.DataFrame) -> str:
    """'3 done, 1 in progress and 1 overdue' for the marked actions of a cycle."""
    marked = table[(table["partnership_top"] != "") | (table["agency_top"] != "")]
    counts = marked["outcome"].value_counts()
    order = ["Done", "In progress", "Open", "Overdue", "Dropped"]
    words = [f"{int(counts[o])} {o.lower()}" for o in order if o in counts]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def _by_agency(table: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for agency, group in table.groupby("agency", sort=True):
        rows.append(
            {
                "agency": agency,
                "actions": len(group),
                "done": int((group["status"] == "done").sum()),
                "in_progress": int((group["status"] == "in_progress").sum()),
                "overdue": int(group["overdue"].sum()),
                "no_due_date": int(group["due"].isna().sum()),
            }
        )
    return rows


def in_scope(table: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The tracked actions the report covers: the partnership's, those brought forward, and
    those of the returns it includes (a draft left out of the report leaves its new actions
    out too)."""
    if table.empty:
        return table
    included = set(frame["agency_id"])
    keep = table["agency_id"].isna() | table["carried"] | table["agency_id"].isin(included)
    return table[keep].reset_index(drop=True)


def actions_section(
    store: Store, frame: pd.DataFrame, cycle: CycleInfo, as_of: dt.date
) -> dict[str, Any]:
    """The cycle's actions by status, agency and owner; overdue and stuck; the top lists."""
    table = in_scope(analysis.tracker(store, cycle.id, as_of), frame)
    overdue = _listed(analysis.overdue_actions(table))
    stuck = _listed(analysis.stuck_actions(table))
    done = _listed(analysis.done_this_quarter(table, as_of))
    first, _ = analysis.quarter(as_of)
    current = _tops(table)
    previous = store.previous_cycle(cycle.id)
    last = analysis.tracker(store, previous.id, as_of) if previous else None
    return {
        "total": len(table),
        "carried": int(table["carried"].sum()) if len(table) else 0,
        "partnership_own": int((table["agency_id"].isna() & ~table["carried"]).sum())
        if len(table)
        else 0,
        "overdue_count": len(overdue),
        "by_status": records(analysis.status_counts(table), ["status", "actions"]),
        "summary": _by_agency(table),
        "by_owner": records(
            analysis.owner_counts(table),
            ["owner", "actions", "open", "in_progress", "done", "dropped", "overdue"],
        ),
        "overdue": records(overdue.head(OVERDUE_LISTED), LISTED),
        "stuck": records(stuck, [*LISTED, "detail"]),
        "quarter_from": first.isoformat(),
        "done_this_quarter": records(done, [*LISTED, "detail"]),
        "partnership_top": current["partnership"],
        "agency_top": current["agencies"],
        "last_cycle": (
            {"title": previous.title, "outcomes": _outcomes(last), **_tops(last)}
            if previous is not None and last is not None
            else None
        ),
    }
