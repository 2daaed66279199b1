"""Small tidy frames for the analysis and chart tests (imported by tests/core/test_*.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from workbook import analysis
from workbook.schema.framework import Framework
from workbook.schema.partnership import Agency, Timetable
from workbook.schema.responses import Answer, Status
from workbook.store import CycleInfo, ReturnState

DUE = dt.date(2020, 3, 2)
AGENCIES = {
    "alpha": Agency(id="alpha", name="Alpha health trust", sector="health"),
    "beta": Agency(id="beta", name="Beta police force", sector="police"),
    "gamma": Agency(id="gamma", name="Gamma schools", sector="education"),
}


def cycle(cycle_id: str = "c1", due: dt.date = DUE, agencies=("alpha", "beta", "gamma")):
    return CycleInfo(
        id=cycle_id,
        partnership_id="tp",
        title=f"Cycle {cycle_id}",
        framework_id="test-fw",
        framework_version="1.0",
        timetable=Timetable(
            criteria_agreed=due - dt.timedelta(days=60),
            returns_open=due - dt.timedelta(days=30),
            returns_due=due,
        ),
        agencies=tuple(agencies),
    )


Ratings = Mapping[str, Mapping[str, str | Answer]]


def build(
    framework: Framework,
    ratings: Ratings,
    statuses: Mapping[str, Status] | None = None,
    info: CycleInfo | None = None,
    agencies: Mapping[str, Agency] | None = None,
) -> pd.DataFrame:
    """A tidy frame: ``ratings[agency][criterion]`` is a rating key or a whole Answer."""
    info = info or cycle()
    states = {
        agency: ReturnState(
            cycle_id=info.id,
            agency_id=agency,
            revision=1,
            status=(statuses or {}).get(agency, Status.SUBMITTED),
            author="x",
            saved_at=dt.datetime(2020, 2, 20, tzinfo=dt.UTC),
            answers={
                cid: a if isinstance(a, Answer) else Answer(rating=a) for cid, a in rated.items()
            },
        )
        for agency, rated in ratings.items()
    }
    all_statuses = {a: Status.NOT_STARTED for a in info.agencies} | {
        a: s.status for a, s in states.items()
    }
    return analysis.responses_frame(info, framework, agencies or AGENCIES, states, all_statuses)
