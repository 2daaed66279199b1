"""Run every benchmark in bench/ and print their figures as one table (``make bench``).

    .venv/bin/python -m bench [--only form,scale] [--skip memory] [--quick] [--out FILE]

Each ``bench/NAME.py`` (but ``common.py``) runs as ``python -m bench.NAME`` in its own
process, with the arguments below, and hands its :class:`bench.common.Result` rows back
through the file named by ``BENCH_RESULTS``. Its own output is shown as it runs; then
one table of every figure (median, spread, the floor measured in the same run, the
ratio, the goal, met or not) is printed and written, with the machine, its load and the
commit, to ``bench/results.json`` (machine output: not committed).

The load average is sampled throughout: a 2-core machine that other people are using
gives noisy timings, and the table says so. Exit status: 0 when every benchmark
reported its figures (met or missed), 1 when one failed to run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import RESULTS_ENV, ROOT, Result, results_table

BENCH = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"common", "__main__", "__init__"}
# name: (arguments for make bench, arguments for --quick, timeout in seconds)
# Defaults keep `make bench` within 12 minutes on a 2-core machine (issue #19; bench/README.md).
SETTINGS: dict[str, tuple[list[str], list[str], float]] = {
    "autosave": ([], ["--saves", "40", "--warmup", "5"], 300),
    "scale": ([], ["--size", "small", "--runs", "3"], 900),
    "report": (["--runs", "3"], ["--runs", "1"], 900),
    "dashboard": (["--runs", "5"], ["--runs", "1"], 600),
    "form": (["--runs", "5", "--pause", "6"], ["--runs", "1", "--pause", "6"], 600),
    "memory": ([], ["--sessions", "1,2"], 600),
    "import_returns": (["--cache"], ["--count", "50", "--cache"], 900),
    "hub": (["--runs", "3", "--pause", "6"], ["--runs", "1", "--pause", "6"], 900),
    "capacity": ([], ["--most", "3"], 3600),
}
ORDER = list(SETTINGS)
ON_REQUEST = {"capacity"}
"""Benchmarks run only when named in ``--only``: each takes longer than ``make bench``'s
budget allows (bench/README.md)."""


def benchmarks() -> list[str]:
    """Every benchmark module in bench/, in the order above (new ones last)."""
    found = {p.stem for p in BENCH.glob("*.py") if p.stem not in NOT_BENCHMARKS}
    found = {name for name in found if not name.startswith("_")}
    return [n for n in ORDER if n in found] + sorted(found - set(ORDER))


class LoadSampler(threading.Thread):
    """Samples the 1-minute load average every few seconds while the benchmarks run."""

    def __init__(self, every: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.samples: list[float] = [os.getloadavg()[0]]
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> dict[str, float]:
        self.done.set()
        self.samples.append(os.getloadavg()[0])
        return {
            "start": self.samples[0],
            "end": self.samples[-1],
            "max": max(self.samples),
            "mean": sum(self.samples) / len(self.samples),
        }


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def run_one(name: str, args: list[str], timeout: float, results_file: Path) -> dict[str, object]:
    """Run ``python -m bench.NAME ARGS``; its output goes straight to ours."""
    print(f"\n== bench/{name}.py {' '.join(args)}".rstrip(), flush=True)
    env = {**os.environ, RESULTS_ENV: str(results_file), "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", f"bench.{name}", *args], cwd=ROOT, env=env, timeout=timeout
        )
        code: int | str = done.returncode
    except subprocess.TimeoutExpired:
        code = f"timed out after {timeout:.0f} s"
    return {"exit": code, "seconds": round(time.perf_counter() - start, 1), "args": args}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated benchmarks to run")
    parser.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    parser.add_argument("--quick", action="store_true", help="few runs, small sizes (a check)")
    parser.add_argument("--out", type=Path, default=BENCH / "results.json")
    args = parser.parse_args(argv)

    names = benchmarks()
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            parser.error(f"no such benchmark: {', '.join(unknown)} (have: {', '.join(names)})")
        names = [n for n in names if n in wanted]
    else:
        names = [n for n in names if n not in ON_REQUEST]
    skip = {n.strip() for n in args.skip.split(",")}
    names = [n for n in names if n not in skip]

    sampler = LoadSampler()
    sampler.start()
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    runs: dict[str, dict[str, object]] = {}
    results: list[tuple[str, Result]] = []
    with tempfile.TemporaryDirectory(prefix="bench-results-") as tmp:
        for name in names:
            full, quick, timeout = SETTINGS.get(name, ([], [], 900.0))
            results_file = Path(tmp) / f"{name}.jsonl"
            runs[name] = run_one(name, quick if args.quick else full, timeout, results_file)
            if results_file.exists():
                for line in results_file.read_text(encoding="utf-8").splitlines():
                    results.append((name, Result.from_dict(json.loads(line))))
    seconds = time.perf_counter() - clock
    load = sampler.stop()
    failed = [n for n in names if not any(owner == n for owner, _ in results)]

    cores = os.cpu_count() or 1
    print(f"\n== make bench: {len(results)} figures from {len(names)} benchmarks")
    print(results_table([r for _, r in results]))
    for name in failed:
        print(f"bench/{name}.py reported nothing (exit {runs[name]['exit']}): see its output")
    print(
        f"{seconds / 60:.1f} min on {cores} cores; load average {load['mean']:.1f} "
        f"(max {load['max']:.1f}) while running"
        + ("" if not args.quick else "; --quick: sizes and runs are not the real figures")
    )
    # The browser benchmarks alone keep about two cores busy (Chromium, Voila, kernels),
    # so only a load well above that, or one there before we started, is someone else's.
    if load["start"] > cores or load["mean"] > 2 * cores:
        print(
            f"The machine was busy (load {load['start']:.1f} at the start, {load['mean']:.1f} "
            f"on average, on {cores} cores): timings are noisy; take the figures for "
            "bench/README.md on a quiet machine."
        )
    record = {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "quick": args.quick,
        "machine": {
            "cores": cores,
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average": {k: round(v, 2) for k, v in load.items()},
        },
        "commit": _commit(),
        "benchmarks": runs,
        "results": [{"benchmark": name, **r.as_dict()} for name, r in results],
    }
    args.out.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written to {os.path.relpath(args.out, Path.cwd())}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
