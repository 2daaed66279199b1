"""The form, dashboard and landing page obey personal links (issue #7), without a browser.

The pages are built as Voila would build them: from an anonymous store (what
``Store.open()`` gives inside a Voila kernel) and the URL query.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import ipywidgets as ipw
import pytest

from widgets.dashboard import DashboardView, open_dashboard
from widgets.form import FormView, open_form
from workbook import overview
from workbook.access import ANONYMOUS, Role
from workbook.schema.responses import Status
from workbook.store import Store

CYCLE = "cse-2017-18"
TODAY = dt.date(2018, 7, 1)
LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)


@pytest.fixture
def admin(demo_store: Store) -> Store:
    """The demo store (its own copy), as the local administrator."""
    return demo_store


@pytest.fixture
def anonymous(admin: Store) -> Store:
    return admin.as_identity(ANONYMOUS)


def token(admin: Store, role: Role, name: str, **scope: object) -> str:
    return admin.issue_link(name, role, expires_at=LATER, **scope)[1]  # type: ignore[arg-type]


def member_token(admin: Store, agency: str) -> str:
    return token(admin, Role.MEMBER, f"{agency} lead", cycle_id=CYCLE, agencies=[agency])


def text_of(widget: ipw.Widget) -> str:
    """Every HTML value and description under a widget (what a reader would see)."""
    parts = [str(getattr(widget, "value", "") or ""), str(getattr(widget, "description", ""))]
    display = getattr(getattr(widget, "layout", None), "display", None)
    if display == "none":
        return ""
    for child in getattr(widget, "children", ()):
        parts.append(text_of(child))
    return "\n".join(p for p in parts if isinstance(p, str))


@pytest.mark.parametrize("query", [{}, {"token": ""}, {"token": "not-a-real-token-at-all-123"}])
def test_pages_refuse_a_missing_or_unknown_token(anonymous: Store, query: dict[str, str]) -> None:
    for page in (
        open_form(anonymous, {**query, "cycle": CYCLE, "agency": "police"}),
        open_dashboard(anonymous, query, today=TODAY),
    ):
        assert not isinstance(page, FormView | DashboardView)
        assert 'role="alert"' in page.value
        assert "This page cannot open" in page.value
        assert "personal link" in page.value or "not recognised" in page.value
    landing = overview.page(anonymous, query)
    assert 'role="alert"' in landing
    assert "partner agencies" not in landing


def test_a_member_link_opens_only_their_own_return(admin: Store) -> None:
    police = member_token(admin, "police")
    page = open_form(admin.as_identity(ANONYMOUS), {"token": police, "cycle": CYCLE})
    assert isinstance(page, FormView)
    model = page.model
    assert model.author_fixed
    assert model.author == "police lead"
    assert [a for _, a in model.agency_options] == ["police"]
    assert "Signed in by your personal link as <strong>police lead</strong>" in text_of(page)
    assert model.open(CYCLE, "police")
    assert not model.read_only

    other = open_form(
        admin.as_identity(ANONYMOUS), {"token": police, "cycle": CYCLE, "agency": "csc"}
    )
    assert isinstance(other, FormView)
    assert "does not allow you to see" in other.model.message
    assert other.model.framework is None
    assert other.model.answers == {}


def test_the_chair_reads_a_return_without_editing_and_reopens_it(admin: Store) -> None:
    submitted = next(a for a, s in admin.statuses(CYCLE).items() if s == Status.SUBMITTED)
    chair = token(admin, Role.CHAIR, "MASE chair", cycle_id=CYCLE)
    page = open_form(
        admin.as_identity(ANONYMOUS), {"token": chair, "cycle": CYCLE, "agency": submitted}
    )
    assert isinstance(page, FormView)
    model = page.model
    assert model.read_only
    assert not model.may_edit
    assert model.may_reopen
    assert page.reopen.layout.display is None  # the chair's reopen box is shown
    assert model.reopen("Ask for more evidence on prevent-1")
    assert model.status == Status.REOPENED
    assert model.read_only  # reopened for the agency, still not the chair's to edit
    assert admin.history(CYCLE, submitted)[-1].author == "MASE chair"

    member = open_form(
        admin.as_identity(ANONYMOUS),
        {"token": member_token(admin, "police"), "cycle": CYCLE, "agency": "police"},
    )
    assert isinstance(member, FormView)
    assert member.reopen.layout.display == "none"


def test_dashboard_moderation_is_the_chairs_and_members_wait_for_sharing(admin: Store) -> None:
    police = member_token(admin, "police")
    waiting = open_dashboard(admin.as_identity(ANONYMOUS), {"token": police}, today=TODAY)
    assert isinstance(waiting, ipw.HTML)
    assert "Nothing to compare yet" in waiting.value

    chair_token = token(admin, Role.CHAIR, "MASE chair", cycle_id=CYCLE)
    chair = open_dashboard(admin.as_identity(ANONYMOUS), {"token": chair_token}, today=TODAY)
    assert isinstance(chair, DashboardView)
    assert chair.model.user == "MASE chair"
    assert chair.model.may_moderate
    chair.tabs.selected_index = 3
    assert "Save moderation" in text_of(chair.pages[3])
    assert chair.model.share()

    shared = open_dashboard(admin.as_identity(ANONYMOUS), {"token": police}, today=TODAY)
    assert isinstance(shared, DashboardView)
    assert not shared.model.may_moderate
    shared.tabs.selected_index = 3
    assert "Save moderation" not in text_of(shared.pages[3])
    assert "Only the chair records moderations" in text_of(shared.pages[3])
    frame = shared.model.frame
    # a member comparing a shared cycle sees submitted returns only
    statuses = admin.statuses(CYCLE)
    seen = set(frame["agency_id"].dropna()) if "agency_id" in frame else set()
    assert seen
    assert all(statuses[a] == Status.SUBMITTED or a == "police" for a in seen)


def test_the_landing_page_lists_what_the_link_reaches(admin: Store) -> None:
    police = member_token(admin, "police")
    html = overview.page(admin.as_identity(ANONYMOUS), {"token": police})
    assert f"form.ipynb?cycle={CYCLE}&amp;agency=police&amp;token={police}" in html
    assert "agency=csc" not in html
    assert "dashboard.ipynb?cycle=" not in html  # nothing shared yet
    assert "Store:" not in html  # the store's address is for administrators
    chair = token(admin, Role.CHAIR, "MASE chair", cycle_id=CYCLE)
    html = overview.page(admin.as_identity(ANONYMOUS), {"token": chair})
    assert "agency=csc" in html
    assert f"dashboard.ipynb?cycle={CYCLE}" in html
    assert "front-door-2018" not in html  # the link is for one cycle


def test_pages_say_in_words_when_the_store_cannot_be_reached(demo_file: Path, tmp_path) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    shutil.copy(demo_file, folder / "copy.db")
    store = Store.open(f"sqlite:///{folder / 'copy.db'}")
    police = member_token(store, "police")
    shutil.rmtree(folder)  # the disk holding the store went away
    try:
        for page in (
            open_form(store, {"token": police, "cycle": CYCLE, "agency": "police"}),
            open_dashboard(store, {"token": police}, today=TODAY),
        ):
            assert isinstance(page, ipw.HTML)
            assert "The workbook cannot reach its store just now" in page.value
            assert 'role="alert"' in page.value
            assert "Traceback" not in page.value
    finally:
        store.close()
