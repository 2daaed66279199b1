"""The agency return form in a real browser (issue #3), served by Voila as in production.

Two journeys, one on the shipped CSE framework and one on a test framework with another
scale, then a check that closed pages' kernels are culled. One Voila server (voila.json,
so kernels are preheated) serves the module; its store is seeded by ``form_seed``. Pages
open with personal links (issue #7): the agency's member fills the form, and the chair
reopens it.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.support.servers import is_page_kernel, issue_token, kernel_connection, kernel_pid
from workbook import demo
from workbook.config import ROOT
from workbook.schema.responses import Status
from workbook.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 60_000
SAVED = re.compile(r"saved at \d\d:\d\d")


def goto_form(page, base: str, token: str, **query: str) -> None:
    """Open the form with a personal link's ``token`` (and ``cycle=``, ``agency=``)."""
    address = urlencode({**query, "token": token})
    page.goto(f"{base}/voila/render/form.ipynb?{address}", timeout=TIMEOUT)
    page.locator(".wb-form").wait_for(timeout=TIMEOUT)


@pytest.fixture(scope="module")
def form_links(form_store_url: str) -> dict[str, str]:
    """Tokens of the journeys' personal links, by whom they are for."""
    issue = issue_token
    return {
        "police": issue(form_store_url, "Police lead", "member", "cse-2017-18", ["police"]),
        # the whole partnership, not one cycle: copying forward reads last cycle's return
        "alpha": issue(
            form_store_url, "<b>Alpha lead</b>", "member", None, ["alpha"], partnership_id="gp"
        ),
        "chair": issue(form_store_url, "MASE chair", "chair", partnership_id="gp"),
        "reader": issue(form_store_url, "Reader", "member", "cse-2016-17", ["csc"]),
    }


def criterion(page, criterion_id: str):
    return page.locator(f'[class~="wb-c-{criterion_id}"]')


def show_heading(page, title: str) -> None:
    page.get_by_role("button", name=re.compile(rf"^Show the \d+ {title} criteria$")).click()


def bar(page):
    return page.locator(".wb-bar")


def wait_saved(page) -> None:
    bar(page).get_by_text(SAVED).wait_for(timeout=15_000)


def test_cse_return_autosaves_lists_what_is_missing_and_submits(
    form_server: str, form_store_url: str, form_links: dict[str, str], page, axe
) -> None:
    with Store.open(form_store_url) as store:  # the audit findings the criteria show (#14)
        demo.load_evidence(store, "cse-2017-18")
        framework = store.cycle_framework("cse-2017-18")
        asked = len(framework.criteria_for(store.agency("police").sector))  # issue #16
        not_asked = len(framework.criteria) - asked
    goto_form(page, form_server, form_links["police"], cycle="cse-2017-18", agency="police")
    expect(
        page.get_by_role("heading", name="Metropolitan Police Service: CSE self-assessment 2017/18")
    ).to_be_visible()
    for title in (
        "Prevent",
        "Identify",
        "Intervene and support",
        "Disrupt and prosecute",
        "Governance and strategy",
    ):
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(bar(page).get_by_text(f"{asked - 3} of {asked} criteria answered")).to_be_visible()
    expect(
        page.get_by_text(f"{not_asked} criteria of this framework are not asked")
    ).to_be_visible()
    assert axe(page) == []

    # fill two criteria; autosave writes them without a click on Save
    show_heading(page, "Prevent")
    typed = "<script>window.hacked = 1</script> Training records & audit, 2017"
    criterion(page, "prevent-1").get_by_label("Strong").check()
    criterion(page, "prevent-1").get_by_label(
        "Evidence (documents, data and audits, with references)"
    ).fill(typed)
    criterion(page, "prevent-2").get_by_label("Developing").check()
    expect(criterion(page, "prevent-1").get_by_text("Rated Strong")).to_be_visible()
    wait_saved(page)
    expect(bar(page).get_by_text(f"{asked - 1} of {asked} criteria answered")).to_be_visible()
    assert axe(page) == []  # with a heading's criteria open

    page.reload()
    page.locator(".wb-form").wait_for(timeout=TIMEOUT)
    show_heading(page, "Prevent")
    expect(criterion(page, "prevent-1").get_by_label("Strong")).to_be_checked()
    expect(criterion(page, "prevent-2").get_by_label("Developing")).to_be_checked()
    evidence = criterion(page, "prevent-1").get_by_label(
        "Evidence (documents, data and audits, with references)"
    )
    expect(evidence).to_have_value(typed)
    assert page.evaluate("window.hacked") is None

    # submitting an incomplete return lists what is missing, in words, as links
    page.get_by_role("button", name="Submit the return").click()
    missing = page.locator(".wb-missing")
    missing.wait_for(timeout=15_000)
    assert missing.get_by_role("link").all_inner_texts() == [
        "Identify 3: not rated",
        "Governance and strategy 2: action 1 has no owner",
    ]
    expect(page.get_by_text("Not submitted: 2 things to finish first")).to_be_visible()
    # the opened Identify heading shows the audit's findings under its criteria, read-only
    findings = page.get_by_role("region", name="Data and audit findings on Identify 4")
    expect(findings).to_contain_text("Return interviews were offered after most missing episodes")
    expect(findings).to_contain_text("(all agencies): Developing:")
    assert axe(page) == []

    # each link opens its heading and moves focus to the criterion
    page.locator("#wb-crit-governance-2").wait_for(state="attached")  # headings opened
    missing.get_by_role("link", name="Identify 3: not rated").click()
    assert page.evaluate("document.activeElement.id") == "wb-crit-identify-3"
    # the police say it does not apply (issue #16): ticked, it asks why, and a rating goes
    identify_3 = criterion(page, "identify-3")
    identify_3.get_by_label("Established").check()
    identify_3.get_by_label(re.compile(r"^Not applicable: ")).check()
    expect(identify_3.get_by_label("Established")).not_to_be_checked()
    reason = identify_3.get_by_label(re.compile(r"^Why it does not apply"))
    expect(reason).to_be_visible()
    missing.get_by_role("link", name="Governance and strategy 2: action 1 has no owner").click()
    assert page.evaluate("document.activeElement.id") == "wb-crit-governance-2"
    criterion(page, "governance-2").get_by_label("Action 1 owner").fill("Head of service")
    wait_saved(page)
    assert axe(page) == []  # the tick box and its reason box too

    # without a reason it does not submit, and says so in words
    page.get_by_role("button", name="Submit the return").click()
    expect(
        missing.get_by_role("link", name=re.compile(r"^Identify 3: .*no reason"))
    ).to_be_visible()
    reason.fill("No such cohort <b>here</b>")
    wait_saved(page)
    page.get_by_role("button", name="Submit the return").click()
    page.get_by_text(re.compile(r"Submitted at \d\d:\d\d")).wait_for(timeout=15_000)
    expect(criterion(page, "prevent-1").get_by_label("Strong")).to_be_disabled()
    expect(evidence).to_be_disabled()
    expect(page.get_by_role("button", name="Submit the return")).to_be_disabled()

    with Store.open(form_store_url) as store:
        latest = store.latest("cse-2017-18", "police")
        assert latest.status == Status.SUBMITTED
        assert latest.author == "Police lead"
        assert latest.answers["prevent-1"].evidence == typed  # stored as typed
        assert latest.answers["governance-2"].actions[0].owner == "Head of service"
        assert latest.answers["identify-3"].not_applicable
        assert latest.answers["identify-3"].rating is None
        assert latest.answers["identify-3"].na_reason == "No such cohort <b>here</b>"


def test_other_framework_copy_forward_submit_history_and_reopen(
    form_server: str, form_store_url: str, form_links: dict[str, str], chromium_browser, page, axe
) -> None:
    goto_form(page, form_server, form_links["alpha"])
    page.get_by_label("Cycle", exact=True).select_option(label="Grades 2020")
    page.get_by_label("Agency", exact=True).select_option(label="Alpha health trust")
    # the personal link names who saves: nothing to type, the name shown as text
    expect(page.get_by_label("Your name or role")).to_be_hidden()
    expect(
        page.get_by_text(re.compile(r"^Signed in by your personal link as <b>Alpha lead</b> "))
    ).to_be_visible()
    page.get_by_role("button", name="Open the return").click()
    page.get_by_role("heading", name="Alpha health trust: Grades 2020").wait_for(timeout=15_000)
    expect(page.get_by_role("heading", name="Rating scale: Grade")).to_be_visible()

    # last cycle's answers as a starting point, marked until edited
    page.get_by_role("button", name="Copy last cycle's answers").click()
    page.get_by_text("Copied 2 answers from Grades 2019").wait_for(timeout=15_000)
    toggle = page.get_by_role("button", name="Show the 2 Front door criteria")
    toggle.focus()
    page.keyboard.press("Enter")  # headings open from the keyboard too
    expect(page.get_by_role("button", name="Hide the Front door criteria")).to_be_focused()
    expect(
        criterion(page, "f-1").get_by_text("Carried forward from the last cycle")
    ).to_be_visible()
    expect(criterion(page, "f-1").get_by_label("Grade 1: Excellent")).to_be_checked()
    expect(criterion(page, "f-1").get_by_label("What shows it")).to_have_value(
        "Screening audit 2019"
    )
    expect(criterion(page, "f-2").get_by_label("What shows it")).to_have_count(0)  # rating only
    criterion(page, "f-1").get_by_label("Grade 2: Good").check()
    criterion(page, "f-1").get_by_text("Carried forward").wait_for(state="detached", timeout=15_000)
    expect(criterion(page, "f-2").get_by_text("Carried forward")).to_be_visible()
    wait_saved(page)
    assert axe(page) == []

    # the top grade needs evidence
    page.get_by_role("button", name="Submit the return").click()
    # by keyboard: follow the link, Tab from the criterion's title to its first grade
    page.locator("#wb-crit-l-1").wait_for(state="attached")
    page.locator(".wb-missing").get_by_role("link", name="Leadership 1: not rated").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#wb-crit-l-1")).to_be_focused()
    page.keyboard.press("Tab")
    expect(criterion(page, "l-1").get_by_label("Grade 1: Excellent")).to_be_focused()
    page.keyboard.press("Space")
    expect(criterion(page, "l-1").get_by_text("Rated Grade 1: Excellent")).to_be_visible()
    page.get_by_role("button", name="Submit the return").click()
    page.locator(".wb-missing").get_by_role(
        "link", name="Leadership 1: rated 'Grade 1: Excellent' but no evidence given"
    ).wait_for(timeout=15_000)
    criterion(page, "l-1").get_by_label("What shows it").fill("Monthly audits")
    page.get_by_role("button", name="Submit the return").click()
    page.get_by_text(re.compile(r"Submitted at \d\d:\d\d")).wait_for(timeout=15_000)
    expect(criterion(page, "l-1").get_by_label("What shows it")).to_be_disabled()

    # the history shows who did what, escaped; only the chair may reopen (issue #7)
    page.get_by_role("button", name="Show the revision history").click()
    history = page.locator("table.wb-history")
    history.wait_for(timeout=15_000)
    expect(history).to_contain_text("<b>Alpha lead</b>")
    expect(history.locator("b")).to_have_count(0)
    expect(history.locator("tbody tr").first.get_by_text("Submitted")).to_be_visible()
    expect(page.get_by_label("Reason for reopening (kept in the history)")).to_be_hidden()

    # the chair opens the return with their own link and reopens it with a reason
    context = chromium_browser.new_context()
    try:
        chair = context.new_page()
        goto_form(chair, form_server, form_links["chair"], cycle="g-2020", agency="alpha")
        reason = "<i>Evidence</i> for l-1 needs a date"
        chair.get_by_label("Reason for reopening (kept in the history)").fill(reason)
        chair.get_by_role("button", name="Reopen the return").click()
        chair.get_by_text(re.compile(r"Reopened at \d\d:\d\d")).wait_for(timeout=15_000)
        chair.get_by_role("button", name="Show the revision history").click()
        history = chair.locator("table.wb-history")
        expect(history).to_contain_text(f"Reason: {reason}", timeout=15_000)
        expect(history.locator("i")).to_have_count(0)
        assert axe(chair) == []
    finally:
        context.close()

    # the member's reloaded page can be edited again
    page.reload()
    page.locator(".wb-form").wait_for(timeout=TIMEOUT)
    page.get_by_label("Cycle", exact=True).select_option(label="Grades 2020")
    page.get_by_label("Agency", exact=True).select_option(label="Alpha health trust")
    page.get_by_role("button", name="Open the return").click()
    show_heading(page, "Leadership")
    expect(criterion(page, "l-1").get_by_label("What shows it")).to_be_enabled()

    with Store.open(form_store_url) as store:
        revisions = store.history("g-2020", "alpha")
    assert [r.status for r in revisions][-2:] == [Status.SUBMITTED, Status.REOPENED]
    assert revisions[-1].note == reason
    assert revisions[-1].author == "MASE chair"  # the link's name, not typed
    assert {r.author for r in revisions[:-1]} == {"<b>Alpha lead</b>"}


def _kernel_pids(db_url: str) -> set[int]:
    """Kernel processes started by the Voila server that serves ``db_url``."""
    marker = f"WORKBOOK_DB={db_url}".encode()
    found = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if not is_page_kernel((proc / "cmdline").read_bytes()):
                continue
            if marker in (proc / "environ").read_bytes().split(b"\0"):
                found.add(int(proc.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


def _wait_for_kernels(db_url: str, count: int, timeout: float = 60.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while True:
        pids = _kernel_pids(db_url)
        if len(pids) == count or time.monotonic() > deadline:
            return pids
        time.sleep(0.5)


# every preheated kernel voila.json keeps waiting (the form's and the dashboard's pools)
POOL = sum(
    pool["pool_size"]
    for name, pool in json.loads((ROOT / "voila.json").read_text(encoding="utf-8"))[
        "VoilaKernelManager"
    ]["kernel_pools_config"].items()
    if name != "default"
)


def test_kernels_of_closed_pages_are_culled_and_open_ones_kept(
    form_server: str, form_store_url: str, form_links: dict[str, str], chromium_browser
) -> None:
    closed, kept = chromium_browser.new_context(), chromium_browser.new_context()
    try:
        pages = [closed.new_page(), kept.new_page()]
        for page in pages:
            goto_form(page, form_server, form_links["reader"], cycle="cse-2016-17", agency="csc")
        assert len(_kernel_pids(form_store_url)) >= 2  # one per page
        closed.close()

        # the closed page's kernel goes; the pool and the open page's kernel stay
        assert len(_wait_for_kernels(form_store_url, POOL + 1)) == POOL + 1
        pages[1].get_by_role("button", name="Save now").click()  # its kernel still answers
        pages[1].get_by_text("Nothing to save yet").wait_for(timeout=15_000)
    finally:
        closed.close()
        kept.close()
    assert len(_wait_for_kernels(form_store_url, POOL)) == POOL


def test_leaving_a_page_shuts_its_kernel_down_at_once(
    form_server: str, form_links: dict[str, str], page
) -> None:
    """Voila's page sends a beacon as it is left. The server refused it (no ``_xsrf``
    cookie) and the page's kernel waited for the culler: 15 s here, 10 minutes in use."""
    from tests.support.servers import RUNNING

    goto_form(page, form_server, form_links["reader"], cycle="cse-2016-17", agency="csc")
    pid = kernel_pid(page)
    # its channels are Unix sockets (voila.json): a TCP port that another process took
    # between the server choosing it and the kernel binding it killed a kernel through
    # all five restarts, and its page never drew (CI, 5 December 2026)
    assert kernel_connection(pid)["transport"] == "ipc"
    left = time.monotonic()
    page.goto("about:blank")
    while Path(f"/proc/{pid}/cmdline").exists() and _cmdline(Path(f"/proc/{pid}")):
        # well before the culler could have come (15 s after the kernel's last message)
        assert time.monotonic() - left < 10, "the left page's kernel is still running"
        time.sleep(0.2)
    logs = "".join(path.read_text(errors="replace") for path in RUNNING)
    assert "403 POST /voila/api/shutdown" not in logs


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:  # gone, or not ours to read
        return b""
