"""`make serve` end to end: Voila answers and the landing notebook renders in Chromium."""

from __future__ import annotations

import urllib.request

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TITLE = "Safeguarding Self-Assessment Workbook"
# With show_tracebacks=false (voila.json) Voila replaces a failing cell's traceback with
# this notice, so both texts mean a cell raised.
CELL_ERROR_TEXTS = ("Traceback", "There was an error when executing cell")


def test_root_answers_200(voila_server: str) -> None:
    with urllib.request.urlopen(f"{voila_server}/", timeout=30) as resp:
        assert resp.status == 200


def test_landing_notebook_renders_without_errors(voila_server: str, page) -> None:
    page.goto(f"{voila_server}/voila/render/index.ipynb", timeout=60_000)
    title = page.get_by_text(TITLE).filter(visible=True).first
    title.wait_for(state="visible", timeout=60_000)
    assert title.is_visible()

    outputs = page.locator(".jp-OutputArea-output")
    for text in CELL_ERROR_TEXTS:
        failing = outputs.filter(has_text=text)
        assert failing.count() == 0, f"a cell failed:\n{failing.first.inner_text()}"
