"""Benchmark: how many return forms this machine keeps open at once (issue #19).

Issue #19 asks for the concurrent-form capacity of the machine, "measured by opening
forms until memory or latency gives out (bounded, on 127.0.0.1)". This serves the
return form as bench/memory.py does (one Voilà, preheating off, so that each kernel is
exactly one open form, over the demo store with a busy cycle) and opens forms one after
another, each in a new Chromium context, timing request → interactive. Each context is
then closed without running the page's unload handler, which is what asks Voilà to shut
the kernel down: the form's kernel stays, holding the open return exactly as for someone
who has it open, while the browser's own memory stays flat (a person's browser is on
their machine, not the server's). Culling is off for the run: voila.json culls a page's
kernel 10 minutes after its page is closed, which is what a closed context looks like.
Every kernel is counted after each open; one gone missing stops the run.

It stops at the first of:

- **memory**: the machine's ``MemAvailable`` below ``--reserve`` MiB;
- **latency**: the median of the last five opens over ``--slower`` times the median of
  the first five, or one form not open after 90 seconds;
- **the bound**: ``--most`` forms open.

Figures: forms open when it stopped and why; what each open form took from the
machine's available memory (the slope from first to last), and the capacity that
projects to (available memory at the start, less the reserve, over that slope); the
kernels' RSS and PSS at the end; the latency of the first and of the last five opens.
Not part of ``make bench`` (a few minutes per hundred forms): run it by name.

    .venv/bin/python -m bench.capacity [--most 250] [--reserve 1024] [--slower 2]
    make bench BENCH_ARGS='--only capacity'
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import SERVERS, Result, chromium, report, voila
from bench.form import CYCLE, FORM_READY, setup
from bench.memory import kernels, pss_mib, rss_mib
from workbook.access import page_url

WINDOW = 5  # opens in the first and last medians compared for latency
PAUSE = 0.5  # seconds between opens, for the page's last messages to settle
PATIENCE = 90  # seconds a form may take to open before the machine counts as given out


def available_mib() -> float:
    """The machine's ``MemAvailable`` (what can be used without swapping), in MiB."""
    for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no MemAvailable in /proc/meminfo")


def open_files(pid: int) -> int:
    """How many files (sockets included) a process has open."""
    return sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())


def stop_reason(
    opened: list[float], available: float, *, reserve: float, slower: float, most: int
) -> str | None:
    """Why to stop after these opens' latencies and this much available memory (None: go on)."""
    if available < reserve:
        return f"memory: {available:.0f} MiB available, under the {reserve:.0f} MiB reserve"
    if len(opened) >= 2 * WINDOW:
        first = statistics.median(opened[:WINDOW])
        last = statistics.median(opened[-WINDOW:])
        if last > slower * first:
            return (
                f"latency: the last {WINDOW} opens took {last:.2f} s, "
                f"over {slower:g}x {first:.2f} s"
            )
    if len(opened) >= most:
        return f"the bound: {most} forms open"
    return None


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of (forms open, value): what one more form costs."""
    if len(points) < 2:
        return float("nan")
    return statistics.linear_regression([p[0] for p in points], [p[1] for p in points]).slope


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--most", type=int, default=250, help="open at most this many forms")
    parser.add_argument("--reserve", type=float, default=1024, help="MiB left available")
    parser.add_argument("--slower", type=float, default=2.0, help="latency limit, x first opens")
    parser.add_argument("--log", type=Path, help="keep the Voila server's output in this file")
    args = parser.parse_args(argv)

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with tempfile.TemporaryDirectory(prefix="bench-capacity-") as name:
        tmp = Path(name)
        url, agency, token = setup(tmp)
        log = args.log or tmp / "voila.log"
        env = {**os.environ, "WORKBOOK_DB": url}
        # one kernel per open form; and a form stays open however long the run takes
        # (voila.json culls a closed page's kernel after 10 idle minutes, as it should)
        off = (
            "--VoilaConfiguration.preheat_kernel=False",
            "--MappingKernelManager.cull_idle_timeout=0",
        )
        opened: list[float] = []
        memory: list[tuple[int, float]] = []  # (forms open, MiB available)
        start_available = available_mib()
        reason = None
        with (
            voila(tmp / "notebooks", cwd=tmp, env=env, extra_args=off, log=log) as base,
            chromium() as browser,
        ):
            server = SERVERS[base]
            form = page_url(base, "form.ipynb", token, cycle_id=CYCLE, agency_id=agency)
            memory.append((0, available_mib()))
            while reason is None:
                context = browser.new_context()
                page = context.new_page()
                began = time.perf_counter()
                try:
                    page.goto(form, wait_until="commit", timeout=PATIENCE * 1000)
                    page.locator(FORM_READY).first.wait_for(
                        state="visible", timeout=PATIENCE * 1000
                    )
                except PlaywrightTimeout:
                    reason = f"latency: form {len(opened) + 1} did not open in {PATIENCE} s"
                    try:
                        shown = page.locator("body").inner_text(timeout=5_000)[:600]
                    except PlaywrightTimeout:
                        shown = "(no page at all)"
                    print(f"{reason}; the page showed:\n{shown}", flush=True)
                    context.close()
                    break
                opened.append(time.perf_counter() - began)
                context.close()  # no unload handler: the form's kernel stays open
                time.sleep(PAUSE)
                count = len(opened)
                alive = kernels(server)
                if len(alive) != count:
                    reason = f"kernels: {len(alive)} running for {count} forms opened"
                    break
                memory.append((count, available_mib()))
                if count % 10 == 0 or count < 4:
                    print(
                        f"{count:>4} forms open: {memory[-1][1]:,.0f} MiB available, "
                        f"last open {opened[-1]:.2f} s, server's open files "
                        f"{open_files(server)}",
                        flush=True,
                    )
                reason = stop_reason(
                    opened,
                    memory[-1][1],
                    reserve=args.reserve,
                    slower=args.slower,
                    most=args.most,
                )
            pids = kernels(server)
            rss = [rss_mib(pid) for pid in pids]
            pss = [pss_mib(pid) for pid in pids]
            server_rss = rss_mib(server)

    count = len(opened)
    per_form = -slope(memory)
    projected = (start_available - args.reserve) / per_form if per_form > 0 else float("nan")
    print(f"stopped with {count} forms open: {reason}")
    print(
        f"each open form took {per_form:.1f} MiB of available memory; "
        f"{start_available:,.0f} MiB were available at the start: about {projected:,.0f} forms "
        f"before the {args.reserve:.0f} MiB reserve"
    )
    results = [
        Result(
            "capacity: forms open when the run stopped",
            (float(count),),
            unit="forms",
            note=str(reason),
            extra={"reason": str(reason), "server_rss_mib": server_rss},
        ),
        Result(
            "capacity: available memory each open form takes (slope)",
            (per_form,),
            unit="MiB",
            extra={"start_available_mib": start_available, "reserve_mib": args.reserve},
        ),
        Result(
            "capacity: forms the machine's memory holds (projected from the slope)",
            (projected,),
            unit="forms",
            goal=200.0,
            goal_kind="min",
        ),
        Result(
            f"capacity: a form kernel's RSS with {count} open (PSS in extra)",
            tuple(rss),
            unit="MiB",
            extra={"pss_median_mib": statistics.median(pss) if pss else float("nan")},
        ),
        Result(
            f"capacity: request -> form interactive, last {WINDOW} opens against first {WINDOW}",
            tuple(opened[-WINDOW:]),
            floor=f"capacity: the first {WINDOW} opens",
            floor_samples=tuple(opened[:WINDOW]),
            goal=args.slower,
        ),
    ]
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
