"""Headless Debian Chromium through Playwright, and what the journeys ask of it (a plugin).

Never Playwright's own browser download: the flags and path are
:data:`tests.support.programs.CHROMIUM_ARGS`, shared with ``bench/``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.programs import CHROMIUM, CHROMIUM_ARGS
from tests.support.servers import unavailable

# Sends an execute_request and a kernel_info_request down a kernel's websocket and lists
# the message types that come back within 3 s.
_KERNEL_PROBE = """async ([url, code]) => {
    const ws = new WebSocket(url);
    const seen = [];
    await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
    ws.onmessage = (e) => seen.push(JSON.parse(e.data).header.msg_type);
    const header = (id, type) => ({msg_id: id, msg_type: type, username: "",
                                   session: "s", date: "", version: "5.3"});
    ws.send(JSON.stringify({channel: "shell", header: header("x", "execute_request"),
        parent_header: {}, metadata: {}, content: {code, silent: false,
        store_history: false, user_expressions: {}, allow_stdin: false}}));
    ws.send(JSON.stringify({channel: "shell", header: header("k", "kernel_info_request"),
        parent_header: {}, metadata: {}, content: {}}));
    await new Promise((ok) => setTimeout(ok, 3000));
    ws.close();
    return seen;
}"""


def dashboard_ready(page: Any, timeout: float) -> None:
    """Wait for the chair's dashboard: its first chart, which comes with the page's HTML,
    then its widgets, which come after it (issue #19). A check made between the two would
    find the controls not yet there, and a control that should be hidden would pass."""
    page.locator(".wb-chart svg").first.wait_for(state="visible", timeout=timeout)
    page.locator(".wb-dashboard").first.wait_for(state="visible", timeout=timeout)


def kernel_replies(page: Any, channels_url: str, code: str) -> list[str]:
    """Message types a kernel sends back when ``page`` asks it to run ``code``.

    Voila (and the hub's servers) may only let a page's browser talk to its widgets, so
    the journeys check that no ``execute_reply`` comes back.

    Parameters
    ----------
    page
        A Playwright page on the server's origin (its cookies sign the websocket in).
    channels_url
        ``ws://.../api/kernels/ID/channels``.
    code
        What the execute_request asks the kernel to run.
    """
    replies: list[str] = page.evaluate(_KERNEL_PROBE, [channels_url, code])
    return replies


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (never Playwright's own download)."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} not found; install the Debian package 'chromium'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


CONSOLE: list[str] = []
"""What this test's pages said as errors or warnings, with times (the ``page`` fixture's,
and those of any context given to :func:`listen`): a failing test's report ends with it
(:func:`pytest_runtest_makereport`), beside the servers' logs (a page whose widgets
never draw says why there, or nowhere)."""


def listen(context: Any, name: str = "") -> None:
    """Keep what ``context``'s pages say as errors or warnings in :data:`CONSOLE`, each
    line headed by ``name`` when a test has several pages."""
    head = f"{name} " if name else ""

    def said(message: Any) -> None:
        if message.type in ("error", "warning"):
            CONSOLE.append(f"{time.strftime('%H:%M:%S')} {head}{message.type}: {message.text}")

    context.on("console", said)
    context.on(
        "weberror",
        lambda error: CONSOLE.append(f"{time.strftime('%H:%M:%S')} {head}{error.error}"),
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    CONSOLE.clear()


@pytest.fixture
def page(chromium_browser: Any) -> Iterator[Any]:
    """A fresh browser context and page per test."""
    context = chromium_browser.new_context()
    listen(context)
    try:
        yield context.new_page()
    finally:
        context.close()


def page_text(page: Any) -> str:
    """The words ``page`` shows now, for a failure's message ("Error displaying widget:
    model not found" where a form should be, say)."""
    try:
        return str(page.evaluate("document.body.innerText")).strip()
    except Exception as exc:  # a closed or crashed page: say so rather than hide the failure
        return f"(the page cannot be read: {exc})"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failing browser test's report ends with what its pages said (:data:`CONSOLE`)."""
    report = yield
    if report.failed and call.when == "call" and CONSOLE:
        report.sections.append(("Browser console (errors, warnings)", "\n".join(CONSOLE)))
    return report


WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
"""WCAG 2.2 AA, as the standard asks: axe's defaults leave the 2.2 rules (target size) out."""

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": [*WCAG_TAGS, "best-practice"]},
    "resultTypes": ["violations"],
}
"""Every WCAG 2.2 AA rule, and axe's best practices, which its defaults ran already."""


@pytest.fixture
def axe() -> Callable[..., list[str]]:
    """Run axe-core (bundled by axe-playwright-python) on a page; returns serious/critical issues.

    Each violation is a readable line: rule id, impact, help text and the first targets,
    so a failing assert says what to fix.
    """
    from axe_playwright_python.sync_playwright import Axe

    engine = Axe()

    def run(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
        results = engine.run(page, options=AXE_OPTIONS)
        found = []
        for violation in results.response["violations"]:
            if violation["impact"] in impacts:
                targets = [", ".join(n["target"]) for n in violation["nodes"][:3]]
                found.append(
                    f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}"
                )
        return found

    return run


def open_offline(page: Any, path: Path) -> list[str]:
    """Open a file from disk with every other request refused; returns what was attempted.

    As a board member opens an emailed report on a train: nothing may be fetched.
    """
    attempted: list[str] = []
    own = path.as_uri()

    def route(r) -> None:
        if r.request.url == own:
            r.continue_()
        else:
            attempted.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("request", lambda req: None if req.url == own else attempted.append(req.url))
    page.goto(own, wait_until="load")
    page.wait_for_load_state("networkidle")
    return attempted
