"""The chair's highlights on the dashboard's Highlights tab (issue #16), without a browser.

On the form tests' small partnership (``tp``: cycle ``c1`` inviting alpha and beta, whose
framework calls development "Worries & gaps"), on SQLite and PostgreSQL: the chair ticks
statements into a point that keeps their agencies as sources, edits and orders points,
writes the key messages and saves a revision; a save over someone else's is refused in
words with every typed word kept; members never see the tab, and the store refuses them.
"""

from __future__ import annotations

import datetime as dt
import html

import pytest

from widgets.dashboard import DashboardModel, DashboardView
from widgets.dashboard.highlights import HighlightsTab
from widgets.dashboard.highlights_model import HighlightsModel
from workbook.access import Identity, Role
from workbook.errors import AccessDenied
from workbook.schema.highlights import Highlights
from workbook.schema.responses import Answer
from workbook.store import Store

TODAY = dt.date(2019, 7, 1)
TRAINING = "Training is recorded for every team."
HOSTILE = "Sessions reach <script>alert(1)</script> schools."
WORRY = "Screening is not yet used by night staff."


@pytest.fixture
def form_db_url(db_url: str) -> str:
    """These tests run on SQLite and on PostgreSQL."""
    return db_url


@pytest.fixture
def store(form_store: Store) -> Store:
    """``c1`` with alpha's and beta's returns: the same going-well words from both."""
    answers = {
        "alpha": {
            "p-1": Answer(rating="green", going_well=TRAINING),
            "i-1": Answer(rating="red", development=WORRY),
        },
        "beta": {
            "p-1": Answer(rating="amber", going_well=f"  {TRAINING} "),
            "p-2": Answer(rating="green", going_well=HOSTILE, development="Cover is thin."),
        },
    }
    for agency, given in answers.items():
        form_store.save("c1", agency, given, author=f"{agency} lead", based_on=None)
    return form_store


def acting(store: Store, role: Role, *agencies: str) -> Store:
    cycle = "c1" if role is Role.MEMBER else None
    who = Identity(f"link:{role}", f"A {role}", role, "tp", frozenset(agencies), cycle)
    return store.as_identity(who)


def opened(store: Store) -> tuple[DashboardView, HighlightsTab]:
    """The dashboard on c1 with its Highlights tab open."""
    model = DashboardModel(store, today=TODAY)
    model.cycle = "c1"
    view = DashboardView(model)
    view.tabs.selected_index = view.TABS.index("Highlights")
    tab = view.built[view.tabs.selected_index].__self__
    assert isinstance(tab, HighlightsTab)
    return view, tab


def tick(tab: HighlightsTab, *starts: str) -> None:
    for tick in tab.ticks.values():
        tick.value = tick.description.startswith(starts)


def test_the_chair_picks_statements_into_a_point_edits_it_and_saves(store: Store) -> None:
    chair = acting(store, Role.CHAIR)
    _, tab = opened(chair)
    h = tab.model
    assert [label for label, _ in tab.heading.options] == ["Prevent", "Identify"]
    assert [label for label, _ in tab.part.options] == ["What is going well", "Worries & gaps"]
    descriptions = [t.description for t in tab.ticks.values()]
    assert descriptions == [  # one statement for the same words, naming both agencies
        f"{TRAINING} (Alpha health & care trust, Beta police force)",
        f"{HOSTILE} (Beta police force)",
    ]
    tick(tab, TRAINING, "Sessions")
    tab.add_one.click()
    assert [t.value for t in tab.ticks.values()] == [False, False]
    (point,) = h.points("going_well")
    assert point.text == f"{TRAINING} {HOSTILE}"
    assert point.sources == ["alpha", "beta"]  # the union
    assert (
        "Sources: Alpha health &amp; care trust, Beta police force"
        in tab.points.children[0].children[1].value
    )
    # what anyone wrote is shown as text
    assert html.escape(HOSTILE) in tab.summary.value
    assert HOSTILE not in tab.summary.value
    assert not any(t.description_allow_html for t in tab.ticks.values())
    text = tab.points.children[0].children[0]
    assert text.description == "Point 1"
    text.value = "Training is recorded and sessions reach schools."
    tab.part.value = "development"
    assert [label for label, _ in tab.heading.options] == ["Prevent", "Identify"]
    tick(tab, "Cover")
    tab.add_each.click()
    tab.heading.value = "identify"
    tick(tab, WORRY)
    tab.add_each.click()
    tab.lists["key_messages"].value = "Training is in place\n\n  Screening lags at night  "
    tab.lists["to_agree"].value = "The partnership's top three"
    tab.save.click()
    assert not h.failed, h.message
    assert h.message.startswith("Saved as revision 1 by A chair at ")
    assert 'role="status"' in tab.feedback.value
    assert "You are editing revision 1, saved by A chair" in tab.intro.value
    assert "Saved revisions of the highlights" in tab.history.value
    saved = chair.highlights.latest("c1")
    assert saved is not None
    got = saved.highlights
    assert got.key_messages == ("Training is in place", "Screening lags at night")
    assert got.to_agree == ("The partnership's top three",)
    assert got.recommendations == got.to_note == ()
    prevent, identify = got.heading("prevent"), got.heading("identify")
    assert [(p.text, p.sources) for p in prevent.going_well] == [
        ("Training is recorded and sessions reach schools.", ("alpha", "beta"))
    ]
    assert [(p.text, p.sources) for p in prevent.development] == [("Cover is thin.", ("beta",))]
    assert [(p.text, p.sources) for p in identify.development] == [(WORRY, ("alpha",))]
    assert identify.going_well == ()


def test_points_are_ordered_merged_and_removed(store: Store) -> None:
    h = HighlightsModel(_dashboard(acting(store, Role.CHAIR)))
    h.sync()
    keys = [s.key for s in h.statements("going_well")]
    assert h.add("going_well", keys, together=False)
    assert h.message == "Added 2 points to Prevent, What is going well: edit the words as you wish."
    assert [p.sources for p in h.points("going_well")] == [["alpha", "beta"], ["beta"]]
    assert h.move("going_well", 1, -1)
    assert [p.text for p in h.points("going_well")] == [HOSTILE, TRAINING]
    assert not h.move("going_well", 0, -1)  # nowhere to go
    assert h.merge_up("going_well", 1)
    ((text, sources),) = [(p.text, p.sources) for p in h.points("going_well")]
    assert (text, sources) == (f"{HOSTILE} {TRAINING}", ["beta", "alpha"])
    assert h.remove("going_well", 0)
    assert h.points("going_well") == []
    assert not h.add("going_well", [])
    assert h.message == "Nothing added: tick one or more statements first."
    h.add("going_well", keys[:1])
    h.edit("going_well", 0, "   ")
    assert not h.save()
    assert h.message == (
        "Not saved: point 1 under Prevent, What is going well, has no words: "
        "write them or remove it."
    )
    h.edit("going_well", 0, "Nul\x00 here")
    assert not h.save()
    assert "Not saved: The highlights' prevent going_well 1" in h.message
    assert store.highlights.history("c1") == []


def test_the_statements_follow_the_dashboards_agency_filter(store: Store) -> None:
    d = _dashboard(acting(store, Role.CHAIR))
    h = HighlightsModel(d)
    d.agency = "alpha"
    assert [(s.text, s.sources) for s in h.statements("going_well")] == [(TRAINING, ("alpha",))]
    d.heading = "identify"
    assert h.heading == "identify"
    assert [s.text for s in h.statements("development")] == [WORRY]


def test_a_save_over_someone_elses_is_refused_in_words_and_keeps_the_typing(store: Store) -> None:
    chair = acting(store, Role.CHAIR)
    _, mine = opened(chair)
    _, theirs = opened(chair)
    tick(theirs, TRAINING)
    theirs.add_one.click()
    theirs.lists["key_messages"].value = "Theirs first"
    theirs.save.click()
    assert theirs.model.message.startswith("Saved as revision 1")
    tick(mine, "Sessions")
    mine.add_one.click()
    mine.points.children[0].children[0].value = "My own words about sessions"
    mine.lists["recommendations"].value = "Mine: one recommendation"
    mine.save.click()
    h = mine.model
    assert h.failed
    assert h.stale
    assert h.message.startswith(
        "Not saved: someone else saved these highlights first (revision 1, by A chair at "
    )
    assert "Your words are still here." in h.message
    assert 'role="alert"' in mine.feedback.value
    assert mine.stale_box.layout.display is None  # reload, or save mine over theirs
    assert mine.points.children[0].children[0].value == "My own words about sessions"
    assert mine.lists["recommendations"].value == "Mine: one recommendation"
    assert [r.number for r in chair.highlights.history("c1")] == [1]
    (keep_mine,) = (b for b in mine.stale_box.children if b.description.startswith("Save mine"))
    keep_mine.click()
    assert h.message.startswith("Saved as revision 2")
    assert mine.stale_box.layout.display == "none"
    latest = chair.highlights.latest("c1")
    assert latest is not None
    assert latest.highlights.recommendations == ("Mine: one recommendation",)
    assert latest.highlights.heading("prevent").going_well[0].text == (
        "My own words about sessions"
    )
    # the first tab now reloads the newest
    theirs.save.click()
    assert theirs.model.stale
    (reload,) = (b for b in theirs.stale_box.children if b.description.startswith("Reload"))
    reload.click()
    assert theirs.model.message == "Reloaded revision 2, saved by A chair."
    assert theirs.lists["recommendations"].value == "Mine: one recommendation"
    assert theirs.lists["key_messages"].value == ""
    assert theirs.points.children[0].children[0].value == "My own words about sessions"


def test_members_never_see_the_tab_and_the_store_refuses_them(store: Store) -> None:
    store.share("c1")  # members compare a cycle once it is shared
    member = acting(store, Role.MEMBER, "alpha")
    model = DashboardModel(member, today=TODAY)
    view = DashboardView(model)
    assert "Highlights" not in view.TABS
    assert view.tabs.titles == view.TABS
    h = HighlightsModel(model)
    h.sync()
    assert not h.may_edit
    assert h.history().empty
    assert not h.save()
    assert "Not saved:" in h.message
    with pytest.raises(AccessDenied):
        member.highlights.save("c1", Highlights(key_messages=("A member's",)), based_on=None)
    with pytest.raises(AccessDenied):
        member.highlights.latest("c1")
    analyst = DashboardView(DashboardModel(acting(store, Role.ANALYST), today=TODAY))
    assert "Highlights" not in analyst.TABS
    assert store.highlights.history("c1") == []


def test_switching_cycles_keeps_each_cycles_draft(store: Store) -> None:
    view, tab = opened(acting(store, Role.CHAIR))
    tab.lists["to_note"].value = "Completion in c1"
    view.model.cycle = "c2"
    assert tab.lists["to_note"].value == ""
    assert tab.ticks == {}
    assert "No return says anything here" in tab.statements_intro.value
    view.model.cycle = "c1"
    assert tab.lists["to_note"].value == "Completion in c1"


def _dashboard(store: Store) -> DashboardModel:
    model = DashboardModel(store, today=TODAY)
    model.cycle = "c1"
    return model


def test_the_demo_opens_on_the_chairs_saved_highlights(demo_copy: str) -> None:
    with Store.open(demo_copy) as demo:
        chair = demo.as_identity(
            Identity("link:chair", "MASE chair", Role.CHAIR, "demo", frozenset(), None)
        )
        model = DashboardModel(chair, today=TODAY)
        model.cycle = "cse-2017-18"
        view = DashboardView(model)
        view.tabs.selected_index = view.TABS.index("Highlights")
        tab = view.built[view.tabs.selected_index].__self__
        assert "You are editing revision 2, saved by MASE chair at 18 March 2018" in (
            tab.intro.value
        )
        assert tab.lists["key_messages"].value.count("\n") == 2
        assert len(tab.points.children) >= 2  # Prevent's going-well points
        assert "Sources: " in tab.points.children[0].children[1].value
        assert tab.history.value.count("<tr>") >= 3  # a header and two revisions
