"""A shared return on each partnership's dashboard (issue #17), headless.

``shared_store``: beta answers once for ``tp`` (``c1``) and ``np`` (``n1``). Each chair's
drill-down shows the same answer, says with whom it is shared, and shows only the notes
for the chair's own partnership.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.data import CHAIR_NP, CHAIR_TP, POLICE_NP
from widgets.dashboard import DashboardModel, DashboardView
from widgets.dashboard.columns import SHARED_DRILL
from workbook.schema.responses import Answer
from workbook.store import Store


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the store's own tests cover PostgreSQL."""
    return f"sqlite:///{tmp_path}/shared-dashboard.db"


def test_each_chair_sees_the_one_return_with_their_own_notes(
    shared_store: Store, make_answers: Callable[..., dict[str, Answer]]
) -> None:
    shared_store.as_identity(POLICE_NP).save(
        "n1",
        "beta",
        make_answers(rating="amber"),
        author="Bea",
        based_on=None,
        notes={"p-1": "Here the panel meets monthly."},
    )
    rows = {}
    for identity, cycle_id in ((CHAIR_TP, "c1"), (CHAIR_NP, "n1")):
        model = DashboardModel(shared_store.as_identity(identity), today=dt.date(2020, 4, 1))
        assert [c.id for c in model.cycles] == [cycle_id]  # the other's is out of reach
        model.criterion = "p-1"
        assert model.drill_columns().items() >= SHARED_DRILL.items()
        drill = model.drilldown().set_index("agency_id")
        rows[cycle_id] = drill.loc["beta"]
        DashboardView(model)  # builds with the extra columns
    assert rows["c1"]["label"] == rows["n1"]["label"] == "Amber"
    assert (rows["c1"]["shared_with"], rows["n1"]["shared_with"]) == (
        "Neighbour partnership",
        "Test partnership",
    )
    assert (rows["c1"]["note"], rows["n1"]["note"]) == ("", "Here the panel meets monthly.")


def test_a_cycle_with_no_shared_return_keeps_its_columns(store: Store) -> None:
    model = DashboardModel(store, today=dt.date(2020, 4, 1))
    assert not model.drill_columns().keys() & SHARED_DRILL.keys()
