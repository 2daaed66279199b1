"""Altair chart builders for the chair's dashboard (issue #4); charts are data.

Every builder takes an already aggregated table from :mod:`workbook.analysis` (Altair
refuses more than 5,000 rows, and the tables here have at most agencies x headings x
levels rows) and returns an Altair chart; tests assert on ``chart.to_dict()``. Rating
colours come from the framework's scale and are never the only cue: heatmap cells carry
the rating's (short) label as text, the spread puts ratings on an axis, and the gap chart
uses shapes as well as colours. Tooltips show the full labels; every chart has a
``description`` (its ARIA label) and a table beside it in the dashboard.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from workbook import analysis
from workbook.charts import theme
from workbook.schema.framework import Scale

CELL = 26
"""Height of one heatmap row, in pixels (50 agencies stay readable)."""


HEADING_WIDTH = 150
"""Width of a heatmap column: room for a heading title such as 'Intervene and support'."""


def _values(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Only the columns a chart needs, JSON-friendly (dates as ISO text, NaN as null)."""
    out = table[list(columns)].copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
    return out.astype(object).where(out.notna(), None)


def _layer(*layers: Any, **properties: Any) -> alt.LayerChart:
    """A layered chart with top-level properties (title, size, ARIA description)."""
    return alt.LayerChart(layer=list(layers), **properties)


def rating_scale(scale: Scale, *, text: bool = False) -> alt.Scale:
    """Colour scale from the levels (worst to best, "Not rated", "N/A"); or their text colours.

    "N/A" (nothing in the cell counts: not applicable or not asked, issue #16) is a neutral
    grey that is none of the scale's colours, and always carries its text.
    """
    lv = analysis.levels(scale)
    domain = [*lv["label"], analysis.NOT_RATED, analysis.NA_CELL]
    if text:
        return alt.Scale(domain=domain, range=[*lv["text_colour"], theme.INK, theme.INK])
    return alt.Scale(domain=domain, range=[*lv["colour"], theme.NOT_RATED_FILL, theme.NA_FILL])


def _ordered(table: pd.DataFrame, column: str, by: str) -> list[str]:
    return list(dict.fromkeys(table.sort_values([by, column])[column]))


def selections() -> tuple[Any, Any]:
    """The cross-filter selections: click an agency's row, or a heading."""
    agency = alt.selection_point(name="agency_pick", fields=["agency_id"], on="click")
    heading = alt.selection_point(name="heading_pick", fields=["heading_id"], on="click")
    return agency, heading


def heatmap(
    table: pd.DataFrame,
    scale: Scale,
    *,
    agency_pick: Any = None,
    heading_pick: Any = None,
) -> alt.LayerChart:
    """Agencies x headings, each cell the median rating: its colour and its label as text."""
    data = _values(
        table,
        [
            "agency_id",
            "agency",
            "sector",
            "status_label",
            "heading_id",
            "heading",
            "heading_order",
            "label",
            "short",
            "rated",
            "criteria",
            "not_applicable",
            "distribution",
        ],
    )
    headings = _ordered(table, "heading", "heading_order")
    agencies = sorted(dict.fromkeys(table["agency"]))
    base = alt.Chart(data).encode(
        x=alt.X(
            "heading:N",
            sort=headings,
            title="Heading",
            axis=alt.Axis(orient="top", labelAngle=0, labelLimit=HEADING_WIDTH - 6),
        ),
        y=alt.Y("agency:N", sort=agencies, title=None, axis=alt.Axis(labelLimit=260)),
        tooltip=[
            alt.Tooltip("agency:N", title="Agency"),
            alt.Tooltip("sector:N", title="Sector"),
            alt.Tooltip("status_label:N", title="Return"),
            alt.Tooltip("heading:N", title="Heading"),
            alt.Tooltip("label:N", title="Median rating"),
            alt.Tooltip("distribution:N", title="Ratings"),
            alt.Tooltip("rated:Q", title="Criteria rated"),
            alt.Tooltip("not_applicable:Q", title="Not applicable"),
        ],
    )
    rect = base.mark_rect(stroke="#ffffff", strokeWidth=1).encode(
        color=alt.Color(
            "label:N",
            scale=rating_scale(scale),
            legend=alt.Legend(title="Median rating", orient="bottom", direction="horizontal"),
        )
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("short:N"),
        color=alt.Color("label:N", scale=rating_scale(scale, text=True), legend=None),
    )
    if agency_pick is not None:
        rect = rect.add_params(agency_pick)
    picks = [p for p in (agency_pick, heading_pick) if p is not None]
    if picks:
        # picked rows (and the heading picked in the spread) stay solid, the rest fade
        predicate = picks[0] if len(picks) == 1 else picks[0] & picks[1]
        # a channel object, not condition()'s dict, which Altair would look up among its
        # ~570 schema classes, hashing each, at every call (issue #19: 22 ms a channel)
        fade = alt.condition(predicate, alt.value(1.0), alt.value(0.3))
        rect = rect.encode(opacity=alt.OpacityValue(**fade))
    n_headings = max(1, len(headings))
    return _layer(
        rect,
        text,
        # the text has its own colour scale (dark or light for contrast); shared, Vega-Lite
        # would merge it with the fill's and draw every label in its cell's own colour
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="independent")),
        width=min(900, HEADING_WIDTH * n_headings),
        height=CELL * max(1, len(agencies)),
        title="Median rating by agency and heading",
        description=(
            f"Heatmap of the median rating of {len(agencies)} agencies under {n_headings} "
            "headings; each cell shows the rating's label. The same data is in the table "
            "that follows."
        ),
    )


def spread_chart(
    counts: pd.DataFrame,
    scale: Scale,
    *,
    agency_pick: Any = None,
    heading_pick: Any = None,
    heading_order: Sequence[str] = (),
) -> alt.LayerChart:
    """Per heading, how many ratings fell at each level: dots on a worst-to-best axis."""
    lv = analysis.levels(scale)
    data = _values(counts, ["agency_id", "heading_id", "heading", "label", "short", "count"])
    base = alt.Chart(data)
    if agency_pick is not None:
        base = base.transform_filter(agency_pick)
    base = base.transform_aggregate(
        ratings="sum(count)", groupby=["heading_id", "heading", "label", "short"]
    ).encode(
        x=alt.X("label:N", sort=list(lv["label"]), title="Rating (worst to best)"),
        y=alt.Y("heading:N", sort=list(heading_order) or None, title=None),
        tooltip=[
            alt.Tooltip("heading:N", title="Heading"),
            alt.Tooltip("label:N", title="Rating"),
            alt.Tooltip("ratings:Q", title="Ratings"),
        ],
    )
    dots = base.mark_circle(opacity=0.9, stroke=theme.INK, strokeWidth=0.5).encode(
        size=alt.Size("ratings:Q", title="Ratings", scale=alt.Scale(range=[40, 900])),
        color=alt.Color("label:N", scale=rating_scale(scale), legend=None),
    )
    if heading_pick is not None:
        dots = dots.add_params(heading_pick)
    labels = base.mark_text(dx=16, align="left", fontSize=11, color=theme.INK).encode(
        text=alt.Text("ratings:Q")
    )
    return _layer(
        dots,
        labels,
        width=70 * len(lv),
        height=alt.Step(34),
        title="Spread of ratings under each heading",
        description=(
            "Dot chart: for each heading, the number of ratings at each level, from worst to "
            "best along the horizontal axis. Click an agency in the heatmap to show only its "
            "ratings. The same data is in the table that follows."
        ),
    )


def overview(heatmap_table: pd.DataFrame, counts: pd.DataFrame, scale: Scale) -> alt.VConcatChart:
    """Heatmap above the spread (side by side they overflow a laptop screen), filtering each other.

    Clicking an agency's row in the heatmap shows only its ratings in the spread;
    clicking a heading's dot in the spread fades the other headings in the heatmap.
    """
    agency_pick, heading_pick = selections()
    headings = _ordered(heatmap_table, "heading", "heading_order")
    return alt.VConcatChart(
        vconcat=[
            heatmap(heatmap_table, scale, agency_pick=agency_pick, heading_pick=heading_pick),
            spread_chart(
                counts,
                scale,
                agency_pick=agency_pick,
                heading_pick=heading_pick,
                heading_order=headings,
            ),
        ],
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="independent", size="independent")),
    )


def completion_chart(table: pd.DataFrame) -> alt.LayerChart:
    """How many returns are in each state, overdue ones counted apart; bars with numbers."""
    data = table.assign(
        group=[
            f"{label}, overdue" if overdue else label
            for label, overdue in zip(table["status_label"], table["overdue"], strict=True)
        ]
    )
    counted = data.groupby("group", sort=False).size().rename("returns").reset_index()
    order = [
        g
        for g in ("Not started, overdue", "Draft, overdue", "Reopened, overdue")
        + ("Not started", "Draft", "Reopened", "Submitted")
        if g in set(counted["group"])
    ]
    base = alt.Chart(counted).encode(
        y=alt.Y("group:N", sort=order, title=None),
        x=alt.X("returns:Q", title="Returns", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("group:N", title="State"), alt.Tooltip("returns:Q", title="Returns")],
    )
    bars = base.mark_bar(color=theme.SERIES[0])
    numbers = base.mark_text(align="left", dx=4, color=theme.INK).encode(text=alt.Text("returns:Q"))
    return _layer(
        bars,
        numbers,
        width=320,
        height=alt.Step(24),
        title="Returns by state",
        description="Bar chart of the number of returns in each state; the table lists them.",
    )


def trend_chart(table: pd.DataFrame, *, by: str = "heading") -> alt.LayerChart:
    """Mean rating per cycle (0% worst level, 100% best) for each heading or agency.

    Each line is named by a label at its latest cycle, so colour is not needed to tell
    lines apart.
    """
    data = _values(table, ["cycle_id", "cycle", "due", "key", "name", "mean_normalised", "rated"])
    cycles = list(dict.fromkeys(table.sort_values("due")["cycle"]))
    latest = table.sort_values("due").groupby("key").tail(1)
    base = alt.Chart(data).encode(
        x=alt.X("cycle:N", sort=cycles, title="Cycle", axis=alt.Axis(labelAngle=0)),
        y=alt.Y(
            "mean_normalised:Q",
            title="Mean rating (0% worst level, 100% best)",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%"),
        ),
        color=alt.Color("name:N", title=by.capitalize(), legend=None),
        tooltip=[
            alt.Tooltip("name:N", title=by.capitalize()),
            alt.Tooltip("cycle:N", title="Cycle"),
            alt.Tooltip("mean_normalised:Q", title="Mean rating", format=".0%"),
            alt.Tooltip("rated:Q", title="Ratings"),
        ],
    )
    lines = base.mark_line(point=alt.OverlayMarkDef(size=50))
    names = (
        alt.Chart(_values(latest, ["cycle", "name", "mean_normalised"]))
        .mark_text(align="left", dx=8, fontSize=11)
        .encode(
            x=alt.X("cycle:N", sort=cycles),
            y=alt.Y("mean_normalised:Q"),
            text=alt.Text("name:N"),
            color=alt.Color("name:N", legend=None),
        )
    )
    return _layer(
        lines,
        names,
        width=max(240, 140 * len(cycles)),
        height=260,
        title=f"Trend by {by}",
        description=(
            f"Line chart of the mean rating of each {by} in each cycle of this framework, "
            "matched by criterion id. The table that follows has the same numbers."
        ),
    )


def gap_chart(table: pd.DataFrame, scale: Scale) -> alt.LayerChart:
    """The optimism gap: each agency's mean self-rating against the chair's moderated one.

    Self-ratings are circles and moderated ratings diamonds (shape, not only colour); the
    axis is labelled with the scale's levels.
    """
    lv = analysis.levels(scale)
    long = table.melt(
        id_vars=["agency_id", "agency", "moderated", "mean_gap"],
        value_vars=["self_mean", "moderated_mean"],
        var_name="kind",
        value_name="level",
    )
    long["kind"] = long["kind"].map({"self_mean": "Self-rating", "moderated_mean": "Moderated"})
    labels = json.dumps(list(lv["label"]))
    x = alt.X(
        "level:Q",
        title="Mean rating of moderated criteria",
        scale=alt.Scale(domain=[0, len(lv) - 1]),
        axis=alt.Axis(
            values=list(range(len(lv))), labelExpr=f"{labels}[datum.value]", labelLimit=200
        ),
    )
    y = alt.Y("agency:N", title=None, sort=list(table["agency"]))
    rule = (
        alt.Chart(_values(table, ["agency", "self_mean", "moderated_mean"]))
        .mark_rule(color=theme.MUTED)
        .encode(
            x=alt.X("self_mean:Q", scale=alt.Scale(domain=[0, len(lv) - 1])),
            x2=alt.X2("moderated_mean:Q"),
            y=y,
        )
    )
    points = (
        alt.Chart(_values(long, ["agency", "kind", "level", "moderated", "mean_gap"]))
        .mark_point(filled=True, size=120, opacity=1)
        .encode(
            x=x,
            y=y,
            shape=alt.Shape(
                "kind:N",
                scale=alt.Scale(domain=["Self-rating", "Moderated"], range=["circle", "diamond"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(
                    domain=["Self-rating", "Moderated"], range=[theme.SERIES[0], theme.SERIES[1]]
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("agency:N", title="Agency"),
                alt.Tooltip("kind:N", title="Rating"),
                alt.Tooltip("level:Q", title="Mean level (0 = worst)", format=".1f"),
                alt.Tooltip("moderated:Q", title="Criteria moderated"),
                alt.Tooltip("mean_gap:Q", title="Mean gap (levels)", format="+.1f"),
            ],
        )
    )
    return _layer(
        rule,
        points,
        width=420,
        height=alt.Step(26),
        title="Self-rating against moderated rating",
        description=(
            "Dot chart per agency: circle for the mean self-rating, diamond for the mean "
            "moderated rating of the criteria the chair moderated. The table that follows "
            "has the same numbers."
        ),
    )
