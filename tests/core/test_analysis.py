"""The chair's analysis functions on small hand-made frames (issue #4)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import pandas as pd
import pytest
from analysis_frames import DUE, build, cycle

from workbook import analysis
from workbook.schema.framework import Framework
from workbook.schema.responses import Action, Answer, Status
from workbook.store import CycleInfo, Store
from workbook.store.records import ActionMark, Moderation


@pytest.fixture
def fw(make_framework: Callable[..., Framework]) -> Framework:
    return make_framework()


@pytest.fixture
def frame(fw: Framework) -> pd.DataFrame:
    return build(
        fw,
        {
            "alpha": {"p-1": "green", "p-2": "green", "i-1": "amber"},
            "beta": {"p-1": "red", "p-2": "amber", "i-1": "amber"},
        },
        statuses={"beta": Status.DRAFT},
    )


# -- levels and the tidy frame -------------------------------------------------------------


def test_levels_run_worst_to_best_for_either_direction(make_framework) -> None:
    lowest_best = make_framework(
        scale={
            "name": "Ofsted",
            "best": "lowest",
            "levels": [
                {"key": "outstanding", "label": "Outstanding", "score": 1, "colour": "#2c7bb6"},
                {"key": "good", "label": "Good", "score": 2, "colour": "#abd9e9"},
                {
                    "key": "ri",
                    "label": "Requires improvement to be good",
                    "score": 3,
                    "colour": "#fdae61",
                },
                {"key": "inadequate", "label": "Inadequate", "score": 4, "colour": "#d7191c"},
            ],
        }
    )
    table = analysis.levels(lowest_best.scale)
    assert list(table["key"]) == ["inadequate", "ri", "good", "outstanding"]
    assert list(table["short"]) == ["Inadequate", "RIG", "Good", "Outstanding"]
    assert list(table["normalised"]) == [0.0, pytest.approx(1 / 3), pytest.approx(2 / 3), 1.0]
    # dark fills get white text, light fills black (WCAG contrast)
    assert list(table["text_colour"]) == ["#ffffff", "#000000", "#000000", "#000000"]


def test_responses_frame_has_a_row_per_invited_agency_and_criterion(frame) -> None:
    assert list(frame.columns) == analysis.COLUMNS
    assert len(frame) == 3 * 3  # gamma has not started: its rows have no rating
    gamma = frame[frame["agency_id"] == "gamma"]
    assert set(gamma["status"]) == {"not_started"}
    assert gamma["rating"].isna().all()
    assert set(gamma["label"]) == {analysis.NOT_RATED}
    alpha = frame[(frame["agency_id"] == "alpha")].set_index("criterion_id")
    assert alpha.loc["p-1", "label"] == "Green"
    assert alpha.loc["p-1", "level"] == 2
    assert alpha.loc["i-1", "normalised"] == 0.5
    assert alpha.loc["i-1", "heading"] == "Identify"


def test_load_reads_the_store(store: Store, make_answers) -> None:
    store.save("c1", "alpha", make_answers(rating="green"), author="a", based_on=None)
    frame = analysis.load(store, ["c1"])
    assert len(frame) == 2 * 3
    assert set(frame.loc[frame["agency_id"] == "alpha", "label"]) == {"Green"}
    assert set(frame.loc[frame["agency_id"] == "beta", "status"]) == {"not_started"}
    assert analysis.load(store, []).empty


def test_filter_frame(frame) -> None:
    assert set(analysis.filter_frame(frame, agency="beta")["agency_id"]) == {"beta"}
    assert set(analysis.filter_frame(frame, sector="health")["agency_id"]) == {"alpha"}
    assert set(analysis.filter_frame(frame, heading="identify")["criterion_id"]) == {"i-1"}
    assert len(analysis.filter_frame(frame)) == len(frame)


def test_same_framework_keeps_cycles_of_the_framework_oldest_first() -> None:
    old, new = cycle("old", DUE - dt.timedelta(days=365)), cycle("new")
    other = CycleInfo(**{**cycle("other").__dict__, "framework_id": "else"})
    assert analysis.same_framework([new, other, old], "new") == ["old", "new"]


# -- completion ----------------------------------------------------------------------------


def test_completion_puts_overdue_returns_first(frame) -> None:
    table = analysis.completion(frame, today=DUE + dt.timedelta(days=5))
    # both 5 days late: not started before draft
    assert list(table["agency_id"]) == ["gamma", "beta", "alpha"]
    assert list(table["overdue"]) == [True, True, False]
    assert table.loc[1, "state"] == "Draft (overdue by 5 days)"
    assert list(table["answered"]) == [0, 3, 3]


def test_completion_before_the_due_date_has_nothing_overdue(frame) -> None:
    table = analysis.completion(frame, today=DUE)
    assert not table["overdue"].any()
    assert list(table["agency_id"]) == ["gamma", "beta", "alpha"]  # not started, draft, submitted


# -- heatmap, spread, divergence -----------------------------------------------------------


def test_heatmap_takes_the_worse_middle_rating_as_median(fw, frame) -> None:
    table = analysis.heatmap_table(frame, fw.scale).set_index(["agency_id", "heading_id"])
    assert table.loc[("alpha", "prevent"), "label"] == "Green"
    # beta: red, amber under prevent -> the lower of the two middle ratings
    assert table.loc[("beta", "prevent"), "label"] == "Red"
    assert table.loc[("beta", "prevent"), "distribution"] == "Amber 1, Red 1"
    gamma = table.loc[("gamma", "prevent")]
    assert (gamma["label"], gamma["rated"], gamma["criteria"]) == (analysis.NOT_RATED, 0, 2)
    assert len(table) == 3 * 2


def _heatmap_by_definition(frame: pd.DataFrame, fw: Framework) -> list[dict[str, object]]:
    """The heatmap cell by cell, as its docstring defines it (the code before #19)."""
    lv = analysis.levels(fw.scale)
    labels = list(lv["label"])
    rows = []
    for (agency_id, heading_id), group in frame.groupby(["agency_id", "heading_id"], sort=False):
        found = sorted(int(v) for v in group["level"] if pd.notna(v))
        counts = analysis.counted(group)
        median = found[(len(found) - 1) // 2] if found else None
        blank = analysis.NA_CELL if not counts.any() else analysis.NOT_RATED
        tally = {level: found.count(level) for level in found}
        rows.append(
            {
                "agency_id": agency_id,
                "heading_id": heading_id,
                "rated": len(found),
                "criteria": int(counts.sum()),
                "not_applicable": int((group["in_scope"] & group["not_applicable"]).sum()),
                "level": median,
                "label": labels[median] if median is not None else blank,
                "distribution": ", ".join(
                    f"{labels[level]} {tally[level]}" for level in sorted(tally, reverse=True)
                )
                or blank,
            }
        )
    return rows


def test_the_heatmap_is_its_definition_cell_by_cell(fw: Framework) -> None:
    """Random returns with gaps, "not applicable" answers and unstarted agencies (#19)."""
    rng = random.Random(19)
    keys = [lv.key for lv in fw.scale.levels]
    for _ in range(20):
        ratings: dict[str, dict[str, str | Answer]] = {}
        for agency in ("alpha", "beta", "gamma"):
            if rng.random() < 0.2:
                continue  # not started
            answers: dict[str, str | Answer] = {}
            for criterion in ("p-1", "p-2", "i-1"):
                roll = rng.random()
                if roll < 0.2:
                    answers[criterion] = Answer(not_applicable=True, na_reason="Not ours")
                elif roll < 0.8:
                    answers[criterion] = rng.choice(keys)
            ratings[agency] = answers
        frame = build(fw, ratings)
        table = analysis.heatmap_table(frame, fw.scale)
        expected = _heatmap_by_definition(frame, fw)
        got = table[list(expected[0])].to_dict("records")
        for row in got:
            row["level"] = None if pd.isna(row["level"]) else int(row["level"])
        assert got == expected


def test_rating_counts_and_spread(fw, frame) -> None:
    counts = analysis.rating_counts(frame, fw.scale)
    assert counts["count"].sum() == 6
    assert set(counts.columns) >= {"agency_id", "heading_id", "level", "label", "count"}
    table = analysis.spread(frame, fw.scale).set_index("heading_id")
    assert list(table.index) == ["prevent", "identify"]
    assert table.loc["prevent", ["Red", "Amber", "Green"]].tolist() == [1, 1, 2]
    assert table.loc["prevent", "range_levels"] == 2
    assert table.loc["identify", "median"] == "Amber"
    assert table.loc["identify", "agencies"] == 2


def test_divergence_lists_disagreement_then_low_ratings_first(fw, frame) -> None:
    table = analysis.divergence(frame, fw.scale)
    # p-1: green vs red (range 2); p-2: green vs amber (1); i-1: both amber (0)
    assert list(table["criterion_id"]) == ["p-1", "p-2", "i-1"]
    assert table.loc[0, "low"] == 1
    assert table.loc[0, "why"].startswith("ratings span 3")


def test_divergence_ties_are_broken_by_low_ratings(fw) -> None:
    frame = build(fw, {"alpha": {"p-1": "amber", "p-2": "red"}, "beta": {"p-1": "amber"}})
    assert list(analysis.divergence(frame, fw.scale)["criterion_id"])[:2] == ["p-2", "p-1"]


# -- drill-down ----------------------------------------------------------------------------


def test_drilldown_shows_each_agencys_texts_worst_first(fw) -> None:
    frame = build(
        fw,
        {
            "alpha": {
                "p-1": Answer(
                    rating="green",
                    going_well="<b>Training</b> logged",
                    actions=(Action(text="Audit", owner="Lead", due=dt.date(2020, 5, 1)),),
                )
            },
            "beta": {"p-1": Answer(rating="red", development="Gaps")},
        },
    )
    mods = analysis.moderation_frame(
        [
            Moderation(
                1, "c1", "alpha", "p-1", "amber", "Show the audit", "green", 1, "Chair", _now()
            )
        ],
        fw.scale,
    )
    table = analysis.drilldown(frame, criterion_id="p-1", moderation=mods)
    assert list(table["agency_id"]) == ["beta", "alpha", "gamma"]
    alpha = table.set_index("agency_id").loc["alpha"]
    assert alpha["going_well"] == "<b>Training</b> logged"  # raw here; escaped when shown
    assert alpha["actions_text"] == "Audit (Lead, 2020-05-01)"
    assert (alpha["moderated_label"], alpha["comment"]) == ("Amber", "Show the audit")
    heading = analysis.drilldown(frame, heading_id="prevent")
    assert set(heading["criterion_id"]) == {"p-1", "p-2"}


def _now() -> dt.datetime:
    return dt.datetime(2020, 3, 10, tzinfo=dt.UTC)


# -- trend ---------------------------------------------------------------------------------


@pytest.fixture
def two_cycles(fw, make_framework) -> pd.DataFrame:
    newer = make_framework(
        version="2.0",
        criteria=[
            {"id": "p-1", "heading": "prevent", "prompt": "Is training recorded?"},
            {"id": "i-1", "heading": "identify", "prompt": "Is the screening tool used?"},
            {"id": "i-2", "heading": "identify", "prompt": "New question"},
        ],
    )
    before = build(
        fw,
        {"alpha": {"p-1": "red", "p-2": "red", "i-1": "amber"}},
        info=cycle("c0", DUE - dt.timedelta(days=365)),
    )
    now = build(newer, {"alpha": {"p-1": "green", "i-1": "amber", "i-2": "red"}})
    return pd.concat([before, now], ignore_index=True)


def test_trend_by_heading_and_agency(two_cycles) -> None:
    table = analysis.trend(two_cycles, "heading")
    prevent = table[table["key"] == "prevent"]
    assert list(prevent["cycle_id"]) == ["c0", "c1"]
    assert list(prevent["mean_normalised"]) == [0.0, 1.0]
    matched = analysis.trend(two_cycles, "heading", criteria=["p-1", "i-1"])
    identify = matched[matched["key"] == "identify"]
    assert list(identify["mean_normalised"]) == [0.5, 0.5]  # i-2 is new: left out
    agencies = analysis.trend(two_cycles, "agency")
    assert set(agencies["key"]) == {"alpha"}  # beta and gamma never rated anything


def test_criterion_trend_marks_new_and_dropped_criteria(two_cycles) -> None:
    table = analysis.criterion_trend(two_cycles, "c1", "c0").set_index("criterion_id")
    assert table.loc["p-1", "change"] == "kept"
    assert table.loc["p-1", "delta"] == 1.0
    assert table.loc["p-2", "change"] == "dropped"
    assert table.loc["i-2", "change"] == "new"
    assert list(table.index) == ["p-1", "p-2", "i-1", "i-2"]
    first = analysis.criterion_trend(two_cycles, "c0", None)
    assert set(first["change"]) == {"new"}


# -- moderation ----------------------------------------------------------------------------


def test_optimism_gap_compares_self_and_moderated_ratings(fw, frame) -> None:
    mods = analysis.moderation_frame(
        [
            Moderation(1, "c1", "alpha", "p-1", "red", "No evidence", "green", 1, "C", _now()),
            Moderation(2, "c1", "beta", "p-1", "amber", "Better", "red", 1, "C", _now()),
            Moderation(3, "c1", "beta", "i-1", None, "Comment only", "amber", 1, "C", _now()),
        ],
        fw.scale,
    )
    gaps = analysis.optimism_gap(frame, mods)
    assert list(zip(gaps["agency_id"], gaps["gap"], strict=True)) == [("alpha", 2), ("beta", -1)]
    by_agency = analysis.gap_by_agency(frame, mods).set_index("agency_id")
    assert by_agency.loc["alpha", "mean_gap"] == 2
    assert by_agency.loc["beta", "moderated"] == 1
    assert analysis.gap_by_agency(frame, mods.iloc[0:0]).empty


# -- actions -------------------------------------------------------------------------------


def test_actions_overdue_first_with_top_marks(fw) -> None:
    today = dt.date(2020, 6, 1)
    frame = build(
        fw,
        {
            "alpha": {
                "p-1": Answer(
                    rating="amber",
                    actions=(
                        Action(text="Later", owner="A", due=dt.date(2021, 1, 1)),
                        Action(text="Late", owner="B", due=dt.date(2020, 5, 1)),
                    ),
                ),
                "p-2": Answer(rating="amber", actions=(Action(text="Undated"),)),
            },
            "beta": {
                "i-1": Answer(
                    rating="red",
                    actions=(Action(text="Soon", owner="C", due=dt.date(2020, 6, 20)),),
                )
            },
        },
    )
    mark = ActionMark(1, "c1", "alpha", "p-1", "Later", "partnership", True, "Chair", _now())
    table = analysis.actions(frame, today, marks=[mark])
    assert list(table["action"]) == ["Late", "Soon", "Later", "Undated"]
    assert list(table["status"]) == ["Overdue by 31 days", "Due soon", "Open", "No due date"]
    assert table.set_index("action").loc["Later", "partnership_top"]
    assert not table["agency_top"].any()
    assert analysis.actions(build(fw, {"alpha": {"p-1": "red"}}), today).empty
