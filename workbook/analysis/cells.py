"""The tidy frame's cells, made column by column (issue #19).

A partnership's ten cycles are 6,750 cells (agency x criterion). Building a tuple per
cell in Python was a third of the dashboard's data time on the million-response store
(bench/scale.py), so each cycle's columns are made whole here: what belongs to an agency
is repeated across the criteria, what belongs to a criterion is tiled across the
agencies, and the answers are put at their cells' positions. Python still touches each
answer once, to find its cell; nothing here reads the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbook.schema.framework import Framework
from workbook.schema.partnership import Agency
from workbook.schema.responses import NOT_APPLICABLE, Status
from workbook.store import CycleInfo
from workbook.store.records import many_action_records

NOT_RATED = "Not rated"
"""Label of a cell, or a criterion, that has no rating yet."""

NOT_ASKED = "Not asked"
"""Label of a criterion the framework does not ask of the agency's sector."""

Row = tuple[int, str | None, str, str, str, "str | tuple[dict[str, Any], ...]", bool, str]
"""An answer as the frame takes it: revision number, rating, evidence, going well,
development, actions (the store's JSON, or ``Action.model_dump()`` records), not
applicable and its reason; :data:`workbook.store.current.StoredRow` is one."""

_ANSWER_COLUMNS = (
    "rating",
    "evidence",
    "going_well",
    "development",
    "actions",
    "not_applicable",
    "na_reason",
)


@dataclass(frozen=True)
class CycleCells:
    """Everything one cycle's cells are made from."""

    cycle: CycleInfo
    framework: Framework
    statuses: Mapping[str, Status]
    """Each invited agency's status: one block of cells per agency."""
    heads: Mapping[str, tuple[int, dt.datetime]]
    """Each started return's revision and when it was saved."""
    answers: Mapping[str, Mapping[str, Row]]
    """Each started return's current answers, by agency and criterion."""
    notes: Mapping[str, Mapping[str, str]]
    shared: Mapping[str, str]


def columns(
    cycles: Sequence[CycleCells], agencies: Mapping[str, Agency]
) -> dict[str, np.ndarray[Any, Any]]:
    """The frame's columns for the cycles, one after another (``frame.COLUMNS``' names)."""
    parts = [_cycle(part, agencies) for part in cycles]
    if not parts:
        return {}
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def _objects(values: Sequence[Any]) -> np.ndarray[Any, Any]:
    """A one-dimensional object array of a few values (an agency's, or a criterion's)."""
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        out[i] = value
    return out


def _full(n: int, value: Any) -> np.ndarray[Any, Any]:
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def _cycle(part: CycleCells, agencies: Mapping[str, Agency]) -> dict[str, np.ndarray[Any, Any]]:
    cycle, framework = part.cycle, part.framework
    order = sorted(part.statuses, key=lambda a: agencies[a].name if a in agencies else a)
    criteria = framework.criteria
    n_a, n_k = len(order), len(criteria)
    n = n_a * n_k
    known = [agencies.get(a) for a in order]
    sectors = [agency.sector if agency else "" for agency in known]
    heads = [part.heads.get(a, (0, None)) for a in order]
    statuses = [part.statuses[a] for a in order]

    def each_agency(values: Sequence[Any]) -> np.ndarray[Any, Any]:
        return np.repeat(_objects(values), n_k)

    headings = {h.id: (h.title, position) for position, h in enumerate(framework.headings)}

    def each_criterion(values: Sequence[Any]) -> np.ndarray[Any, Any]:
        return np.tile(_objects(values), n_a)

    out: dict[str, np.ndarray[Any, Any]] = {
        "cycle_id": _full(n, cycle.id),
        "cycle": _full(n, cycle.title),
        "due": _full(n, cycle.timetable.returns_due),
        "framework_id": _full(n, framework.id),
        "framework_version": _full(n, framework.version),
        "agency_id": each_agency(order),
        "agency": each_agency([k.name if k else a for k, a in zip(known, order, strict=True)]),
        "sector": each_agency(sectors),
        "status": each_agency([s.value for s in statuses]),
        "status_label": each_agency([s.label for s in statuses]),
        "revision": each_agency([h[0] for h in heads]),
        "saved_at": each_agency([h[1] for h in heads]),
        "heading_id": each_criterion([c.heading for c in criteria]),
        "heading": each_criterion([headings[c.heading][0] for c in criteria]),
        "heading_order": each_criterion([headings[c.heading][1] for c in criteria]),
        "criterion_id": each_criterion([c.id for c in criteria]),
        "criterion_order": each_criterion(list(range(n_k))),
        "prompt": each_criterion([c.prompt for c in criteria]),
        "criterion": each_criterion([c.name for c in criteria]),
    }
    # which criteria each sector is asked (an unknown agency, "", is asked everything)
    scopes: dict[str, np.ndarray[Any, Any]] = {}
    for sector in dict.fromkeys(sectors):
        asked = {c.id for c in framework.criteria_for(sector or None)}
        scopes[sector] = np.array([c.id in asked for c in criteria], dtype=bool)
    in_scope = np.concatenate([scopes[s] for s in sectors]) if n_a else np.zeros(0, dtype=bool)
    positions = {a: i * n_k for i, a in enumerate(order)}  # each agency's first cell
    where = {c.id: j for j, c in enumerate(criteria)}  # each criterion's place after it
    answers = _answers(part, positions, where, n)
    not_applicable = answers["not_applicable"].astype(bool)
    counts = in_scope & ~not_applicable
    rating = answers.pop("rating")  # one out of scope or beside "not applicable" never counts
    rating[~counts] = None
    label = _full(n, NOT_RATED)
    label[~in_scope] = NOT_ASKED
    label[in_scope & not_applicable] = NOT_APPLICABLE
    level, score, normalised = _full(n, None), _full(n, None), _full(n, None)
    rated = np.flatnonzero((rating != None) & (rating != ""))  # noqa: E711 (element-wise)
    if len(rated):
        scale = framework.scale
        worst_first = list(reversed(scale.best_first()))
        by_rating = {
            lv.key: (lv.label, position, lv.score, scale.normalised(lv.key))
            for position, lv in enumerate(worst_first)
        }
        found = [by_rating[key] for key in rating[rated]]
        made = (label, level, score, normalised)
        for column, values in zip(made, zip(*found, strict=True), strict=True):
            column[rated] = values
    note = _full(n, "")
    for agency_id, noted in part.notes.items():
        for criterion_id, text in noted.items():
            if agency_id in positions and criterion_id in where:
                note[positions[agency_id] + where[criterion_id]] = text
    out |= {
        "rating": rating,
        "label": label,
        "level": level,
        "score": score,
        "normalised": normalised,
        "evidence": answers["evidence"],
        "going_well": answers["going_well"],
        "development": answers["development"],
        "actions": answers["actions"],
        "in_scope": in_scope,
        "not_applicable": not_applicable,
        "na_reason": answers["na_reason"],
        "note": note,
        "shared_with": each_agency([part.shared.get(a, "") for a in order]),
    }
    return out


def _answers(
    part: CycleCells, positions: Mapping[str, int], where: Mapping[str, int], n: int
) -> dict[str, np.ndarray[Any, Any]]:
    """The answer columns, each answer at its cell; cells without one are empty."""
    found: list[tuple[int, Row]] = []
    for agency_id, answers in part.answers.items():
        base = positions.get(agency_id)
        if base is not None:  # else a return of an agency no longer invited
            # criteria a newer framework version dropped are left out
            found += [(base + where[k], row) for k, row in answers.items() if k in where]
    out = {
        "rating": _full(n, None),
        "evidence": _full(n, ""),
        "going_well": _full(n, ""),
        "development": _full(n, ""),
        "actions": _full(n, ()),
        "not_applicable": np.zeros(n, dtype=bool),
        "na_reason": _full(n, ""),
    }
    if not found:
        return out
    cells, rows = zip(*found, strict=True)
    at = np.array(cells, dtype=np.intp)
    _, *values = zip(*rows, strict=True)
    for name, column in zip(_ANSWER_COLUMNS, values, strict=True):
        if name == "actions":
            for cell, records in zip(cells, _records(column), strict=True):
                if records:
                    out["actions"][cell] = records
        else:
            out[name][at] = column
    return out


def _records(stored: Sequence[str | tuple[dict[str, Any], ...]]) -> list[tuple[Any, ...]]:
    """Each answer's actions as ``Action.model_dump()`` records: the store's JSON parsed
    in one call (:func:`workbook.store.current.many_action_records`), records kept."""
    text = {i: s for i, s in enumerate(stored) if isinstance(s, str)}
    found: list[tuple[Any, ...]] = [() if isinstance(s, str) else s for s in stored]
    for i, records in zip(text, many_action_records(list(text.values())), strict=True):
        found[i] = records
    return found


def frame(data: Mapping[str, np.ndarray[Any, Any]], names: Sequence[str]) -> pd.DataFrame:
    """The DataFrame of :func:`columns`, its numbers numeric and its flags boolean."""
    # object columns, not pandas' string dtype: copying string arrays when filtering costs
    # a quarter of a second per filter on a 20 x 40 cycle (pandas 3.1)
    made = pd.DataFrame({name: data.get(name, _full(0, None)) for name in names}, dtype=object)
    for column in ("level", "score", "normalised"):
        made[column] = pd.to_numeric(made[column])
    for column in ("in_scope", "not_applicable"):
        made[column] = made[column].astype(bool)
    return made
