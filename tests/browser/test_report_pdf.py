"""Reports printed to PDF by headless Chromium (issue #16: ``workbook report --pdf``).

The PDF's text is not extracted (no PDF library is a dependency); instead the pages are
counted from the file's page objects, and the footer's page numbers are found in the
fonts: Chromium embeds for each font a table from the glyphs it drew to the characters
they stand for (``ToUnicode``), so on a page whose body is only the letter x, a ``1``,
a ``2`` and a capital ``P`` there can only have come from "Page 1 of 2".
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest

from tests.support.programs import workbook_cli
from tests.support.servers import copy_store
from workbook import config
from workbook.reports import pdf

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGE_BREAK = '<div style="break-after: page">x x x</div>'


def _page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", data))


def _drawn_characters(data: bytes) -> set[str]:
    """Every character some font in the PDF drew (from the fonts' ToUnicode tables)."""
    found: set[str] = set()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            text = zlib.decompress(stream)
        except zlib.error:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.DOTALL):
            for _glyph, char in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                found.add(bytes.fromhex(char.decode()).decode("utf-16-be"))
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.DOTALL):
            ranges = re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block)
            for first, last, char in ranges:
                start = int(char, 16)
                found.update(chr(start + i) for i in range(int(last, 16) - int(first, 16) + 1))
    return found


def test_a_two_page_report_prints_on_two_pages_with_page_numbers(tmp_path: Path) -> None:
    page = tmp_path / "two.html"
    page.write_text(
        f"<!DOCTYPE html><html><head><title>x</title></head><body>{PAGE_BREAK}x x</body></html>",
        encoding="utf-8",
    )
    (written,) = pdf.print_pdfs([page])
    assert written == tmp_path / "two.pdf"
    data = written.read_bytes()
    assert data.startswith(b"%PDF-")
    assert _page_count(data) == 2
    assert {"P", "a", "g", "e", "o", "f", "1", "2"} <= _drawn_characters(data)
    assert "3" not in _drawn_characters(data)


def test_each_agency_with_pdf_writes_a_pack_and_its_pdf_per_invited_agency(
    demo_file: Path, tmp_path: Path
) -> None:
    url = copy_store(demo_file, tmp_path / "store")
    parameters = config.ROOT / "parameters" / "demo-cse-2017-18-final.yaml"
    out = tmp_path / "packs"
    done = workbook_cli(
        "report",
        str(parameters),
        "--db",
        url,
        "--each-agency",
        "--pdf",
        "-o",
        str(out),
        cwd=tmp_path,
        timeout=280,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Wrote 11 of 11 agency packs to {out} in ")
    assert done.stdout.rstrip().endswith(", each with its PDF")
    htmls = sorted(p.stem for p in out.glob("*.html"))
    assert len(htmls) == 11
    assert sorted(p.stem for p in out.glob("*.pdf")) == htmls
    assert "Agency packs" not in done.stderr  # no progress bar when stderr is not a terminal
    police = (out / "police.pdf").read_bytes()
    assert police.startswith(b"%PDF-")
    assert _page_count(police) >= 2


def test_one_report_with_pdf_writes_the_pdf_beside_the_html(
    demo_file: Path, tmp_path: Path
) -> None:
    url = copy_store(demo_file, tmp_path / "store")
    parameters = config.ROOT / "parameters" / "demo-agency-police.yaml"
    done = workbook_cli(
        "report", str(parameters), "--db", url, "-o", "out/police.html", "--pdf", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "Wrote out/police.pdf"
    html, printed = tmp_path / "out" / "police.html", tmp_path / "out" / "police.pdf"
    assert html.exists()
    data = printed.read_bytes()
    assert data.startswith(b"%PDF-")
    assert _page_count(data) >= 2
    assert {"P", "g", "1", "2"} <= _drawn_characters(data)
