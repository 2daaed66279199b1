"""The hub stack end to end (issue #9): JupyterHub, its proxy from npm, PostgreSQL, Chromium.

``deploy/hub.py`` (what ``make hub`` runs) starts JupyterHub with deploy/jupyterhub_config.py
and its local password authenticator over a store of this test's own on the session's
PostgreSQL server: a small partnership whose cycle invites Alpha and Beta, and three hub
users mapped by ``deploy/hub.py`` from a users file, as ``workbook users add`` would.
Then, each person in their own browser context, signed in through the hub's login page:

- Alpha's member fills in Alpha's return (autosaved: a draft) and later submits it;
- Beta's member sees neither Alpha's draft nor, once submitted, Alpha's answers (the chair
  has not shared the cycle), and starts Beta's own return;
- the chair sees both returns in the dashboard; the board report is made from the store;
- a removed hub user is refused; a user's server runs no code sent from the browser and
  writes no file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support import data
from tests.support.browser import dashboard_ready, kernel_replies
from tests.support.programs import create_database, drop_database, hub_stack
from workbook.schema.responses import Status
from workbook.store import Store, provision

# Three users' servers, a kernel per page, on two shared cores: more than the default 300 s
# in the worst case seen (about 2.5 minutes usually).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.timeout(600),
]

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 90_000
CYCLE = "hc-2020"
ALPHA_TEXT = "Alpha's multi-agency panel meets weekly"
BETA_TEXT = "Beta's screening team is fully staffed"

FRAMEWORK: dict[str, Any] = data.framework(
    id="hub-fw",
    title="Hub test framework",
    fields=["rating", "going_well"],
    headings=[
        {"id": "prevent", "title": "Prevent"},
        {"id": "protect", "title": "Protect"},
    ],
    criteria=[
        {"id": "prevent-1", "heading": "prevent", "prompt": "Do partners meet to plan?"},
        {"id": "protect-1", "heading": "protect", "prompt": "Are referrals screened in time?"},
    ],
)

PARTNERSHIP: dict[str, Any] = data.partnership(
    [
        {
            **data.cycle(CYCLE, "Hub cycle 2020", framework_id="hub-fw"),
            "timetable": data.timetable(2020, final_report=dt.date(2020, 4, 6)),
        }
    ],
    partnership_id="hp",
    name="Hub test partnership",
    agencies=data.AGENCIES[:2],
)

USERS = [
    {
        "username": "alpha",
        "name": "Alpha lead",
        "role": "member",
        "cycle": CYCLE,
        "agencies": ["alpha"],
    },
    {
        "username": "beta",
        "name": "Beta lead",
        "role": "member",
        "cycle": CYCLE,
        "agencies": ["beta"],
    },
    {"username": "chair", "name": "Panel chair", "role": "chair", "partnership": "hp"},
    # a sign-in the workbook's administrator never added: refused before a server starts
    {"username": "stranger", "workbook": False},
]


@pytest.fixture(scope="module")
def hub_store(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own on the session's PostgreSQL, holding the test partnership."""
    name = f"wbhub_{uuid.uuid4().hex[:12]}"
    url = create_database(pg_url, name)
    files = data.write_partnership(tmp_path_factory.mktemp("hub-store"), PARTNERSHIP, FRAMEWORK)
    with Store.open(url) as store:
        provision.install(store, *files)
    try:
        yield url
    finally:
        drop_database(pg_url, name)


@pytest.fixture(scope="module")
def hub(hub_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``deploy/hub.py`` running over ``hub_store``: its address and the users' passwords."""
    proxy = ROOT / "deploy" / "node_modules" / ".bin" / "configurable-http-proxy"
    if not proxy.exists():
        pytest.fail(f"{proxy} is missing: run `make test` (it runs `npm ci` in deploy/)")
    tmp = tmp_path_factory.mktemp("hub")
    users_file = data.write_yaml(tmp / "users.yaml", USERS)
    started = time.monotonic()
    with contextlib.ExitStack() as running:
        try:
            base, logins, log_path = running.enter_context(
                hub_stack(hub_store, tmp, users=users_file)
            )
        except RuntimeError as exc:
            pytest.fail(str(exc))
        print(f"hub ready in {time.monotonic() - started:.1f} s")
        yield {"base": base, "logins": logins, "log": log_path}


@pytest.fixture
def sign_in(chromium_browser, hub: dict[str, Any]):
    """Factory: a page in a browser context of its own, signed in through the hub's form."""
    contexts = []

    def open_as(username: str):
        context = chromium_browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{hub['base']}/hub/login", timeout=TIMEOUT)
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(hub["logins"][username])
        page.get_by_role("button", name="Sign in").click()
        # the hub starts the user's server and sends them to its default page: the landing
        page.wait_for_url(
            re.compile(rf"/user/{username}/voila/render/index\.ipynb"), timeout=TIMEOUT
        )
        page.get_by_role("heading", name="Safeguarding Self-Assessment Workbook").wait_for(
            timeout=TIMEOUT
        )
        return page

    yield open_as
    for context in contexts:
        context.close()


def _goto(page, hub: dict[str, Any], username: str, notebook: str, **query: str) -> None:
    address = "&".join(f"{k}={v}" for k, v in query.items())
    page.goto(f"{hub['base']}/user/{username}/voila/render/{notebook}?{address}", timeout=TIMEOUT)


def _open_form(page, hub: dict[str, Any], username: str, agency: str) -> None:
    _goto(page, hub, username, "form.ipynb", cycle=CYCLE, agency=agency)
    page.locator(".wb-form, .wb-refusal").first.wait_for(timeout=TIMEOUT)


def _criterion(page, criterion_id: str):
    return page.locator(f'[class~="wb-c-{criterion_id}"]')


def _fill(page, criterion_id: str, heading: str, rating: str, text: str) -> None:
    page.get_by_role("button", name=f"Show the 1 {heading} criteria").click()
    _criterion(page, criterion_id).get_by_label(rating, exact=True).check()
    _criterion(page, criterion_id).get_by_label("What is going well").fill(text)


def _saved(page) -> None:
    page.locator(".wb-bar").get_by_text(re.compile(r"saved at \d\d:\d\d")).wait_for(timeout=30_000)


def test_members_and_chair_through_the_hub(
    hub: dict[str, Any], hub_store: str, sign_in, tmp_path: Path
) -> None:
    alpha = sign_in("alpha")
    expect(alpha.get_by_text("Signed in through JupyterHub as Alpha lead")).to_be_visible()
    _open_form(alpha, hub, "alpha", "alpha")
    expect(alpha.get_by_role("heading", name="Alpha health trust: Hub cycle 2020")).to_be_visible()
    _fill(alpha, "prevent-1", "Prevent", "Green", ALPHA_TEXT)
    _saved(alpha)  # autosaved: Alpha's return is now a draft

    # Beta's member: not Alpha's draft, nor any of its answers
    beta = sign_in("beta")
    _open_form(beta, hub, "beta", "alpha")
    expect(
        beta.get_by_text("does not allow you to see Alpha health trust's return")
    ).to_be_visible()
    expect(beta.get_by_text(ALPHA_TEXT)).to_have_count(0)
    _open_form(beta, hub, "beta", "beta")
    _fill(beta, "prevent-1", "Prevent", "Amber", BETA_TEXT)
    _saved(beta)

    # Alpha completes and submits
    _fill(alpha, "protect-1", "Protect", "Amber", "Screening within a day in most cases")
    _saved(alpha)
    alpha.get_by_role("button", name="Submit the return").click()
    alpha.get_by_text(re.compile(r"Submitted at \d\d:\d\d")).wait_for(timeout=30_000)

    # submitted, but the chair has not shared the cycle: Beta still sees nothing of it
    _open_form(beta, hub, "beta", "alpha")
    expect(
        beta.get_by_text("does not allow you to see Alpha health trust's return")
    ).to_be_visible()
    expect(beta.get_by_text(ALPHA_TEXT)).to_have_count(0)

    # the chair sees both returns in the dashboard, drafts included
    chair = sign_in("chair")
    _goto(chair, hub, "chair", "dashboard.ipynb", cycle=CYCLE)
    dashboard_ready(chair, TIMEOUT)
    chair.get_by_role("tab", name="Drill-down").click()
    chair.locator(".widget-dropdown").filter(has_text="Heading").last.locator(
        "select"
    ).select_option(label="Prevent")
    select = chair.locator(".widget-select").filter(has_text="Criterion").locator("select")
    select.wait_for(timeout=TIMEOUT)
    select.select_option(index=1)
    table = chair.get_by_role("table", name=re.compile("Every agency's answer to prevent-1"))
    expect(table).to_be_visible(timeout=TIMEOUT)
    expect(table).to_contain_text(ALPHA_TEXT)
    expect(table).to_contain_text(BETA_TEXT)

    # what the store recorded: who saved, through the hub
    with Store.open(hub_store) as store:
        alpha_return = store.latest(CYCLE, "alpha")
        assert alpha_return is not None
        assert alpha_return.status == Status.SUBMITTED
        assert {r.saved_by for r in store.history(CYCLE, "alpha")} == {"hub:alpha"}
        assert store.latest(CYCLE, "beta").author == "Beta lead"

    # the board report, from the shared store
    params = data.write_yaml(
        tmp_path / "board.yaml",
        {
            "notebook": "report.ipynb",
            "cycle": CYCLE,
            "compare_with": "",
            "stage": "final",
            "include_unsubmitted": False,
            "board_asks": ["Agree the partnership's actions."],
        },
    )
    board = tmp_path / "board.html"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "VOILA_"))}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "workbook"), "report", str(params), "-o", str(board)],
        cwd=ROOT,
        env={**env, "WORKBOOK_DB": hub_store},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    html = board.read_text(encoding="utf-8")
    assert "Hub cycle 2020" in html
    assert ALPHA_TEXT.replace("'", "&#39;") in html or ALPHA_TEXT in html
    assert BETA_TEXT not in html  # a draft is not in a report of submitted returns

    # a hub user the administrator removes is refused at the next page
    subprocess.run(
        [
            str(Path(sys.executable).parent / "workbook"),
            "users",
            "remove",
            "beta",
            "--db",
            hub_store,
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    _open_form(beta, hub, "beta", "beta")
    expect(beta.get_by_text("whose access to the workbook was withdrawn")).to_be_visible()
    expect(beta.get_by_text(BETA_TEXT)).to_have_count(0)


def test_a_users_server_shows_pages_and_runs_nothing_else(hub: dict[str, Any], sign_in) -> None:
    """No file written, no kernel started, no code run from the browser, no other's server."""
    page = sign_in("chair")
    base, me = hub["base"], f"{hub['base']}/user/chair"
    cookies = page.context.cookies()
    xsrf = next(c["value"] for c in cookies if c["name"] == "_xsrf" and "/user/" in c["path"])
    headers = {"X-XSRFToken": xsrf}
    written = page.request.put(
        f"{me}/api/contents/evil.ipynb",
        headers=headers,
        data=json.dumps({"type": "file", "format": "text", "content": "x"}),
    )
    assert written.status == 403
    assert not (ROOT / "notebooks" / "evil.ipynb").exists()
    assert page.request.post(f"{me}/api/kernels", headers=headers, data="{}").status == 403
    assert page.request.get(f"{me}/lab").status == 404
    assert page.request.get(f"{me}/api/terminals").status == 404
    other = page.request.get(f"{base}/user/alpha/voila/render/index.ipynb", max_redirects=0)
    assert other.status != 200  # to the hub, which sends the chair to their own server

    kernels = page.request.get(f"{me}/api/kernels").json()
    assert kernels, "the landing page's kernel"
    marker = Path(f"/tmp/workbook-hub-test-{uuid.uuid4().hex}")
    replies = kernel_replies(
        page,
        f"{me.replace('http', 'ws', 1)}/api/kernels/{kernels[0]['id']}/channels",
        f"open({str(marker)!r}, 'w').write('ran')",
    )
    assert "kernel_info_reply" in replies  # the kernel answers what pages need
    assert "execute_reply" not in replies
    assert "execute_input" not in replies
    assert not marker.exists()


def test_a_sign_in_the_workbook_does_not_know_starts_no_server(
    hub: dict[str, Any], chromium_browser
) -> None:
    """Issue #18: the hub asks the workbook's user list before it starts anyone's server."""
    context = chromium_browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{hub['base']}/hub/login", timeout=TIMEOUT)
        page.get_by_label("Username").fill("stranger")
        page.get_by_label("Password").fill(hub["logins"]["stranger"])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Invalid username or password")).to_be_visible(timeout=TIMEOUT)
        assert "/hub/login" in page.url
    finally:
        context.close()
    log = hub["log"].read_text(errors="replace")
    assert "workbook: refused stranger before any server started" in log
    assert "User stranger" not in log  # JupyterHub names a user whose server it starts
