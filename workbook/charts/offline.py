"""Charts that draw with no network: Vega bundled inline, specs carried as escaped data.

Altair's default renderer loads Vega from a CDN, so with the network cut no chart
appears in Voila or in exported HTML (issue #4). Here the Vega/Vega-Lite/vega-embed
bundle comes from ``vl-convert-python`` (cached on disk: building it takes a second or
two) and is sent to the page once by :func:`loader_html`. Each chart is then a plain
``<div class="wb-chart" data-spec="...">`` whose spec is HTML-escaped JSON; the loader
watches the page and draws every such div as SVG when it appears, which also works when
an ipywidgets ``HTML`` widget (whose scripts never run) changes its value. Large scripts
inside ``Output`` widgets stall Voila's executor, so the bundle travels in a plain cell
output instead.

For plain notebooks and their exported HTML, :func:`enable` switches Altair to the
``workbook`` renderer, whose output carries the loader with each chart (run once).
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
import uuid
from importlib.metadata import version
from pathlib import Path
from typing import Any

import altair as alt

from workbook.charts import theme

VEGALITE_VERSION = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
"""The Vega-Lite minor version Altair writes (e.g. ``6.4``); the bundle must match it."""

EMBED_OPTIONS = {"actions": False, "renderer": "svg"}
"""SVG, so charts are in the DOM (and tests can see them); no export menu linking out."""

# Draw every div.wb-chart[data-spec] once: those present now and any added later, one at
# a time in the order they appear, each painted before the next begins (issue #19: drawn
# together, the dashboard's first chart waited for the heatmap's, about 55 ms).
OBSERVER = """
(function () {
  if (window.__workbookCharts) { return; }
  window.__workbookCharts = true;
  var SELECTOR = 'div.wb-chart[data-spec]';
  var OPTIONS = %s;
  var waiting = [], drawing = false;
  function failed(el, err) { el.textContent = 'Chart could not be drawn: ' + err; }
  function after() {
    drawing = false;
    requestAnimationFrame(function () { setTimeout(next, 0); });
  }
  function next() {
    if (drawing) { return; }
    var el = waiting.shift();
    while (el && !el.isConnected) { el = waiting.shift(); }
    if (!el) { return; }
    drawing = true;
    try {
      window.vegaEmbed(el, JSON.parse(el.getAttribute('data-spec')), OPTIONS)
        .catch(function (err) { failed(el, err); })
        .then(after);
    } catch (err) {
      failed(el, err);
      after();
    }
  }
  function draw(el) {
    if (el.getAttribute('data-drawn') === el.getAttribute('data-spec')) { return; }
    el.setAttribute('data-drawn', el.getAttribute('data-spec'));
    waiting.push(el);
    next();
  }
  function scan(root) {
    if (root.matches && root.matches(SELECTOR)) { draw(root); }
    if (root.querySelectorAll) { root.querySelectorAll(SELECTOR).forEach(draw); }
  }
  new MutationObserver(function (mutations) {
    mutations.forEach(function (m) {
      m.addedNodes.forEach(function (n) { if (n.nodeType === 1) { scan(n); } });
    });
  }).observe(document.documentElement, {childList: true, subtree: true});
  scan(document);
})();
"""


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "safeguarding-workbook"


@functools.cache
def vega_bundle() -> str:
    """The vega-embed + Vega-Lite + Vega JavaScript bundle, from vl-convert (cached on disk)."""
    import vl_convert

    name = f"vega-bundle-vlc{version('vl-convert-python')}-vl{VEGALITE_VERSION}.js"
    path = _cache_dir() / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    # no snippet: the default one puts vegaEmbed, vegaLite and vega on window
    bundle: str = vl_convert.javascript_bundle(None, vl_version=VEGALITE_VERSION)  # type: ignore[arg-type]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(bundle, encoding="utf-8")
        partial.replace(path)  # atomic: a second kernel never reads half a file
    except OSError:
        pass  # a read-only home only costs the rebuild next time
    return bundle


def _script_safe(text: str) -> str:
    """JavaScript text that cannot close its <script> element early.

    Only ``</script`` (any case) ends a script element; ``<\\/`` means ``</`` inside JS
    strings and regular expressions alike. A blanket ``</`` replacement would break
    code such as ``/</g``.
    """
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def loader_html() -> str:
    """One ``<script>``: the Vega bundle (if the page lacks it) and the chart observer."""
    return (
        "<script>\nif (!window.vegaEmbed) {\n"
        + _script_safe(vega_bundle())
        + "\n}\n"
        + OBSERVER % json.dumps(EMBED_OPTIONS)
        + "</script>"
    )


class Loader:
    """Displays as the loader script in a notebook or Voila (no IPython import needed)."""

    def _repr_html_(self) -> str:
        return loader_html()

    def __repr__(self) -> str:
        return "<workbook chart loader>"


def loader() -> Loader:
    """The object a notebook displays once so later charts can draw offline."""
    return Loader()


def spec(chart: alt.TopLevelMixin, *, validate: bool = False) -> dict[str, Any]:
    """The chart's Vega-Lite spec (unvalidated by default: builders are tested instead)."""
    result: dict[str, Any] = chart.to_dict(validate=validate)
    return result


def chart_html(chart: alt.TopLevelMixin | dict[str, Any], *, chart_id: str | None = None) -> str:
    """A div the loader draws: the spec travels HTML-escaped, so user text stays text."""
    data = chart if isinstance(chart, dict) else spec(chart)
    ident = chart_id or f"wb-chart-{uuid.uuid4().hex[:8]}"
    payload = html.escape(json.dumps(data, separators=(",", ":")), quote=True)
    return f'<div class="wb-chart" id="{html.escape(ident)}" data-spec="{payload}"></div>'


def _renderer(spec_: dict[str, Any], **_: Any) -> dict[str, str]:
    return {"text/html": chart_html(spec_) + loader_html()}


alt.renderers.register("workbook", _renderer)


def build_unchecked() -> None:
    """Stop Altair checking each part of a chart against Vega-Lite's schema as it is made.

    Altair's "debug mode", on by default, validates every channel and layer when it is
    constructed: about a tenth of the time the dashboard's overview takes to build after
    the page is requested (issue #19). The workbook's builders are checked against the
    schema by their tests (``to_dict()`` validates the whole spec) and no visitor writes
    a chart, so the pages' kernels call this; analysts' notebooks keep the checks.
    """
    alt.utils.schemapi.disable_debug_mode()


def enable() -> None:
    """Render Altair charts in notebooks (and their exported HTML) with no network."""
    theme.enable()
    alt.renderers.enable("workbook")
