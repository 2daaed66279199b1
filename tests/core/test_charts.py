"""Chart specs as data (house style rule 9), the theme, and the offline embedding."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import altair as alt
import pandas as pd
import pytest
from analysis_frames import build, cycle

from workbook import analysis
from workbook.charts import builders as charts
from workbook.charts import offline, theme
from workbook.schema.partnership import Agency
from workbook.schema.responses import Status

TODAY = dt.date(2020, 3, 10)


@pytest.fixture
def fw(make_framework):
    return make_framework()


@pytest.fixture
def frame(fw) -> pd.DataFrame:
    return build(
        fw,
        {
            "alpha": {"p-1": "green", "p-2": "green", "i-1": "amber"},
            "beta": {"p-1": "red", "p-2": "amber", "i-1": "amber"},
        },
        statuses={"beta": Status.DRAFT},
    )


def _layers(spec: dict) -> list[dict]:
    return spec["layer"]


def test_the_workbook_theme_is_registered_and_enabled() -> None:
    assert theme.NAME in alt.theme.names()
    assert alt.theme.active == theme.NAME
    config = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().to_dict()["config"]
    assert config["axis"]["labelFontSize"] == 12


def test_heatmap_colours_come_from_the_scale_and_labels_are_text(fw, frame) -> None:
    table = analysis.heatmap_table(frame, fw.scale)
    spec = charts.heatmap(table, fw.scale).to_dict()
    rect, text = _layers(spec)
    assert rect["mark"]["type"] == "rect"
    assert text["mark"]["type"] == "text"
    colour = rect["encoding"]["color"]
    assert colour["field"] == "label"
    assert colour["type"] == "nominal"
    assert colour["scale"]["domain"] == [
        "Red",
        "Amber",
        "Green",
        analysis.NOT_RATED,
        analysis.NA_CELL,
    ]
    assert colour["scale"]["range"][:3] == ["#d7191c", "#fdae61", "#1a9641"]
    assert text["encoding"]["text"]["field"] == "short"  # the label, not only the colour
    assert text["encoding"]["color"]["legend"] is None
    # shared, the two colour scales merge and each label is drawn in its cell's colour
    assert spec["resolve"]["scale"]["color"] == "independent"
    tooltips = {t["field"] for t in rect["encoding"]["tooltip"]}
    assert {"agency", "heading", "label", "distribution"} <= tooltips
    assert rect["encoding"]["y"]["sort"] == [
        "Alpha health trust",
        "Beta police force",
        "Gamma schools",
    ]
    assert rect["encoding"]["x"]["sort"] == ["Prevent", "Identify"]
    assert "description" in spec
    assert spec["height"] == 3 * charts.CELL
    values = spec["datasets"][spec["data"]["name"]]
    assert len(values) == 6


def test_overview_cross_filters_the_heatmap_and_the_spread(fw, frame) -> None:
    spec = charts.overview(
        analysis.heatmap_table(frame, fw.scale), analysis.rating_counts(frame, fw.scale), fw.scale
    ).to_dict()
    heat, spread = spec["vconcat"]
    assert {"agency_pick", "heading_pick"} <= {p["name"] for p in spec["params"]}
    dots, numbers = spread["layer"]
    assert {"filter": {"param": "agency_pick"}} in dots["transform"]
    assert dots["encoding"]["x"]["sort"] == ["Red", "Amber", "Green"]  # rating by position
    assert numbers["encoding"]["text"]["field"] == "ratings"
    opacity = heat["layer"][0]["encoding"]["opacity"]["condition"]["test"]
    assert opacity == {"and": [{"param": "agency_pick"}, {"param": "heading_pick"}]}


def test_completion_chart_counts_overdue_apart(frame) -> None:
    table = analysis.completion(frame, today=dt.date(2020, 3, 5))
    chart = charts.completion_chart(table)
    spec = chart.to_dict()
    values = spec["datasets"][spec["data"]["name"]]
    assert {v["group"]: v["returns"] for v in values} == {
        "Not started, overdue": 1,
        "Draft, overdue": 1,
        "Submitted": 1,
    }
    assert spec["layer"][1]["encoding"]["text"]["field"] == "returns"


def test_trend_chart_names_each_line(fw, frame) -> None:
    table = analysis.trend(frame, "heading")
    spec = charts.trend_chart(table, by="heading").to_dict()
    lines, names = spec["layer"]
    assert lines["mark"]["type"] == "line"
    assert names["mark"]["type"] == "text"
    assert names["encoding"]["text"]["field"] == "name"
    assert lines["encoding"]["y"]["scale"]["domain"] == [0, 1]
    assert {t["field"] for t in lines["encoding"]["tooltip"]} >= {"name", "mean_normalised"}


def test_gap_chart_uses_shape_as_well_as_colour(fw, frame) -> None:
    from workbook.store.moderation import Moderation

    mods = analysis.moderation_frame(
        [Moderation(1, "c1", "alpha", "p-1", "red", "", "green", 1, "C", dt.datetime.now(dt.UTC))],
        fw.scale,
    )
    spec = charts.gap_chart(analysis.gap_by_agency(frame, mods), fw.scale).to_dict()
    points = spec["layer"][1]
    assert points["encoding"]["shape"]["scale"]["range"] == ["circle", "diamond"]
    assert "Red" in points["encoding"]["x"]["axis"]["labelExpr"]


def test_a_large_partnership_stays_under_altairs_row_limit(make_framework) -> None:
    criteria = [
        {"id": f"c-{n}", "heading": f"h{n % 8}", "prompt": f"Question {n}"} for n in range(40)
    ]
    fw = make_framework(
        headings=[{"id": f"h{n}", "title": f"Heading {n}"} for n in range(8)], criteria=criteria
    )
    many = {f"a{n}": Agency(id=f"a{n}", name=f"Agency {n}", sector="s") for n in range(50)}
    levels = ["red", "amber", "green"]
    ratings = {a: {c["id"]: levels[i % 3] for i, c in enumerate(criteria)} for a in many}
    frame = build(fw, ratings, info=cycle(agencies=tuple(many)), agencies=many)
    assert len(frame) == 2000
    chart = charts.overview(
        analysis.heatmap_table(frame, fw.scale), analysis.rating_counts(frame, fw.scale), fw.scale
    )
    chart.to_dict()  # raises MaxRowsError above 5,000 rows


# -- offline embedding -----------------------------------------------------------------------


def test_chart_html_escapes_the_spec_so_user_text_stays_text(fw) -> None:
    hostile = '</script><script>alert(1)</script>" onmouseover="x'
    table = pd.DataFrame({"a": [hostile], "b": [1]})
    chart = alt.Chart(table).mark_bar().encode(x="a:N", y="b:Q", tooltip=["a:N"])
    out = offline.chart_html(chart, chart_id="c1")
    assert out.startswith('<div class="wb-chart" id="c1" data-spec="')
    assert "<script" not in out
    assert 'onmouseover="' not in out
    payload = re.search(r'data-spec="([^"]*)"', out).group(1)
    spec = json.loads(html.unescape(payload))
    assert spec["datasets"][spec["data"]["name"]][0]["a"] == hostile


def test_the_loader_carries_vega_inline_and_never_a_cdn() -> None:
    script = offline.loader_html()
    assert script.startswith("<script>")
    assert script.endswith("</script>")
    assert script.count("</script") == 1  # the bundle cannot close the element early
    assert "vegaEmbed" in script
    assert "MutationObserver" in script
    assert not re.search(r"(src|href)=[\"']https?://", script)
    assert len(script) > 500_000  # the whole of Vega, Vega-Lite and vega-embed
    assert offline.loader()._repr_html_() == script


def test_the_workbook_renderer_draws_offline() -> None:
    chart = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q")
    with alt.renderers.enable("workbook"):
        bundle = chart._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert list(bundle) == ["text/html"]
    assert bundle["text/html"].startswith('<div class="wb-chart"')
    assert "window.vegaEmbed" in bundle["text/html"]


def test_charts_start_without_the_slow_iri_checker_and_still_validate() -> None:
    """workbook/__init__.py keeps rfc3987_syntax out (1.8 s of each dashboard kernel, #19):
    Altair still validates every chart against Vega-Lite's schema without it."""
    import subprocess
    import sys

    code = (
        "import sys\nimport workbook.charts.offline\nimport altair as alt, jsonschema, pandas\n"
        "print(sys.modules['rfc3987_syntax'] is None, 'iri' in jsonschema.FormatChecker().checkers)\n"
        "alt.Chart(pandas.DataFrame({'a': [1]})).mark_bar().encode(x='a:Q').to_dict()\n"
        "try:\n    alt.Chart(pandas.DataFrame({'a': [1]})).mark_point(size='big').to_dict()\n"
        "except Exception as exc:\n    print(type(exc).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False", "SchemaValidationError"]
