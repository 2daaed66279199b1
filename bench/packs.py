"""Benchmark: agency packs for every demo agency against one report (issue #16).

Times, in the same run and from a shell as an analyst would type them, over a fresh
demo store (``workbook demo``, 11 agencies):

* the floor: ``workbook report parameters/demo-cse-2017-18-final.yaml -o board.html``,
  one board report;
* the figure: the same command with ``--each-agency -o packs``: the agency profile for
  each of the cycle's 11 invited agencies, one HTML file each.

Runs alternate between the two so that load on the machine falls on both alike; one
warm-up each, then the median and floor of ``--runs``. Prints the ratio of medians.
Goal (issue #16): packs for 11 agencies take at most 4 times one report's time. Exit
status 1 if the goal is missed. ``--fresh`` also times the packs with a new kernel for
each agency, for the record of why they share one (printed, not a figure).

    .venv/bin/python -m bench.packs [--runs 3] [--fresh]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, Result, Row, Timing, print_table
from bench.common import report as report_results
from bench.report import BIN, timed

GOAL = 4.0
PARAMETERS = ROOT / "parameters" / "demo-cse-2017-18-final.yaml"


def fresh_kernels(db: str, out: Path) -> float:
    """Seconds for the same packs with a new kernel per agency (what sharing one saves)."""
    from workbook.reports import packs, run
    from workbook.schema import params
    from workbook.store import Store

    chosen = run.with_store(params.load(PARAMETERS), db)
    with Store.open(chosen.db) as store:
        each = packs.pack_parameters(store, chosen)

    def alone(p: params.ProfileParameters, output: Path, kernel: object) -> Path:
        return run.write(p, output, name=output.stem, progress=False)

    start = time.perf_counter()
    made = packs.make_packs(each, out, progress=False, runner=alone)
    made.check()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table; 0 if the goal is met, else 1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each")
    parser.add_argument("--fresh", action="store_true", help="also time a kernel per agency")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-packs-") as name:
        tmp = Path(name)
        db = f"sqlite:///{tmp}/demo.db"
        env = {**os.environ, "WORKBOOK_DB": db}
        timed([[str(BIN / "workbook"), "demo", "--db", db]], env, tmp)
        command = [str(BIN / "workbook"), "report", str(PARAMETERS)]
        one = [[*command, "-o", "board.html"]]
        each = [[*command, "--each-agency", "-o", "packs"]]
        samples: dict[str, list[float]] = {"report": [], "packs": []}
        for number in range(1 + args.runs):
            report = timed(one, env, tmp)
            packs = timed(each, env, tmp)
            if number:  # the first of each is the warm-up
                samples["report"].append(report)
                samples["packs"].append(packs)
        count = len(list((tmp / "packs").glob("*.html")))
        fresh = fresh_kernels(db, tmp / "fresh") if args.fresh else None
    report_timing, packs_timing = Timing(tuple(samples["report"])), Timing(tuple(samples["packs"]))
    rows: list[Row] = [
        (f"workbook report {PARAMETERS.name}", report_timing, None, None),
        (f"  --each-agency ({count} agency packs)", packs_timing, report_timing, GOAL),
    ]
    print(f"wall time of the commands, {args.runs} runs after 1 warm-up each, alternating")
    print_table(rows)
    if fresh is not None:
        print(f"the same packs with a new kernel per agency (in process): {fresh:.1f} s")
    report_results(
        [
            Result(
                f"agency packs: --each-agency, {count} agencies (shared kernel)",
                packs_timing.samples,
                floor="agency packs: one board report (workbook report)",
                floor_samples=report_timing.samples,
                goal=GOAL,
                extra={"fresh_kernels_s": round(fresh, 2)} if fresh is not None else {},
            )
        ],
        table=False,
    )
    return 0 if packs_timing.median <= GOAL * report_timing.median else 1


if __name__ == "__main__":
    sys.exit(main())
