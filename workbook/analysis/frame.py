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
from typing import Protocol

import pandas as pd

from workbook import collector
from workbook.analysis import cells
from workbook.analysis.cells import NOT_ASKED as NOT_ASKED
from workbook.analysis.cells import NOT_RATED as NOT_RATED
from workbook.errors import StorageError
from workbook.schema.framework import Framework, Scale
from workbook.schema.partnership import Agency
from workbook.schema.responses import Action, Status
from workbook.store import CycleInfo, ReturnRows, Store

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
    part = _cells(cycle, framework, states, statuses, notes or {}, shared or {})
    return cells.frame(cells.columns([part], agencies), COLUMNS)


def _cells(
    cycle: CycleInfo,
    framework: Framework,
    states: Mapping[str, ReturnLike],
    statuses: Mapping[str, Status],
    notes: Mapping[str, Mapping[str, str]],
    shared: Mapping[str, str],
) -> cells.CycleCells:
    return cells.CycleCells(
        cycle=cycle,
        framework=framework,
        statuses=statuses,
        heads={a: (state.revision, state.saved_at) for a, state in states.items()},
        answers={a: _answer_rows(state) for a, state in states.items()},
        notes=notes,
        shared=shared,
    )


def _answer_rows(state: ReturnLike) -> Mapping[str, cells.Row]:
    """A return's answers as the cells take them: the store's rows as they are."""
    if isinstance(state, ReturnRows):
        return state.rows
    return {
        criterion_id: (
            state.revision,
            answer.rating,
            answer.evidence,
            answer.going_well,
            answer.development,
            tuple(a.model_dump() for a in answer.actions),
            answer.not_applicable,
            answer.na_reason,
        )
        for criterion_id, answer in state.answers.items()
    }


def counted(frame: pd.DataFrame) -> pd.Series:
    """The rows that count: asked of the agency's sector and not marked not applicable."""
    return frame["in_scope"].astype(bool) & ~frame["not_applicable"].astype(bool)


def load(store: Store, cycle_ids: Sequence[str]) -> pd.DataFrame:
    """The tidy frame of the given cycles, read through the store's public API.

    Only the agencies of the cycles' partnerships are read, not every agency in the
    store (a store may hold 150 partnerships: bench/scale.py). Everything comes from one
    snapshot of the store: one consistent state, whoever saves meanwhile.
    """
    with store.snapshot(), collector.paused():
        return _load(store, cycle_ids)


def _load(store: Store, cycle_ids: Sequence[str]) -> pd.DataFrame:
    cycles = [store.cycle(cycle_id) for cycle_id in cycle_ids]
    agencies = {
        a.id: a
        for partnership_id in dict.fromkeys(c.partnership_id for c in cycles)
        for a in store.agencies(partnership_id)
    }
    current = store.current([c.id for c in cycles])
    parts = []
    for cycle in cycles:
        statuses = current[cycle.id].statuses
        for agency_id in statuses.keys() - agencies.keys():  # invited from elsewhere
            with contextlib.suppress(StorageError):
                agencies[agency_id] = store.agency(agency_id)
        shared = {
            agency_id: "; ".join(dict.fromkeys(w.partnership_name for w in partners))
            for agency_id, partners in store.shared.with_whom(cycle.id).items()
        }
        parts.append(
            _cells(
                cycle,
                store.framework(cycle.framework_id, cycle.framework_version),
                current[cycle.id].returns,
                statuses,
                store.notes.for_cycle(cycle.id),
                shared,
            )
        )
    return cells.frame(cells.columns(parts, agencies), COLUMNS)


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
