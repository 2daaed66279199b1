"""Run an analysis notebook with papermill and export it as a board snapshot (issue #5).

``workbook report parameters/x.yaml -o board.html`` is :func:`report`: validate the
parameters file (:mod:`workbook.schema.params`), execute the notebook it names with papermill
(a progress bar when stderr is a terminal), then export the executed notebook as one
self-contained HTML file with :func:`to_html`: no code, no prompts, no script and no
link that leaves the page. A failing cell becomes a one-screen
:class:`~workbook.errors.NotebookRunError` naming the cell and its error, and the
executed notebook is kept for debugging.

Before any kernel starts, :func:`screen_personal_data` looks through the returns the
report reads, and the evidence it shows (issue #14), for passages that look like
personal data about a person (issue #7): it lists them (masked) and stops a board report
(``stage: final``) with :class:`~workbook.errors.PersonalDataError` unless told to go on;
other reports go on.
"""

from __future__ import annotations

import copy
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbook import personal_data, personal_data_records
from workbook.errors import AccessDenied, NotebookRunError, NotFound, PersonalDataError
from workbook.schema import params
from workbook.schema.responses import Status
from workbook.store import Store

TEMPLATE = Path(__file__).resolve().parents[1] / "html" / "nbconvert-report.html.j2"
"""The nbconvert page template: nbconvert's lab cells in a page without scripts."""

TITLE_KEY = "workbook"
"""Display metadata key of an output naming the report: ``{"title": ...}`` (set by
:mod:`workbook.reports.html`; not imported from there, which would load Altair here)."""

REMOVE_TAG = "remove_cell"
"""Cells tagged so (the notebooks' introductions for analysts) are left out of the HTML."""

ERROR_TAG = "papermill-error-cell-tag"
"""papermill adds two Markdown cells so tagged to a failed run's output notebook."""

KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
"""The kernel logs to the analyst's terminal that it talks unencrypted TCP on 127.0.0.1
(every start) and that it was interrupted (every failed run): noise beside our
one-screen message; cell errors still arrive as cell outputs."""

REASON_LINES = 6
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class ReportRun:
    """What :func:`report` made: the HTML file, the kept notebook (or None), seconds taken."""

    html: Path
    notebook: Path | None
    seconds: float


def error_reason(ename: str, evalue: str) -> str:
    """An error as ``Name: message`` on a few lines, without terminal colours (fits one screen)."""
    lines = _ANSI.sub("", evalue).strip().splitlines() or [""]
    if len(lines) > REASON_LINES:
        lines = [*lines[:REASON_LINES], f"... ({len(lines) - REASON_LINES} more lines)"]
    return f"{ename}: " + "\n    ".join(lines) if lines[0] else ename


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _source_cell(cells: list[Any], index: int) -> int:
    """The 1-based number, in the source notebook, of the executed notebook's cell ``index``."""
    injected = [i for i, cell in enumerate(cells) if "injected-parameters" in _tags(cell)]
    shift = 1 if injected and index > injected[0] else 0
    return index - shift + 1


def execute(
    notebook: Path,
    output: Path,
    parameters: Mapping[str, Any],
    *,
    progress: bool | None = None,
    cwd: Path | None = None,
    kernel: Any = None,
) -> Any:
    """Execute ``notebook`` with papermill into ``output``; return the executed notebook.

    Parameters
    ----------
    progress
        Show papermill's progress bar (default: when stderr is a terminal).
    cwd
        Where the kernel runs (default: the notebook's folder, as in JupyterLab).
    kernel
        A started kernel manager to run in, left running afterwards (the agency packs
        share one, :mod:`workbook.reports.packs`); default: a new kernel for this run.

    Raises
    ------
    NotebookRunError
        Naming the failing cell (its number in ``notebook``), its error and the kept
        ``output``; also when the kernel cannot start or dies.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    output.parent.mkdir(parents=True, exist_ok=True)
    progress = sys.stderr.isatty() if progress is None else progress
    # nbclient starts a kernel when given none and shuts down only a kernel it started
    shared = {"km": kernel} if kernel is not None else {}
    try:
        return papermill.execute_notebook(
            str(notebook.resolve()),
            # absolute: papermill saves after each cell from inside the kernel's cwd
            str(output.resolve()),
            parameters=dict(parameters),
            progress_bar=progress,
            cwd=str(cwd or notebook.parent),
            extra_arguments=KERNEL_ARGUMENTS,
            **shared,
        )
    except PapermillExecutionError as exc:
        kept = nbformat.read(str(output), as_version=4) if output.exists() else None  # type: ignore[no-untyped-call]
        # the kept notebook has papermill's two error marker cells: count without them
        cells = [c for c in (kept.cells if kept else []) if ERROR_TAG not in _tags(c)]
        number = _source_cell(cells, exc.cell_index)
        first = next((line for line in exc.source.splitlines() if line.strip()), "")
        raise NotebookRunError(
            notebook.name,
            number,
            error_reason(exc.ename, exc.evalue),
            source=f"In [{exc.exec_count}]: {first}" if first else "",
            output=str(output),
        ) from None
    except Exception as exc:  # the kernel did not start or died: say so, keep what exists
        raise NotebookRunError(
            notebook.name,
            None,
            error_reason(type(exc).__name__, str(exc)),
            output=str(output) if output.exists() else None,
        ) from None


def _title(nb: Any) -> str | None:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            title = out.get("metadata", {}).get(TITLE_KEY, {}).get("title")
            if title:
                return str(title)
    return None


def prepare(nb: Any) -> Any:
    """A copy for the board: no analyst-only cells, no empty code cells, no stderr or errors."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if REMOVE_TAG in _tags(cell):
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                out
                for out in cell.outputs
                if not (out.output_type == "stream" and out.get("name") == "stderr")
                and out.output_type != "error"
            ]
            if not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    title = _title(nb)
    if title:
        nb.metadata["title"] = title
    return nb


def to_html(nb: Any, name: str = "Report") -> str:
    """The executed notebook as one self-contained HTML page without code (the snapshot)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(  # type: ignore[no-untyped-call]
        template_file=str(TEMPLATE),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(prepare(nb), resources={"metadata": {"name": name}})
    return str(body)


def absolute_sqlite(url: str) -> str:
    """A relative SQLite URL made absolute, since the kernel runs in the notebook's folder.

    >>> absolute_sqlite("sqlite:////tmp/x.db")
    'sqlite:////tmp/x.db'
    >>> absolute_sqlite("sqlite:///x.db") == "sqlite:///" + str(Path("x.db").resolve())
    True
    >>> absolute_sqlite("postgresql://u@h/db")
    'postgresql://u@h/db'
    """
    prefix = "sqlite:///"
    path = url[len(prefix) :] if url.startswith(prefix) else ""
    if not path or path.startswith(("/", ":memory:")) or "?" in path:
        return url
    return prefix + str(Path(path).resolve())


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def _personal_findings(chosen: params.NotebookParameters) -> list[tuple[list[str], str]]:
    """Per cycle with findings, a heading line and a line per finding (``describe``), and
    whose the text is, for the fix: ``returns`` (and actions), ``evidence`` or
    ``highlights``."""
    blocks = []
    scans: list[tuple[str, frozenset[Status] | None]] = []  # a notebook may read no returns
    agency: str | None = None
    with Store.open(chosen.db or None, create=False, migrate=False) as store:
        if isinstance(chosen, params.ReportParameters):
            scans = [(chosen.cycle, personal_data.scanned_statuses(chosen.include_unsubmitted))]
        elif isinstance(chosen, params.ProfileParameters):
            wanted = set(chosen.cycles)
            scans = [
                (c.id, None)
                for c in store.cycles()
                if chosen.agency in c.agencies and (not wanted or c.id in wanted)
            ]
            agency = chosen.agency
        for cycle_id, statuses in scans:
            framework, found = personal_data.scan_cycle(store, cycle_id, statuses, agency)
            if found:
                where = f"the returns for {cycle_id}"
                blocks.append((personal_data.describe(framework, found, where), "returns"))
        if isinstance(chosen, params.ReportParameters):  # only the report shows evidence
            in_evidence = personal_data_records.scan_evidence(store.evidence.evidence(chosen.cycle))
            if in_evidence:
                where = f"the evidence for {chosen.cycle}"
                blocks.append(
                    (personal_data_records.describe_evidence(in_evidence, where), "evidence")
                )
            in_actions = personal_data_records.scan_cycle_actions(store, chosen.cycle)
            if in_actions:  # progress notes are typed outside any return (issue #15)
                where = f"the actions of {chosen.cycle}"  # the agencies fix them, as returns
                blocks.append(
                    (personal_data_records.describe_evidence(in_actions, where), "returns")
                )
            in_highlights = personal_data_records.scan_highlights(store, chosen.cycle)
            if in_highlights:  # the chair's own words (issue #16): the chair fixes them
                where = f"the highlights of {chosen.cycle}"
                blocks.append(
                    (personal_data_records.describe_evidence(in_highlights, where), "highlights")
                )
    return blocks


def screen_personal_data(
    chosen: params.NotebookParameters,
    *,
    despite: bool = False,
    warn: Callable[[str], None] = _stderr,
) -> int:
    """Warn about passages in the returns (and, for the self-assessment report, the cycle's
    evidence) a report reads that look like personal data.

    Returns how many. A board report (``stage: final``) stops unless ``despite``; a
    draft or profile only warns. A cycle that is not there is left for the notebook to
    report, in its own words; a store that cannot be read (busy, full, unreachable) stops
    the report with its message, as nothing checked is not nothing found (issue #13).

    Parameters
    ----------
    despite
        Make the board report anyway (``--despite-personal-data``).
    warn
        Where each line of the warning goes (default: stderr).

    Raises
    ------
    PersonalDataError
        For a board report with such passages, unless ``despite``.
    StorageError
        When the store cannot be read, so the returns could not be screened.
    """
    try:
        blocks = _personal_findings(chosen)
    except (NotFound, AccessDenied):
        return 0  # no such cycle to read: the notebook itself says so, in its own words
    count = sum(len(lines) - 1 for lines, _ in blocks)
    if not count:
        return 0
    for (heading, *items), _ in blocks:
        warn(f"warning: {heading}")
        for item in items:
            warn(item)
    board = isinstance(chosen, params.ReportParameters) and chosen.stage == "final"
    if board and not despite:
        raise PersonalDataError(
            count,
            sum(len(lines) - 1 for lines, whose in blocks if whose == "evidence"),
            highlights=sum(len(lines) - 1 for lines, whose in blocks if whose == "highlights"),
        )
    if board:
        warn("warning: making the board report anyway, as --despite-personal-data asks.")
    else:
        warn(
            "warning: the report is made anyway (it is not the board's final report). "
            "Returns should describe services, not people: ask the agencies to edit these "
            "before the board's report, which stops until they are."
        )
    return count


def report(
    parameters_file: Path,
    output: Path | None = None,
    *,
    db: str | None = None,
    keep_notebook: Path | None = None,
    progress: bool | None = None,
    despite_personal_data: bool = False,
    warn: Callable[[str], None] = _stderr,
) -> ReportRun:
    """Run the notebook a parameters file names and write the board snapshot.

    Parameters
    ----------
    output
        The HTML file (default: the parameters file's name with ``.html``, here).
    db
        Store URL overriding the file's ``db``.
    keep_notebook
        Keep the executed notebook here (default: kept only when the run fails, next
        to the HTML as ``<output>.ipynb``).
    despite_personal_data, warn
        See :func:`screen_personal_data`, which runs before the notebook.
    """
    started = time.perf_counter()
    chosen = with_store(params.load(parameters_file), db)
    screen_personal_data(chosen, despite=despite_personal_data, warn=warn)
    output = output or Path(parameters_file.stem + ".html")
    write(chosen, output, name=parameters_file.stem, keep_notebook=keep_notebook, progress=progress)
    return ReportRun(output, keep_notebook, time.perf_counter() - started)


def with_store(chosen: params.NotebookParameters, db: str | None) -> params.NotebookParameters:
    """The parameters with the store to read: ``db``, the file's, else ``WORKBOOK_DB``
    (a relative SQLite path made absolute, as the kernel runs in ``notebooks/``)."""
    url = db or chosen.db or os.environ.get("WORKBOOK_DB", "")
    if absolute_sqlite(url) != url or db:
        return chosen.model_copy(update={"db": absolute_sqlite(url)})
    return chosen


def write(
    chosen: params.NotebookParameters,
    output: Path,
    *,
    name: str,
    keep_notebook: Path | None = None,
    progress: bool | None = None,
    kernel: Any = None,
) -> Path:
    """Run the notebook ``chosen`` names and write its snapshot to ``output``.

    The executed notebook is kept at ``keep_notebook``, else only when the run fails
    (beside ``output`` as ``<output>.ipynb``, named in the :class:`NotebookRunError`).
    ``kernel``: see :func:`execute`.
    """
    kept = keep_notebook or output.with_suffix(".ipynb")
    with tempfile.TemporaryDirectory(prefix="workbook-report-") as tmp:
        executed_path = keep_notebook or Path(tmp) / kept.name
        try:
            nb = execute(
                params.notebook_path(chosen),
                executed_path,
                params.injected(chosen),
                progress=progress,
                kernel=kernel,
            )
        except NotebookRunError as exc:
            if executed_path != kept and executed_path.exists():
                kept.parent.mkdir(parents=True, exist_ok=True)
                kept.write_bytes(executed_path.read_bytes())
                exc = NotebookRunError(
                    exc.notebook, exc.cell, exc.reason, source=exc.source, output=str(kept)
                )
            raise exc from None
        html = to_html(nb, name=name)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    return output
