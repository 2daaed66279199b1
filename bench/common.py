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

Every benchmark reports its figures as :class:`Result` rows through :func:`report`: it
prints them as a table and, under ``python -m bench`` (``make bench``), also hands them
to the runner, which prints every benchmark's rows as one table (``bench/__main__.py``).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

# The Chromium flags and server start-up the tests use (tests/support/programs.py), so a
# fix for this machine's closed network reaches the benchmarks too; CHROMIUM and
# CHROMIUM_ARGS are part of this module's interface for bench/memory.py.
from tests.support.programs import (
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    http_status,
    stop_process_group,
)
from workbook import config
from workbook.access import Role

ROOT = Path(__file__).resolve().parent.parent


def page_kernel() -> dict[str, str]:
    """The kernelspec the pages' notebooks name (``workbook-page``, widgets/kernel.py).

    A floor page runs in the same kernel as the page it is compared with, so that the
    ratio measures the page and not a kernel with more (or less) to start.
    """
    form = json.loads((ROOT / "notebooks" / "form.ipynb").read_text(encoding="utf-8"))
    return dict(form["metadata"]["kernelspec"])


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


SERVERS: dict[str, int] = {}
"""Process id of each running :func:`voila` server, by base URL (bench/memory.py)."""


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
    port = free_port()
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
        env=config.voila_environment(os.environ if env is None else env),  # the page template
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kernels stop with it
    )
    try:
        deadline = time.monotonic() + 90
        while http_status(f"{base}/") != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Voila did not start ({' '.join(command)}); see {log}")
            time.sleep(0.25)
        time.sleep(settle)
        SERVERS[base] = proc.pid
        yield base
    finally:
        SERVERS.pop(base, None)
        stop_process_group(proc)
        if log:
            out.close()  # type: ignore[union-attr]


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """One headless Debian Chromium for many :func:`time_page` calls (launching one is
    a second or two of the machine's time, never part of a page's)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _busy_and_total() -> tuple[int, int] | None:
    """The machine's CPU time so far, busy and in all (jiffies), or None off Linux."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and iowait
    return sum(fields) - idle, sum(fields)


def settle(most: float, least: float = 0.0, *, quiet: float = 0.15, window: float = 0.5) -> float:
    """Wait until the machine has been quiet for two ``window``s, ``least`` to ``most`` s.

    Between runs of a preheated page Voila refills its pool: ``fill_delay`` seconds after
    a kernel is taken it starts another and runs the notebook in it. A fixed pause long
    enough for the slowest refill wastes the rest; this one ends once the refill is done
    (the CPU busy less than ``quiet`` of the time), and never before ``least`` (the
    refill has begun), counted from the page being ready: counted from the request
    instead, the dashboard's next request met its pool's refill still running, and took
    0.8 s longer (issue #19). Returns the seconds waited.
    """
    start = time.monotonic()
    time.sleep(min(least, most))
    calm = 0
    before = _busy_and_total()
    while time.monotonic() - start < most:
        time.sleep(min(window, max(0.0, most - (time.monotonic() - start))))
        now = _busy_and_total()
        if before is None or now is None:
            continue  # no /proc/stat: the whole pause
        busy, total = now[0] - before[0], now[1] - before[1]
        before = now
        calm = calm + 1 if total and busy / total < quiet else 0
        if calm >= 2:
            break
    return time.monotonic() - start


def refill_seconds() -> float:
    """Voila's ``fill_delay`` (voila.json) and a second for the new kernel to get going:
    the least :func:`settle` must wait for a preheated page's pool to be refilled."""
    settings = json.loads((ROOT / "voila.json").read_text(encoding="utf-8"))
    return float(settings.get("VoilaKernelManager", {}).get("fill_delay", 0)) + 1.5


VISIBLE = """(selector) => {
  const found = document.querySelector(selector);
  if (!found) return false;
  const box = found.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(found).visibility !== "hidden";
}"""
"""Whether the first element ``selector`` finds is visible, as Playwright's ``visible``
state means it: a box of some size, not ``visibility: hidden``."""


def wait_visible(page: Any, selector: str, timeout_ms: float = 120_000) -> None:
    """Wait until the first element ``selector`` finds is visible, checking every frame.

    Not ``locator.wait_for``: Playwright checks that 0, 20, 50, 100 and 100 ms apart and
    then every 500 ms, so a page ready at 1.3 s was timed at 1.27 or 1.77 s, depending on
    which side of a check it fell (issue #19: the dashboard's ratio moved by 0.3 between
    runs for that alone). Checked at each animation frame, a page is timed within one
    frame (17 ms) of being drawn.
    """
    page.wait_for_function(VISIBLE, arg=selector, polling="raf", timeout=timeout_ms)


def time_page(
    url: str,
    ready_selector: str,
    runs: int = 7,
    *,
    warmup: int = 1,
    pause: float = 0.0,
    browser: Any = None,
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
        The most seconds between runs, e.g. for Voila's preheated kernel pool to refill;
        the wait ends sooner once the machine is quiet again (:func:`settle`).
    browser
        A Chromium of :func:`chromium` to use (default: one launched for these runs).
    """
    if browser is None:
        with chromium() as launched:
            return time_page(
                url, ready_selector, runs, warmup=warmup, pause=pause, browser=launched
            )
    samples = []
    for number in range(warmup + runs):
        context = browser.new_context()
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=120_000)
        wait_visible(page, ready_selector)
        elapsed = time.perf_counter() - start
        context.close()
        if number >= warmup:
            samples.append(elapsed)
        if pause:
            settle(pause, min(pause, refill_seconds()))
    return Timing(tuple(samples))


def take_turns(
    pages: Mapping[str, tuple[str, str]], runs: int, *, pause: float = 0.0, browser: Any = None
) -> dict[str, Timing]:
    """Time each of ``pages`` (name: url, ready selector) ``runs`` times, taking turns.

    One round of warm-up first, not counted. Taking turns run by run spreads any change
    in the machine's load over every page alike, where timing one page's runs and then
    the other's would give one page the quieter minutes (issue #19).
    """
    if browser is None:
        with chromium() as launched:
            return take_turns(pages, runs, pause=pause, browser=launched)
    samples: dict[str, list[float]] = {name: [] for name in pages}
    for number in range(runs + 1):
        for name, (url, ready) in pages.items():
            timing = time_page(url, ready, 1, warmup=0, pause=pause, browser=browser)
            if number:  # the first round warms up
                samples[name] += timing.samples
    return {name: Timing(tuple(taken)) for name, taken in samples.items()}


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


# -- results: one format for every benchmark, one table for all (issue #8) ---------------

RESULTS_ENV = "BENCH_RESULTS"
"""Under ``python -m bench`` the file each benchmark appends its results to (JSON lines)."""
UNITS = {"s": 1.0, "ms": 1e3, "MiB": 1.0, "forms": 1.0}


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation, as numpy's default."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Result:
    """One figure of one benchmark, with the floor measured in the same run.

    ``samples`` and ``floor_samples`` are in ``unit`` (seconds, milliseconds, MiB or
    forms). The goal is either a ratio to the floor's median (``goal_kind="ratio"``), an
    upper bound in ``unit`` (``"max"``) or a lower one (``"min"``: forms a machine
    holds); ``stat`` says which statistic of the samples is held to it (the median, or
    the 95th percentile for autosave).
    """

    figure: str
    samples: tuple[float, ...]
    unit: str = "s"
    floor: str = ""
    floor_samples: tuple[float, ...] = ()
    goal: float | None = None
    goal_kind: Literal["ratio", "max", "min"] = "ratio"
    stat: Literal["median", "p95"] = "median"
    note: str = ""
    extra: dict[str, float | str] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else math.nan

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def spread(self) -> tuple[float, float]:
        """The fastest and the slowest run."""
        return (min(self.samples), max(self.samples)) if self.samples else (math.nan, math.nan)

    @property
    def floor_median(self) -> float | None:
        return statistics.median(self.floor_samples) if self.floor_samples else None

    @property
    def judged(self) -> float:
        """The statistic the goal applies to."""
        return self.p95 if self.stat == "p95" else self.median

    @property
    def floor_value(self) -> float | None:
        """The floor's same statistic (its median, or its 95th percentile)."""
        if not self.floor_samples:
            return None
        if self.stat == "p95":
            return percentile(self.floor_samples, 95)
        return statistics.median(self.floor_samples)

    @property
    def ratio(self) -> float | None:
        """The judged statistic over the floor's."""
        floor = self.floor_value
        return self.judged / floor if floor else None

    @property
    def ok(self) -> bool | None:
        """Whether the goal is met (None: no goal, or no floor to compare with)."""
        if self.goal is None:
            return None
        if self.goal_kind == "max":
            return self.judged <= self.goal
        if self.goal_kind == "min":
            return self.judged >= self.goal
        ratio = self.ratio
        return None if ratio is None else ratio <= self.goal

    def goal_text(self) -> str:
        if self.goal is None:
            return "-"
        stat = "p95 " if self.stat == "p95" else ""
        if self.goal_kind in ("max", "min"):
            sign = "<=" if self.goal_kind == "max" else ">="
            return f"{stat}{sign} {format_value(self.goal, self.unit)}"
        return f"{stat}<= {self.goal:g}x floor"

    def as_dict(self) -> dict[str, object]:
        """The result as JSON-ready data, with its statistics."""
        data = asdict(self)
        low, high = self.spread
        data.update(
            median=self.median,
            p95=self.p95,
            min=low,
            max=high,
            floor_median=self.floor_median,
            floor_value=self.floor_value,
            ratio=self.ratio,
            ok=self.ok,
        )
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Result:
        names = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in names}
        for key in ("samples", "floor_samples"):
            values[key] = tuple(values.get(key) or ())  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


def format_value(value: float | None, unit: str) -> str:
    """``1.79 s``, ``12.3 ms``, ``145 MiB``; ``-`` for nothing."""
    if value is None or math.isnan(value):
        return "-"
    if unit in ("MiB", "forms"):
        return f"{value:.0f} {unit}"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def results_table(results: Sequence[Result]) -> str:
    """figure, median, spread (fastest-slowest), floor, ratio, goal, ok: one row each."""
    header = ("figure", "median", "spread", "floor", "ratio", "goal", "ok")
    rows = [header]
    for r in results:
        low, high = r.spread
        spread = (
            "-"
            if len(r.samples) < 2
            else (f"{format_value(low, r.unit).split()[0]}-{format_value(high, r.unit)}")
        )
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        ok = {True: "met", False: "MISSED", None: "-"}[r.ok]
        if r.stat == "p95" and r.goal is not None:
            ok += f" (p95 {format_value(r.p95, r.unit)})"
        rows.append(
            (
                r.figure,
                format_value(r.median, r.unit),
                spread,
                format_value(r.floor_value, r.unit),
                ratio,
                r.goal_text(),
                ok,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    right = {1, 2, 3, 4}
    lines = []
    for number, row in enumerate(rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    floors = sorted({r.floor for r in results if r.floor})
    if floors:
        lines.append("floors: " + "; ".join(floors))
    return "\n".join(lines)


def report(results: Sequence[Result], *, table: bool = True) -> None:
    """Print ``results`` as a table; under ``make bench`` also pass them to the runner.

    ``table=False`` when the benchmark has printed its figures already.
    """
    if table:
        print(results_table(results))
    target = os.environ.get(RESULTS_ENV)
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            for result in results:
                out.write(json.dumps(result.as_dict(), default=str) + "\n")


def samples_of(timing: Timing, scale: float = 1.0) -> tuple[float, ...]:
    """A :class:`Timing`'s samples, multiplied by ``scale`` (1000 for milliseconds)."""
    return tuple(s * scale for s in timing.samples)
