"""The frame made column by column from the store's rows (issue #19).

``analysis.load`` takes each return's answer rows as stored (actions as their JSON) and
puts them at their cells; ``responses_frame`` takes validated ``Answer`` models. Both
must give the same frame, cell for cell, whatever the answers hold.
"""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest
from analysis_frames import AGENCIES, cycle

from workbook import analysis
from workbook.analysis import cells
from workbook.schema.responses import Action, Answer, Status
from workbook.store import Store

CRITERIA = ("p-1", "p-2", "i-1", "d-1", "d-2")
RATINGS = (None, "red", "amber", "green")


def _answer(pick: random.Random) -> Answer:
    """Any answer a form could save: rated or not, not applicable, with or without actions."""
    if pick.random() < 0.15:
        return Answer(not_applicable=True, na_reason=pick.choice(("", "No powers here.")))
    actions = tuple(
        Action(
            text=f"Action {pick.randrange(100)} & <b>",
            owner=pick.choice(("", "Lead")),
            due=pick.choice((None, dt.date(2020, pick.randrange(1, 13), 1))),
        )
        for _ in range(pick.choice((0, 0, 1, 2)))
    )
    return Answer(
        rating=pick.choice(RATINGS),
        evidence=pick.choice(("", "Audit of 20 cases.", "Ünïcode — evidence")),
        going_well=pick.choice(("", "Training is recorded.")),
        development=pick.choice(("", "Recording is patchy.")),
        actions=actions,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_load_is_the_frame_of_the_validated_returns(scoped_store: Store, seed: int) -> None:
    pick = random.Random(seed)
    for agency in ("sexual-health", "beta"):  # gamma does not start
        based_on = None
        for _ in range(3):  # a history: each save changes some criteria
            answers = {cid: _answer(pick) for cid in CRITERIA if pick.random() < 0.8}
            if agency == "sexual-health":  # and one that certainly does not apply
                answers["d-2"] = Answer(not_applicable=True, na_reason="No powers here.")
            notes = {"p-1": "For this partnership alone."} if pick.random() < 0.5 else None
            saved = scoped_store.save(
                "c1", agency, answers, author="Lead", based_on=based_on, notes=notes
            )
            based_on = saved.revision
    info = scoped_store.cycle("c1")
    framework = scoped_store.framework(info.framework_id, info.framework_version)
    agencies = {a.id: a for a in scoped_store.agencies("tp")}
    expected = analysis.responses_frame(
        info,
        framework,
        agencies,
        scoped_store.returns("c1"),
        scoped_store.statuses("c1"),
        scoped_store.notes.for_cycle("c1"),
    )
    found = analysis.load(scoped_store, ["c1"])
    pd.testing.assert_frame_equal(found, expected)
    assert found["actions"].map(len).sum() > 0  # the JSON was read, not only defaults
    assert (found["label"] == analysis.NOT_ASKED).any()
    assert found["not_applicable"].any()


def test_answers_outside_the_framework_or_the_invitation_are_left_out(
    make_framework,
) -> None:
    """A criterion a newer version dropped, and an agency no longer invited, get no cell."""
    framework = make_framework()
    part = cells.CycleCells(
        cycle=cycle(agencies=("alpha",)),
        framework=framework,
        statuses={"alpha": Status.DRAFT},
        heads={"alpha": (2, dt.datetime(2020, 2, 1, tzinfo=dt.UTC)), "beta": (1, None)},  # type: ignore[dict-item]
        answers={
            "alpha": {
                "p-1": (
                    2,
                    "green",
                    "",
                    "",
                    "",
                    '[{"text": "Train", "due": "2020-05-01"}]',
                    False,
                    "",
                ),
                "gone": (1, "red", "", "", "", "[]", False, ""),
            },
            "beta": {"p-1": (1, "red", "", "", "", "[]", False, "")},
        },
        notes={"alpha": {"gone": "A note on a dropped criterion"}},
        shared={},
    )
    frame = cells.frame(cells.columns([part], AGENCIES), analysis.COLUMNS)
    assert list(frame["agency_id"]) == ["alpha"] * len(framework.criteria)
    assert list(frame["criterion_id"]) == [c.id for c in framework.criteria]
    assert set(frame["note"]) == {""}
    rated = frame.set_index("criterion_id").loc["p-1"]
    assert (rated["label"], rated["revision"]) == ("Green", 2)
    assert rated["actions"] == (
        {"text": "Train", "owner": "", "due": dt.date(2020, 5, 1), "id": None},
    )


def test_no_cycles_make_an_empty_frame_of_the_same_columns() -> None:
    empty = cells.frame(cells.columns([], AGENCIES), analysis.COLUMNS)
    assert list(empty.columns) == analysis.COLUMNS
    assert empty.empty
    assert empty["in_scope"].dtype == bool
