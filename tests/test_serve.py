"""`make serve` end to end: Voila answers and the landing notebook renders in Chromium.

Pages come from the project's Voila template "workbook" (share/jupyter/voila/templates/
workbook/, selected in voila.json): nothing loaded from off the server, lang="en-GB", a
title naming the notebook, a keyboard-focusable main region and a visible focus ring.
The landing page is opened with a personal link (issue #7); without one it shows only why
it cannot open.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.servers import issue_token, run_voila

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TITLE = "Safeguarding Self-Assessment Workbook"
LANDING = "/voila/render/index.ipynb"
# The template's marker: Voila's own templates would render these pages too (with CDN
# links), so each page must say which template made it.
GENERATOR = '<meta name="generator" content="safeguarding-workbook">'
# With show_tracebacks=false (voila.json) Voila replaces a failing cell's traceback with
# this notice, so both texts mean a cell raised.
CELL_ERROR_TEXTS = ("Traceback", "There was an error when executing cell")
# Drawn from the store by the landing page (workbook/html/overview.html.j2), unlike the
# notebook's own introduction, which says "Partner agencies" too.
PARTNERSHIP_DATA = re.compile(r"\d+ partner agencies\.")


@pytest.fixture(scope="module")
def landing_token(voila_store: str) -> str:
    """A personal link's token for the demo store ``voila_server`` serves (an administrator's)."""
    return issue_token(voila_store, "Landing page tester", "admin")


def _signed(path: str, token: str) -> str:
    """``path`` with the token added when it is the landing page (other pages need none)."""
    if not path.startswith(LANDING):
        return path
    return f"{path}{'&' if '?' in path else '?'}token={token}"


def test_root_answers_200(voila_server: str) -> None:
    with urllib.request.urlopen(f"{voila_server}/", timeout=30) as resp:
        assert resp.status == 200


def test_landing_notebook_renders_without_errors(
    voila_server: str, landing_token: str, page
) -> None:
    page.goto(f"{voila_server}{_signed(LANDING, landing_token)}", timeout=60_000)
    title = page.get_by_text(TITLE).filter(visible=True).first
    title.wait_for(state="visible", timeout=60_000)
    assert title.is_visible()
    page.get_by_text(PARTNERSHIP_DATA).first.wait_for(state="visible", timeout=60_000)

    outputs = page.locator(".jp-OutputArea-output")
    for text in CELL_ERROR_TEXTS:
        failing = outputs.filter(has_text=text)
        assert failing.count() == 0, f"a cell failed:\n{failing.first.inner_text()}"


def test_landing_page_has_no_serious_accessibility_violations(
    voila_server: str, landing_token: str, page, axe
) -> None:
    page.goto(f"{voila_server}{_signed(LANDING, landing_token)}", timeout=60_000)
    page.get_by_text(TITLE).filter(visible=True).first.wait_for(state="visible", timeout=60_000)
    page.get_by_text(PARTNERSHIP_DATA).first.wait_for(state="visible", timeout=60_000)
    assert axe(page) == []


def test_landing_page_without_a_link_shows_only_why(voila_server: str, page, axe) -> None:
    """No token: the refusal in words, and nothing from the store (issue #7)."""
    page.goto(f"{voila_server}{LANDING}", timeout=60_000)
    refusal = page.locator(".wb-refusal")
    expect(refusal).to_be_visible(timeout=60_000)
    expect(refusal).to_have_attribute("role", "alert")
    expect(refusal.get_by_role("heading", name="This page cannot open")).to_be_visible()
    expect(refusal).to_contain_text("This page needs your personal link.")
    shown = page.locator("#rendered_cells").inner_text()
    assert not PARTNERSHIP_DATA.search(shown)
    for partnership_data in ("Demo Borough", "CSE", "Returns due", "Store:", "Overdue"):
        assert partnership_data not in shown
    # no way on to another page (the heading's own "#" anchor is not one)
    assert page.locator("#rendered_cells a[href]:not([href^='#'])").count() == 0
    assert axe(page) == []


# ------------------------------------------------------------------ the workbook template


def _open_landing(page, base: str, token: str) -> None:
    page.goto(f"{base}{_signed(LANDING, token)}", timeout=60_000)
    page.get_by_text(PARTNERSHIP_DATA).first.wait_for(state="visible", timeout=60_000)


def _get(url: str) -> tuple[int, str]:
    """Status and body of a GET, error statuses included (Voila's 404 page is a page too)."""
    try:
        with urllib.request.urlopen(url, timeout=120) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


class _Resources(HTMLParser):
    """Every URL an HTML page makes the browser fetch by itself (not links to follow)."""

    ATTRS = {
        "link": "href",
        "script": "src",
        "img": "src",
        "iframe": "src",
        "source": "src",
        "video": "src",
        "audio": "src",
        "embed": "src",
        "object": "data",
    }

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = self.ATTRS.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(f"<{tag} {name}={value}>")


@pytest.mark.parametrize(
    "path",
    [LANDING, f"{LANDING}?template=lab", "/", "/voila/render/no-such-notebook.ipynb"],
    ids=["landing", "template-override-refused", "file-list", "not-found"],
)
def test_pages_come_from_the_workbook_template(
    voila_server: str, landing_token: str, path: str
) -> None:
    status, html = _get(f"{voila_server}{_signed(path, landing_token)}")
    assert status == (404 if "no-such" in path else 200)
    assert GENERATOR in html, f"{path} was not rendered by the workbook template"
    assert '<html lang="en-GB">' in html


@pytest.mark.parametrize(
    "path",
    [LANDING, "/", "/voila/render/no-such-notebook.ipynb"],
    ids=["landing", "file-list", "not-found"],
)
def test_pages_reference_nothing_off_the_server(
    voila_server: str, landing_token: str, path: str
) -> None:
    path = _signed(path, landing_token)
    _, html = _get(f"{voila_server}{path}")
    parser = _Resources()
    parser.feed(html)
    assert parser.urls, "found no <link>/<script src> at all: the parser is not looking"
    off_server = []
    for tag in parser.urls:
        url = tag.split("=", 1)[1].rstrip(">")
        parts = urlsplit(urljoin(f"{voila_server}{path}", url))
        if parts.scheme == "data":
            continue
        if parts.scheme not in {"http", "https"} or parts.hostname != "127.0.0.1":
            off_server.append(tag)
    assert off_server == []


def test_no_request_leaves_the_server_while_the_landing_page_renders(
    voila_server: str, landing_token: str, page
) -> None:
    """Every request, websocket included, goes to 127.0.0.1; anything else is refused."""
    off_server: list[str] = []
    failed: list[str] = []

    def local(url: str) -> bool:
        return urlsplit(url).hostname == "127.0.0.1"

    def guard(route) -> None:
        if local(route.request.url):
            route.continue_()
        else:
            off_server.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on(
        "request",
        lambda r: None if local(r.url) or r.url.startswith("data:") else off_server.append(r.url),
    )
    page.on("websocket", lambda ws: None if local(ws.url) else off_server.append(ws.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on(
        "requestfailed", lambda r: failed.append(f"{r.failure} {r.url}") if local(r.url) else None
    )

    _open_landing(page, voila_server, landing_token)
    page.wait_for_load_state("networkidle", timeout=60_000)

    assert sorted(set(off_server)) == []
    assert failed == []


def test_widget_icons_are_served_by_the_server(voila_server: str, landing_token: str, page) -> None:
    """ipywidgets draws icons (Button(icon="upload"), ...) with Font Awesome classes."""
    fonts: list[str] = []
    page.on("response", lambda r: fonts.append(f"{r.status} {r.url}") if ".woff" in r.url else None)
    _open_landing(page, voila_server, landing_token)
    drawn = page.evaluate(
        """async () => {
            const icon = document.createElement("i");
            icon.className = "fa fa-upload";
            document.getElementById("rendered_cells").appendChild(icon);
            await document.fonts.load('900 16px "Font Awesome 5 Free"');
            return {
                glyph: getComputedStyle(icon, "::before").content,
                loaded: document.fonts.check('900 16px "Font Awesome 5 Free"'),
                width: icon.getBoundingClientRect().width,
            };
        }"""
    )
    assert drawn["glyph"] not in ("none", "normal", "")
    assert drawn["loaded"], drawn
    assert drawn["width"] > 0, drawn
    assert fonts, "no icon font was fetched"
    local = f"200 {voila_server}/voila/templates/workbook/static/"
    assert all(f.startswith(local) for f in fonts), fonts


def test_landing_page_language_title_and_focusable_main_region(
    voila_server: str, landing_token: str, page
) -> None:
    _open_landing(page, voila_server, landing_token)
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    # The landing notebook's heading is the service's name, so the title says it once.
    assert page.title() == TITLE

    main = page.locator("#rendered_cells")
    assert main.get_attribute("role") == "main"
    assert main.get_attribute("aria-label") == TITLE
    # It scrolls (Voila's app shell), so the keyboard must reach it: first Tab lands there.
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {id: el.id, outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
        }"""
    )
    assert focused["id"] == "rendered_cells"
    assert focused["outline"] == "solid", focused
    assert focused["width"] >= 2, focused


# -------------------------------------------------------------- titles of other notebooks


def _notebook(path: Path, cells: list[tuple[str, str]], metadata: dict | None = None) -> None:
    path.write_text(
        json.dumps(
            {
                "cells": [
                    {"cell_type": kind, "metadata": {}, "source": source}
                    | ({"outputs": [], "execution_count": None} if kind == "code" else {})
                    for kind, source in cells
                ],
                "metadata": {
                    "kernelspec": {
                        "display_name": "Python 3",
                        "language": "python",
                        "name": "python3",
                    },
                    **(metadata or {}),
                },
                "nbformat": 4,
                "nbformat_minor": 4,
            }
        ),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def scratch_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Voila, configured as ``make serve``, over a few throwaway notebooks."""
    notebooks = tmp_path_factory.mktemp("scratch-notebooks")
    _notebook(
        notebooks / "heading.ipynb",
        [
            ("code", "x = 1"),
            ("markdown", "Some words before the heading.\n\n## Board report: Q1 & Q2\n\nText."),
            ("markdown", "# A later heading"),
        ],
    )
    _notebook(
        notebooks / "metadata.ipynb", [("markdown", "# Heading")], {"title": "Chair's summary"}
    )
    _notebook(notebooks / "untitled.ipynb", [("code", "x = 1")])
    logs = tmp_path_factory.mktemp("scratch-logs")
    with run_voila(f"sqlite:///{logs}/unused.db", logs / "voila.log", notebooks=notebooks) as base:
        yield base


@pytest.mark.parametrize(
    ("notebook", "title"),
    [
        ("heading", "Board report: Q1 & Q2"),  # the first Markdown heading, any level
        ("metadata", "Chair's summary"),  # metadata.title comes first
        ("untitled", "untitled"),  # no heading: the file name
    ],
)
def test_page_title_names_the_notebook(
    scratch_server: str, page, notebook: str, title: str
) -> None:
    page.goto(f"{scratch_server}/voila/render/{notebook}.ipynb", timeout=60_000)
    page.locator("#rendered_cells").wait_for(state="visible", timeout=60_000)
    assert page.title() == f"{title} – {TITLE}"
    assert page.locator("#rendered_cells").get_attribute("aria-label") == title
    assert page.evaluate("document.documentElement.lang") == "en-GB"
