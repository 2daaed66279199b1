"""Timing Voila pages: start Voila as ``make serve`` does, time pages in Debian's Chromium.

A page counts as interactive when ``ready_selector`` is visible: for a widget that means
the kernel has run the notebook, the browser has connected to it and drawn the widget.
Each run uses a new browser context (an empty cache, as for a first visit); a run's time
is from the request to that moment. The workbook's pages open only with a personal link
(issue #7), so their addresses carry its token (``personal_link``, and
``workbook.access.page_url``).

    from bench.common import personal_link, print_table, time_page, voila
    from workbook.access import page_url

    token = personal_link(db, "Benchmark", "member", cycle_id="c", agencies=("a",))
    with voila(Path("notebooks"), env={**os.environ, "WORKBOOK_DB": db}) as base:
        url = page_url(base, "form.ipynb", token, cycle_id="c", agency_id="a")
        timing = time_page(url, ".wb-form", runs=7)
    print_table([("form", timing, None, None)])
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbook.access import Role

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# As in tests/conftest.py: without these Chromium keeps dialling Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass(frozen=True)
class Timing:
    """Seconds from request to interactive, one per measured run."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median run."""
        return statistics.median(self.samples)

    @property
    def floor(self) -> float:
        """The fastest run."""
        return min(self.samples)


def personal_link(
    db_url: str,
    name: str,
    role: str,
    *,
    cycle_id: str | None = None,
    agencies: Sequence[str] = (),
    partnership_id: str | None = None,
) -> str:
    """Issue a personal link in the store at ``db_url``; returns the token its pages need.

    Parameters
    ----------
    db_url
        The store the benchmark's Voila serves.
    name
        Whom the link is for (the author of its saves).
    role
        ``member``, ``chair``, ``analyst`` or ``admin``.
    cycle_id, agencies, partnership_id
        What the link reaches (a member's link needs an agency).
    """
    from workbook.store import Store

    with Store.open(db_url) as store:
        _link, token = store.issue_link(
            name,
            Role(role),
            cycle_id=cycle_id,
            agencies=agencies,
            partnership_id=partnership_id,
        )
    return token


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def voila(
    notebooks: Path,
    *,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    extra_args: Sequence[str] = (),
    log: Path | None = None,
    settle: float = 0.0,
) -> Iterator[str]:
    """Run ``voila NOTEBOOKS --no-browser --port=P --Voila.ip=127.0.0.1`` (``make serve``).

    Voila reads ``voila.json`` from ``cwd``. Yields the base URL once ``/`` answers,
    after ``settle`` more seconds (for preheated kernels to fill their pools); stops the
    server and its kernels on exit.

    Parameters
    ----------
    notebooks
        The folder of notebooks to serve.
    cwd
        Where Voila starts (and finds voila.json).
    env
        The server's environment (default: this process's).
    extra_args
        More command-line options.
    log
        File for the server's output (default: discarded).
    settle
        Seconds to wait after the server answers.
    """
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        str(Path(sys.executable).parent / "voila"),
        str(notebooks),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        *extra_args,
    ]
    out = log.open("wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kernels stop with it
    )
    try:
        deadline = time.monotonic() + 90
        while not _answers(f"{base}/"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Voila did not start ({' '.join(command)}); see {log}")
            time.sleep(0.25)
        time.sleep(settle)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]


def time_page(
    url: str, ready_selector: str, runs: int = 7, *, warmup: int = 1, pause: float = 0.0
) -> Timing:
    """Time ``url`` from request until ``ready_selector`` is visible; ``runs`` runs after warm-up.

    Parameters
    ----------
    url
        The page.
    ready_selector
        A CSS selector that is visible once the page can be used.
    runs
        Measured runs (the median and floor are reported).
    warmup
        Runs made first and not counted (server caches, the first kernel start).
    pause
        Seconds between runs, e.g. for Voila's preheated kernel pool to refill.
    """
    from playwright.sync_api import sync_playwright

    samples = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for number in range(warmup + runs):
                context = browser.new_context()
                page = context.new_page()
                start = time.perf_counter()
                page.goto(url, wait_until="commit", timeout=120_000)
                page.locator(ready_selector).first.wait_for(state="visible", timeout=120_000)
                elapsed = time.perf_counter() - start
                context.close()
                if number >= warmup:
                    samples.append(elapsed)
                time.sleep(pause)
        finally:
            browser.close()
    return Timing(tuple(samples))


Row = tuple[str, Timing, "Timing | None", "float | None"]
"""(figure, its timing, the timing it is compared with or None, goal ratio or None)."""


def print_table(rows: Sequence[Row]) -> None:
    """Print figure, median, floor, ratio (to its baseline's median) and goal, one row each."""
    print(f"{'figure':<44} {'median':>8} {'floor':>8} {'ratio':>7}  goal")
    for figure, timing, baseline, goal in rows:
        ratio = timing.median / baseline.median if baseline else None
        ratio_text = f"{ratio:.2f}x" if ratio is not None else "-"
        if goal is None or ratio is None:
            goal_text = "-"
        else:
            goal_text = f"<= {goal:.2f}x " + ("met" if ratio <= goal else "MISSED")
        median, floor = f"{timing.median:.2f}s", f"{timing.floor:.2f}s"
        print(f"{figure:<44} {median:>8} {floor:>8} {ratio_text:>7}  {goal_text}")
