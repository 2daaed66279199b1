"""The demo's neighbour, Demo Riverside (issue #17): each of its cycles in the form and the
dashboard, as Voila builds them from a personal link, without a browser.

One per framework shipped in 2026.1. The form opens an agency's return with an answer
marked not applicable and shows what was saved, reason and all, criterion by criterion;
the chair's dashboard of the neighbour builds every tab of each cycle and compares none
of the borough's next door. Its data, a report and a spreadsheet: ``tests/core/``.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as ipw
import pytest

from tests.support.neighbour import CYCLES, NEIGHBOUR, marked_agency
from tests.support.servers import copy_store
from widgets.dashboard import DashboardView, open_dashboard
from widgets.form import FormView, open_form
from workbook.access import ANONYMOUS, Role
from workbook.store import Store

TODAY = dt.date(2026, 7, 1)
LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)


@pytest.fixture(scope="module")
def admin(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A copy of the demo store for this module, as the local administrator.

    The tests only open pages: the links they issue are rows no other test reads.
    """
    with Store.open(copy_store(demo_file, tmp_path_factory.mktemp("neighbour"))) as opened:
        yield opened


def values(widget: ipw.Widget) -> str:
    """Every text value under a widget, shown or not (what the page holds)."""
    own = getattr(widget, "value", "")
    parts = [own if isinstance(own, str) else ""]
    parts += [values(child) for child in getattr(widget, "children", ())]
    return "\n".join(p for p in parts if p)


@pytest.mark.parametrize("cycle_id", CYCLES)
def test_the_form_shows_a_return_of_each_cycle(admin: Store, cycle_id: str) -> None:
    agency = marked_agency(admin, cycle_id)
    _, token = admin.issue_link(
        f"{agency} lead", Role.MEMBER, cycle_id=cycle_id, agencies=[agency], expires_at=LATER
    )
    page = open_form(
        admin.as_identity(ANONYMOUS), {"token": token, "cycle": cycle_id, "agency": agency}
    )
    assert isinstance(page, FormView), getattr(page, "value", page)
    model = page.model
    saved = admin.latest(cycle_id, agency)
    assert saved is not None
    framework = admin.cycle_framework(cycle_id)
    asked = framework.criteria_for(admin.agency(agency).sector)
    assert model.framework == framework
    assert model.title == f"{admin.agency(agency).name}: {admin.cycle(cycle_id).title}"
    assert list(model.criteria) == [c.id for c in asked]
    assert model.not_asked == len(framework.criteria) - len(asked)
    assert {cid: a for cid, a in model.answers.items() if cid in saved.answers} == saved.answers
    assert model.overall == f"{len(saved.answers)} of {len(asked)} criteria answered"
    assert model.chair == admin.cycle(cycle_id).words.chair
    for heading in model.headings:
        heading.open = True  # each heading's criteria are drawn when first opened
    shown = values(page)
    assert all(html.escape(model.criteria[c.id].label) in shown for c in asked)
    reasons = [a.na_reason for a in saved.answers.values() if a.not_applicable]
    assert reasons
    assert all(reason in shown for reason in reasons)
    assert all(saved.answers[cid].evidence in shown for cid in saved.answers)


@pytest.fixture(scope="module")
def chair_token(admin: Store) -> str:
    """The neighbour's chair's link: the partnership, every cycle of it."""
    return admin.issue_link("MACE chair", Role.CHAIR, partnership_id=NEIGHBOUR, expires_at=LATER)[1]


@pytest.mark.parametrize("cycle_id", CYCLES)
def test_the_chairs_dashboard_builds_every_tab_of_each_cycle(
    admin: Store, chair_token: str, cycle_id: str
) -> None:
    page = open_dashboard(
        admin.as_identity(ANONYMOUS), {"token": chair_token, "cycle": cycle_id}, today=TODAY
    )
    assert isinstance(page, DashboardView), getattr(page, "value", page)
    model = page.model
    assert model.cycle == cycle_id
    # the chair compares the neighbour's cycles only, newest first, none of the borough's
    assert [c for _, c in model.cycle_options()] == list(reversed(CYCLES))
    invited = admin.cycle(cycle_id).agencies
    assert sorted(a for _, a in model.agency_options()[1:]) == sorted(invited)
    framework = admin.cycle_framework(cycle_id)
    assert [t for t, _ in model.heading_options()[1:]] == [h.title for h in framework.headings]
    assert page.TABS == (
        "Overview",
        "Drill-down",
        "Trend",
        "Moderation",
        "Actions",
        "Evidence",
        "Highlights",
    )
    for index, title in enumerate(page.TABS):
        page.tabs.selected_index = index
        assert index in page.built, title
        assert page.pages[index].children, title
        assert "rror" not in model.message, (title, model.message)
    shown = values(page)
    assert all(html.escape(admin.agency(a).name) in shown for a in invited)
    assert "Demo Borough" not in shown
    assert "Trading Standards" not in shown  # an agency of the borough's only
