"""The tidy frame every analysis reads, and the scale's levels it is measured on.

:func:`load` reads the store into one row per cycle x invited agency x criterion (rows
for criteria an agency has not answered have no rating); the other modules of
:mod:`workbook.analysis` are pure functions of that frame, so each is tested on small
hand-made frames. Levels are ordered by ``level`` from 0 (worst) upwards, which works for
scales whose best end is the highest or the lowest score.

Each row says whether its criterion is asked of the agency's sector (``in_scope``) and
whether the agency marked it not applicable (``not_applicable``, ``na_reason``). Neither
kind has a rating, level or score in the frame, so medians, spread and trends leave them
out by construction; :func:`counted` is the mask of the rows that do count (issue #16).

A return shared with other partnerships (issue #17) is one row set in each partnership's
frame; ``shared_with`` names the others, and ``note`` holds the agency's note for this
partnership alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import pandas as pd

from workbook.errors import StorageError
from workbook.schema.framework import Framework, Scale
from workbook.schema.partnership import Agency
from workbook.schema.responses import NOT_APPLICABLE, Action, Status
from workbook.store import CycleInfo, Store, StoredAnswer

NOT_RATED = "Not rated"
"""Label of a cell, or a criterion, that has no rating yet."""

NOT_ASKED = "Not asked"
"""Label of a criterion the framework does not ask of the agency's sector."""

NA_CELL = "N/A"
"""What a heatmap cell shows when none of its criteria count (not applicable, not asked)."""

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
    "criterion",
    "rating",
    "label",
    "level",
    "score",
    "normalised",
    "evidence",
    "going_well",
    "development",
    "actions",
    "in_scope",
    "not_applicable",
    "na_reason",
    "note",
    "shared_with",
]


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


# -- the tidy frame ---------------------------------------------------------------------


class AnswerLike(Protocol):
    """What the frame reads of an answer: a validated ``Answer`` or a ``StoredAnswer``."""

    @property
    def rating(self) -> str | None: ...
    @property
    def evidence(self) -> str: ...
    @property
    def going_well(self) -> str: ...
    @property
    def development(self) -> str: ...
    @property
    def actions(self) -> Sequence[Action]: ...
    @property
    def not_applicable(self) -> bool: ...
    @property
    def na_reason(self) -> str: ...


class ReturnLike(Protocol):
    """What the frame reads of a return: a ``ReturnState`` or the ``ReturnRows`` of
    ``Store.current``."""

    @property
    def revision(self) -> int: ...
    @property
    def saved_at(self) -> dt.datetime: ...
    @property
    def answers(self) -> Mapping[str, AnswerLike]: ...


def responses_frame(
    cycle: CycleInfo,
    framework: Framework,
    agencies: Mapping[str, Agency],
    states: Mapping[str, ReturnLike],
    statuses: Mapping[str, Status],
    notes: Mapping[str, Mapping[str, str]] | None = None,
    shared: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per invited agency x criterion of one cycle (pure: no store access).

    Parameters
    ----------
    states
        Current return of each agency that has started (``Store.returns``, or the
        ``returns`` of ``Store.current``).
    statuses
        Status of each invited agency (``Store.statuses``).
    notes
        Each agency's notes for this cycle's partnership alone, by criterion (issue #17).
    shared
        For each agency whose return is shared, the other partnerships it answers, in words.
    """
    return _frame(_rows(cycle, framework, agencies, states, statuses, notes, shared))


def _rows(
    cycle: CycleInfo,
    framework: Framework,
    agencies: Mapping[str, Agency],
    states: Mapping[str, ReturnLike],
    statuses: Mapping[str, Status],
    notes: Mapping[str, Mapping[str, str]] | None,
    shared: Mapping[str, str] | None,
) -> list[tuple[Any, ...]]:
    """:func:`responses_frame`'s rows, as tuples in ``COLUMNS`` order."""
    notes = notes or {}
    shared = shared or {}
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
    not_asked = (NOT_ASKED, None, None, None)
    not_applicable = (NOT_APPLICABLE, None, None, None)
    headings = {h.id: (h.title, position) for position, h in enumerate(framework.headings)}
    criteria = [
        (c.id, (c.heading, *headings[c.heading], c.id, position, c.prompt, c.name))
        for position, c in enumerate(framework.criteria)
    ]
    scopes: dict[str, frozenset[str]] = {}  # sector -> the criteria it is asked
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
        answers: Mapping[str, AnswerLike] = state.answers if state else {}
        noted = notes.get(agency_id, {})
        sharing = shared.get(agency_id, "")
        sector = agency.sector if agency else ""
        if sector not in scopes:  # an unknown agency ("") is asked everything
            scopes[sector] = frozenset(c.id for c in framework.criteria_for(sector or None))
        asked = scopes[sector]
        for criterion_id, of_criterion in criteria:
            answer = answers.get(criterion_id)
            in_scope = criterion_id in asked
            if answer is None:
                rows.append(
                    (
                        *of_agency,
                        *of_criterion,
                        None,
                        *(unrated if in_scope else not_asked),
                        "",
                        "",
                        "",
                        (),
                        in_scope,
                        False,
                        "",
                        noted.get(criterion_id, ""),
                        sharing,
                    )
                )
                continue
            # a rating out of scope or beside "not applicable" never counts (issue #16)
            rating = answer.rating if in_scope and not answer.not_applicable else None
            rated: tuple[str, int | None, float | None, float | None]
            if not in_scope:
                rated = not_asked
            elif answer.not_applicable:
                rated = not_applicable
            else:
                rated = by_rating[rating] if rating else unrated
            if isinstance(answer, StoredAnswer):  # as the frame wants them already
                actions = answer.action_records
            else:
                actions = tuple(a.model_dump() for a in answer.actions) if answer.actions else ()
            rows.append(
                (
                    *of_agency,
                    *of_criterion,
                    rating,
                    *rated,
                    answer.evidence,
                    answer.going_well,
                    answer.development,
                    actions,
                    in_scope,
                    answer.not_applicable,
                    answer.na_reason,
                    noted.get(criterion_id, ""),
                    sharing,
                )
            )
    return rows


def _frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """The frame of :func:`_rows`' rows, made once for every cycle read together."""
    # object columns, not pandas' string dtype: copying string arrays when filtering costs
    # a quarter of a second per filter on a 20 x 40 cycle (pandas 3.1)
    frame = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    for column in ("level", "score", "normalised"):
        frame[column] = pd.to_numeric(frame[column])
    for column in ("in_scope", "not_applicable"):
        frame[column] = frame[column].astype(bool)
    return frame


def counted(frame: pd.DataFrame) -> pd.Series:
    """The rows that count: asked of the agency's sector and not marked not applicable."""
    return frame["in_scope"].astype(bool) & ~frame["not_applicable"].astype(bool)


def load(store: Store, cycle_ids: Sequence[str]) -> pd.DataFrame:
    """The tidy frame of the given cycles, read through the store's public API.

    Only the agencies of the cycles' partnerships are read, not every agency in the
    store (a store may hold 150 partnerships: bench/scale.py). Everything comes from one
    snapshot of the store: one consistent state, whoever saves meanwhile.
    """
    with store.snapshot():
        return _load(store, cycle_ids)


def _load(store: Store, cycle_ids: Sequence[str]) -> pd.DataFrame:
    cycles = [store.cycle(cycle_id) for cycle_id in cycle_ids]
    agencies = {
        a.id: a
        for partnership_id in dict.fromkeys(c.partnership_id for c in cycles)
        for a in store.agencies(partnership_id)
    }
    current = store.current([c.id for c in cycles])
    rows: list[tuple[Any, ...]] = []
    for cycle in cycles:
        framework = store.framework(cycle.framework_id, cycle.framework_version)
        statuses = current[cycle.id].statuses
        for agency_id in statuses.keys() - agencies.keys():  # invited from elsewhere
            with contextlib.suppress(StorageError):
                agencies[agency_id] = store.agency(agency_id)
        shared = {
            agency_id: "; ".join(dict.fromkeys(w.partnership_name for w in partners))
            for agency_id, partners in store.shared.with_whom(cycle.id).items()
        }
        rows += _rows(
            cycle,
            framework,
            agencies,
            current[cycle.id].returns,
            statuses,
            store.notes.for_cycle(cycle.id),
            shared,
        )
    return _frame(rows)


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
