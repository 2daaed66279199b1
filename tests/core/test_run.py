"""Running notebooks with papermill and exporting the board snapshot (issue #5).

The export is checked on a hand-made executed notebook (no kernel); running is checked
with a deliberately failing notebook and through the ``workbook report`` command, whose
failure must fit on one screen, name the cell and keep the output notebook.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests.support.programs import workbook_cli
from workbook import config
from workbook.errors import NotebookRunError
from workbook.reports import run
from workbook.store import Store, provision

ROOT = config.ROOT


def _executed() -> nbformat.NotebookNode:
    intro = new_markdown_cell("# Analyst notes\n\nRun me with papermill.")
    intro.metadata["tags"] = ["remove_cell"]
    parameters = new_code_cell('cycle: str = "c1"  # the cycle')
    parameters.metadata["tags"] = ["parameters"]
    title = new_code_cell("report.title()")
    title.outputs = [
        new_output(
            "display_data",
            data={"text/html": "<h1>Board report &amp; more</h1>", "text/plain": "Board report"},
            metadata={"workbook": {"title": "Board report & more"}},
        )
    ]
    noisy = new_code_cell("import warnings; warnings.warn('x')\nreport.completion()")
    noisy.outputs = [
        new_output("stream", name="stderr", text="UserWarning: internal detail\n"),
        new_output("execute_result", data={"text/html": "<p>Returns</p>"}, execution_count=3),
    ]
    plain = new_code_cell("print('hi')")
    plain.outputs = [new_output("stream", name="stdout", text="a < b\n")]
    return new_notebook(cells=[intro, parameters, title, noisy, plain])


def test_the_snapshot_is_one_page_with_no_code_scripts_or_links_out() -> None:
    page = run.to_html(_executed(), name="fallback")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en-GB">' in page
    assert "<title>Board report &amp; more</title>" in page
    assert re.search(r'<meta content="safeguarding-workbook" name="generator"/?>', page)
    assert "<main>" in page
    assert "<h1>Board report &amp; more</h1>" in page
    assert "<p>Returns</p>" in page
    assert "a &lt; b" in page  # plain text output, escaped by nbconvert
    for absent in (
        "report.title()",
        "warnings.warn",
        "Analyst notes",
        "internal detail",
        "In&nbsp;[",
        "Out[",
    ):
        assert absent not in page
    assert not re.search(r"<script|<link|@import|\bsrc=|url\(", page, re.IGNORECASE)
    assert not re.search(r"https?://", page.replace("http://www.w3.org/", ""))
    assert "@page { size: A4; margin: 15mm; }" in page


def test_prepare_leaves_the_notebook_it_is_given_alone() -> None:
    nb = _executed()
    kept = run.prepare(nb)
    assert len(nb.cells) == 5
    assert [c.source for c in kept.cells] == ["report.title()", nb.cells[3].source, "print('hi')"]
    assert kept.metadata["title"] == "Board report & more"


def test_a_reason_is_the_error_and_at_most_six_lines() -> None:
    assert run.error_reason("KeyError", "'x'") == "KeyError: 'x'"
    assert run.error_reason("SystemExit", "") == "SystemExit"
    long = run.error_reason("ParameterError", "\n".join(f"line {n}" for n in range(10)))
    assert long.splitlines()[-1] == "    ... (4 more lines)"
    assert run.error_reason("E", "\x1b[31mred\x1b[0m") == "E: red"


def test_cells_are_numbered_as_in_the_source_notebook() -> None:
    injected = new_code_cell("cycle = 'x'")
    injected.metadata["tags"] = ["injected-parameters"]
    cells = [new_markdown_cell("#"), new_code_cell("p"), injected, new_code_cell("boom")]
    assert run._source_cell(cells, 3) == 3  # the injected cell is not in the source
    assert run._source_cell(cells, 1) == 2
    assert run._source_cell(cells[:2], 1) == 2


# -- running (a kernel each: slow) ------------------------------------------------------


@pytest.mark.slow
def test_a_failing_cell_is_named_and_the_output_notebook_kept(tmp_path: Path) -> None:
    source = tmp_path / "broken.ipynb"
    parameters = new_code_cell('name: str = "x"  # a name')
    parameters.metadata["tags"] = ["parameters"]
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Broken"),
            parameters,
            new_code_cell("value = 1"),
            new_code_cell("\n# the failing cell\nraise ValueError(f'bad {name}\\nsecond line')"),
            new_code_cell("never = True"),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(notebook, source)
    output = tmp_path / "out" / "broken.ipynb"
    with pytest.raises(NotebookRunError) as caught:
        run.execute(source, output, {"name": "<b>"}, progress=False)
    error = caught.value
    assert (error.notebook, error.cell) == ("broken.ipynb", 4), str(error)
    assert error.reason == "ValueError: bad <b>\n    second line"
    assert error.source == "In [4]: # the failing cell"
    assert error.output == str(output)
    assert output.exists()
    assert str(error).splitlines() == [
        "Running broken.ipynb failed in cell 4: ValueError: bad <b>",
        "    second line",
        "    In [4]: # the failing cell",
        f"The executed notebook is kept at {output}: open it in JupyterLab to see the full "
        "traceback, fix the parameters or the data, and run again.",
    ]
    kept = nbformat.read(output, as_version=4)
    assert any(o.get("ename") == "ValueError" for c in kept.cells for o in c.get("outputs", []))


def _workbook(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return workbook_cli(*args, cwd=tmp_path, timeout=240)


def test_a_bad_parameters_file_fails_before_any_kernel_starts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("notebook: report.ipynb\ncycle: c1\ncompare_with: ''\nstage: board\n", "utf-8")
    done = _workbook("report", str(bad), tmp_path=tmp_path)
    assert done.returncode == 1
    assert done.stderr == (f"error: {bad}:4: stage: input should be 'draft' or 'final'\n")
    assert not (tmp_path / "bad.html").exists()


@pytest.mark.slow
def test_workbook_report_exits_1_naming_the_failing_cell(
    tmp_path: Path, partnership_files: tuple[Path, Path]
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    with Store.open(url) as store:
        provision.install(store, *partnership_files)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("notebook: report.ipynb\ncycle: nope\ncompare_with: ''\n", encoding="utf-8")
    done = _workbook("report", str(wrong), "--db", url, "-o", "out/board.html", tmp_path=tmp_path)
    assert done.returncode == 1, done.stdout
    lines = done.stderr.splitlines()
    assert len(lines) <= 12, done.stderr  # one screen
    assert lines[0] == (
        "error: Running report.ipynb failed in cell 3: NotFound: No cycle named 'nope' "
        "in the store. See `workbook summary`."
    )
    assert lines[1].startswith("    In [")
    assert lines[1].endswith("from workbook import reports")
    kept = tmp_path / "out" / "board.ipynb"
    assert lines[2].startswith("The executed notebook is kept at out/board.ipynb: open it")
    assert kept.exists()
    assert not (tmp_path / "out" / "board.html").exists()
    assert "Traceback" not in done.stderr
