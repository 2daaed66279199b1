"""The papermill notebooks, run as analysts run them (issue #5; house style rule 12).

Against a temporary demo store (``workbook demo``):

* every ``parameters/*.yaml`` as ``workbook report`` runs it (papermill, then the board
  snapshot): the run succeeds and the HTML has no script and nothing to fetch;
* a parameters file through papermill's own command line, as from a shell;
* nbval (``--nbval-lax``) on the notebooks: every cell runs, and the cells marked
  ``# NBVAL_CHECK_OUTPUT`` give their checked-in outputs (sanitized with
  ``tests/sanitize.cfg``; refresh them with ``tests/notebooks/refresh_outputs.py``).
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.support.servers import copy_store
from workbook.reports import run
from workbook.schema import params

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FILES = params.parameter_files()
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def demo_db(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    return copy_store(demo_file, tmp_path_factory.mktemp("notebooks"))


def _env(db: str) -> dict[str, str]:
    return {**os.environ, "WORKBOOK_DB": db}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_parameters_file_runs_and_exports(
    path: Path, demo_db: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What ``workbook report`` does, in this process (the command itself: test_run.py)."""
    out, kept = tmp_path / "board.html", tmp_path / "executed.ipynb"
    made = run.report(path, out, db=demo_db, keep_notebook=kept, progress=False)
    assert (made.html, made.notebook) == (out, kept)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    executed = nbformat.read(kept, as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    page = out.read_text(encoding="utf-8")
    title = re.search(r"<title>(.+)</title>", page)
    assert title
    assert "report" in title.group(1) or "Agency profile" in title.group(1)
    assert re.search(r"<h1>.+</h1>", page)
    assert not re.search(r"<script|<link|<iframe|@import|url\(", page, re.IGNORECASE)
    assert not re.search(r"(src|href)=\"(https?:)?//", page)


def test_papermill_itself_runs_a_parameters_file(demo_db: str, tmp_path: Path) -> None:
    """As from a shell: ``papermill notebooks/report.ipynb out.ipynb -f parameters/x.yaml``."""
    out = tmp_path / "out.ipynb"
    done = subprocess.run(
        [
            str(BIN / "papermill"),
            "notebooks/report.ipynb",
            str(out),
            "-f",
            "parameters/demo-cse-2017-18-draft.yaml",
            "--no-progress-bar",
        ],
        cwd=ROOT,
        env=_env(demo_db),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "unknown parameter" not in done.stderr.lower()
    assert "Unable to parse" not in done.stderr
    executed = nbformat.read(out, as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert 'stage = "draft"' in injected[0].source
    html = "".join(
        o.get("data", {}).get("text/html", "") for c in executed.cells for o in c.get("outputs", [])
    )
    assert "CSE self-assessment 2017/18: draft report to the MASE" in html


def test_nbval_checks_the_marked_cells(demo_db: str) -> None:
    notebooks = [str(params.NOTEBOOKS_DIR / name) for name in params.SCHEMAS]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            "tests/sanitize.cfg",
            "-q",
            *notebooks,
        ],
        cwd=ROOT,
        env=_env(demo_db),
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    checked = sum(
        cell.source.lstrip().startswith("# NBVAL_CHECK_OUTPUT") and bool(cell.outputs)
        for name in params.SCHEMAS
        for cell in nbformat.read(params.NOTEBOOKS_DIR / name, as_version=4).cells
    )
    assert checked >= 3  # checked cells carry their outputs in git
    assert re.search(r"\d+ passed", done.stdout)
