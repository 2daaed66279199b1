"""Evidence from an analyst's file to the board's page, in a real browser (issue #14).

One journey on the demo's CSE 2017/18 cycle, which already holds the MASE case audit:

1. the chair loads an analyst's CSV of indicators through the dashboard's Evidence tab;
2. an agency member sees the indicator under the linked criterion of their form;
3. the chair sees the contradiction it makes in the dashboard, and dismisses another
   (one of the audit's), giving a reason;
4. the board's HTML snapshot, opened from disk with no network, lists the kept
   contradiction and not the dismissed one.

Which agency and criteria the journey uses is read from the demo's ratings, so it holds
for any seed: an agency rated at the top of the scale on a criterion no audit finding
covers gets the indicator; another contradiction of the audit's, made for one agency
only, is the one dismissed.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.support.browser import dashboard_ready, open_offline
from tests.support.servers import copy_store, issue_token, run_voila, run_workbook
from workbook import analysis, config
from workbook.evidence import contradictions
from workbook.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 60_000
CYCLE = "cse-2017-18"
INDICATOR = "Return conversations held within 72 hours"


def _plan(url: str) -> dict[str, str]:
    """The agency and criterion the indicator will contradict, and the finding to dismiss."""
    with Store.open(url) as store:
        framework = store.cycle_framework(CYCLE)
        frame = analysis.load(store, [CYCLE])
        ratings = contradictions.ratings_from(frame)
        evidence = store.evidence.evidence(CYCLE)
        names = {a.id: a.name for a in store.agencies()}
    top = framework.scale.best_first()[0].key
    audited = {c for audit in evidence.audits for f in audit.findings for c in f.criteria}
    agency, criterion = next(
        (a, c) for (a, c), rating in sorted(ratings.items()) if rating == top and c not in audited
    )
    found = contradictions.find(framework, ratings, evidence)
    by_item = Counter(c.key.split("|", 2)[2] for c in found)
    dismiss = next(
        c for c in found if by_item[c.key.split("|", 2)[2]] == 1 and c.agency_id != agency
    )
    heading = framework.heading(framework.criterion(criterion).heading).title
    return {
        "agency": agency,
        "criterion": criterion,
        "heading": heading,
        "dismiss_agency": names[dismiss.agency_id],
        "dismiss_criterion": dismiss.criterion_id,
        "dismiss_evidence": dismiss.evidence.split(": ", 1)[1],
    }


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory, demo_file: Path):
    """The store, its plan, the analyst's CSV, personal links and a Voila server."""
    tmp = tmp_path_factory.mktemp("evidence-journey")
    url = copy_store(demo_file, tmp)
    plan = _plan(url)
    csv = tmp / "analyst-indicators.csv"
    csv.write_text(
        "indicator,name,definition,unit,better,period,criteria,agency,value,comparator,"
        "comparator_value,source\n"
        f"return-72h,{INDICATOR},Return conversations held within 72 hours of a child "
        f"coming back,%,higher,2017/18,{plan['criterion']},,41,England average,78,"
        "Missing episodes log (synthetic)\n",
        encoding="utf-8",
    )
    chair = issue_token(url, "MASE chair", "chair", partnership_id="demo")
    member = issue_token(url, "Agency lead", "member", CYCLE, [plan["agency"]])
    with run_voila(url, tmp / "voila.log", preheat=False) as base:
        yield {
            "url": url,
            "plan": plan,
            "csv": csv,
            "chair": chair,
            "member": member,
            "base": base,
            "tmp": tmp,
        }


def _dashboard(page, j: dict) -> None:
    address = urlencode({"cycle": CYCLE, "token": j["chair"]})
    page.goto(f"{j['base']}/voila/render/dashboard.ipynb?{address}", timeout=TIMEOUT)
    dashboard_ready(page, TIMEOUT)
    page.get_by_role("tab", name="Evidence").click()
    expect(page.get_by_role("heading", name="Evidence", exact=True)).to_be_visible(timeout=TIMEOUT)


def test_an_analysts_indicators_reach_the_form_the_dashboard_and_the_board(
    journey: dict, page, axe
) -> None:
    j, plan = journey, journey["plan"]

    # 1. the chair loads the analyst's CSV in the dashboard's Evidence tab
    _dashboard(page, j)
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=re.compile("Choose an evidence file")).click()
    chooser.value.set_files(str(j["csv"]))
    page.get_by_role("button", name="Load the file").click()
    expect(page.get_by_role("status").filter(has_text="1 added")).to_be_visible(timeout=TIMEOUT)
    with Store.open(j["url"]) as store:
        assert [i.name for i in store.evidence.evidence(CYCLE).indicators] == [INDICATOR]

    # 2. the agency's member sees it under the linked criterion of their form
    address = urlencode({"cycle": CYCLE, "agency": plan["agency"], "token": j["member"]})
    page.goto(f"{j['base']}/voila/render/form.ipynb?{address}", timeout=TIMEOUT)
    page.locator(".wb-form").wait_for(timeout=TIMEOUT)
    show = page.get_by_role("button", name=re.compile(rf"^Show the \d+ {plan['heading']} crit"))
    show.click()
    region = page.locator(f'[class~="wb-c-{plan["criterion"]}"]').get_by_role(
        "region", name=re.compile("^Data and audit findings on ")
    )
    expect(region).to_contain_text(INDICATOR, timeout=TIMEOUT)
    expect(region).to_contain_text("41% against 78% (England average)")
    assert axe(page) == []

    # 3. the chair sees the contradiction, and dismisses one of the audit's with a reason
    _dashboard(page, j)
    table = page.get_by_role("table", name="Contradictions: self-ratings the evidence does not")
    expect(table).to_contain_text(INDICATOR, timeout=TIMEOUT)
    pick = page.get_by_role("combobox", name="Contradiction to dismiss")
    prefix = f"{plan['dismiss_agency']}, {plan['dismiss_criterion']}: "
    option = pick.locator("option").filter(has_text=prefix).first
    pick.select_option(label=option.inner_text())
    page.get_by_role("textbox", name="Why it is dismissed (required)").fill(
        "The audit's sample held none of this agency's cases"
    )
    page.get_by_role("button", name="Dismiss the contradiction").click()
    expect(page.get_by_role("status").filter(has_text="Dismissed the contradiction")).to_be_visible(
        timeout=TIMEOUT
    )

    # 4. the board's snapshot, offline: the kept contradiction, not the dismissed one
    out = j["tmp"] / "board.html"
    parameters = config.ROOT / "parameters" / "demo-cse-2017-18-draft.yaml"
    run_workbook("report", str(parameters), "--db", j["url"], "-o", str(out))
    board = page.context.new_page()  # the dashboard's page says goodbye to its kernel
    attempted = open_offline(board, out)
    kept = board.get_by_role(
        "table", name="Self-ratings the evidence contradicts, not dismissed by the MASE chair"
    )  # the demo partnership's words for its chair (issue #16)
    expect(kept).to_contain_text(INDICATOR)
    expect(kept).not_to_contain_text(plan["dismiss_evidence"][:60])
    expect(board.get_by_text(re.compile("the MASE chair dismissed", re.I)).first).to_be_visible()
    assert attempted == [], f"the page tried to fetch: {attempted[:5]}"
