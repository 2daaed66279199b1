"""Benchmark: resident memory per open form session, and as sessions add up (issue #8).

Serves the agency return form (``notebooks/form.ipynb`` over a fresh demo store, as
bench/form.py does) and a floor notebook that only imports pandas, altair and
ipywidgets and shows one button, from one Voila server with preheating off, so that
each kernel is exactly one open page. In Debian's Chromium it opens the floor page,
then form pages one at a time, each in its own browser context (a separate person),
kept open, until ``--sessions`` (1, 5 and 10) are open; at each count it reads every
kernel's resident memory (``VmRSS`` in ``/proc/PID/status``; ``Pss`` from
``smaps_rollup`` is kept too, counting shared pages once) and the server's, with its
kernel template's (widgets/forkserver/: the pages' kernels are forked from it and share
its pages, which each one's RSS counts again).

Figures: a form session's kernel (goal, issue #19: at most 60 MiB RSS; the floor kernel
beside it), and the server and its form kernels together at each count. The server's
figure includes its kernel template and the template's store service
(workbook/store/service.py), through which the form kernels read the store.

    .venv/bin/python -m bench.memory [--sessions 1,5,10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from bench.common import SERVERS, Result, chromium, page_kernel, report, voila
from bench.form import CYCLE, FORM_READY, setup
from tests.support.programs import processes
from tests.support.servers import is_page_kernel
from workbook.access import page_url

GOAL_MIB = 60.0  # a form session's kernel, RSS (issue #19; 1.2x the floor kernel before)
FLOOR_READY = ".widget-button"
SETTLE = 2.0  # seconds after a page is ready before reading memory


def floor_notebook() -> nbformat.NotebookNode:
    """A kernel importing pandas, altair and ipywidgets, showing one widget."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import altair\nimport ipywidgets\nimport pandas\n\n"
            'ipywidgets.Button(description="Ready")'
        )
    ]
    nb.metadata["kernelspec"] = page_kernel()
    return nb


def _status(pid: int) -> dict[str, str]:
    with Path(f"/proc/{pid}/status").open(encoding="utf-8") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def rss_mib(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MiB."""
    return int(_status(pid)["VmRSS"].split()[0]) / 1024


def pss_mib(pid: int) -> float:
    """Proportional set size (shared pages divided among their users), in MiB."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="utf-8")
    except OSError:
        return float("nan")
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _children(parents: set[int], marker: bytes, found: dict[int, tuple[int, bytes]]) -> set[int]:
    return {
        pid for pid, (parent, cmdline) in found.items() if parent in parents and marker in cmdline
    }


def templates(server: int, found: dict[int, tuple[int, bytes]] | None = None) -> set[int]:
    """The server's kernel template (widgets/forkserver/), which its kernels fork from;
    among ``found`` (:func:`processes`) when given, else every process now."""
    return _children({server}, b"widgets.forkserver", processes() if found is None else found)


def services(server: int, found: dict[int, tuple[int, bytes]] | None = None) -> set[int]:
    """The store services (workbook/store/service.py) of the server's kernel templates,
    through which its form kernels read the store (issue #19): part of what serving costs."""
    found = processes() if found is None else found
    return _children(templates(server, found), b"workbook.store.service", found)


def kernels(server: int) -> set[int]:
    """Process ids of the server's kernels: forked by its template, or its own children."""
    found = processes()  # one pass over /proc: capacity asks after every form it opens
    parents = {server, *templates(server, found)}
    return {
        pid
        for pid, (parent, cmdline) in found.items()
        if parent in parents and is_page_kernel(cmdline)
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="1,5,10", help="counts of open forms to measure")
    args = parser.parse_args(argv)
    counts = sorted({int(n) for n in args.sessions.split(",")})

    with tempfile.TemporaryDirectory(prefix="bench-memory-") as name:
        tmp = Path(name)
        url, agency, token = setup(tmp)
        nbformat.write(floor_notebook(), tmp / "notebooks" / "imports.ipynb")
        env = {**os.environ, "WORKBOOK_DB": url}
        off = ("--VoilaConfiguration.preheat_kernel=False",)
        log = tmp / "voila.log"
        growth: dict[int, dict[str, float]] = {}
        with (
            voila(tmp / "notebooks", cwd=tmp, env=env, extra_args=off, log=log) as base,
            chromium() as browser,
        ):
            server = SERVERS[base]
            contexts = []
            try:
                # the floor first, alone; its kernel is then left out of the form's
                context = browser.new_context()
                page = context.new_page()
                page.goto(f"{base}/voila/render/imports.ipynb", timeout=120_000)
                page.locator(FLOOR_READY).first.wait_for(state="visible", timeout=120_000)
                time.sleep(SETTLE)
                floor_pids = kernels(server)
                floor_rss = [rss_mib(pid) for pid in floor_pids]
                floor_pss = [pss_mib(pid) for pid in floor_pids]
                context.close()
                form = page_url(base, "form.ipynb", token, cycle_id=CYCLE, agency_id=agency)
                for number in range(1, max(counts) + 1):
                    context = browser.new_context()
                    contexts.append(context)
                    page = context.new_page()
                    page.goto(form, timeout=120_000)
                    page.locator(FORM_READY).first.wait_for(state="visible", timeout=180_000)
                    if number not in counts:
                        continue
                    time.sleep(SETTLE)
                    pids = kernels(server) - floor_pids
                    sessions = [rss_mib(pid) for pid in pids]
                    # the server with its kernel template, which the kernels share, and
                    # the template's store service, which they read the store through
                    stores = services(server)
                    serving = {server, *templates(server), *stores}
                    growth[number] = {
                        "store_service": sum(rss_mib(p) for p in stores),
                        "kernels": float(len(pids)),
                        "server": sum(rss_mib(p) for p in serving),
                        "server_pss": sum(pss_mib(p) for p in serving),
                        "kernels_total_pss": sum(pss_mib(pid) for pid in pids),
                        "kernel_median": statistics.median(sessions),
                        "kernels_total": sum(sessions),
                        "kernel_pss_median": statistics.median(pss_mib(pid) for pid in pids),
                        "samples": sessions,  # type: ignore[dict-item]
                    }
                    print(
                        f"{number:>2} open forms: {len(pids)} kernels, median "
                        f"{growth[number]['kernel_median']:.0f} MiB each; server "
                        f"{growth[number]['server']:.0f} MiB, its store service "
                        f"{growth[number]['store_service']:.0f} MiB of it",
                        flush=True,
                    )
            finally:
                for context in contexts:
                    context.close()

    last = max(counts)
    results = [
        Result(
            f"memory: one open form session, kernel RSS ({last} open)",
            tuple(growth[last]["samples"]),  # type: ignore[arg-type]
            unit="MiB",
            floor="memory: a kernel importing pandas, altair, ipywidgets (RSS)",
            floor_samples=tuple(floor_rss),
            goal=GOAL_MIB,
            goal_kind="max",
            extra={
                "kernel_pss_median_mib": growth[last]["kernel_pss_median"],
                "floor_pss_mib": statistics.median(floor_pss),
            },
        )
    ]
    for number in counts:
        total = growth[number]["server"] + growth[number]["kernels_total"]
        results.append(
            Result(
                f"memory: server + kernels, {number} open form{'s' if number > 1 else ''}",
                (total,),
                unit="MiB",
                note=(
                    f"the server, its kernel template and store service "
                    f"{growth[number]['server']:.0f} MiB (the service "
                    f"{growth[number]['store_service']:.0f});"
                    f" {growth[number]['server_pss'] + growth[number]['kernels_total_pss']:.0f}"
                    " MiB PSS, shared pages counted once"
                ),
                extra={k: v for k, v in growth[number].items() if k != "samples"},
            )
        )
    print(
        f"floor kernel {statistics.median(floor_rss):.0f} MiB RSS "
        f"({statistics.median(floor_pss):.0f} MiB PSS); form kernels "
        f"{growth[last]['kernel_pss_median']:.0f} MiB PSS each"
    )
    report(results)
    return 0 if results[0].ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
