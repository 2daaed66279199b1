"""The chair's dashboard model and view, headless, over a demo store (issue #4)."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.kernels import first_render
from tests.support.servers import copy_store
from widgets import app, later
from widgets.base import page_query
from widgets.dashboard import DashboardModel, DashboardView, open_dashboard
from widgets.dashboard import model as dashboard_model
from widgets.dashboard.overview import DRAWING_GLANCE
from workbook.store import Store, moderation

TODAY = dt.date(2018, 7, 1)


@pytest.fixture(scope="module")
def demo_url(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    return copy_store(demo_file, tmp_path_factory.mktemp("dash"))


@pytest.fixture
def store(demo_url: str, tmp_path) -> Iterator[Store]:
    # a copy per test: moderation tests write
    import shutil

    source = demo_url.removeprefix("sqlite:///")
    target = tmp_path / "copy.db"
    shutil.copy(source, target)
    opened = Store.open(f"sqlite:///{target}")
    yield opened
    opened.close()


def test_the_model_opens_on_the_latest_cycle_and_filters(store: Store) -> None:
    model = DashboardModel(store, today=TODAY)
    cycles = store.cycles()  # in the order they run
    assert len(cycles) > 1
    assert model.cycle == cycles[-1].id
    model.cycle = "cse-2017-18"
    assert len(model.frame) == 11 * len(store.cycle_framework("cse-2017-18").criteria)
    assert model.completion()["overdue"].sum() == 3
    model.sector = "health"
    assert set(model.heatmap()["sector"]) == {"health"}
    model.heading = "prevent"
    assert set(model.heatmap()["heading_id"]) == {"prevent"}
    options = model.criterion_options()
    assert all(cid.startswith("prevent-") for _, cid in options)
    model.cycle = "cse-2016-17"  # a new cycle clears the filters
    assert (model.sector, model.heading) == ("", "")


def test_framework_filter_limits_the_cycles(store: Store) -> None:
    model = DashboardModel(store, today=TODAY)
    model.framework = "cse-mase"
    assert [cid for _, cid in model.cycle_options()] == ["cse-2017-18", "cse-2016-17"]
    assert model.cycle == "cse-2017-18"


def test_trend_compares_cycles_of_the_same_framework(store: Store) -> None:
    model = DashboardModel(store, today=TODAY)
    model.cycle = "cse-2017-18"
    trend = model.trend("heading")
    assert set(trend["cycle_id"]) == {"cse-2016-17", "cse-2017-18"}
    assert set(model.criterion_changes()["change"]) == {"kept"}


def test_moderating_records_the_user_and_updates_the_gap(store: Store) -> None:
    model = DashboardModel(store, today=TODAY, user="Board chair")
    model.cycle = "cse-2017-18"
    rated = model.frame[model.frame["level"] > 0].iloc[0]
    assert model.moderate(rated.agency_id, rated.criterion_id, "not-in-place", "Why?")
    assert "by Board chair" in model.message
    kept = moderation.history(store, "cse-2017-18", rated.agency_id, rated.criterion_id)
    assert kept[0].author == "Board chair"
    assert model.gap()["mean_gap"].iloc[0] > 0
    drill = model.drilldown()
    assert "Why?" in set(drill["comment"])
    assert not model.moderate(rated.agency_id, rated.criterion_id, None, "  ")
    assert model.message.startswith("Not saved:")


def test_the_view_builds_tabs_when_opened_and_escapes_text(store: Store) -> None:
    hostile = "<script>alert(1)</script>"
    model = DashboardModel(store, today=TODAY)
    model.cycle = "cse-2017-18"
    row = model.frame[model.frame["level"].notna()].iloc[0]
    model.moderate(row.agency_id, row.criterion_id, None, hostile)
    view = DashboardView(model)
    assert set(view.built) == {0}  # only the overview at first
    overview = view.completion.children[0].value + view.pages[0].children[0].value
    assert overview.count('class="wb-chart"') == 2
    assert "Table of the heatmap" in overview
    for index in range(1, 5):
        view.tabs.selected_index = index
    assert set(view.built) == {0, 1, 2, 3, 4}
    model.criterion = row.criterion_id
    drill = view.pages[1].children[4].value
    assert html.escape(hostile) in drill
    assert hostile not in drill
    export = view.pages[1].children[5]
    export.button.click()
    links = export.links.value
    assert re.search(r'download="drilldown-cse-2017-18\.csv" href="data:text/csv;base64,', links)
    assert ".xlsx" in links


def test_on_a_pages_first_render_the_overview_waits_for_the_front_end(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #19: the first chart is drawn on the kernel's loop and put in before the front
    end is sent the states; the heatmap below it once they have been sent, said meanwhile."""
    first_render(monkeypatch)
    model = DashboardModel(store, today=TODAY)
    model.cycle = "cse-2017-18"
    view = DashboardView(model)
    done, glance = view.completion.children[0], view.pages[0].children[0]
    drawing = f'<p role="status">{DRAWING_GLANCE}</p>'
    below = view.pages[0].children[1:]  # the heatmap's downloads, the sharing
    assert (done.value, glance.value) == ("", drawing)  # the page's HTML goes without them
    later.settle()
    assert "<h2>Completion</h2>" in done.value  # the first chart: in the first states
    assert glance.value == drawing
    assert [box.layout.display for box in below] == ["none", "none"]  # nothing to push down
    later._shown()  # ipywidgets has answered the front end: the heatmap follows
    assert "Table of the heatmap" in glance.value
    assert [box.layout.display for box in below] == [None, None]
    police = store.agency("police").name
    assert police in glance.value
    model.sector = "health"  # the page is open: a redraw is at once
    assert "Table of the heatmap" in glance.value
    assert police not in glance.value


def test_a_pages_first_render_sends_its_first_chart_with_the_html_and_reads_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #19: the link is read and the completion drawn before the HTML, with which it
    goes as a plain output (drawn as soon as Voila's front end starts, before any widget);
    the widgets are made after the HTML from the same model, reading nothing again. The
    first change replaces that drawing with the live one; moderations only when asked."""
    first_render(monkeypatch)
    reads = _count_reads(store, monkeypatch)
    displayed = _displays(monkeypatch)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    page = app.dashboard(store)
    assert not isinstance(page, DashboardView)
    assert page.children == ()
    (first,) = displayed
    assert first.startswith('<div class="wb-first-chart"><style>')  # the tables' style too
    assert "<h2>Completion</h2>" in first
    assert first.count('class="wb-chart"') == 1
    assert "Table of the returns" in first
    assert "Table of the heatmap" not in first  # not drawn yet
    latest = store.cycles()[-1].id
    assert reads == [("link",), ("answers", latest)]
    later.settle()
    (view,) = page.children  # filled before the front end is sent any state
    assert isinstance(view, DashboardView)
    assert view.model.cycle == latest
    assert reads == [("link",), ("answers", latest)]  # nothing read again for the widgets
    live, style = view.completion.children[0], view.children[0]
    assert (live.value, live.layout.display) == ("", "none")  # the first drawing stands
    assert "wb-first-chart" not in style.value
    view.model.cycle = "cse-2016-17"
    assert reads[2:] == [("answers", "cse-2016-17")]
    assert "2016" in live.value
    assert "<h2>Completion</h2>" in live.value
    assert live.layout.display is None
    assert ".wb-first-chart { display: none; }" in style.value  # the first drawing goes
    view.model.cycle = latest
    assert style.value.count("wb-first-chart") == 1
    view.model.drilldown()
    view.model.drilldown()
    assert reads[4:] == [("moderations", latest)]


@pytest.mark.parametrize("token", ["not-a-link", None])
def test_a_pooled_kernel_waits_for_its_request_once(
    store: Store, monkeypatch: pytest.MonkeyPatch, token: str | None
) -> None:
    """Voila sends a pooled kernel its request's query once: a second wait would hang the
    kernel. Refused (nothing drawn first) or not, the page reads it once."""
    import voila.utils

    first_render(monkeypatch)
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    waits: list[str] = []

    def wait_for_request() -> None:
        assert not waits, "the page waited for its request twice"
        waits.append("request")
        monkeypatch.setenv("QUERY_STRING", f"token={token}" if token else "")

    monkeypatch.setattr(voila.utils, "wait_for_request", wait_for_request)
    _displays(monkeypatch)
    page = app.dashboard(store)
    later.settle()
    (shown,) = page.children
    assert isinstance(shown, DashboardView) is (token is None)
    if token:
        assert "This page cannot open" in shown.value  # the link's refusal, not a failure
    assert waits == ["request"]


def test_in_demo_mode_the_first_chart_goes_under_the_demo_note(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #18: the demo-mode note is the first thing on every page, the dashboard's
    first chart included, and it is said once."""
    first_render(monkeypatch)
    displayed = _displays(monkeypatch)
    monkeypatch.setenv("WORKBOOK_DEMO", "1")
    monkeypatch.delenv("QUERY_STRING", raising=False)
    page = app.dashboard(store)
    later.settle()
    (first,) = displayed
    assert first.startswith(app.DEMO_NOTE + '<div class="wb-first-chart">')
    (view,) = page.children
    assert isinstance(view, DashboardView)  # not under a second note


def _count_reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """What the dashboard reads, in order: links, answers by cycle, moderations by cycle."""
    reads: list[tuple[str, ...]] = []
    loading, current = dashboard_model.analysis.load, dashboard_model.moderation.current
    visiting = store.for_visitor

    def for_visitor(token: str | None) -> Store:
        reads.append(("link",))
        return visiting(token)

    def load(store: Store, cycles: list[str]) -> object:
        reads.append(("answers", *cycles))
        return loading(store, cycles)

    def moderations(store: Store, cycle: str) -> object:
        reads.append(("moderations", cycle))
        return current(store, cycle)

    monkeypatch.setattr(dashboard_model.analysis, "load", load)
    monkeypatch.setattr(dashboard_model.moderation, "current", moderations)
    monkeypatch.setattr(store, "for_visitor", for_visitor)
    return reads


def _displays(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The HTML of each plain output the page displays (IPython's ``display``)."""
    shown: list[str] = []
    monkeypatch.setattr(
        "IPython.display.display", lambda *objects: shown.extend(o.data for o in objects)
    )
    return shown


def test_on_a_pages_first_render_a_refusal_or_a_failure_is_said_in_the_box(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue #19: read after the HTML, a refused link still shows only its reason; a page
    that fails to build says so in words (and the log has why) instead of staying empty."""
    first_render(monkeypatch)
    displayed = _displays(monkeypatch)
    monkeypatch.setenv("QUERY_STRING", "token=not-a-link")
    refused = app.dashboard(store)
    assert displayed == []  # no first chart before the refusal
    later.settle()
    (shown,) = refused.children
    assert not isinstance(shown, DashboardView)
    assert "This page cannot open" in shown.value
    assert 'role="alert"' in shown.value

    first_render(monkeypatch)

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("the cycles table is <missing>")

    monkeypatch.setattr(dashboard_model.DashboardModel, "__init__", broken)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    failed = app.dashboard(store)
    assert displayed == []
    assert "the dashboard's first chart could not be drawn" in caplog.text
    later.settle()
    (shown,) = failed.children
    assert "The dashboard could not be drawn" in shown.value
    assert "the cycles table is &lt;missing&gt;" in shown.value  # escaped, as typed text is
    assert "deferred page work failed" in caplog.text


def test_open_dashboard_takes_user_and_cycle_from_the_query(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUERY_STRING", "user=Independent%20chair&cycle=cse-2016-17")
    assert page_query() == {"user": "Independent chair", "cycle": "cse-2016-17"}
    view = open_dashboard(store, today=TODAY)
    assert (view.model.user, view.model.cycle) == ("Independent chair", "cse-2016-17")


def test_the_chairs_list_of_not_applicable_answers_and_a_challenge(store: Store) -> None:
    """Issue #16: every "not applicable" answer, named, with its reason; the chair challenges."""
    model = DashboardModel(store, today=TODAY, user="MASE chair")
    model.cycle = "cse-2017-18"
    listed = model.not_applicable()
    assert not listed.empty
    first = listed.iloc[0]
    assert first["na_reason"].strip()
    assert not first["criterion"].startswith(first["criterion_id"])  # its name, not its id
    view = DashboardView(model)
    view.tabs.selected_index = 3
    page = view.pages[3]
    challenge = next(
        w for w in page.children if getattr(w, "description", "").startswith("Challenge a")
    )
    texts = _html(page)
    assert "Answers marked not applicable" in texts
    assert html.escape(first["na_reason"]) in texts
    challenge.value = (first["agency_id"], first["criterion_id"])  # sets the pair above
    assert "Self-rating: <strong>Not applicable</strong>. Why it does not apply:" in _html(page)
    assert model.moderate(first["agency_id"], first["criterion_id"], None, "Please say more.")
    assert list(model.not_applicable()["comment"])[0] == "Please say more."


def test_a_past_cycle_is_shown_as_its_timetable_left_it(store: Store) -> None:
    """Years on, the demo's 2017/18 returns are overdue as at its board meeting (#16)."""
    model = DashboardModel(store, today=dt.date(2026, 12, 2))
    model.cycle = "cse-2017-18"
    board = store.cycle("cse-2017-18").timetable.board_meeting
    assert board is not None
    assert model.as_at == board
    late = model.completion()
    due = store.cycle("cse-2017-18").timetable.returns_due
    days = (board - due).days
    assert set(late.loc[late["overdue"], "state"].str.extract(r"overdue by (\d+) days")[0]) == {
        str(days)
    }
    view = DashboardView(model)
    shown = view.completion.children[0].value
    assert f"as at {board:%d %B %Y}, the end of this past cycle" in html.unescape(shown)
    # a cycle within a year of its board meeting still counts to today
    soon = DashboardModel(store, today=board + dt.timedelta(days=30))
    soon.cycle = "cse-2017-18"
    assert soon.as_at == board + dt.timedelta(days=30)


def _html(page) -> str:
    return " ".join(str(getattr(w, "value", "")) for w in page.children if hasattr(w, "value"))


def test_a_store_gone_after_the_first_chart_is_said_in_words(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first chart went with the HTML; if the store cannot be reached when the widgets
    are made just after, the page says so as any unreachable store is said."""
    from workbook.errors import StoreUnavailable

    first_render(monkeypatch)
    displayed = _displays(monkeypatch)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    page = app.dashboard(store)
    assert len(displayed) == 1

    def gone(self: object) -> None:
        raise StoreUnavailable("store_unreachable", url="db", reason="the server is <down>")

    monkeypatch.setattr(DashboardView, "render", gone)
    later.settle()
    (shown,) = page.children
    assert "The workbook cannot reach its store just now" in shown.value
    assert "the server is &lt;down&gt;" in shown.value


def test_a_cycle_that_resets_a_filter_draws_the_completion_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new cycle can take a filter with it (an agency it did not invite): both change,
    and the completion, which depends on both, is drawn once for them."""
    from widgets.dashboard import completion

    model = DashboardModel(store, today=TODAY)
    model.cycle = "cse-2017-18"
    view = DashboardView(model)
    model.agency = "police"
    drawn: list[tuple[str, str]] = []
    drawing = completion.completion_html
    monkeypatch.setattr(
        completion,
        "completion_html",
        lambda m: drawn.append((m.cycle, m.agency)) or drawing(m),
    )
    invited = model.agency_options
    monkeypatch.setattr(  # the next cycle did not invite the police
        model, "agency_options", lambda: [o for o in invited() if o[1] != "police"]
    )
    model.cycle = "cse-2016-17"
    assert model.agency == ""  # the filter went with the cycle
    assert drawn == [("cse-2016-17", "")]
    assert "2016/17" in view.completion.children[0].value
