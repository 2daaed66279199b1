"""Benchmarks: ``workbook report`` against papermill + nbconvert, and the agency packs
against one report.

Times, in the same run and from a shell as an analyst would type them, over a fresh
demo store (``workbook demo``, 11 agencies):

* the floor: ``papermill trivial.ipynb out.ipynb`` then ``jupyter nbconvert --to html
  out.ipynb``, for a notebook of one parameters cell and ``1 + 1``;
* the board report: ``workbook report parameters/demo-cse-2017-18-final.yaml -o
  board.html`` (parameters checked, the report notebook run by papermill, the board
  snapshot exported with static SVG charts). Goal (issue #19): at most 1.4 times the floor;
* the agency packs (issue #16): the same command with ``--each-agency -o packs``, the
  agency profile of each of the cycle's 11 invited agencies, one HTML file each, in one
  shared kernel. Goal: at most 4 times one board report, the samples above.

Each round runs the three in turn, so that load on the machine falls on all alike (and
one board report serves as both a figure and the packs' floor); one warm-up round, then
the median and floor of ``--runs``. ``--fresh`` also times the packs with a new kernel
for each agency, for the record of why they share one (printed, not a figure). Exit
status 1 if a goal is missed.

    .venv/bin/python -m bench.report [--runs 3] [--parameters parameters/x.yaml] [--fresh]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from bench.common import ROOT, Result, Row, Timing, print_table
from bench.common import report as report_results

GOAL = 1.4  # issue #19 (2 before)
PACKS_GOAL = 4.0  # issue #16
BIN = Path(sys.executable).parent
DEFAULT_PARAMETERS = ROOT / "parameters" / "demo-cse-2017-18-final.yaml"


def trivial_notebook(path: Path) -> Path:
    """A notebook with a ``parameters`` cell and one sum, for the floor."""
    parameters = new_code_cell('name: str = "x"  # a parameter')
    parameters.metadata["tags"] = ["parameters"]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(
        new_notebook(cells=[parameters, new_code_cell("1 + 1")], metadata={"kernelspec": kernel}),
        path,
    )
    return path


def fresh_kernels(db: str, parameters: Path, out: Path) -> float:
    """Seconds for the same packs with a new kernel per agency (what sharing one saves)."""
    from workbook.reports import packs, run
    from workbook.schema import params
    from workbook.store import Store

    chosen = run.with_store(params.load(parameters), db)
    with Store.open(chosen.db) as store:
        each = packs.pack_parameters(store, chosen)

    def alone(p: params.ProfileParameters, output: Path, kernel: object) -> Path:
        return run.write(p, output, name=output.stem, progress=False)

    start = time.perf_counter()
    made = packs.make_packs(each, out, progress=False, runner=alone)
    made.check()
    return time.perf_counter() - start


def timed(commands: list[list[str]], env: dict[str, str], cwd: Path) -> float:
    """Seconds to run the commands one after the other; each must succeed."""
    start = time.perf_counter()
    for command in commands:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print their table; 0 if the goals are met, else 1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each")
    parser.add_argument("--parameters", type=Path, default=DEFAULT_PARAMETERS)
    parser.add_argument("--fresh", action="store_true", help="also time a kernel per agency")
    args = parser.parse_args(argv)
    parameters = args.parameters.resolve()

    with tempfile.TemporaryDirectory(prefix="bench-report-") as name:
        tmp = Path(name)
        db = f"sqlite:///{tmp}/demo.db"
        env = {**os.environ, "WORKBOOK_DB": db}
        timed([[str(BIN / "workbook"), "demo", "--db", db]], env, tmp)
        notebook = trivial_notebook(tmp / "trivial.ipynb")
        report = [str(BIN / "workbook"), "report", str(parameters)]
        out = str(tmp / "out.ipynb")
        commands = {
            "floor": [
                [str(BIN / "papermill"), str(notebook), out, "--no-progress-bar"],
                [str(BIN / "jupyter"), "nbconvert", "--to", "html", out],
            ],
            "report": [[*report, "-o", "board.html"]],
            "packs": [[*report, "--each-agency", "-o", "packs"]],
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for number in range(1 + args.runs):
            for figure, run in commands.items():
                seconds = timed(run, env, tmp)
                if number:  # the first round is the warm-up
                    samples[figure].append(seconds)
        size = (tmp / "board.html").stat().st_size
        count = len(list((tmp / "packs").glob("*.html")))
        fresh = fresh_kernels(db, parameters, tmp / "fresh") if args.fresh else None
    floor, board, packs = (Timing(tuple(samples[n])) for n in ("floor", "report", "packs"))
    rows: list[Row] = [
        ("papermill + nbconvert, trivial notebook", floor, None, None),
        (f"workbook report {args.parameters.name}", board, floor, GOAL),
        (f"  --each-agency ({count} agency packs)", packs, board, PACKS_GOAL),
    ]
    print(f"wall time of the commands, {args.runs} runs after 1 warm-up each, taking turns")
    print_table(rows)
    print(f"board snapshot: {size / 1024:.0f} KiB, one file")
    if fresh is not None:
        print(f"the same packs with a new kernel per agency (in process): {fresh:.1f} s")
    results = [
        Result(
            "board report: workbook report (papermill + offline HTML)",
            board.samples,
            floor="board report: papermill + nbconvert on a trivial notebook",
            floor_samples=floor.samples,
            goal=GOAL,
        ),
        Result(
            f"agency packs: --each-agency, {count} agencies (shared kernel)",
            packs.samples,
            floor="agency packs: one board report (workbook report)",
            floor_samples=board.samples,
            goal=PACKS_GOAL,
            extra={"fresh_kernels_s": round(fresh, 2)} if fresh is not None else {},
        ),
    ]
    report_results(results, table=False)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
