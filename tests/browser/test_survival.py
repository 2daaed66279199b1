"""What survives a killed kernel, a closed page and a restarted server (issue #7).

"A kernel killed mid-edit, a browser closed, the server restarted: everything older
than the autosave interval is there on reopening." Three returns are edited side by
side through Voila in Chromium, one criterion per round with pauses longer than the
autosave interval between rounds. Then one page's kernel is SIGKILLed, another page is
closed, and the server under the third is stopped and started again, each straight
after a fresh edit. Every return is reopened and the edits that survived are counted:
each edit older than the autosave delay plus ``MARGIN`` must be there; how many of the
latest were lost is printed.

The second test runs ten browser sessions on one server, each on its own return, and
checks every save reached the store.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import re
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.support.browser import listen, page_text
from tests.support.servers import issue_token, kernel_pid, run_voila
from widgets.form.opening import ReturnModel
from workbook.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 90_000
AUTOSAVE_DELAY = inspect.signature(ReturnModel).parameters["autosave_delay"].default
MARGIN = 3.0  # the edit's trip to the kernel and the save itself, on a busy machine
PAUSE = AUTOSAVE_DELAY + MARGIN  # between rounds of edits
ROUNDS = 3
EDITED = ("prevent-1", "prevent-2", "prevent-3", "prevent-7")
"""The criteria edited in turn: asked of every sector (prevent-4 is not, issue #16)."""
EVIDENCE = "Evidence (documents, data and audits, with references)"
SURVIVAL_CYCLE = "cse-2016-17"  # no answers seeded in it
SESSIONS_CYCLE = "cse-2017-18"
# keeps voila.json (preheated form kernels, culling after 10 minutes) except that a used
# pool kernel is replaced after 1 s, as the journeys' server does
SERVER_ARGS = ("--VoilaKernelManager.fill_delay=1",)


def form_url(base: str, cycle: str, agency: str, token: str) -> str:
    """The address of one agency's return form (a personal link): the only place it is built."""
    query = urlencode({"cycle": cycle, "agency": agency, "token": token})
    return f"{base}/voila/render/form.ipynb?{query}"


def member_link(store_url: str, cycle: str, agency: str) -> str:
    """A token for the agency's return lead; saves are recorded as ``Lead of <agency>``."""
    return issue_token(store_url, f"Lead of {agency}", "member", cycle, [agency])


def open_returns(base: str, cycle: str, visits: list[tuple[Any, str, str]]) -> list[float]:
    """Ask for several returns at once (page, agency, token); wait for each form.

    Returns the seconds each form took to show, counted from the first request.
    """
    asked = time.monotonic()
    for page, agency, token in visits:
        page.goto(form_url(base, cycle, agency, token), wait_until="commit", timeout=TIMEOUT)
    shown = []
    for page, agency, _token in visits:
        try:
            page.locator(".wb-form").wait_for(timeout=2 * TIMEOUT)
        except PlaywrightTimeout as exc:
            raise AssertionError(
                f"{agency}'s form never showed; its page shows:\n{page_text(page)}"
            ) from exc
        shown.append(time.monotonic() - asked)
        page.get_by_role("button", name=re.compile(r"^Show the \d+ Prevent criteria$")).click()
    return shown


def evidence(page, criterion_id: str):
    return page.locator(f'[class~="wb-c-{criterion_id}"]').get_by_label(EVIDENCE)


@dataclass
class Edit:
    criterion: str
    text: str
    at: float  # time.monotonic() when the browser had typed it


@dataclass
class Scenario:
    name: str
    agency: str
    token: str
    page: object = None
    edits: list[Edit] | None = None
    struck_at: float = 0.0  # when the kernel was killed, the page closed, the server stopped

    def edit(self, number: int) -> None:
        criterion = EDITED[number - 1]
        text = f"{self.name}: edit {number} at {time.strftime('%H:%M:%S')}"
        evidence(self.page, criterion).fill(text)
        self.edits = [*(self.edits or []), Edit(criterion, text, time.monotonic())]

    def count(self, url: str) -> tuple[list[Edit], list[Edit], list[Edit]]:
        """(edits old enough that they must be there, of them missing, recent ones lost)."""
        with Store.open(url) as store:
            state = store.latest(SURVIVAL_CYCLE, self.agency)
        stored = {cid: a.evidence for cid, a in (state.answers if state else {}).items()}
        old = [e for e in self.edits if self.struck_at - e.at > PAUSE]
        missing = [e for e in old if stored.get(e.criterion) != e.text]
        recent = [e for e in self.edits if e not in old]
        lost = [e for e in recent if stored.get(e.criterion) != e.text]
        return old, missing, lost


def check_reopened(page, scenario: Scenario) -> None:
    """The reopened return shows every edit that had to survive."""
    for edit in scenario.edits:
        if scenario.struck_at - edit.at > PAUSE:
            expect(evidence(page, edit.criterion)).to_have_value(edit.text, timeout=15_000)


def test_edits_older_than_the_autosave_interval_survive_kill_close_and_restart(
    form_store_url: str,
    chromium_browser,
    tmp_path: Path,
) -> None:
    def scenario(name: str, agency: str) -> Scenario:
        token = member_link(form_store_url, SURVIVAL_CYCLE, agency)
        return Scenario(name, agency, token)

    kill = scenario("killed kernel", "csc")
    close = scenario("closed page", "ccg")
    restart = scenario("restarted server", "schools")
    scenarios = (kill, close, restart)
    contexts = [chromium_browser.new_context() for _ in scenarios]
    for scenario, context in zip(scenarios, contexts, strict=True):
        listen(context, scenario.name)
    server = contextlib.ExitStack()
    try:
        base = server.enter_context(
            run_voila(form_store_url, tmp_path / "voila-1.log", SERVER_ARGS)
        )
        for scenario, context in zip(scenarios, contexts, strict=True):
            scenario.page = context.new_page()
        open_returns(base, SURVIVAL_CYCLE, [(s.page, s.agency, s.token) for s in scenarios])

        for number in range(1, ROUNDS + 1):
            if number > 1:
                time.sleep(PAUSE)
            for scenario in scenarios:
                scenario.edit(number)
        # straight after the latest edit: kill one page's kernel (not a pooled one), close
        # another page (its kernel lives on, as Voila leaves it)
        os.kill(kernel_pid(kill.page), signal.SIGKILL)
        kill.struck_at = time.monotonic()
        contexts[1].close()
        close.struck_at = time.monotonic()

        time.sleep(PAUSE)  # the third page goes on; then a fresh edit and the server stops
        restart.edit(ROUNDS + 1)
        server.close()
        restart.struck_at = time.monotonic()
        base = server.enter_context(
            run_voila(form_store_url, tmp_path / "voila-2.log", SERVER_ARGS)
        )
        reopened = [chromium_browser.new_context() for _ in scenarios]
        for scenario, context in zip(scenarios, reopened, strict=True):
            listen(context, f"{scenario.name}, reopened")
        contexts += reopened
        pages = [context.new_page() for context in reopened]
        visits = [(page, s.agency, s.token) for page, s in zip(pages, scenarios, strict=True)]
        open_returns(base, SURVIVAL_CYCLE, visits)
        for page, scenario in zip(pages, scenarios, strict=True):
            check_reopened(page, scenario)
    finally:
        # the failure, if any, goes into run_voila, which has the server and its kernels
        # print their stacks into the log first (tests/support/servers.dump_stacks)
        server.__exit__(*sys.exc_info())
        for context in contexts:
            context.close()

    report = []
    for scenario in scenarios:
        old, missing, lost = scenario.count(form_store_url)
        assert old, f"{scenario.name}: no edit was old enough to check"
        assert missing == [], f"{scenario.name}: edits older than {PAUSE:.0f} s lost: {missing}"
        report.append(
            f"{scenario.name}: {len(scenario.edits)} edits, {len(old)} older than "
            f"{PAUSE:.0f} s all kept, {len(lost)} of the {len(scenario.edits) - len(old)} "
            "latest lost"
        )
    print("\n" + "\n".join(report))


def test_ten_sessions_on_one_server_all_save(
    form_store_url: str, chromium_browser, tmp_path: Path
) -> None:
    with Store.open(form_store_url) as store:
        agencies = [a for a in store.cycle(SESSIONS_CYCLE).agencies if a != "police"][:10]
    assert len(agencies) == 10
    tokens = [member_link(form_store_url, SESSIONS_CYCLE, a) for a in agencies]
    contexts = [chromium_browser.new_context() for _ in agencies]
    for agency, context in zip(agencies, contexts, strict=True):
        listen(context, agency)
    # voila.json's culling (10 minutes), not the journeys' 4 s: a page still loading
    # behind nine others has not connected to its kernel yet
    server = run_voila(form_store_url, tmp_path / "voila.log", SERVER_ARGS)
    try:
        base = server.__enter__()
        pages = [context.new_page() for context in contexts]
        shown = open_returns(base, SESSIONS_CYCLE, list(zip(pages, agencies, tokens, strict=True)))

        for page, agency in zip(pages, agencies, strict=True):  # autosaves, close together
            evidence(page, "prevent-1").fill(f"{agency}: first")
        for page in pages:
            page.locator(".wb-bar").get_by_text(re.compile(r"saved at \d\d:\d\d")).wait_for(
                timeout=30_000
            )
        for page, agency in zip(pages, agencies, strict=True):  # then "Save now" on all ten
            evidence(page, "prevent-1").fill(f"{agency}: second")
            page.get_by_role("button", name="Save now").click()
        for page in pages:
            expect(page.locator(".wb-message")).to_have_text(
                re.compile(r"^Saved at \d\d:\d\d\.$"), timeout=30_000
            )
    finally:
        for context in contexts:
            context.close()
        server.__exit__(*sys.exc_info())  # a failure reaches run_voila, as above
    print(
        f"\n10 sessions: forms shown {min(shown):.0f} s to {max(shown):.0f} s after all ten "
        "were asked for; each saved twice (autosave, then 'Save now' on all ten at once)"
    )

    with Store.open(form_store_url) as store:
        for agency in agencies:
            history = store.history(SESSIONS_CYCLE, agency)
            latest = store.latest(SESSIONS_CYCLE, agency)
            assert [r.number for r in history] == [1, 2], agency
            assert latest.answers["prevent-1"].evidence == f"{agency}: second"
            assert latest.author == f"Lead of {agency}"
