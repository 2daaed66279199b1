"""The offline chart loader (workbook/charts/offline.py) in a real browser (issue #19).

It draws one chart at a time, in the order they appear, so a page's first chart is not
held back by the others; so a chart that cannot be drawn, or one taken off the page
before its turn, must never stop the charts after it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import open_offline
from workbook.charts import offline

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RECORD = """<script>
window.drawn = [];
new MutationObserver(function (mutations) {
  mutations.forEach(function (m) {
    m.addedNodes.forEach(function (n) {
      if (n.nodeName === 'svg' || (n.querySelector && n.querySelector('svg'))) {
        var chart = n.closest ? n.closest('.wb-chart') : null;
        if (chart && window.drawn.indexOf(chart.id) < 0) {
          window.drawn.push(chart.id);
          window.alongside = window.alongside || document.querySelectorAll('.wb-chart svg').length;
        }
      }
    });
  });
}).observe(document.documentElement, {childList: true, subtree: true});
</script>"""
"""Records the ids of the charts as their SVGs arrive, and how many charts had been drawn
when the first one's SVG arrived (1 if it came alone); put before the loader."""


def _bars(title: str) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": title,
        "data": {"values": [{"a": "x", "b": 1}, {"a": "y", "b": 2}]},
        "mark": "bar",
        "encoding": {
            "x": {"field": "a", "type": "nominal"},
            "y": {"field": "b", "type": "quantitative"},
        },
    }


def test_charts_are_drawn_in_page_order_past_a_broken_one_and_a_removed_one(
    page: Any, tmp_path: Path
) -> None:
    broken = {"mark": {"type": "no-such-mark"}, "data": {"values": []}}
    charts = [
        offline.chart_html(_bars("First"), chart_id="first"),
        offline.chart_html(broken, chart_id="broken"),
        offline.chart_html(_bars("Removed"), chart_id="removed"),
        offline.chart_html(_bars("Last"), chart_id="last"),
    ]
    file = tmp_path / "charts.html"
    file.write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Charts</title>"
        + RECORD
        + "</head><body>"
        + "".join(charts)
        + offline.loader_html()
        # the loader has queued every chart and begun the first: take one off the page
        + "<script>document.getElementById('removed').remove();</script>"
        + "</body></html>",
        encoding="utf-8",
    )
    assert open_offline(page, file) == []
    page.wait_for_function("() => window.drawn.indexOf('last') >= 0", timeout=30_000)
    assert page.evaluate("() => window.drawn") == ["first", "last"]
    assert page.evaluate("() => window.alongside") == 1  # the first, alone, then the next
    said = page.locator("#broken").text_content() or ""
    assert said.startswith("Chart could not be drawn")
    assert page.locator("#first svg").count() == 1
    # a chart added later (a widget's new value) is drawn too, once
    page.evaluate(
        "html => document.body.insertAdjacentHTML('beforeend', html)",
        offline.chart_html(_bars("Later"), chart_id="later"),
    )
    page.wait_for_function("() => window.drawn.indexOf('later') >= 0", timeout=30_000)
    assert page.evaluate("() => window.drawn") == ["first", "last", "later"]
    assert page.locator("#later svg").count() == 1
    assert (
        json.loads(page.locator("#later").get_attribute("data-drawn") or "{}")["title"] == "Later"
    )
