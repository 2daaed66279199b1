"""One return for two partnerships, in a real browser (issue #17).

Partnerships ``tp`` (cycle ``c1``) and ``np`` (cycle ``n1``) both work with Beta police
force and run ``test-fw`` 1.0 at the same time, accepting shared returns:

1. the police member, by ``np``'s personal link, answers the one return (a note for
   ``np`` beside one answer) and submits it; the page says it is shared and is axe-clean;
2. each chair sees it in their own dashboard and moderates the same answer differently;
3. ``np``'s board paper (``workbook report``, opened offline) shows its own moderation and
   its note, escaped; ``tp``'s paper, from the same report context, shows ``tp``'s own and
   no note;
4. neither chair reaches the other's cycle by changing the address: the dashboard is
   refused in words, and the form opens no return through it.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.support import data
from tests.support.browser import dashboard_ready, open_offline
from tests.support.data import CHAIR_TP
from tests.support.servers import issue_token, run_voila, run_workbook
from workbook import reports
from workbook.schema import params
from workbook.schema.responses import Status
from workbook.store import Store, moderation, provision

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 60_000
NOTE = "In the neighbour borough the panel meets monthly <b>online</b>."
REFUSAL = ".wb-refusal"


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("shared-journey")
    url = f"sqlite:///{tmp}/shared.db"
    first = data.write_partnership(tmp / "tp", data.SHARED_PARTNERSHIP, data.framework())
    second = data.write_partnership(tmp / "np", data.NEIGHBOUR_PARTNERSHIP, data.framework())
    with Store.open(url) as store:
        provision.install(store, *first)
        provision.install(store, *second)
    links = {
        "police": issue_token(url, "Bea Officer", "member", "n1", ["beta"], partnership_id="np"),
        "tp": issue_token(url, "Tess Chair", "chair", partnership_id="tp"),
        "np": issue_token(url, "Nia Chair", "chair", partnership_id="np"),
    }
    with run_voila(url, tmp / "voila.log", preheat=False) as base:
        yield {"url": url, "base": base, "links": links, "tmp": tmp}


def _goto(page, j: dict, notebook: str, token: str, **query: str) -> None:
    address = urlencode({**query, "token": token})
    page.goto(f"{j['base']}/voila/render/{notebook}.ipynb?{address}", timeout=TIMEOUT)


def _moderate(page, j: dict, chair: str, cycle: str, rating: str, comment: str) -> None:
    _goto(page, j, "dashboard", j["links"][chair], cycle=cycle)
    dashboard_ready(page, TIMEOUT)
    page.get_by_role("tab", name="Moderation").click()
    expect(page.get_by_role("heading", name="Moderation")).to_be_visible(timeout=TIMEOUT)
    for label, starts in (("Agency", "Beta police force"), ("Criterion", "(p-1)")):
        select = page.get_by_role("combobox", name=label, exact=True).last
        option = select.locator("option").filter(has_text=starts).first
        select.select_option(label=option.inner_text())
    select = page.get_by_role("combobox", name="Moderated rating", exact=True).last
    select.select_option(label=rating)
    page.get_by_role("textbox", name="Challenge comment").fill(comment)
    page.get_by_role("button", name="Save moderation").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the moderation", timeout=TIMEOUT)


def _paper(j: dict, cycle: str) -> Path:
    """The board's offline HTML of ``cycle``, as ``workbook report`` writes it."""
    parameters = j["tmp"] / f"{cycle}.yaml"
    parameters.write_text(
        f"notebook: report.ipynb\ncycle: {cycle}\ncompare_with: ''\nstage: final\n"
        'as_of: "2020-05-01"\n',
        "utf-8",
    )
    out = j["tmp"] / f"{cycle}.html"
    run_workbook("report", str(parameters), "--db", j["url"], "-o", str(out))
    return out


def _refused(page) -> None:
    refusal = page.locator(REFUSAL)
    expect(refusal).to_be_visible(timeout=TIMEOUT)
    page.wait_for_load_state("load", timeout=TIMEOUT)
    expect(page.locator("#rendered_cells .wb-chart")).to_have_count(0)
    expect(page.locator("#rendered_cells select")).to_have_count(0)


def test_one_return_two_partnerships_each_with_its_own_moderation(journey: dict, page, axe) -> None:
    j = journey

    # 1. the police member answers the one return through np's link, with a note for np
    _goto(page, j, "form", j["links"]["police"], cycle="n1", agency="beta")
    page.locator(".wb-form").wait_for(timeout=TIMEOUT)
    shared = page.locator(".wb-shared")
    expect(shared).to_contain_text(
        "Beta police force answers this return once for Neighbour partnership and Test partnership"
    )
    for title in ("Prevent", "Identify"):
        page.get_by_role("button", name=re.compile(rf"^Show the \d+ {title} criteria$")).click()
    for criterion in ("p-1", "p-2", "i-1"):
        page.locator(f'[class~="wb-c-{criterion}"]').get_by_label("Amber").check()
    note = page.locator('[class~="wb-c-p-1"]').get_by_role(
        "textbox", name="Note for Neighbour partnership only"
    )
    note.fill(NOTE)
    assert axe(page) == []
    page.locator(".wb-bar").get_by_text(re.compile(r"saved at \d\d:\d\d")).wait_for(timeout=15_000)
    page.get_by_role("button", name="Submit the return").click()
    page.get_by_text(re.compile(r"Submitted at \d\d:\d\d")).wait_for(timeout=15_000)
    expect(note).to_be_disabled()
    with Store.open(j["url"]) as store:
        ours, theirs = store.latest("c1", "beta"), store.latest("n1", "beta")
        assert ours is not None
        assert theirs is not None
        assert ours.status == theirs.status == Status.SUBMITTED
        assert ours.answers == theirs.answers
        assert store.notes.latest("n1", "beta") == {"p-1": NOTE}
        assert store.notes.latest("c1", "beta") == {}

    # 2. each chair moderates the same answer in their own dashboard, differently
    _moderate(page, j, "tp", "c1", "Red", "Show us the audit.")
    _moderate(page, j, "np", "n1", "Green", "Agreed, and more.")
    with Store.open(j["url"]) as store:
        assert moderation.current(store, "c1")[("beta", "p-1")].rating == "red"
        assert moderation.current(store, "n1")[("beta", "p-1")].rating == "green"

    # 3. each paper shows its own moderation; only np's shows np's note (escaped). np's is
    # the board's offline HTML; tp's is read from the same context the notebook renders
    paper = page.context.new_page()
    attempted = open_offline(paper, _paper(j, "n1"))
    changed = paper.get_by_role("table", name=re.compile("Ratings the .* changed"))
    expect(changed.locator("tbody tr")).to_have_count(1)
    expect(changed).to_contain_text("Green")
    expect(paper.get_by_text("Show us the audit.")).to_have_count(0)
    expect(
        paper.get_by_role("table", name="Returns shared with other partnerships")
    ).to_be_visible()
    expect(paper.get_by_text(NOTE, exact=True)).to_have_count(1)
    assert attempted == [], f"the page tried to fetch: {attempted[:5]}"
    paper.close()
    with Store.open(j["url"]) as store:
        p = params.ReportParameters(cycle="c1", compare_with="", stage="final", as_of="2020-05-01")
        ours = reports.report_context(store.as_identity(CHAIR_TP), p)
    assert [(r["moderated_label"], r["comment"]) for r in ours["moderation"]["largest"]] == [
        ("Red", "Show us the audit.")
    ]
    assert ours["completion"]["notes"] == []

    # 4. neither chair reaches the other's cycle by changing the address
    for chair, other in (("tp", "n1"), ("np", "c1")):
        _goto(page, j, "dashboard", j["links"][chair], cycle=other)
        _refused(page)
        assert "Show us the audit." not in page.content()
        assert "Agreed, and more." not in page.content()
        _goto(page, j, "form", j["links"][chair], cycle=other, agency="beta")
        page.locator(".wb-form").wait_for(timeout=TIMEOUT)
        expect(
            page.get_by_role("status").filter(has_text=f"There is no cycle '{other}'")
        ).to_be_visible(timeout=TIMEOUT)
        expect(page.locator(".wb-heading-toggle")).to_have_count(0)  # no criteria drawn
        expect(
            page.get_by_role(
                "option", name="Neighbour cycle one" if other == "n1" else "Cycle one", exact=True
            )
        ).to_have_count(0)
