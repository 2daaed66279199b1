"""Errors of running a report: personal data found, a failed cell, agency packs, PDF.

Part of the one hierarchy under :class:`workbook.errors.WorkbookError`, and imported
from :mod:`workbook.errors` like every other error; kept in their own module so that
the messages of the store, access and records stay readable in one screen each.
"""

from __future__ import annotations

from workbook.errors.base import WorkbookError

PERSONAL_DATA_MESSAGE = (
    "The board report was not made: {passages} like personal data about a person "
    "(listed above). {fix}, then run the report again; "
    "or, if you have checked that none is about a person, rerun with "
    "--despite-personal-data."
)
PERSONAL_DATA_FIXES = {
    "highlights": "edit the chair's highlights in the dashboard's Highlights tab",
    "returns": (
        "Returns should describe services, not people: ask the agencies to edit them "
        "(the chair reopens a submitted return)"
    ),
    "evidence": (
        "Evidence should describe services, not people: load a corrected evidence file "
        "for the cycle (workbook evidence import; the same ids replace what is there)"
    ),
    "both": (
        "Returns and evidence should describe services, not people: ask the agencies to "
        "edit their returns (the chair reopens a submitted return) and load a "
        "corrected evidence file (workbook evidence import)"
    ),
}


class PersonalDataError(WorkbookError):
    """A board report was refused: the returns or the cycle's evidence hold passages that
    look like personal data.

    ``count`` is how many, ``evidence`` how many of them are in the evidence (issue #14),
    whose fix differs; the passages themselves are listed (masked) before this is raised.
    """

    def __init__(self, count: int, evidence: int = 0, *, highlights: int = 0) -> None:
        self.count = count
        self.evidence = evidence
        self.highlights = highlights
        passages = f"{count} passage looks" if count == 1 else f"{count} passages look"
        others = count - highlights
        fix = "returns" if not evidence else "evidence" if evidence == others else "both"
        words = PERSONAL_DATA_FIXES[fix] if others else ""
        if highlights:  # the chair's own words (issue #16)
            words = "; ".join(w for w in (words, PERSONAL_DATA_FIXES["highlights"]) if w)
            words = words[0].upper() + words[1:]
        super().__init__(PERSONAL_DATA_MESSAGE.format(passages=passages, fix=words))


NOTEBOOK_RUN_MESSAGE = "Running {notebook} failed{where}: {reason}"
NOTEBOOK_KEPT_MESSAGE = (
    "The executed notebook is kept at {output}: open it in JupyterLab to see the full "
    "traceback, fix the parameters or the data, and run again."
)


class NotebookRunError(WorkbookError):
    """A papermill run failed; says which cell and why, and where the output notebook is.

    ``cell`` is the cell's 1-based position in the executed notebook (which has the
    injected parameters cell), ``source`` its first line, ``output`` the kept notebook.
    """

    def __init__(
        self,
        notebook: str,
        cell: int | None,
        reason: str,
        *,
        source: str = "",
        output: str | None = None,
    ) -> None:
        self.notebook = notebook
        self.cell = cell
        self.reason = reason
        self.source = source
        self.output = output
        where = f" in cell {cell}" if cell is not None else ""
        lines = [NOTEBOOK_RUN_MESSAGE.format(notebook=notebook, where=where, reason=reason)]
        if source:
            lines.append(f"    {source}")
        if output:
            lines.append(NOTEBOOK_KEPT_MESSAGE.format(output=output))
        super().__init__("\n".join(lines))


PACKS_FAILED_MESSAGE = (
    "{failed} of {total} agency packs failed; the other {written} are written in {directory}:"
)
PACK_FAILURE_LINE = "  {agency}: {where}{reason}"
PACK_KEPT_LINE = (
    "    The executed notebook is kept at {output}: open it in JupyterLab for the traceback."
)


class PacksFailed(WorkbookError):
    """Some agencies' packs were not made (issue #16), the others were: ``failures`` holds
    ``(agency, cell or None, reason, kept notebook or None)`` per failed agency."""

    def __init__(
        self, failures: list[tuple[str, int | None, str, str | None]], total: int, directory: str
    ) -> None:
        self.failures, self.total, self.directory = failures, total, directory
        written = total - len(failures)
        lines = [
            PACKS_FAILED_MESSAGE.format(
                failed=len(failures), total=total, written=written, directory=directory
            )
        ]
        for agency, cell, reason, output in failures:
            where = f"cell {cell}: " if cell is not None else ""
            lines.append(PACK_FAILURE_LINE.format(agency=agency, where=where, reason=reason))
            lines += [PACK_KEPT_LINE.format(output=output)] if output else []
        super().__init__("\n".join(lines))


PDF_MESSAGES = {
    "no_playwright": (
        "Printing to PDF needs Playwright, which is not installed: "
        "pip install 'safeguarding-workbook[pdf]', or leave out --pdf."
    ),
    "no_chromium": (
        "Printing to PDF needs Chromium, and there is none at {path}: install Debian's "
        "'chromium' package, set WORKBOOK_CHROMIUM to where it is, or leave out --pdf."
    ),
    "failed": "Chromium could not print {page} to PDF: {reason}. The HTML is written.",
}


class PdfError(WorkbookError):
    """An HTML snapshot could not be printed to PDF (issue #16); ``kind`` is a key of
    :data:`PDF_MESSAGES`, ``path`` the Chromium looked for, ``page`` the HTML file."""

    def __init__(self, kind: str, *, path: str = "", page: str = "", reason: str = "") -> None:
        self.kind = kind
        self.path = path
        self.page = page
        self.reason = reason
        super().__init__(PDF_MESSAGES[kind].format(path=path, page=page, reason=reason))
