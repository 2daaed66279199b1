"""Two tabs on one return (issue #7): the later save is merged, never written over the first.

Sam and Kim each open the Beta police force's Grades 2020 return with their own personal
link, in two tabs of one browser. Both change Front door 1's evidence and Leadership 1's
rating; only Sam grades Front door 1, only Kim Front door 2. Kim's autosave is refused,
Sam's grade comes into Kim's page, and the merge panel asks about the two fields both
changed. Kim decides by keyboard and saves; the stored return holds both people's work.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.support.servers import issue_token
from workbook.schema.responses import Answer
from workbook.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 60_000
SAVED = re.compile(r"saved at \d\d:\d\d")
CYCLE, AGENCY = "g-2020", "beta"


def form_url(base: str, token: str) -> str:
    """The form's address for one personal link: every page here opens through this."""
    return f"{base}/voila/render/form.ipynb?" + urlencode(
        {"cycle": CYCLE, "agency": AGENCY, "token": token}
    )


def open_tab(page, base: str, token: str):
    page.goto(form_url(base, token), timeout=TIMEOUT)
    page.locator(".wb-form").wait_for(timeout=TIMEOUT)
    for title in ("Front door", "Leadership"):
        page.get_by_role("button", name=re.compile(rf"^Show the \d+ {title} criteria$")).click()
    page.locator("#wb-crit-l-1").wait_for(state="attached", timeout=15_000)
    return page


def criterion(page, criterion_id: str):
    return page.locator(f'[class~="wb-c-{criterion_id}"]')


def test_two_tabs_merge_by_keyboard_and_keep_both_peoples_work(
    form_server: str, form_store_url: str, page, axe
) -> None:
    issue = issue_token
    sam_token = issue(form_store_url, "Sam", "member", CYCLE, [AGENCY])
    kim_token = issue(form_store_url, "Kim", "member", CYCLE, [AGENCY])
    sam = open_tab(page, form_server, sam_token)
    kim = open_tab(page.context.new_page(), form_server, kim_token)  # a second tab

    # Sam saves first
    sam.bring_to_front()
    criterion(sam, "f-1").get_by_label("Grade 2: Good").check()
    criterion(sam, "f-1").get_by_label("What shows it").fill("Sam: audit of 40 contacts")
    criterion(sam, "l-1").get_by_label("Grade 1: Excellent").check()
    sam.locator(".wb-bar").get_by_text(SAVED).wait_for(timeout=15_000)

    # Kim's tab still shows the return as it was when opened; Kim's autosave is refused
    kim.bring_to_front()
    criterion(kim, "f-1").get_by_label("What shows it").fill("Kim: weekly dip samples")
    criterion(kim, "f-2").get_by_label("Grade 3: Weak").check()
    criterion(kim, "l-1").get_by_label("Grade 4: Failing").check()
    panel = kim.locator(".wb-merge")
    expect(
        panel.get_by_role("heading", name="Someone else saved this return while you were working")
    ).to_be_visible(timeout=20_000)
    expect(kim.locator(".wb-bar")).to_contain_text(
        "Not saved: changed by someone else; choose what to keep"
    )
    expect(panel).to_contain_text("Sam saved this return at ")
    expect(panel).to_contain_text("Their changes are now on this page: Front door 1 (rating)")
    expect(panel).to_contain_text("2 of 2 still to decide.")
    evidence = panel.locator(".wb-merge-f-1-evidence")
    expect(
        evidence.get_by_role("columnheader", name=re.compile(r"^Theirs \(saved by Sam at"))
    ).to_be_visible()
    expect(evidence.get_by_role("cell", name="Kim: weekly dip samples")).to_be_visible()
    expect(evidence.get_by_role("cell", name="Sam: audit of 40 contacts")).to_be_visible()
    expect(criterion(kim, "f-1").get_by_label("Grade 2: Good")).to_be_checked()  # Sam's grade
    assert axe(kim) == []

    # decided by keyboard: focus starts on the first decision and moves on after each
    keep_evidence = panel.get_by_role("button", name="Keep mine (Front door 1, what shows it)")
    expect(keep_evidence).to_be_focused(timeout=10_000)
    kim.keyboard.press("Enter")
    expect(evidence).to_contain_text("Decision: keep yours.")
    expect(panel.get_by_role("button", name="Keep mine (Leadership 1, rating)")).to_be_focused()
    kim.keyboard.press("Tab")
    expect(panel.get_by_role("button", name="Use theirs (Leadership 1, rating)")).to_be_focused()
    kim.keyboard.press("Enter")
    expect(panel.locator(".wb-merge-l-1-rating")).to_contain_text("Decision: use theirs.")
    expect(criterion(kim, "l-1").get_by_label("Grade 1: Excellent")).to_be_checked()
    save = panel.get_by_role("button", name="Save the merged return")
    expect(save).to_be_focused()
    kim.keyboard.press("Enter")
    expect(kim.locator(".wb-bar")).to_contain_text(
        re.compile(r"Saved the merged return at \d\d:\d\d")
    )
    expect(panel.get_by_role("heading", name="Merged with someone else's changes")).to_be_visible()
    expect(panel.get_by_role("button", name="Close this note")).to_be_focused(timeout=10_000)

    with Store.open(form_store_url) as store:
        latest = store.latest(CYCLE, AGENCY)
        history = store.history(CYCLE, AGENCY)
    assert [r.author for r in history] == ["Sam", "Kim"]
    assert history[-1].based_on == history[0].number  # saved over nothing it had not seen
    assert latest.answers["f-1"].rating == "g2"  # Sam's
    assert latest.answers["f-1"].evidence == "Kim: weekly dip samples"  # Kim kept hers
    assert latest.answers["f-2"] == Answer(rating="g3")  # Kim's
    assert latest.answers["l-1"].rating == "g1"  # Kim used Sam's
