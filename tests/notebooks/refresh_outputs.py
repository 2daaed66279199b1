"""Refresh the checked-in outputs of the ``# NBVAL_CHECK_OUTPUT`` cells (issue #5).

Runs each papermill notebook with its default parameters against a fresh demo store
(``workbook demo``, seed 2017), keeps the outputs of the checked cells only (sanitized
with ``tests/sanitize.cfg``, as nbval compares them) and clears every other output, so
the notebooks in git stay small. Review the diff like any golden file::

    .venv/bin/python tests/notebooks/refresh_outputs.py
"""

from __future__ import annotations

import configparser
import re
import sys
import tempfile
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from workbook import demo  # noqa: E402
from workbook.schema import params  # noqa: E402
from workbook.store import Store  # noqa: E402

MARK = "# NBVAL_CHECK_OUTPUT"
SANITIZE = ROOT / "tests" / "sanitize.cfg"


def sanitizers() -> list[tuple[str, str]]:
    """The (regex, replacement) pairs of tests/sanitize.cfg, in file order."""
    parser = configparser.ConfigParser()
    parser.read(SANITIZE, encoding="utf-8")
    return [(parser[s]["regex"], parser[s]["replace"]) for s in parser.sections()]


def sanitize(value: object, pairs: list[tuple[str, str]]) -> object:
    if isinstance(value, str):
        for regex, replace in pairs:
            value = re.sub(regex, replace, value)
        return value
    if isinstance(value, list):
        return [sanitize(v, pairs) for v in value]
    if isinstance(value, dict):
        return {k: sanitize(v, pairs) for k, v in value.items()}
    return value


def refresh(notebook: Path, db_url: str, pairs: list[tuple[str, str]]) -> None:
    source = nbformat.read(notebook, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        executed = papermill.execute_notebook(
            str(notebook),
            str(Path(tmp) / notebook.name),
            parameters={"db": db_url},
            progress_bar=False,
            cwd=str(notebook.parent),
        )
    by_id = {cell.get("id"): cell for cell in executed.cells}
    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        cell.outputs = []
        if cell.source.lstrip().startswith(MARK):
            ran = by_id[cell.id]
            cell.execution_count = ran.execution_count  # nbval refuses outputs of unrun cells
            for out in ran.outputs:
                out = nbformat.from_dict(sanitize(dict(out), pairs))
                out.metadata = {}
                cell.outputs.append(out)
    nbformat.write(source, notebook)
    print(f"refreshed {notebook.relative_to(ROOT)}")


def main() -> None:
    pairs = sanitizers()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/demo.db"
        with Store.open(db_url) as store:
            demo.create(store)
        for name in params.SCHEMAS:
            refresh(params.NOTEBOOKS_DIR / name, db_url, pairs)


if __name__ == "__main__":
    main()
