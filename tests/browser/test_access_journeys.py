"""Who may open what, in a real browser (issue #7 "Trust").

One Voila server over a demo store of this module's own, opened with personal links:

(a) an agency member opens their own return, and the same link with another agency in
    the address is refused in words, with none of that agency's answers sent to the page;
(b) expired, withdrawn, missing and garbage links are refused with a plain message and
    nothing else on the page;
(c) the chair moderates and shares in the dashboard, a member cannot moderate and sees
    nothing to compare until the cycle is shared, then sees it read-only;
(d) the chair reopens a submitted return in the form; its member has no way to.

Every revision these journeys save records the link it was saved with (``link:<id>``).
Last, no file beside the notebooks (the store, parameters, spreadsheets) is served.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from tests.support.browser import dashboard_ready, kernel_replies
from tests.support.servers import run_voila
from workbook.access import Role
from workbook.schema.responses import Answer, Status, missing_for_submission
from workbook.store import Store, moderation, tables

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 60_000
CYCLE = "cse-2017-18"
CYCLE_TITLE = "CSE self-assessment 2017/18"
OWN, OWN_NAME = "yot", "Youth Offending and Targeted Youth Support"  # A: not started in the demo
OTHER, OTHER_NAME = "police", "Metropolitan Police Service"  # agency B: a draft in the demo
SUBMITTED, SUBMITTED_NAME = "csc", "Children's Social Care"  # submitted in the demo
# In B's draft only: a member of A must never receive it, shared cycle or not.
OTHER_SECRET = "Custody audit 7Q-KESTREL of the force's own records"
LAST_CRITERION = "prevent-1"  # A's draft lacks only this; the member rates it in the page
MEMBER_NAME = "Youth justice safeguarding lead"
CHAIR_NAME = "Partnership chair (access journeys)"
EXPIRED_ON = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)
GARBAGE = "not-a-real-token-but-well-formed-0123456789"
REFUSAL = ".wb-refusal"


@dataclass(frozen=True)
class Links:
    """The module's personal links: tokens, and the link ids revisions record."""

    member: str
    member_id: int
    chair: str
    chair_id: int
    expired: str
    revoked: str
    revoked_at: dt.datetime


@dataclass(frozen=True)
class AccessStore:
    url: str
    folder: Path
    links: Links
    seeded: dict[str, int]  # agency -> revision number after seeding
    ready_at: dt.datetime  # every revision saved after this was saved through a page


def _seed(store: Store) -> dict[str, int]:
    """B's draft gets a distinctive text; A's draft is complete but for one criterion."""
    framework = store.cycle_framework(CYCLE)
    other = store.latest(CYCLE, OTHER)
    assert other is not None
    assert other.status == Status.DRAFT
    answers = dict(other.answers)
    first = framework.criteria[0].id
    answers[first] = answers.get(first, Answer(rating="developing")).model_copy(
        update={"evidence": OTHER_SECRET}
    )
    other = store.save(CYCLE, OTHER, answers, author="Police lead", based_on=other.revision)
    own = {
        c.id: Answer(
            rating="established",
            evidence="Case file audit of 20 cases in October, summary attached.",
            development="Feedback to referrers is not routinely given.",
        )
        for c in framework.criteria_for(store.agency(OWN).sector)  # what A is asked (#16)
        if c.id != LAST_CRITERION
    }
    sector = store.agency(OWN).sector
    assert [p.where for p in missing_for_submission(framework, own, sector)] == [LAST_CRITERION]
    mine = store.save(CYCLE, OWN, own, author="Youth justice lead", based_on=None)
    return {OTHER: other.revision, OWN: mine.revision}


def _links(store: Store) -> Links:
    member, member_token = store.issue_link(
        MEMBER_NAME, Role.MEMBER, cycle_id=CYCLE, agencies=[OWN]
    )
    chair, chair_token = store.issue_link(CHAIR_NAME, Role.CHAIR, partnership_id="demo")
    # issue_link refuses a date already past, so the expiry is moved back in the table
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    expired, expired_token = store.issue_link(
        "Former youth justice lead", Role.MEMBER, cycle_id=CYCLE, agencies=[OWN], expires_at=soon
    )
    with store.engine.begin() as conn:
        conn.execute(
            update(tables.access_link)
            .where(tables.access_link.c.id == expired.id)
            .values(expires_at=EXPIRED_ON)
        )
    revoked, revoked_token = store.issue_link(
        "Interim youth justice lead", Role.MEMBER, cycle_id=CYCLE, agencies=[OWN]
    )
    revoked = store.revoke_link(revoked.id)
    assert revoked.revoked_at is not None
    return Links(
        member=member_token,
        member_id=member.id,
        chair=chair_token,
        chair_id=chair.id,
        expired=expired_token,
        revoked=revoked_token,
        revoked_at=revoked.revoked_at,
    )


@pytest.fixture(scope="module")
def access_store(tmp_path_factory: pytest.TempPathFactory, demo_file: Path) -> AccessStore:
    folder = tmp_path_factory.mktemp("access")
    shutil.copyfile(demo_file, folder / "access.db")
    url = f"sqlite:///{folder}/access.db"
    with Store.open(url) as store:
        seeded = _seed(store)
        links = _links(store)
    ready = dt.datetime.now(dt.UTC)
    return AccessStore(url=url, folder=folder, links=links, seeded=seeded, ready_at=ready)


@pytest.fixture(scope="module")
def access_server(
    access_store: AccessStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    log = tmp_path_factory.mktemp("access-voila") / "voila.log"
    with run_voila(access_store.url, log) as base:
        yield base


# ----------------------------------------------------------------------------- helpers


def address(base: str, notebook: str, **query: str) -> str:
    return f"{base}/voila/render/{notebook}.ipynb" + (f"?{urlencode(query)}" if query else "")


def received(page) -> list[str]:
    """Every websocket frame the page receives from now on (the kernel's messages)."""
    frames: list[str] = []

    def watch(ws) -> None:
        ws.on(
            "framereceived",
            lambda payload: frames.append(
                payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            ),
        )

    page.on("websocket", watch)
    return frames


def open_form(page, base: str, token: str, **query: str) -> None:
    page.goto(address(base, "form", **query, token=token), timeout=TIMEOUT)
    page.locator(".wb-form").wait_for(timeout=TIMEOUT)


def criterion(page, criterion_id: str):
    return page.locator(f'[class~="wb-c-{criterion_id}"]')


def show_heading(page, title: str) -> None:
    page.get_by_role("button", name=re.compile(rf"^Show the \d+ {title} criteria$")).click()


def open_dashboard(page, base: str, token: str) -> None:
    page.goto(address(base, "dashboard", cycle=CYCLE, token=token), timeout=TIMEOUT)
    dashboard_ready(page, TIMEOUT)


def choose(page, label: str, starts: str) -> None:
    """Pick the option starting with ``starts`` in the last dropdown labelled ``label``."""
    select = page.get_by_role("combobox", name=label, exact=True).last
    option = select.locator("option").filter(has_text=starts).first
    select.select_option(label=option.inner_text())


def expect_refused(page, message: str) -> None:
    """Only the refusal: its heading and ``message``, no form, no controls, no data."""
    refusal = page.locator(REFUSAL)
    expect(refusal).to_be_visible(timeout=TIMEOUT)
    page.wait_for_load_state("load", timeout=TIMEOUT)  # every cell rendered: none is missed
    expect(refusal).to_have_attribute("role", "alert")
    expect(refusal.get_by_role("heading", name="This page cannot open")).to_be_visible()
    expect(refusal).to_contain_text(message)
    cells = page.locator("#rendered_cells")
    for control in (".wb-form", "select", "input", "textarea", "button", ".wb-chart", "table"):
        expect(cells.locator(control)).to_have_count(0)
    expect(cells.locator("a[href]:not([href^='#'])")).to_have_count(0)  # no way on
    for data in (OWN_NAME, OTHER_NAME, CYCLE_TITLE, "partner agencies.", "Store:"):
        assert data not in cells.inner_text()


def new_revisions(store: Store, agency: str, after: int) -> list:
    return [r for r in store.history(CYCLE, agency) if r.number > after]


def wait_for_revision(url: str, agency: str, number: int, timeout: float = 20.0) -> None:
    """Wait until the return has revision ``number`` (saved by a page's autosave)."""
    deadline = time.monotonic() + timeout
    with Store.open(url) as store:
        while not new_revisions(store, agency, number - 1):
            assert time.monotonic() < deadline, f"no revision {number} of {agency} was saved"
            time.sleep(0.25)


# --------------------------------------------------------------- (a) one's own agency only


def test_a_member_opens_their_return_and_not_another_agencys(
    access_server: str, access_store: AccessStore, page
) -> None:
    links = access_store.links
    frames = received(page)
    open_form(page, access_server, links.member, cycle=CYCLE, agency=OWN)
    expect(page.get_by_role("heading", name=f"{OWN_NAME}: {CYCLE_TITLE}")).to_be_visible()
    expect(page.get_by_text(f"Signed in by your personal link as {MEMBER_NAME}")).to_be_visible()
    expect(page.get_by_label("Your name or role")).to_be_hidden()
    agency = page.get_by_label("Agency", exact=True)
    assert OTHER_NAME not in agency.locator("option").all_inner_texts()  # only their own

    # the same link with agency B typed into the address
    page.goto(
        address(access_server, "form", cycle=CYCLE, agency=OTHER, token=links.member),
        timeout=TIMEOUT,
    )
    page.locator(".wb-form").wait_for(timeout=TIMEOUT)
    expect(
        page.get_by_text(
            f"Your link (agency member for {OWN_NAME}, cycle {CYCLE}) does not allow you "
            f"to see {OTHER_NAME}'s return."
        )
    ).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=f"{OTHER_NAME}: {CYCLE_TITLE}")).to_have_count(0)
    expect(page.locator(".wb-heading-toggle")).to_have_count(0)  # no criteria drawn
    page.wait_for_load_state("networkidle")
    assert OTHER_SECRET not in page.content()
    assert frames, "no kernel messages were seen: the check below would prove nothing"
    assert not [f for f in frames if OTHER_SECRET in f], "B's draft reached A's browser"

    with Store.open(access_store.url) as store:  # nothing was saved into B's return
        assert new_revisions(store, OTHER, access_store.seeded[OTHER]) == []


# --------------------------------------------------------------------- (b) refused links


def _day(moment: dt.datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


@pytest.mark.parametrize("notebook", ["form", "dashboard", "index"])
def test_an_expired_link_is_refused_naming_the_date_and_nothing_else(
    access_server: str, access_store: AccessStore, page, axe, notebook: str
) -> None:
    query = {"cycle": CYCLE, "agency": OWN} if notebook != "index" else {}
    # Voila streams the page as its kernel runs it: wait for the first bytes, then give the
    # refusal the whole timeout (a kernel started cold on a loaded machine is slow)
    page.goto(
        address(access_server, notebook, **query, token=access_store.links.expired),
        timeout=TIMEOUT,
        wait_until="commit",
    )
    expect_refused(page, "This link expired on 1 March 2024 at 12:00 UTC.")
    expect(page.locator(REFUSAL)).to_contain_text("Ask the partnership's administrator")
    assert axe(page) == []


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        pytest.param(kind, message, id=kind)
        for kind, message in [
            ("revoked", "This link was withdrawn on {day} at"),
            ("missing", "This page needs your personal link."),
            ("garbage", "This link is not recognised."),
            ("malformed", "This link is not recognised."),
        ]
    ],
)
def test_withdrawn_missing_and_garbage_links_are_refused(
    access_server: str, access_store: AccessStore, page, kind: str, message: str
) -> None:
    links = access_store.links
    token = {
        "revoked": links.revoked,
        "missing": None,
        "garbage": GARBAGE,
        "malformed": "<script>alert(1)</script>",
    }[kind]
    query = {"cycle": CYCLE, "agency": OWN} | ({"token": token} if token is not None else {})
    page.goto(address(access_server, "form", **query), timeout=TIMEOUT, wait_until="commit")
    expect_refused(page, message.format(day=_day(links.revoked_at)))


# ------------------------------------------------------------ (c) moderating and sharing


def test_the_chair_moderates_and_shares_and_a_member_only_reads(
    access_server: str, access_store: AccessStore, chromium_browser, page
) -> None:
    links = access_store.links
    # before sharing, a member has nothing to compare
    page.goto(address(access_server, "dashboard", cycle=CYCLE, token=links.member), timeout=TIMEOUT)
    refusal = page.locator(REFUSAL)
    expect(refusal).to_be_visible(timeout=TIMEOUT)
    expect(refusal.get_by_role("heading", name="Nothing to compare yet")).to_be_visible()
    expect(refusal).to_contain_text("There is nothing for your link")
    expect(page.locator("#rendered_cells .wb-chart")).to_have_count(0)

    context = chromium_browser.new_context()
    try:
        chair = context.new_page()
        open_dashboard(chair, access_server, links.chair)
        chair.get_by_role("tab", name="Moderation").click()
        expect(chair.get_by_role("heading", name="Moderation")).to_be_visible(timeout=TIMEOUT)
        choose(chair, "Agency", SUBMITTED_NAME)
        choose(chair, "Criterion", "(prevent-1)")  # by its short title, then its id
        choose(chair, "Moderated rating", "Developing")
        chair.get_by_role("textbox", name="Challenge comment").fill("Show the audit dates")
        chair.get_by_role("button", name="Save moderation").click()
        expect(chair.get_by_role("status")).to_contain_text("Saved the moderation", timeout=TIMEOUT)
        history = chair.get_by_role("table", name="Moderation history of this criterion")
        expect(history).to_contain_text(CHAIR_NAME)

        chair.get_by_role("tab", name="Overview").click()
        chair.get_by_role("button", name="Share the submitted returns with the partnership").click()
        expect(chair.get_by_text(re.compile("Shared the submitted returns of"))).to_be_visible(
            timeout=TIMEOUT
        )
    finally:
        context.close()

    with Store.open(access_store.url) as store:
        kept = moderation.history(store, CYCLE, SUBMITTED, "prevent-1")
        assert [(m.rating, m.author) for m in kept] == [("developing", CHAIR_NAME)]
        assert store.is_shared(CYCLE)

    # once shared, the member sees the cycle, read-only
    frames = received(page)
    open_dashboard(page, access_server, links.member)
    expect(page.get_by_role("heading", name="Chair's dashboard")).to_be_visible()
    expect(
        page.get_by_role("button", name=re.compile("Share the submitted returns|Stop sharing"))
    ).to_be_hidden()
    page.get_by_role("tab", name="Moderation").click()
    expect(page.get_by_text("Only the chair records moderations")).to_be_visible(timeout=TIMEOUT)
    choose(page, "Agency", SUBMITTED_NAME)
    choose(page, "Criterion", "(prevent-1)")
    expect(page.get_by_role("table", name="Moderation history of this criterion")).to_contain_text(
        CHAIR_NAME, timeout=TIMEOUT
    )
    expect(page.get_by_role("button", name="Save moderation")).to_be_hidden()
    expect(page.get_by_role("textbox", name="Challenge comment")).to_be_hidden()
    expect(page.get_by_role("combobox", name="Moderated rating")).to_be_hidden()
    page.get_by_role("tab", name="Actions").click()
    expect(page.get_by_role("heading", name="Actions", exact=True)).to_be_visible(timeout=TIMEOUT)
    for chairs in ("Record the mark", "Create the partnership action"):
        expect(page.get_by_role("button", name=chairs)).to_be_hidden()
    # sharing shows submitted returns only: B's draft stays with B
    page.wait_for_load_state("networkidle")
    assert frames
    assert OTHER_SECRET not in page.content()
    assert not [f for f in frames if OTHER_SECRET in f], "B's draft reached A's dashboard"


# ------------------------------------------------------------------------- (d) reopening


def test_the_chair_reopens_a_submitted_return_and_its_member_cannot(
    access_server: str, access_store: AccessStore, chromium_browser, page
) -> None:
    links = access_store.links
    open_form(page, access_server, links.member, cycle=CYCLE, agency=OWN)
    show_heading(page, "Prevent")
    criterion(page, LAST_CRITERION).get_by_label("Established").check()
    # autosave: wait for the draft revision itself ("saved at" is shown from loading on)
    wait_for_revision(access_store.url, OWN, access_store.seeded[OWN] + 1)
    page.get_by_role("button", name="Submit the return").click()
    page.get_by_text(re.compile(r"Submitted at \d\d:\d\d")).wait_for(timeout=15_000)
    expect(page.get_by_label("Reason for reopening (kept in the history)")).to_be_hidden()
    expect(page.get_by_role("button", name="Reopen the return")).to_be_hidden()

    context = chromium_browser.new_context()
    reason = "The evidence for prevent-1 needs a date"
    try:
        chair = context.new_page()
        open_form(chair, access_server, links.chair, cycle=CYCLE, agency=OWN)
        expect(chair.get_by_role("heading", name=f"{OWN_NAME}: {CYCLE_TITLE}")).to_be_visible()
        expect(chair.get_by_role("button", name="Submit the return")).to_be_disabled()
        show_heading(chair, "Prevent")
        expect(criterion(chair, LAST_CRITERION).get_by_label("Established")).to_be_disabled()
        chair.get_by_label("Reason for reopening (kept in the history)").fill(reason)
        chair.get_by_role("button", name="Reopen the return").click()
        chair.get_by_text(re.compile(r"Reopened at \d\d:\d\d")).wait_for(timeout=15_000)
        # reopened for the agency, not for the chair: still read-only here
        show_heading(chair, "Prevent")  # the reloaded return's headings start closed
        expect(criterion(chair, LAST_CRITERION).get_by_label("Established")).to_be_disabled()
    finally:
        context.close()

    page.reload()
    page.locator(".wb-form").wait_for(timeout=TIMEOUT)
    show_heading(page, "Prevent")
    expect(criterion(page, LAST_CRITERION).get_by_label("Established")).to_be_enabled()
    expect(page.get_by_label("Reason for reopening (kept in the history)")).to_be_hidden()

    with Store.open(access_store.url) as store:
        saved = new_revisions(store, OWN, access_store.seeded[OWN])
    assert [(r.status, r.author, r.saved_by) for r in saved] == [
        (Status.DRAFT, MEMBER_NAME, f"link:{links.member_id}"),
        (Status.SUBMITTED, MEMBER_NAME, f"link:{links.member_id}"),
        (Status.REOPENED, CHAIR_NAME, f"link:{links.chair_id}"),
    ]
    assert saved[-1].note == reason


def test_every_revision_saved_through_a_page_records_its_link(
    access_store: AccessStore,
) -> None:
    """Whatever the journeys above saved (they run first), a personal link saved it."""
    links = access_store.links
    with Store.open(access_store.url) as store:
        saved = [
            (cycle.id, agency, r.number, r.saved_by)
            for cycle in store.cycles()
            for agency in store.statuses(cycle.id)
            for r in store.history(cycle.id, agency)
            if r.saved_at > access_store.ready_at
        ]
    assert saved, "the journeys saved nothing: run the module, not this test alone"
    allowed = {f"link:{links.member_id}", f"link:{links.chair_id}"}
    assert [s for s in saved if s[3] not in allowed] == []
    assert {agency for _, agency, _, _ in saved} == {OWN}  # nobody else's return changed


# ------------------------------------------------------------------ no files are served


FILES_REFUSED = (403, 404)


def _raw_get(base: str, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written (a browser or urllib would resolve ``..`` first).

    Redirects within the server are followed (``/voila/render/x.db`` redirects to
    ``/voila/files/x.db``), so the status is the one the last answer gave.
    """
    parts = urlsplit(base)
    for _ in range(5):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            status, body, location = resp.status, resp.read(), resp.getheader("Location")
        finally:
            conn.close()
        if status not in (301, 302, 303, 307, 308) or not location:
            return status, body
        target = urlsplit(location)
        assert target.hostname in (None, parts.hostname), f"{path} redirects off the server"
        path = target.path + (f"?{target.query}" if target.query else "")
    return status, body


def _traversals(target: Path, root: Path) -> list[str]:
    """Ways of asking /voila/files/ for ``target`` from a server rooted at ``root``."""
    relative = os.path.relpath(target, root)
    return [
        f"/voila/files/{relative}",
        "/voila/files/" + quote(relative, safe=""),  # ../ as %2E%2E%2F
        "/voila/files/" + relative.replace("..", "%2e%2e"),
        f"/voila/files/{quote(str(target))}",  # absolute
        f"/voila/files//{str(target).lstrip('/')}",
        f"/voila/files/notebooks/{relative}",
    ]


@pytest.fixture(scope="module")
def leak_targets(access_store: AccessStore) -> dict[str, Path]:
    """The store, a parameters YAML, a spreadsheet and an image, outside notebooks/."""
    folder = access_store.folder
    spreadsheet = folder / "returns-police.xlsx"
    spreadsheet.write_bytes(b"PK\x03\x04 pretend workbook")
    image = folder / "chart.png"  # an image type Voila does serve from notebooks/
    image.write_bytes(b"\x89PNG\r\n\x1a\n pretend image")
    parameters = sorted((Path(__file__).resolve().parents[2] / "parameters").glob("*.yaml"))
    assert parameters, "no parameters/*.yaml to try"
    return {
        "store": folder / "access.db",
        "parameters": parameters[0],
        "spreadsheet": spreadsheet,
        "image": image,
    }


def test_no_file_outside_the_notebooks_is_served(
    access_server: str, leak_targets: dict[str, Path]
) -> None:
    root = Path(__file__).resolve().parents[2] / "notebooks"
    served = []
    for name, target in leak_targets.items():
        assert target.exists(), target
        for path in _traversals(target, root):
            status, body = _raw_get(access_server, path)
            if status not in FILES_REFUSED:
                served.append(f"{name}: {path} -> {status} ({len(body)} bytes)")
    assert served == []


@pytest.fixture(scope="module")
def files_server(
    access_store: AccessStore,
    leak_targets: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path]]:
    """Voila (voila.json) over a folder holding a notebook and the files that must not leak.

    Whoever serves notebooks from a folder that also holds the store or returns must not
    publish them: Voila's file allowlist and denylist decide that, not the folder.
    """
    folder = tmp_path_factory.mktemp("served")
    shutil.copy(Path(__file__).resolve().parents[2] / "notebooks" / "index.ipynb", folder)
    for target in leak_targets.values():
        shutil.copy(target, folder / target.name)
    for suffix in ("-wal", "-shm"):
        (folder / f"access.db{suffix}").write_bytes(b"pretend")
    (folder / "data").mkdir()
    shutil.copy(leak_targets["store"], folder / "data" / "workbook.db")
    log = tmp_path_factory.mktemp("files-voila") / "voila.log"
    with run_voila(access_store.url, log, notebooks=folder) as base:
        yield base, folder


def test_files_beside_the_notebooks_are_not_served(files_server: tuple[str, Path]) -> None:
    base, folder = files_server
    status, _ = _raw_get(base, "/voila/files/chart.png")
    assert status == 200, "the allowlisted image is not served: the refusals prove nothing"
    served = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if path.suffix == ".png":
            continue
        urls = [f"/voila/files/{relative}", f"/files/{relative}", f"/api/contents/{relative}"]
        if path.suffix != ".ipynb":  # a notebook renders as a page; its source is not served
            urls += [
                f"/voila/render/{relative}",
                f"/voila/tree/{relative}",
                f"/voila/api/contents/{relative}",
            ]
        for url in urls:
            status, body = _raw_get(base, url)
            if status not in FILES_REFUSED:
                served.append(f"{url} -> {status} ({len(body)} bytes)")
    assert served == []
    # Voila's file list (the tree page reads it) names folders and notebooks only, and
    # gives no notebook's content
    listed = {}
    for folder_path in ("", "data"):
        status, body = _raw_get(base, f"/voila/api/contents/{folder_path}")
        assert status == 200
        listed |= {entry["path"]: entry["type"] for entry in json.loads(body)["content"]}
    assert listed == {"data": "directory", "index.ipynb": "notebook"}
    status, body = _raw_get(base, "/voila/api/contents/index.ipynb?content=1")
    assert json.loads(body)["content"] is None


def test_a_refused_visitor_cannot_run_code_in_the_pages_kernel(
    access_server: str, page, tmp_path: Path
) -> None:
    """Voila gives even a refused page a kernel; the browser may only talk to its widgets.

    Voila 0.5 restricts the kernel channels to comm and kernel-info messages; this checks
    an execute_request sent down a refused page's websocket runs nothing.
    """
    page.goto(address(access_server, "form", cycle=CYCLE, agency=OWN), timeout=TIMEOUT)
    page.get_by_role("heading", name="This page cannot open").wait_for(timeout=TIMEOUT)
    config = page.locator("#jupyter-config-data").text_content() or ""
    kernel_id = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', config)
    assert kernel_id, "the refused page still has a kernel"
    marker = tmp_path / "ran.txt"
    replies = kernel_replies(
        page,
        f"{access_server.replace('http', 'ws', 1)}/api/kernels/{kernel_id.group(1)}/channels",
        f"open({str(marker)!r}, 'w').write('ran')",
    )
    assert "kernel_info_reply" in replies  # the channel works for what pages need
    assert "execute_reply" not in replies
    assert "execute_input" not in replies
    assert not marker.exists()
