"""Benchmark: ``workbook report`` against papermill + nbconvert on a trivial notebook.

Times, in the same run and from a shell as an analyst would type them, over a fresh
demo store (``workbook demo``):

* the floor: ``papermill trivial.ipynb out.ipynb`` then ``jupyter nbconvert --to html
  out.ipynb``, for a notebook of one parameters cell and ``1 + 1``;
* the figure: ``workbook report parameters/demo-cse-2017-18-final.yaml -o board.html``
  (parameters checked, the report notebook run by papermill, the board snapshot
  exported with static SVG charts).

Runs alternate between the two so that load on the machine falls on both alike; one
warm-up each, then the median and floor of ``--runs``. Prints the ratio of medians.
Goal (issue #5): at most 2 times the floor. Exit status 1 if the goal is missed.

    .venv/bin/python -m bench.report [--runs 3] [--parameters parameters/x.yaml]
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


def timed(commands: list[list[str]], env: dict[str, str], cwd: Path) -> float:
    """Seconds to run the commands one after the other; each must succeed."""
    start = time.perf_counter()
    for command in commands:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table; 0 if the goal is met, else 1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each")
    parser.add_argument("--parameters", type=Path, default=DEFAULT_PARAMETERS)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-report-") as name:
        tmp = Path(name)
        db = f"sqlite:///{tmp}/demo.db"
        env = {**os.environ, "WORKBOOK_DB": db}
        timed([[str(BIN / "workbook"), "demo", "--db", db]], env, tmp)
        notebook = trivial_notebook(tmp / "trivial.ipynb")
        floor_commands = [
            [str(BIN / "papermill"), str(notebook), str(tmp / "out.ipynb"), "--no-progress-bar"],
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", str(tmp / "out.ipynb")],
        ]
        report_commands = [
            [str(BIN / "workbook"), "report", str(args.parameters.resolve()), "-o", "board.html"]
        ]
        samples: dict[str, list[float]] = {"floor": [], "report": []}
        for number in range(1 + args.runs):
            floor = timed(floor_commands, env, tmp)
            report = timed(report_commands, env, tmp)
            if number:  # the first of each is the warm-up
                samples["floor"].append(floor)
                samples["report"].append(report)
        size = (tmp / "board.html").stat().st_size
    floor_timing, report_timing = Timing(tuple(samples["floor"])), Timing(tuple(samples["report"]))
    rows: list[Row] = [
        ("papermill + nbconvert, trivial notebook", floor_timing, None, None),
        (f"workbook report {args.parameters.name}", report_timing, floor_timing, GOAL),
    ]
    print(f"wall time of the commands, {args.runs} runs after 1 warm-up each, alternating")
    print_table(rows)
    print(f"board snapshot: {size / 1024:.0f} KiB, one file")
    report_results(
        [
            Result(
                "board report: workbook report (papermill + offline HTML)",
                report_timing.samples,
                floor="board report: papermill + nbconvert on a trivial notebook",
                floor_samples=floor_timing.samples,
                goal=GOAL,
            )
        ],
        table=False,
    )
    return 0 if report_timing.median <= GOAL * floor_timing.median else 1


if __name__ == "__main__":
    sys.exit(main())
