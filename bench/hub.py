"""Benchmark: the pages people use under JupyterHub, against the same pages on Voila alone.

Under a hub each person's server runs Voila as a Jupyter Server extension, which starts a
kernel for each page when it is asked for (no preheated pool); standalone Voila (``make
serve``, voila.json) keeps kernels preheated. This times, in Debian's Chromium, from
request to the form interactive (the police member's CSE 2017/18 return) and to the
dashboard's first chart (the chair's), through ``make hub``'s stack (deploy/hub.py: the
hub, its proxy, the local sign-in, the users of deploy/demo-users.yaml), and the same
pages with personal links on one standalone Voila over the same store. Both serve a
throwaway PostgreSQL cluster's database holding the demo partnership.

The people sign in once (not timed: that starts their servers); each run then opens the
page in a new tab of their signed-in browser context. Pages take turns, hub then Voila,
``--pause`` seconds apart so that Voila's pool has refilled, as for bench/form.py.

Goal (issue #19): the hub's page at most 1.5 times the standalone one. Also reported: the
resident memory of a signed-in user's server (jupyterhub-singleuser and its kernels, every
process carrying the user's ``JUPYTERHUB_USER``), before and after the runs.

    .venv/bin/python -m bench.hub [--runs 5] [--pause 6]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    Result,
    personal_link,
    report,
    voila,
    wait_visible,
)
from bench.dashboard import CHART
from bench.form import CYCLE, FORM_READY
from bench.memory import pss_mib, rss_mib
from tests.support.programs import TempCluster, create_database, hub_stack
from widgets.forkserver.client import MODULE
from workbook import demo
from workbook.access import page_url
from workbook.store import Store

GOAL = 1.5
MEMBER, AGENCY, CHAIR = "police", "police", "chair"
"""deploy/demo-users.yaml's police member and the demo partnership's chair."""
PARTNERSHIP = "demo"
TIMEOUT_MS = 180_000


@contextlib.contextmanager
def demo_database(folder: Path) -> Iterator[str]:
    """A throwaway PostgreSQL cluster with one database holding the demo partnership."""
    cluster = TempCluster()
    try:
        url = create_database(cluster.start(), "workbook")
        with Store.open(url) as store:
            demo.create(store)
        yield url
    finally:
        cluster.stop()


def sign_in(browser: Any, base: str, username: str, password: str) -> Any:
    """A browser context signed in through the hub's form, its server started."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/hub/login", timeout=TIMEOUT_MS)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(
        re.compile(rf"/user/{username}/voila/render/index\.ipynb"), timeout=TIMEOUT_MS
    )
    page.close()
    return context


def timed(context: Any, url: str, ready: str) -> float:
    """Seconds from asking for ``url`` in a new tab of ``context`` until ``ready`` shows."""
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        wait_visible(page, ready, TIMEOUT_MS)
        return time.perf_counter() - start
    finally:
        page.close()


def _user_processes(username: str) -> Iterator[int]:
    """The pids of every process started for the user: each carries ``JUPYTERHUB_USER``
    in its environment, the kernels too (they inherit it from the server), whatever
    session they run in."""
    marker = f"JUPYTERHUB_USER={username}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                yield int(entry.name)


def server_mib(username: str) -> tuple[float, float]:
    """Memory of the user's server, its kernel templates and its kernels: RSS and PSS, MiB.

    The kernels forked from a template share its pages, which RSS counts in each and PSS
    divides among them.
    """
    rss = pss = 0.0
    for pid in _user_processes(username):
        with contextlib.suppress(OSError):  # gone meanwhile
            rss += rss_mib(pid)
            pss += pss_mib(pid)
    return rss, pss


def template_mib(username: str, page: str) -> tuple[float, float]:
    """RSS and PSS (MiB) of the user's kernel template for ``page`` (its title names it:
    ``python -m widgets.forkserver.template SOCKET dashboard``); 0 if it is not running."""
    for pid in _user_processes(username):
        with contextlib.suppress(OSError):
            title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            words = title.replace("\0", " ").split()
            if MODULE in words and words[-1] == page:
                return rss_mib(pid), pss_mib(pid)
    return 0.0, 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per page")
    parser.add_argument("--pause", type=float, default=6.0, help="seconds between rounds")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    samples: dict[str, list[float]] = {n: [] for n in ("hub form", "form", "hub dash", "dash")}
    signed_in = after = (0.0, 0.0)
    with (
        tempfile.TemporaryDirectory(prefix="bench-hub-") as name,
        demo_database(Path(name)) as db,
    ):
        folder = Path(name)
        member = personal_link(db, "Police lead", "member", cycle_id=CYCLE, agencies=(AGENCY,))
        chair = personal_link(db, "MASE chair", "chair", partnership_id=PARTNERSHIP)
        env = {**os.environ, "WORKBOOK_DB": db}
        with (
            hub_stack(db, folder) as (hub, logins, _log),
            voila(ROOT / "notebooks", env=env, log=folder / "voila.log", settle=8) as base,
            sync_playwright() as pw,
        ):
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            people = {who: sign_in(browser, hub, who, logins[who]) for who in (MEMBER, CHAIR)}
            time.sleep(args.pause)  # the landing page's kernel settles
            signed_in = server_mib(MEMBER)  # a signed-in user's server, before any page
            query = f"cycle={CYCLE}&agency={AGENCY}"
            pages = {
                "hub form": (
                    people[MEMBER],
                    f"{hub}/user/{MEMBER}/voila/render/form.ipynb?{query}",
                    FORM_READY,
                ),
                "form": (
                    None,
                    page_url(base, "form.ipynb", member, cycle_id=CYCLE, agency_id=AGENCY),
                    FORM_READY,
                ),
                "hub dash": (
                    people[CHAIR],
                    f"{hub}/user/{CHAIR}/voila/render/dashboard.ipynb?cycle={CYCLE}",
                    CHART,
                ),
                "dash": (None, page_url(base, "dashboard.ipynb", chair, cycle_id=CYCLE), CHART),
            }
            for number in range(1 + args.runs):
                for figure, (context, url, ready) in pages.items():
                    own = context or browser.new_context()  # a first visit: an empty cache
                    try:
                        seconds = timed(own, url, ready)
                    finally:
                        if context is None:
                            own.close()
                    if number:  # the first round warms up (first kernels, caches)
                        samples[figure].append(seconds)
                time.sleep(args.pause)
            after = server_mib(MEMBER)  # with the kernels of the pages it opened, not yet culled
            dashboards = template_mib(CHAIR, "dashboard")
            browser.close()
    results = [
        Result(
            "hub: request -> form interactive (JupyterHub, server extension)",
            tuple(samples["hub form"]),
            floor="hub: the same form on standalone Voila (preheated)",
            floor_samples=tuple(samples["form"]),
            goal=GOAL,
        ),
        Result(
            "hub: request -> dashboard first chart (JupyterHub, server extension)",
            tuple(samples["hub dash"]),
            floor="hub: the same dashboard on standalone Voila (preheated)",
            floor_samples=tuple(samples["dash"]),
            goal=GOAL,
        ),
        Result(
            "hub: a signed-in user's server with its landing page's kernel (RSS)",
            (signed_in[0],),
            unit="MiB",
            note=(
                f"the police member's; {signed_in[1]:.0f} MiB PSS; {after[0]:.0f} MiB RSS"
                f" ({after[1]:.0f} PSS) after the runs (kernels not yet culled)"
            ),
            extra={"pss_mib": signed_in[1], "after_runs_mib": after[0], "after_pss": after[1]},
        ),
        Result(
            "hub: the dashboards' kernel template, once its user opened a dashboard (RSS)",
            (dashboards[0],),
            unit="MiB",
            note=(
                f"the chair's; {dashboards[1]:.0f} MiB PSS (shared with the dashboards"
                " forked from it); none for a user who opens no dashboard"
            ),
            extra={"pss_mib": dashboards[1]},
        ),
    ]
    report(results)
    return 0 if all(r.ok for r in results[:2]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
