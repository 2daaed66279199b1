"""The board snapshot printed to PDF by headless Chromium (issue #16: ``--pdf``).

Some boards circulate papers only as PDFs. Rather than a second layout, the same
self-contained HTML page that :mod:`workbook.reports.run` writes is printed by Chromium,
so the PDF says exactly what the HTML says: A4, the report's title and "Page N of M" in
every page's footer. The PDF is written beside the HTML (same name, ``.pdf``): the HTML
stays the accessible copy (headings, table headers and charts' names for screen
readers), the PDF the one that is circulated.

Playwright drives Chromium and is imported only here, inside :func:`print_pdfs`, so the
workbook runs without it (the ``pdf`` extra installs it). The browser is the system's
(``config.chromium()``: Debian's ``/usr/bin/chromium``, or ``WORKBOOK_CHROMIUM``), never
Playwright's download. The page runs with JavaScript off and no network: the snapshot
needs neither, and a hostile answer in it can then fetch or run nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from workbook import config
from workbook.errors import PdfError

CHROMIUM_ARGS = [
    "--no-sandbox",  # runs as root in containers and CI, where the sandbox cannot start
    "--disable-gpu",
    # without these Chromium keeps dialling Google's hosts, which a closed network refuses
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

FOOTER = (
    '<div style="font-family: Arial, Helvetica, sans-serif; font-size: 8pt; color: #333; '
    'width: 100%; margin: 0 15mm; display: flex; justify-content: space-between;">'
    '<span class="title"></span>'
    '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span>'
    "</div>"
)
"""Chromium fills the ``title``, ``pageNumber`` and ``totalPages`` spans on each page."""

HEADER = "<span></span>"
"""No header (Chromium's default header is the date and title)."""

BOTTOM = "18mm"
"""The bottom margin, room for the footer (the snapshot's own ``@page`` margin is 15 mm)."""


def pdf_path(html: Path) -> Path:
    """Where the PDF of ``html`` goes: beside it, same name, ``.pdf``."""
    return html.with_suffix(".pdf")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def require(chromium: str | None = None) -> Path:
    """The Chromium to print with, once Playwright and Chromium are known to be there.

    ``workbook report --pdf`` asks before any notebook runs, so that a missing browser
    is said at once rather than after the reports are made.

    Raises
    ------
    PdfError
        Playwright is not installed, or there is no Chromium where it should be.
    """
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise PdfError("no_playwright") from None
    executable = config.chromium(chromium)
    if not executable.is_file():
        raise PdfError("no_chromium", path=str(executable))
    return executable


def print_pdfs(pages: Iterable[Path], *, chromium: str | None = None) -> list[Path]:
    """Print each HTML page to a PDF beside it, with one browser for them all.

    Parameters
    ----------
    pages
        Self-contained HTML files (the snapshots :mod:`workbook.reports.run` writes).
    chromium
        The browser's executable (default: ``config.chromium()``).

    Returns
    -------
    list of Path
        The PDFs written, in the order of ``pages``.

    Raises
    ------
    PdfError
        Playwright is not installed, there is no Chromium, or it could not print.
    """
    pages = list(pages)
    executable = require(chromium)
    # Playwright's sync API refuses to run in a thread with an asyncio loop running (a
    # Jupyter kernel, or a test session already driving a browser): print in a thread
    # of its own, which has none.
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(_print, pages, executable).result()


def _print(pages: list[Path], executable: Path) -> list[Path]:
    """The printing itself, one browser for every page (see :func:`print_pdfs`)."""
    from playwright.sync_api import Error, sync_playwright

    written: list[Path] = []
    current = pages[0] if pages else Path()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(executable), headless=True, args=CHROMIUM_ARGS
            )
            try:
                context = browser.new_context(java_script_enabled=False, offline=True)
                page = context.new_page()
                for current in pages:
                    page.goto(current.resolve().as_uri(), wait_until="load")
                    target = pdf_path(current)
                    page.pdf(
                        path=str(target),
                        format="A4",
                        display_header_footer=True,
                        header_template=HEADER,
                        footer_template=FOOTER,
                        margin={"top": "15mm", "bottom": BOTTOM, "left": "15mm", "right": "15mm"},
                        print_background=True,
                    )
                    written.append(target)
            finally:
                browser.close()
    except Error as exc:
        raise PdfError("failed", page=str(current), reason=_first_line(exc)) from None
    return written
