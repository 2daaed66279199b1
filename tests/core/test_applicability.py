"""Not applicable and sector scopes in the analysis and charts (issue #16).

Small hand-made frames of the scoped ``test-fw`` (``d-1`` asked only of the police), and
the issue's done-when end to end: a sexual health return with "not applicable" answers
submits, medians and the heatmap leave them out, and the chair's list shows the reasons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import pytest
from analysis_frames import DUE, build, cycle

from tests.support import data
from tests.support.colours import contrast
from workbook import analysis
from workbook.access import Role
from workbook.charts import builders as charts
from workbook.charts import theme
from workbook.errors import AccessDenied, ResponseError
from workbook.schema.framework import Framework
from workbook.schema.responses import NOT_APPLICABLE, Answer, Status
from workbook.store import Store, moderation

LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
WHY = "We hold no powers to serve notices; the police do."


def na(reason: str = WHY) -> Answer:
    return Answer(not_applicable=True, na_reason=reason)


@pytest.fixture
def fw(make_framework: Callable[..., Framework]) -> Framework:
    return make_framework(**data.SCOPED)


@pytest.fixture
def frame(fw: Framework) -> pd.DataFrame:
    # alpha (health) is not asked d-1 yet rated it (an old file): it must not count
    return build(
        fw,
        {
            "alpha": {"p-1": "green", "p-2": "green", "i-1": "amber", "d-1": "green", "d-2": na()},
            "beta": {"p-1": "red", "p-2": "amber", "i-1": "amber", "d-1": "red", "d-2": "green"},
        },
    )


def test_the_frame_says_what_is_asked_and_what_does_not_apply(frame) -> None:
    assert list(frame.columns) == analysis.COLUMNS
    alpha = frame[frame["agency_id"] == "alpha"].set_index("criterion_id")
    assert not alpha.loc["d-1", "in_scope"]
    assert alpha.loc["d-1", "label"] == analysis.NOT_ASKED
    assert pd.isna(alpha.loc["d-1", "level"])  # its stray rating never counts
    assert alpha.loc["d-2", "not_applicable"]
    assert (alpha.loc["d-2", "label"], alpha.loc["d-2", "na_reason"]) == (NOT_APPLICABLE, WHY)
    assert alpha.loc["d-2", "criterion"] == "Intelligence for disruption"
    assert alpha.loc["p-1", "criterion"] == "Is training recorded?"  # no title: its question
    assert list(analysis.counted(frame[frame["agency_id"] == "alpha"])) == [
        True,
        True,
        True,
        False,
        False,
    ]
    gamma = frame[frame["agency_id"] == "gamma"].set_index("criterion_id")
    assert not gamma.loc["d-1", "in_scope"]  # not started, and still not asked


def test_completion_counts_only_what_counts(frame) -> None:
    table = analysis.completion(frame, today=DUE).set_index("agency_id")
    assert table.loc["alpha", ["answered", "criteria", "not_applicable"]].tolist() == [3, 3, 1]
    assert table.loc["beta", ["answered", "criteria", "not_applicable"]].tolist() == [5, 5, 0]
    assert table.loc["gamma", ["answered", "criteria"]].tolist() == [0, 4]


def test_medians_spread_and_disagreement_leave_them_out(fw, frame) -> None:
    heat = analysis.heatmap_table(frame, fw.scale).set_index(["agency_id", "heading_id"])
    cell = heat.loc[("alpha", "disrupt")]
    assert (cell["label"], cell["short"], cell["rated"], cell["criteria"]) == ("N/A", "N/A", 0, 0)
    assert cell["not_applicable"] == 1
    assert heat.loc[("beta", "disrupt"), "label"] == "Red"  # red, green: the lower middle
    assert heat.loc[("gamma", "disrupt"), "label"] == analysis.NOT_RATED  # d-2 still asked
    spread = analysis.spread(frame, fw.scale).set_index("heading_id")
    assert spread.loc["disrupt", ["Red", "Amber", "Green"]].tolist() == [1, 0, 1]
    assert spread.loc["disrupt", "agencies"] == 1
    divergence = analysis.divergence(frame, fw.scale).set_index("criterion_id")
    assert divergence.loc["d-1", "rated"] == 1
    assert divergence.loc["d-2", ["rated", "range_levels"]].tolist() == [1, 0]
    counts = analysis.rating_counts(frame, fw.scale)
    assert counts.loc[counts["agency_id"] == "alpha", "count"].sum() == 3


def test_trends_leave_them_out(fw, frame) -> None:
    before = build(fw, {"alpha": {"d-2": "red"}}, info=cycle("c0", DUE - dt.timedelta(days=365)))
    both = pd.concat([before, frame], ignore_index=True)
    alpha = analysis.trend(both[both["agency_id"] == "alpha"], "heading")
    assert list(alpha.loc[alpha["key"] == "disrupt", "cycle_id"]) == ["c0"]  # N/A: no point
    criteria = analysis.criterion_trend(both, "c1", "c0").set_index("criterion_id")
    assert criteria.loc["d-2", "mean_now"] == 1.0  # beta's green alone


def test_the_chairs_list_names_the_criterion_and_gives_the_reason(frame) -> None:
    table = analysis.not_applicable(frame)
    assert table[["agency", "criterion", "na_reason", "comment"]].to_dict("records") == [
        {
            "agency": "Alpha health trust",
            "criterion": "Intelligence for disruption",
            "na_reason": WHY,
            "comment": "",
        }
    ]
    challenged = pd.DataFrame(
        [{"agency_id": "alpha", "criterion_id": "d-2", "comment": "You share intelligence."}]
    )
    assert list(analysis.not_applicable(frame, challenged)["comment"]) == [
        "You share intelligence."
    ]
    assert analysis.not_applicable(frame[frame["agency_id"] == "beta"]).empty


def test_heatmap_shows_na_as_text_on_a_neutral_grey(fw, frame) -> None:
    spec = charts.heatmap(analysis.heatmap_table(frame, fw.scale), fw.scale).to_dict()
    rect, text = spec["layer"]
    fill = rect["encoding"]["color"]["scale"]
    assert fill["domain"][-1] == analysis.NA_CELL
    assert fill["range"][-1] == theme.NA_FILL
    assert theme.NA_FILL not in [lv.colour for lv in fw.scale.levels]
    assert text["encoding"]["color"]["scale"]["range"][-1] == theme.INK
    cells = next(iter(spec["datasets"].values()))
    assert {(c["agency_id"], c["heading_id"], c["short"]) for c in cells} >= {
        ("alpha", "disrupt", "N/A")
    }


def test_the_na_grey_passes_contrast() -> None:
    assert contrast(theme.INK, theme.NA_FILL) >= 4.5
    assert contrast(theme.NA_FILL, theme.NOT_RATED_FILL) > 1.3  # told apart from not rated


# -- the issue's done-when, end to end -----------------------------------------------------


def _rated(criteria: tuple[str, ...], rating: str = "amber") -> dict[str, Answer]:
    return {
        c: Answer(rating=rating, evidence="Audit 2020.", development="Recording.") for c in criteria
    }


def test_a_sexual_health_return_with_na_on_police_work_submits_and_is_left_out(
    scoped_store: Store,
) -> None:
    store = scoped_store
    store.save(
        "c1",
        "beta",
        _rated(("p-1", "p-2", "i-1", "d-1", "d-2"), "red"),
        author="B",
        based_on=None,
        status=Status.SUBMITTED,
    )
    answers = {**_rated(("p-1", "p-2", "i-1"), "green"), "d-2": na("")}
    with pytest.raises(ResponseError, match="no reason given"):
        store.save(
            "c1", "sexual-health", answers, author="SH", based_on=None, status=Status.SUBMITTED
        )
    # d-1 (police only) is not asked; d-2 does not apply, and says why
    answers["d-2"] = na()
    saved = store.save(
        "c1", "sexual-health", answers, author="SH", based_on=None, status=Status.SUBMITTED
    )
    assert saved.status == Status.SUBMITTED

    _link, token = store.issue_link(
        "Beta lead", Role.MEMBER, expires_at=LATER, cycle_id="c1", agencies=["beta"]
    )
    member = store.identify(token)
    with pytest.raises(AccessDenied):
        member.latest("c1", "sexual-health")  # its reasons too, until the chair shares
    assert "sexual-health" not in member.returns("c1")

    frame = analysis.load(store, ["c1"])
    framework = store.cycle_framework("c1")
    heat = analysis.heatmap_table(frame, framework.scale).set_index(["agency_id", "heading_id"])
    assert heat.loc[("sexual-health", "disrupt"), "label"] == analysis.NA_CELL
    assert heat.loc[("sexual-health", "prevent"), "label"] == "Green"
    spread = analysis.spread(frame, framework.scale).set_index("heading_id")
    assert spread.loc["disrupt", "median"] == "Red"  # beta's alone
    assert spread.loc["disrupt", "rated"] == 2

    moderation.record(
        store,
        "c1",
        "sexual-health",
        "d-2",
        rating=None,
        comment="Your clinics see young people at risk.",
        author="Chair",
    )
    mods = analysis.moderation_frame(moderation.current(store, "c1").values(), framework.scale)
    listed = analysis.not_applicable(frame, mods)
    assert listed[["agency", "criterion", "na_reason", "comment"]].values.tolist() == [
        [
            "Sexual health service",
            "Intelligence for disruption",
            WHY,
            "Your clinics see young people at risk.",
        ]
    ]
