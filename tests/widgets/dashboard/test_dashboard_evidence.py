"""The evidence beside the ratings on the chair's dashboard (issue #14), headless.

Over the demo store, whose evidence contradicts self-ratings in both recent cycles: the
Evidence tab lists the contradictions, the chair dismisses one with a reason and restores
it, loads an evidence file (a bad one is refused, located, and saves nothing), and the
drill-down shows each agency's self-rating beside the evidence on a criterion.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from widgets.dashboard import DashboardModel, DashboardView, open_dashboard
from widgets.dashboard.evidence import EvidenceTab
from widgets.dashboard.evidence_model import EvidenceModel
from workbook.access import ANONYMOUS, Role
from workbook.store import Store

TODAY = dt.date(2018, 7, 1)
CYCLE = "cse-2017-18"
EVIDENCE_TAB = 5
LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
HEADER = (
    "indicator,name,definition,unit,better,period,criteria,agency,value,comparator,"
    "comparator_value,source\n"
)
GOOD = HEADER + (
    "screening,Strategy meetings within 3 days,,%,higher,2017/18,intervene-4,police,"
    "41,Target,90,Police CSE team (synthetic)\n"
)


@pytest.fixture
def store(demo_store: Store) -> Store:
    """The demo store (its own copy), as the local administrator."""
    return demo_store


@pytest.fixture
def view(store: Store) -> DashboardView:
    model = DashboardModel(store, today=TODAY, user="Board chair")
    model.cycle = CYCLE
    view = DashboardView(model)
    view.tabs.selected_index = EVIDENCE_TAB
    return view


def tab(view: DashboardView) -> EvidenceTab:
    """The Evidence tab's widgets (its redraw function is a bound method of them)."""
    draw = view.built[EVIDENCE_TAB]
    assert isinstance(draw.__self__, EvidenceTab)  # type: ignore[attr-defined]
    return draw.__self__  # type: ignore[attr-defined,no-any-return]


def choose_file(t: EvidenceTab, name: str, content: str) -> None:
    data = content.encode("utf-8")
    t.upload.value = (
        {
            "name": name,
            "type": "text/csv",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        },
    )


def page_for(store: Store, role: Role, **scope: object) -> DashboardView:
    _, token = store.issue_link(f"{role} reader", role, expires_at=LATER, **scope)  # type: ignore[arg-type]
    page = open_dashboard(store.as_identity(ANONYMOUS), {"token": token}, today=TODAY)
    assert isinstance(page, DashboardView), page.value
    page.model.cycle = CYCLE
    page.tabs.selected_index = EVIDENCE_TAB
    return page


# -- the model --------------------------------------------------------------------------


def test_contradictions_put_each_self_rating_beside_its_evidence(store: Store) -> None:
    model = DashboardModel(store, today=TODAY)
    for cycle in ("front-door-2018", CYCLE):
        model.cycle = cycle
        found = EvidenceModel(model).contradictions()
        assert len(found) > 0, cycle
        assert not found["dismissed"].any()
        levels = model.framework_def.contradictions.top_levels
        assert set(found["rating"]) <= {lv.label for lv in model.scale.best_first()[:levels]}
        assert all(found["evidence"].str.len() > 0)
        assert all(found["reference"].str.len() > 0)
    model.agency = "oxleas"  # the dashboard's filters apply
    assert set(EvidenceModel(model).contradictions()["agency_id"]) <= {"oxleas"}


def test_a_dismissal_needs_a_reason_and_is_kept_with_it(store: Store) -> None:
    model = DashboardModel(store, today=TODAY, user="Board chair")
    model.cycle = CYCLE
    evidence = EvidenceModel(model)
    key = evidence.contradictions()["key"].iloc[0]

    assert not evidence.dismiss(key, "   ")
    assert evidence.failed
    assert evidence.message == (
        "Not dismissed: Say why the contradiction is dismissed; the reason is kept with it."
    )
    assert store.evidence.dismissals(CYCLE) == {}

    assert evidence.dismiss(key, "The audit predates the new plan template.")
    assert not evidence.failed
    assert "by Board chair" in evidence.message
    kept = store.evidence.dismissals(CYCLE)[key]
    assert (kept.dismissed, kept.reason, kept.author) == (
        True,
        "The audit predates the new plan template.",
        "Board chair",
    )
    row = evidence.contradictions().set_index("key").loc[key]
    assert row["dismissed"]
    assert row["reason"] == kept.reason
    assert row["dismissed_by"] == "Board chair"

    assert not evidence.dismiss(key, "again")  # already dismissed
    assert evidence.message == "Not dismissed: choose an open contradiction from the list."
    assert evidence.restore(key)
    assert not store.evidence.dismissals(CYCLE)[key].dismissed
    assert not evidence.contradictions().set_index("key").loc[key]["dismissed"]


# -- the tab ----------------------------------------------------------------------------


def test_the_chair_dismisses_and_restores_from_the_tab(store: Store, view: DashboardView) -> None:
    t = tab(view)
    assert "Contradictions: self-ratings the evidence does not bear out" in t.open_list.value
    assert t.dismiss_box.layout.display is None
    assert t.file_box.layout.display is None
    assert t.restore_box.layout.display == "none"  # nothing dismissed yet
    key = t.pick.value
    before = len(t.pick.options)

    t.dismiss.click()  # no reason: refused, announced at once, in words
    assert 'role="alert"' in t.feedback.value
    assert "Say why the contradiction is dismissed" in t.feedback.value
    assert store.evidence.dismissals(CYCLE) == {}

    hostile = "Audit <script>alert(1)</script> predates the plan"
    t.reason.value = hostile
    t.dismiss.click()
    assert store.evidence.dismissals(CYCLE)[key].reason == hostile
    assert 'role="status"' in t.feedback.value
    assert "Dismissed the contradiction" in t.feedback.value
    assert t.reason.value == ""
    assert len(t.pick.options) == before - 1
    assert key not in [k for _, k in t.pick.options]
    assert html.escape(hostile) in t.dismissed_list.value
    assert hostile not in t.dismissed_list.value
    assert t.restore_box.layout.display is None
    assert t.restore_pick.value == key

    t.restore.click()
    assert not store.evidence.dismissals(CYCLE)[key].dismissed
    assert key in [k for _, k in t.pick.options]
    assert "None dismissed." in t.dismissed_list.value

    t.export.button.click()
    assert re.search(r'download="contradictions-cse-2017-18\.csv"', t.export.links.value)


def test_a_bad_file_is_located_in_words_and_saves_nothing(
    store: Store, view: DashboardView
) -> None:
    t = tab(view)
    before = store.evidence.evidence(CYCLE)
    rows = "".join(
        f"i{n},Name,,%,sideways,2017/18,no-such-criterion,,lots,,,Source\n" for n in range(4)
    )
    choose_file(t, "bad.csv", HEADER + rows)
    assert "bad.csv chosen" in t.outcome.value

    t.check.click()
    shown = t.outcome.value
    assert 'role="alert"' in shown
    assert "problems in bad.csv; nothing would be loaded" in shown
    assert re.search(r"<li>bad\.csv:2: better: [^<]+</li>", shown)
    assert shown.count("<li>") == 5
    assert re.search(r"and \d+ more\.", shown)

    t.load.click()
    assert "nothing was saved" in t.outcome.value
    assert store.evidence.evidence(CYCLE) == before

    choose_file(t, "police.csv", GOOD)
    view.model.cycle = "front-door-2018"  # a file chosen for one cycle never loads into another
    assert t.outcome.value == ""
    t.load.click()
    assert "Choose an evidence file" in t.outcome.value
    assert "screening" not in {i.id for i in store.evidence.evidence("front-door-2018").indicators}


def test_a_good_file_is_checked_then_loaded_and_shown(store: Store, view: DashboardView) -> None:
    t = tab(view)
    choose_file(t, "police.csv", GOOD)
    t.check.click()
    assert "police.csv is ready to load: it holds 1 indicator and 0 case audits" in (
        t.outcome.value
    )
    assert "Strategy meetings" not in t.indicators.value  # checked only
    t.load.click()
    assert "Loaded police.csv into CSE self-assessment 2017/18: 1 added." in t.outcome.value
    assert 'role="status"' in t.outcome.value
    assert "screening" in {i.id for i in store.evidence.evidence(CYCLE).indicators}
    assert "Strategy meetings within 3 days" in t.indicators.value  # redrawn
    t.export_indicators.button.click()
    assert 'download="indicators-cse-2017-18.xlsx"' in t.export_indicators.links.value


def test_others_read_the_lists_without_the_controls(store: Store) -> None:
    analyst = page_for(store, Role.ANALYST, partnership_id="demo")
    t = tab(analyst)
    assert "Only the chair dismisses contradictions" in t.intro.value
    for box in (t.dismiss_box, t.restore_box, t.file_box):
        assert box.layout.display == "none"
    assert "Contradictions: self-ratings" in t.open_list.value

    store.share(CYCLE)
    member = page_for(store, Role.MEMBER, cycle_id=CYCLE, agencies=["oxleas"])
    t = tab(member)
    assert t.file_box.layout.display == "none"
    assert "shown to the chair and analysts only" in t.intro.value  # dismissals hidden
    assert not t.model.dismiss(t.pick.value or "x", "reason")
    assert t.model.message.startswith("Not dismissed:")


# -- the drill-down ---------------------------------------------------------------------


def test_the_drill_down_shows_each_self_rating_beside_the_evidence(
    store: Store, view: DashboardView
) -> None:
    model = view.model
    view.tabs.selected_index = 1
    beside = view.pages[1].children[6]
    assert "Choose a criterion" in beside.value
    first = EvidenceModel(model).contradictions().iloc[0]  # one the audit makes
    criterion, agency = first["criterion_id"], first["agency_id"]
    model.heading = store.cycle_framework(model.cycle).criterion(criterion).heading
    model.criterion = criterion
    table = beside.value
    assert f"Self-ratings beside the data and audit findings on {criterion}" in table
    assert '<th scope="row">Partnership</th>' in table
    state = store.latest(model.cycle, agency)
    assert state is not None
    rating = state.answers[criterion].rating
    label = store.cycle_framework(model.cycle).scale.level(rating).label  # type: ignore[arg-type]
    assert f"{store.agency(agency).name}</th><td>{label}</td>" in table
    assert "1 open" in table  # its contradiction

    found = EvidenceModel(model).beside(criterion)
    assert found["agency"].iloc[0] == "Partnership"
    assert len(found) == 1 + len(model.filtered(heading=False)["agency_id"].unique())
