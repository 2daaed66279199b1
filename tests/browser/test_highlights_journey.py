"""The chair's highlights, from the dashboard to the board paper, in a real browser (issue #16).

One journey on the demo's CSE 2017/18 cycle (whose chair has saved two revisions of
highlights already), with the chair's personal link:

1. the chair opens the dashboard's Highlights tab, ticks two of Prevent's going-well
   statements by keyboard into one point, edits its words, adds a key message and saves:
   the page says which revision it saved, and is axe-clean;
2. a reload shows the saved point, its sources and the key message;
3. the draft report, run from the store, shows the point with its sources' agency names;
4. an agency member's dashboard has no Highlights tab.

Which statements the chair ticks, and so which agencies the point names, is read from
the demo through the tab's own model, so it holds for any seed.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.support.browser import dashboard_ready, open_offline
from tests.support.servers import copy_store, issue_token, run_voila, run_workbook
from widgets.dashboard import DashboardModel
from widgets.dashboard.highlights_model import HighlightsModel
from workbook import config
from workbook.access import Identity, Role
from workbook.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 60_000
CYCLE = "cse-2017-18"
POINT = "Staff across most agencies know the pathway, and audits show plans reviewed on time."
MESSAGE = "The pathway is known; the next step is showing its impact."


def _plan(url: str) -> dict:
    """The two statements the chair ticks, the agencies they name, and the new point's number."""
    with Store.open(url) as store:
        chair = store.as_identity(
            Identity("link:plan", "MASE chair", Role.CHAIR, "demo", frozenset(), None)
        )
        dashboard = DashboardModel(chair, today=dt.date(2018, 7, 1))
        dashboard.cycle = CYCLE
        model = HighlightsModel(dashboard)
        first, second = model.statements("going_well")[:2]
        latest = chair.highlights.latest(CYCLE)
        assert latest is not None
        sources = sorted({*first.sources, *second.sources})
        names = [store.agency(a).name for a in sources]
        number = len(latest.highlights.heading("prevent").going_well) + 1
        agency = sorted(store.returns(CYCLE))[0]
    return {
        "ticked": [first.text, second.text],
        "sources": sources,
        "names": names,
        "number": number,
        "revision": latest.number + 1,
        "agency": agency,
    }


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory, demo_file: Path):
    tmp = tmp_path_factory.mktemp("highlights-journey")
    url = copy_store(demo_file, tmp)
    plan = _plan(url)
    with Store.open(url) as store:
        store.share(CYCLE)  # so a member's dashboard opens on it
    chair = issue_token(url, "MASE chair", "chair", partnership_id="demo")
    member = issue_token(url, "Agency lead", "member", CYCLE, [plan["agency"]])
    with run_voila(url, tmp / "voila.log", preheat=False) as base:
        yield {"url": url, "plan": plan, "chair": chair, "member": member, "base": base, "tmp": tmp}


def _dashboard(page, j: dict, token: str) -> None:
    address = urlencode({"cycle": CYCLE, "token": token})
    page.goto(f"{j['base']}/voila/render/dashboard.ipynb?{address}", timeout=TIMEOUT)
    dashboard_ready(page, TIMEOUT)


def _highlights(page, j: dict) -> None:
    _dashboard(page, j, j["chair"])
    page.get_by_role("tab", name="Highlights").click()
    expect(page.get_by_role("heading", name="Highlights", exact=True)).to_be_visible(
        timeout=TIMEOUT
    )


def test_the_chair_writes_highlights_and_the_draft_report_shows_them(
    journey: dict, page, axe
) -> None:
    j, plan = journey, journey["plan"]
    point = f"Point {plan['number']}"

    # 1. two statements into one point, by keyboard; edited; a key message; saved
    _highlights(page, j)
    tab = page.locator(".wb-highlights")
    expect(tab.get_by_role("combobox", name="Statements about")).to_have_value("What is going well")
    for text in plan["ticked"]:
        box = tab.get_by_role("checkbox", name=re.compile("^" + re.escape(text)))
        box.focus()
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    add = tab.get_by_role("button", name="Add the ticked statements as one point")
    add.focus()
    page.keyboard.press("Enter")
    expect(tab.get_by_role("status").filter(has_text="Added a point to Prevent")).to_be_visible(
        timeout=TIMEOUT
    )
    words = tab.get_by_role("textbox", name=point, exact=True)
    expect(words).to_have_value(" ".join(plan["ticked"]), timeout=TIMEOUT)
    words.fill(POINT)
    messages = tab.get_by_role("textbox", name="Key messages (one a line)")
    messages.fill(f"{messages.input_value()}\n{MESSAGE}")
    tab.get_by_role("button", name="Save the highlights").click()
    saved = f"Saved as revision {plan['revision']} by MASE chair at "
    expect(tab.get_by_role("status").filter(has_text=saved)).to_be_visible(timeout=TIMEOUT)
    assert axe(page) == []
    with Store.open(j["url"]) as store:
        latest = store.highlights.latest(CYCLE)
    assert latest is not None
    assert latest.number == plan["revision"]
    made = latest.highlights.heading("prevent").going_well[-1]
    assert (made.text, sorted(made.sources)) == (POINT, plan["sources"])
    assert latest.highlights.key_messages[-1] == MESSAGE

    # 2. a reload shows what was saved
    _highlights(page, j)
    tab = page.locator(".wb-highlights")
    expect(tab.get_by_text(f"You are editing revision {plan['revision']}")).to_be_visible(
        timeout=TIMEOUT
    )
    expect(tab.get_by_role("textbox", name=point, exact=True)).to_have_value(POINT)
    expect(tab.get_by_role("textbox", name="Key messages (one a line)")).to_have_value(
        re.compile(re.escape(MESSAGE) + "$")
    )
    expect(tab.locator(".wb-point").last).to_contain_text(plan["names"][0])

    # 3. the draft report shows the point and its sources
    out = j["tmp"] / "draft.html"
    parameters = config.ROOT / "parameters" / "demo-cse-2017-18-draft.yaml"
    run_workbook("report", str(parameters), "--db", j["url"], "-o", str(out))
    report = page.context.new_page()
    attempted = open_offline(report, out)
    item = report.locator("li").filter(has_text=POINT)
    expect(item).to_have_count(1)
    for name in plan["names"]:
        expect(item).to_contain_text(name)
    expect(report.get_by_text(MESSAGE)).to_be_visible()
    assert attempted == [], f"the page tried to fetch: {attempted[:5]}"
    report.close()

    # 4. a member's dashboard has no Highlights tab
    _dashboard(page, j, j["member"])
    expect(page.get_by_role("tab", name="Evidence")).to_be_visible()
    expect(page.get_by_role("tab", name="Highlights")).to_have_count(0)
