"""The benchmarks' common result format and `make bench`'s runner (figures are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.common import RESULTS_ENV, Result, percentile, report, results_table

ROOT = Path(__file__).resolve().parent.parent


def test_a_result_is_judged_by_its_statistic_against_the_floor() -> None:
    ratio = Result("page", (2.0, 3.0, 4.0), floor="bare", floor_samples=(2.0,), goal=1.3)
    assert (ratio.median, ratio.spread, ratio.ratio, ratio.ok) == (3.0, (2.0, 4.0), 1.5, False)
    bound = Result("save", tuple(range(1, 101)), unit="ms", goal=96, goal_kind="max", stat="p95")
    assert bound.p95 == pytest.approx(95.05)
    assert bound.ok is True
    assert Result("info", (1.0,)).ok is None
    assert percentile([1, 2, 3, 4], 50) == 2.5


def test_the_table_and_the_results_file(tmp_path: Path, monkeypatch, capsys) -> None:
    results = [
        Result("form", (1.5, 1.6), floor="bare page", floor_samples=(1.0, 1.2), goal=1.3),
        Result("memory", (97.0,), unit="MiB"),
    ]
    table = results_table(results)
    assert "form" in table.splitlines()[2]
    assert "1.55 s" in table
    assert "1.50-1.60 s" in table  # the spread: fastest and slowest run
    assert "1.10 s" in table  # the floor's median
    assert "MISSED" in table  # 1.55 / 1.1 > 1.3
    assert "97 MiB" in table
    target = tmp_path / "results.jsonl"
    monkeypatch.setenv(RESULTS_ENV, str(target))
    report(results, table=False)
    assert capsys.readouterr().out == ""
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["figure"] for line in lines] == ["form", "memory"]
    assert Result.from_dict(lines[0]) == results[0]
    assert lines[0]["ok"] is False


@pytest.mark.slow
def test_the_runner_prints_one_table_and_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "autosave", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "== make bench: 1 figures from 1 benchmarks" in done.stdout
    assert "autosave: change -> committed revision (SQLite, CSE)" in done.stdout
    record = json.loads(out.read_text())
    assert record["benchmarks"]["autosave"]["exit"] in (0, 1)  # 1: the goal was missed
    assert record["machine"]["cores"] >= 1
    [result] = record["results"]
    assert result["benchmark"] == "autosave"
    assert len(result["samples"]) == 40


def test_a_pause_ends_once_the_machine_is_quiet_and_never_outlasts_its_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bench import common

    ticks = {"busy": 0, "total": 0}

    def machine(busy_share: float) -> None:
        def sample() -> tuple[int, int]:
            ticks["busy"] += int(100 * busy_share)
            ticks["total"] += 100
            return ticks["busy"], ticks["total"]

        monkeypatch.setattr(common, "_busy_and_total", sample)

    machine(0.0)  # quiet: the least, then two quiet windows
    waited = common.settle(5.0, 0.1, window=0.05)
    assert 0.2 <= waited < 1.0
    machine(0.9)  # a refill still running: the whole pause, not more
    waited = common.settle(0.4, 0.1, window=0.05)
    assert 0.4 <= waited < 0.9
    monkeypatch.setattr(common, "_busy_and_total", lambda: None)  # no /proc/stat
    assert 0.3 <= common.settle(0.3, 0.1, window=0.05) < 0.8


def test_a_lower_bound_goal_is_met_at_or_above_it() -> None:
    held = Result("forms held", (240.0,), unit="forms", goal=200.0, goal_kind="min")
    assert held.ok is True
    assert Result("forms held", (150.0,), unit="forms", goal=200.0, goal_kind="min").ok is False
    table = results_table([held])
    assert ">= 200 forms" in table
    assert "240 forms" in table


def test_benchmarks_beyond_make_bench_s_budget_run_only_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench import __main__ as runner

    ran: list[str] = []

    def run_one(name: str, args: list[str], timeout: float, results_file: Path) -> dict:
        ran.append(name)
        return {"exit": 0, "seconds": 0.0, "args": args}

    monkeypatch.setattr(runner, "run_one", run_one)
    assert "capacity" in runner.benchmarks()
    runner.main(["--out", str(tmp_path / "all.json"), "--skip", "hub"])
    assert "capacity" not in ran
    assert "autosave" in ran
    ran.clear()
    runner.main(["--only", "capacity", "--out", str(tmp_path / "one.json")])
    assert ran == ["capacity"]
