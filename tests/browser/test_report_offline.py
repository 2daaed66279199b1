"""The board snapshot in a real browser, with no network (issue #5).

``workbook report`` makes the draft report from demo data to which a return, a
challenge, a top-action mark and a board ask full of hostile text have been added. The
HTML file is then opened from disk in headless Chromium with every request other than
the file itself refused and recorded, as a board member would open an email attachment
on a train: nothing may be requested, the charts must be drawn, axe-core must find no
serious problem, the hostile text must show as text, and the page must fit A4.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import open_offline
from tests.support.servers import copy_store, run_workbook
from workbook.schema.actions import TopScope, TopState
from workbook.schema.responses import Action, Answer, Status
from workbook.store import Store, moderation

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CYCLE = "cse-2017-18"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
A4_WIDTH = 680
"""CSS pixels between the margins of A4 paper (210 mm - 2 x 15 mm, at 96 per inch)."""


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory, demo_file: Path) -> Path:
    """The draft report's HTML, made by ``workbook report`` from hostile demo data."""
    tmp = tmp_path_factory.mktemp("report-offline")
    url = copy_store(demo_file, tmp)
    with Store.open(url) as store:
        framework = store.cycle_framework(CYCLE)
        unsent = [a for a, s in store.statuses(CYCLE).items() if s != Status.SUBMITTED]
        agency = unsent[0]
        latest = store.latest(CYCLE, agency)
        criteria = [c.id for c in framework.criteria[:4]]
        answers = dict(latest.answers) if latest else {}
        for criterion in criteria:
            answers[criterion] = Answer(
                rating="developing",
                evidence=f"Evidence {SCRIPT}",
                going_well=f"Going well {SCRIPT}",
                development=f"Worry {IMG}",
                actions=(Action(text=f"Act {SCRIPT}", owner=IMG, due=dt.date(2018, 2, 1)),),
            )
        store.save(
            CYCLE,
            agency,
            answers,
            author=f"Lead {IMG}",
            based_on=latest.revision if latest else None,
        )
        moderation.record(
            store,
            CYCLE,
            agency,
            criteria[0],
            rating="not-in-place",
            comment=f"Challenge {IMG}",
            author="MASE chair",
        )
        # the demo's chair has marked all five (issue #15): one comes off for the hostile one
        (full, *_) = [m for m in store.actions.marks(CYCLE) if m.scope is TopScope.PARTNERSHIP]
        store.actions.mark(CYCLE, full.action_id, TopScope.PARTNERSHIP, TopState.REMOVED)
        moderation.mark_action(
            store, CYCLE, agency, criteria[0], f"Act {SCRIPT}", scope="partnership", author="Chair"
        )
    parameters = tmp / "hostile.yaml"
    parameters.write_text(
        "notebook: report.ipynb\n"
        f"cycle: {CYCLE}\n"
        "compare_with: cse-2016-17\n"
        "stage: draft\n"
        "board_asks:\n"
        f"  - 'Agree {SCRIPT}'\n"
        f"  - '{IMG}'\n",
        encoding="utf-8",
    )
    out = tmp / "board.html"
    run_workbook("report", str(parameters), "--db", url, "-o", str(out))
    return out


def test_the_snapshot_draws_its_charts_with_no_network(snapshot: Path, page, axe) -> None:
    attempted = open_offline(page, snapshot)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "CSE self-assessment 2017/18: draft report to the MASE"
    )
    charts = page.locator("figure.wb-figure svg[role=img]")
    # the partnership by heading (the spread), returns, heatmap, moderation gap, trend
    assert charts.count() == 5
    for index in range(charts.count()):
        chart = charts.nth(index)
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box
        assert box["width"] > 100
        assert box["height"] > 50
        assert len(chart.get_attribute("aria-label") or "") > 20
        assert chart.locator("text").count() > 3  # labels, drawn
    assert attempted == [], f"the page tried to fetch: {attempted[:5]}"
    assert page.locator("script, link, iframe, img").count() == 0
    # a screen reader can follow it: headings, table headers and captions
    assert page.locator("h2").count() >= 8
    expect(
        page.get_by_role("table", name="Median self-rating by agency and heading")
    ).to_be_visible()
    assert page.locator("th[scope=col]").count() > 50
    assert axe(page) == []


def test_hostile_text_shows_as_text(snapshot: Path, page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_offline(page, snapshot)
    for text in (
        f"Going well {SCRIPT}",
        f"Worry {IMG}",
        f"Act {SCRIPT}",
        f"Challenge {IMG}",
        f"Agree {SCRIPT}",
    ):
        expect(page.get_by_text(text, exact=False).first).to_be_visible()
    assert page.locator("script").count() == 0
    assert page.locator("img").count() == 0
    assert dialogs == []
    source = snapshot.read_text(encoding="utf-8")
    assert SCRIPT not in source
    assert IMG not in source
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source


def test_the_snapshot_prints_on_a4(snapshot: Path, page) -> None:
    open_offline(page, snapshot)
    page.set_viewport_size({"width": A4_WIDTH, "height": 960})
    page.emulate_media(media="print")
    overflow = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40))
            .slice(0, 5)"""
    )
    assert overflow == [], f"wider than A4 between the margins: {overflow}"
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 5
