"""Actions followed to done, in a real browser (issue #15).

One journey on the demo's CSE 2017/18 cycle, with the chair's and a member's personal
links:

1. the chair creates a partnership action in the dashboard's Actions tab and puts it in
   the partnership's top 5 (taking one of the demo's five off first);
2. an agency member records progress on one of their agency's actions in the form, then
   marks it done;
3. the tracker shows both, and so does the draft report, opened from disk offline;
4. a new cycle of the same framework brings the open partnership action forward as the
   same action, with its history, and leaves the done one behind.

Which agency and action the member follows is read from the demo's actions, so it holds
for any seed: the first agency with an unfinished action of its own in the cycle.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.support import data
from tests.support.browser import dashboard_ready, open_offline
from tests.support.servers import copy_store, issue_token, run_voila, run_workbook
from workbook import config
from workbook.schema.actions import ActionStatus, TopScope
from workbook.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 60_000
CYCLE = "cse-2017-18"
NEXT = "cse-2018-19"
PARTNERSHIP_ACTION = "Joint audit of return-home conversations across the partnership"
FIRST_NOTE = "Pathway mapped with the MASE analyst"
DONE_NOTE = "Audit reported to the MASE in March"


def _plan(url: str) -> dict[str, str]:
    """The member's agency and action, and one of the demo's top 5 to take off."""
    with Store.open(url) as store:
        actions = store.actions.find(CYCLE)
        ours = next(
            a
            for a in sorted(actions, key=lambda a: (a.agency_id or "", a.id))
            if a.agency_id and not a.status.finished
        )
        off = next(m for m in store.actions.marks(CYCLE) if m.scope is TopScope.PARTNERSHIP)
        name = store.agency(ours.agency_id or "").name
    return {"agency": ours.agency_id or "", "name": name, "action": ours.id, "off": off.action_id}


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory, demo_file: Path):
    tmp = tmp_path_factory.mktemp("actions-journey")
    url = copy_store(demo_file, tmp)
    plan = _plan(url)
    chair = issue_token(url, "MASE chair", "chair", partnership_id="demo")
    member = issue_token(url, "Agency lead", "member", CYCLE, [plan["agency"]])
    with run_voila(url, tmp / "voila.log", preheat=False) as base:
        yield {"url": url, "plan": plan, "chair": chair, "member": member, "base": base, "tmp": tmp}


def _tracker(page, j: dict, cycle: str = CYCLE) -> None:
    address = urlencode({"cycle": cycle, "token": j["chair"]})
    page.goto(f"{j['base']}/voila/render/dashboard.ipynb?{address}", timeout=TIMEOUT)
    dashboard_ready(page, TIMEOUT)
    page.get_by_role("tab", name="Actions").click()
    expect(page.get_by_role("heading", name="Actions", exact=True)).to_be_visible(timeout=TIMEOUT)


def _choose(page, label: str, starts: str) -> None:
    select = page.get_by_role("combobox", name=label, exact=True).last
    option = select.locator("option").filter(has_text=starts).first
    select.select_option(label=option.inner_text())


def _status(page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text).first).to_be_visible(timeout=TIMEOUT)


def test_the_chair_and_a_member_follow_actions_to_done_and_into_the_next_cycle(
    journey: dict, page, axe
) -> None:
    j, plan = journey, journey["plan"]

    # 1. the chair creates a partnership action and puts it in the top 5
    _tracker(page, j)
    page.get_by_role("textbox", name="What will be done").fill(PARTNERSHIP_ACTION)
    page.get_by_role("textbox", name="Owner (a role, not a name)").fill("MASE chair")
    page.get_by_role("button", name="Create the partnership action").click()
    _status(page, "Created the partnership action")
    with Store.open(j["url"]) as store:
        (made,) = [a for a in store.actions.find(CYCLE) if a.text == PARTNERSHIP_ACTION]
    assert made.agency_id is None
    _choose(page, "Action", plan["off"])
    _choose(page, "Mark", "Take off the partnership's top 5")
    page.get_by_role("button", name="Record the mark").click()
    _status(page, f"{plan['off']} is taken off the partnership's top 5.")
    _choose(page, "Action", made.id)
    _choose(page, "Mark", "Put in the partnership's top 5")
    page.get_by_role("button", name="Record the mark").click()
    _status(page, f"{made.id} is put in the partnership's top 5.")
    every = page.get_by_role("table", name=re.compile("^Every action, overdue first"))
    expect(every.get_by_role("row").filter(has_text=made.id)).to_contain_text("Confirmed")
    assert axe(page) == []

    # 2. a member records progress on one of their agency's actions, then marks it done
    address = urlencode({"cycle": CYCLE, "agency": plan["agency"], "token": j["member"]})
    page.goto(f"{j['base']}/voila/render/form.ipynb?{address}", timeout=TIMEOUT)
    page.locator(".wb-form").wait_for(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Your agency's actions")).to_be_visible(timeout=TIMEOUT)
    section = page.locator(".wb-tracked-actions")
    for status, note in (("In progress", FIRST_NOTE), ("Done", DONE_NOTE)):
        _choose(section, "Action", plan["action"])
        section.get_by_role("combobox", name="Status", exact=True).select_option(label=status)
        section.get_by_role("textbox", name="Progress note").fill(note)
        section.get_by_role("button", name="Record progress").click()
        _status(section, f"Recorded for {plan['action']}")
    expect(
        section.get_by_role("table").get_by_role("row").filter(has_text=plan["action"])
    ).to_contain_text("Done", timeout=TIMEOUT)
    assert axe(page) == []
    with Store.open(j["url"]) as store:
        history = store.actions.history(plan["action"])
    assert [(c.status, c.note, c.author) for c in history[-2:]] == [
        (ActionStatus.IN_PROGRESS, FIRST_NOTE, "Agency lead"),
        (ActionStatus.DONE, DONE_NOTE, "Agency lead"),
    ]

    # 3. the tracker shows both, and so does the draft report, offline
    _tracker(page, j)
    every = page.get_by_role("table", name=re.compile("^Every action, overdue first"))
    expect(every.get_by_role("row").filter(has_text=plan["action"])).to_contain_text("Done")
    expect(every.get_by_role("row").filter(has_text=made.id)).to_contain_text("Confirmed")
    done = page.get_by_role("table", name="Done this quarter")
    expect(done).to_contain_text(plan["action"])
    out = j["tmp"] / "draft.html"
    parameters = config.ROOT / "parameters" / "demo-cse-2017-18-draft.yaml"
    run_workbook("report", str(parameters), "--db", j["url"], "-o", str(out))
    report = page.context.new_page()
    attempted = open_offline(report, out)
    expect(report.get_by_text(PARTNERSHIP_ACTION).first).to_be_visible()
    assert attempted == [], f"the page tried to fetch: {attempted[:5]}"
    report.close()

    # 4. a new cycle brings the open partnership action forward, with its history
    demo = data.partnership_from(config.ROOT / "data" / "demo" / "partnership.yaml")
    demo["cycles"].append(
        {
            "id": NEXT,
            "title": "CSE self-assessment 2018/19",
            "framework": "cse-mase",
            "framework_version": "2017.2",
            "agencies": "all",
            "timetable": data.timetable(2019),
        }
    )
    partnership = data.write_yaml(j["tmp"] / "partnership.yaml", demo)
    run_workbook("load", str(partnership), "--db", j["url"])  # the new cycle takes them on
    again = run_workbook("actions", "carry", NEXT, "--db", j["url"])
    assert made.id not in again.stdout  # already brought forward: nothing twice
    with Store.open(j["url"]) as store:
        brought = {a.id: a for a in store.actions.find(NEXT)}
        assert made.id in brought
        assert plan["action"] not in brought  # done: last cycle's achievement, not carried
        assert brought[made.id].cycles == (CYCLE, NEXT)
        assert [c.number for c in store.actions.history(made.id)] == list(
            range(1, brought[made.id].revision + 1)
        )
    _tracker(page, j, NEXT)
    every = page.get_by_role("table", name=re.compile("^Every action, overdue first"))
    expect(every.get_by_role("row").filter(has_text=made.id)).to_contain_text(PARTNERSHIP_ACTION)
    expect(every).not_to_contain_text(plan["action"])
