"""The chair's analysis (issue #4): pure pandas functions over a tidy frame of responses.

:func:`load` reads the store into the tidy frame, one row per cycle x invited agency x
criterion (rows for criteria an agency has not answered have no rating). Everything
else is a pure function of that frame (and the cycle's scale), so each is tested on
small hand-made frames. Levels are ordered by ``level`` from 0 (worst) upwards, which
works for scales whose best end is the highest or the lowest score.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import pandas as pd

from workbook.errors import StorageError
from workbook.schema.framework import Framework, Scale
from workbook.schema.partnership import Agency
from workbook.schema.responses import Status
from workbook.store import CycleInfo, ReturnState, Store

NOT_RATED = "Not rated"
"""Label of a cell, or a criterion, that has no rating yet."""

COLUMNS = [
    "cycle_id",
    "cycle",
    "due",
    "framework_id",
    "framework_version",
    "agency_id",
    "agency",
    "sector",
    "status",
    "status_label",
    "revision",
    "saved_at",
    "heading_id",
    "heading",
    "heading_order",
    "criterion_id",
    "criterion_order",
    "prompt",
    "rating",
    "label",
    "level",
    "score",
    "normalised",
    "evidence",
    "going_well",
    "development",
    "actions",
]

STATUS_ORDER = {
    Status.NOT_STARTED.value: 0,
    Status.DRAFT.value: 1,
    Status.REOPENED.value: 2,
    Status.SUBMITTED.value: 3,
}
DUE_SOON_DAYS = 30


# -- levels -----------------------------------------------------------------------------


def short_label(label: str) -> str:
    """A label short enough for a heatmap cell: itself, or its words' initials.

    >>> short_label("Requires improvement to be good")
    'RIG'
    >>> short_label("Amber")
    'Amber'
    """
    if len(label) <= 12 or " " not in label.strip():
        return label
    small = {"to", "be", "and", "of", "the", "a", "in", "for", "not"}
    words = [w for w in label.replace("-", " ").split() if w.lower() not in small]
    return "".join(w[0].upper() for w in words) or label[:12]


def _text_colour(hex_colour: str) -> str:
    """Black or white, whichever contrasts more with the fill (WCAG relative luminance)."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def levels(scale: Scale) -> pd.DataFrame:
    """The scale's levels from worst (``level`` 0) to best, with short labels and text colours."""
    worst_first = list(reversed(scale.best_first()))
    shorts = [short_label(lv.label) for lv in worst_first]
    if len(set(shorts)) < len(shorts):  # initials clash: fall back to the full labels
        shorts = [lv.label for lv in worst_first]
    return pd.DataFrame(
        {
            "key": [lv.key for lv in worst_first],
            "label": [lv.label for lv in worst_first],
            "short": shorts,
            "colour": [lv.colour for lv in worst_first],
            "text_colour": [_text_colour(lv.colour) for lv in worst_first],
            "level": range(len(worst_first)),
            "score": [lv.score for lv in worst_first],
            "normalised": [scale.normalised(lv.key) for lv in worst_first],
        }
    )


def _lowest(scale_levels: pd.DataFrame) -> int:
    """Levels below this are "the lowest levels": the worse half, at least the worst one."""
    return max(1, len(scale_levels) // 2)


# -- the tidy frame ---------------------------------------------------------------------


def responses_frame(
    cycle: CycleInfo,
    framework: Framework,
    agencies: Mapping[str, Agency],
    states: Mapping[str, ReturnState],
    statuses: Mapping[str, Status],
) -> pd.DataFrame:
    """One row per invited agency x criterion of one cycle (pure: no store access).

    Parameters
    ----------
    states
        Current return of each agency that has started (``Store.returns``).
    statuses
        Status of each invited agency (``Store.statuses``).
    """
    # Everything that is the same for a whole cycle, agency, criterion or rating is worked
    # out once, and rows are tuples in COLUMNS order: at 6,750 rows per partnership this
    # is half the time of row dicts with per-row lookups (bench/scale.py, issue #8).
    scale = framework.scale
    worst_first = list(reversed(scale.best_first()))
    by_rating = {
        lv.key: (lv.label, position, lv.score, scale.normalised(lv.key))
        for position, lv in enumerate(worst_first)
    }
    unrated = (NOT_RATED, None, None, None)
    headings = {h.id: (h.title, position) for position, h in enumerate(framework.headings)}
    criteria = [
        (c.id, (c.heading, *headings[c.heading], c.id, position, c.prompt))
        for position, c in enumerate(framework.criteria)
    ]
    of_cycle = (
        cycle.id,
        cycle.title,
        cycle.timetable.returns_due,
        framework.id,
        framework.version,
    )
    labels = {status: status.label for status in Status}
    rows: list[tuple[Any, ...]] = []
    for agency_id in sorted(statuses, key=lambda a: agencies[a].name if a in agencies else a):
        agency = agencies.get(agency_id)
        state = states.get(agency_id)
        status = statuses[agency_id]
        of_agency = (
            *of_cycle,
            agency_id,
            agency.name if agency else agency_id,
            agency.sector if agency else "",
            status.value,
            labels[status],
            state.revision if state else 0,
            state.saved_at if state else None,
        )
        answers = state.answers if state else {}
        for criterion_id, of_criterion in criteria:
            answer = answers.get(criterion_id)
            if answer is None:
                rows.append((*of_agency, *of_criterion, None, *unrated, "", "", "", ()))
                continue
            rating = answer.rating
            actions = tuple(a.model_dump() for a in answer.actions) if answer.actions else ()
            rows.append(
                (
                    *of_agency,
                    *of_criterion,
                    rating,
                    *(by_rating[rating] if rating else unrated),
                    answer.evidence,
                    answer.going_well,
                    answer.development,
                    actions,
                )
            )
    # object columns, not pandas' string dtype: copying string arrays when filtering costs
    # a quarter of a second per filter on a 20 x 40 cycle (pandas 3.1)
    frame = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    for column in ("level", "score", "normalised"):
        frame[column] = pd.to_numeric(frame[column])
    return frame


def load(store: Store, cycle_ids: Sequence[str]) -> pd.DataFrame:
    """The tidy frame of the given cycles, read through the store's public API.

    Only the agencies of the cycles' partnerships are read, not every agency in the
    store (a store may hold 150 partnerships: bench/scale.py).
    """
    cycles = [store.cycle(cycle_id) for cycle_id in cycle_ids]
    agencies = {
        a.id: a
        for partnership_id in dict.fromkeys(c.partnership_id for c in cycles)
        for a in store.agencies(partnership_id)
    }
    frames = []
    for cycle in cycles:
        framework = store.framework(cycle.framework_id, cycle.framework_version)
        statuses = store.statuses(cycle.id)
        for agency_id in statuses.keys() - agencies.keys():  # invited from elsewhere
            with contextlib.suppress(StorageError):
                agencies[agency_id] = store.agency(agency_id)
        frames.append(
            responses_frame(cycle, framework, agencies, store.returns(cycle.id), statuses)
        )
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)


def same_framework(cycles: Sequence[CycleInfo], current: str) -> list[str]:
    """Ids of the cycles running the current cycle's framework (any version), oldest first."""
    by_id = {c.id: c for c in cycles}
    framework_id = by_id[current].framework_id
    ordered = sorted(cycles, key=lambda c: (c.timetable.returns_due, c.id))
    return [c.id for c in ordered if c.framework_id == framework_id]


def filter_frame(
    frame: pd.DataFrame,
    *,
    agency: str | None = None,
    sector: str | None = None,
    heading: str | None = None,
) -> pd.DataFrame:
    """Rows of one agency, sector and/or heading id (None keeps all)."""
    if not (agency or sector or heading):
        return frame  # no copy: the unfiltered frame is what most views show
    keep = pd.Series(True, index=frame.index)
    if agency:
        keep &= frame["agency_id"] == agency
    if sector:
        keep &= frame["sector"] == sector
    if heading:
        keep &= frame["heading_id"] == heading
    return frame[keep]


# -- completion -------------------------------------------------------------------------


def completion(frame: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Each agency's return against the due date; overdue ones first.

    A return is overdue when it is not submitted and its cycle's due date has passed.
    """
    rated = frame.assign(answered=frame["rating"].notna())
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
            criteria=("criterion_id", "count"),
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


def heatmap_table(frame: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """Agencies x headings: the median rating (with label and colour) and the distribution."""
    lv = levels(scale)
    labels = list(lv["label"])
    rows = []
    for (agency_id, heading_id), group in frame.groupby(["agency_id", "heading_id"], sort=False):
        median = _lower_median(group["level"])
        first = group.iloc[0]
        level_row = lv.iloc[int(median)] if median is not None else None
        rows.append(
            {
                "agency_id": agency_id,
                "agency": first["agency"],
                "sector": first["sector"],
                "status_label": first["status_label"],
                "heading_id": heading_id,
                "heading": first["heading"],
                "heading_order": first["heading_order"],
                "rated": int(group["level"].notna().sum()),
                "criteria": len(group),
                "level": median,
                "label": level_row["label"] if level_row is not None else NOT_RATED,
                "short": level_row["short"] if level_row is not None else "\u2013",
                "mean_normalised": group["normalised"].mean(),
                "distribution": _distribution(labels, group["level"]) or NOT_RATED,
            }
        )
    columns = [
        "agency_id agency sector status_label heading_id heading heading_order rated criteria "
        "level label short mean_normalised distribution"
    ][0].split()
    return pd.DataFrame(rows, columns=columns)


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
    ]
    return rows[columns].reset_index(drop=True)


# -- trend ------------------------------------------------------------------------------


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


# -- moderation -------------------------------------------------------------------------


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


# -- actions ----------------------------------------------------------------------------


def _action_status(due: dt.date | None, today: dt.date) -> tuple[str, int]:
    if due is None:
        return "No due date", 0
    days = (today - due).days
    if days > 0:
        return f"Overdue by {days} day{'s' if days != 1 else ''}", days
    if -days <= DUE_SOON_DAYS:
        return "Due soon", days
    return "Open", days


def actions(frame: pd.DataFrame, today: dt.date, marks: Iterable[Any] = ()) -> pd.DataFrame:
    """All actions from the returns, by agency, owner, due date and status; overdue first.

    Parameters
    ----------
    marks
        Current top-action marks (``workbook.store.moderation.ActionMark``); they set the
        ``partnership_top`` and ``agency_top`` columns.
    """
    marked = {(m.cycle_id, m.agency_id, m.criterion_id, m.action_text, m.scope) for m in marks}
    rows = []
    for record in frame[frame["actions"].map(len) > 0].itertuples(index=False):
        for number, action in enumerate(record.actions, start=1):
            due = action.get("due")
            status, days = _action_status(due, today)
            key = (record.cycle_id, record.agency_id, record.criterion_id, action["text"])
            rows.append(
                {
                    "cycle_id": record.cycle_id,
                    "agency_id": record.agency_id,
                    "agency": record.agency,
                    "sector": record.sector,
                    "heading": record.heading,
                    "criterion_id": record.criterion_id,
                    "number": number,
                    "action": action["text"],
                    "owner": action.get("owner", ""),
                    "due": due,
                    "status": status,
                    "overdue": days > 0 and due is not None,
                    "days": days,
                    "return_status": record.status_label,
                    "partnership_top": (*key, "partnership") in marked,
                    "agency_top": (*key, "agency") in marked,
                }
            )
    columns = [
        "cycle_id agency_id agency sector heading criterion_id number action owner due status "
        "overdue days return_status partnership_top agency_top"
    ][0].split()
    table = pd.DataFrame(rows, columns=columns)
    if table.empty:
        return table
    table["_no_due"] = table["due"].isna()
    table = table.sort_values(
        ["overdue", "_no_due", "days", "agency", "criterion_id", "number"],
        ascending=[False, True, False, True, True, True],
    )
    return table.drop(columns="_no_due").reset_index(drop=True)
