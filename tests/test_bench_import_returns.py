"""The import benchmark still runs (a few returns; the real run is 1,000, see bench/)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_benchmark_runs_and_reports_its_rates() -> None:
    done = subprocess.run(
        [sys.executable, "bench/import_returns.py", "--count", "4", "--workers", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr  # 1 only means "slower than the goal"
    out = done.stdout
    assert "generated 4 returns (cse-mase" in out
    assert re.search(r"^import \(check \+ save\): +[\d.]+ s +[\d.]+ returns/s", out, re.M), out
    assert re.search(r"^ratio import / floor: [\d.]+x wall", out, re.M), out
    assert re.search(r"^1,000 returns would take [\d.]+ s: (meets|MISSES) the goal", out, re.M)
