"""The report and agency profile as displayable sections of escaped HTML (issue #5).

Each section is a :class:`Fragment`: HTML made by Jinja with autoescape (so every text
users typed shows as text) plus a plain-text version, displayed by the notebook with no
IPython import (the ``_repr_mimebundle_`` protocol). Charts become static inline SVG
through vl-convert: drawn without JavaScript or network, visible in JupyterLab, Voila,
the exported board snapshot and on paper; each chart carries its description as its
accessible name and is followed by a table of the same data.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from workbook.charts import offline, theme
from workbook.charts import tables as htmltable
from workbook.reports.run import TITLE_KEY

_ENV = Environment(
    loader=PackageLoader("workbook", "html"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Fragment:
    """One displayable section: escaped HTML, its plain text, display metadata."""

    html: str
    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        return {"text/html": self.html, "text/plain": self.text}, dict(self.metadata)

    def __repr__(self) -> str:
        return self.text


# -- charts as SVG ----------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _svg(spec_json: str) -> str:
    import vl_convert

    svg: str = vl_convert.vegalite_to_svg(
        spec_json, vl_version=offline.VEGALITE_VERSION, allowed_base_urls=[]
    )
    return svg


SVG_FONT = "'Liberation Sans', Arial, Helvetica, sans-serif"
"""Fonts of the static charts: vl-convert lays text out with Liberation Sans' metrics,
which Arial (Windows) and Helvetica (macOS) share, so labels fit wherever the file is
opened; the theme's ``system-ui`` would be measured with one font and drawn with another."""


def _static_fonts(value: Any) -> Any:
    """The spec with the theme's font replaced by :data:`SVG_FONT` everywhere."""
    if isinstance(value, dict):
        return {k: _static_fonts(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_static_fonts(v) for v in value]
    return SVG_FONT if value == theme.FONT else value


def svg(spec: Mapping[str, Any]) -> Markup:
    """A Vega-Lite spec drawn as inline SVG, named by its description for screen readers.

    vl-convert escapes every text it draws (labels, tooltips, ARIA labels), so user text
    in a chart stays text, and fetches nothing (no base URL is allowed); the root
    element becomes ``role="img"`` with ``aria-label``.
    """
    import json

    drawn = _svg(json.dumps(_static_fonts(dict(spec)), sort_keys=True))
    label = html.escape(str(spec.get("description") or spec.get("title") or "Chart"), quote=True)
    drawn = re.sub(r"^<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', drawn)
    return Markup(drawn)  # noqa: S704 - vl-convert's output, with an escaped label


# -- tables -----------------------------------------------------------------------------


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Mapping[str, str],
    caption: str,
    *,
    empty: str = "Nothing to show.",
) -> Markup:
    """An escaped table (first column as row headers) of plain rows; ``empty`` if none."""
    if not rows:
        return Markup('<p class="wb-empty">{}</p>').format(empty)
    frame = pd.DataFrame(list(rows), columns=list(columns))
    return Markup(htmltable.html_table(frame, columns, caption, empty=empty))  # noqa: S704


def grid(
    rows: Sequence[Mapping[str, Any]], first: str, headings: Sequence[str], caption: str
) -> Markup:
    """A table of ``{"<first>": name, "cells": [...]}`` rows under ``headings`` columns."""
    keys = [f"c{i}" for i in range(len(headings))]
    flat = [{"name": row[first], **dict(zip(keys, row["cells"], strict=True))} for row in rows]
    columns = {"name": first.capitalize(), **dict(zip(keys, headings, strict=True))}
    return table(flat, columns, caption)


def _text_table(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, str]) -> str:
    if not rows:
        return "(none)"
    frame = pd.DataFrame(list(rows), columns=list(columns)).rename(columns=dict(columns))
    return str(frame.to_string(index=False))


_ENV.globals.update(table=table, grid=grid, svg=svg)


def section(name: str, context: Mapping[str, Any], text: str, **metadata: Any) -> Fragment:
    """Render one macro of ``report.html.j2`` with the context."""
    macro = getattr(_ENV.get_template("report.html.j2").module, name)
    return Fragment(str(macro(context)), text, {TITLE_KEY: metadata} if metadata else {})


def style() -> str:
    """The CSS of the report's sections (the table CSS of the dashboard, and more)."""
    return htmltable.STYLE + _ENV.get_template("report.css.j2").render()


# -- what the notebooks display ---------------------------------------------------------


class Report:
    """The self-assessment report; each method displays one section in the notebook."""

    SECTIONS = (
        "title",
        "purpose",
        "key_messages",
        "asks",
        "highlights",
        "evidence",
        "comparison",
        "detail",
        "completion",
        "ratings",
        "themes",
        "disagreement",
        "moderation",
        "not_applicable",
        "actions",
        "appendix",
    )
    """The board paper's order (issue #16), which ``notebooks/report.ipynb`` displays."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        self.context = context

    def __repr__(self) -> str:
        return f"<report: {self.context['title']}>"

    def title(self) -> Fragment:
        """Front page: the partnership, who the paper is to and from, the meeting."""
        c = self.context
        text = f"{c['title']}\n{c['partnership']}\n{c['audience']}"
        return section("report_title", {**c, "style": Markup(style())}, text, title=c["title"])  # noqa: S704

    def purpose(self) -> Fragment:
        """Why the paper is in front of its readers, and the self-assessment's timetable."""
        p = self.context["purpose"]
        return section("purpose", self.context, f"{p['purpose']}\n{p['context']}")

    def key_messages(self) -> Fragment:
        """The chair's key messages and recommendations."""
        h = self.context["highlights"]
        text = "\n".join(
            ["Key messages:", *h["key_messages"], "Recommendations:", *h["recommendations"]]
        )
        return section("key_messages", self.context, text)

    def highlights(self) -> Fragment:
        """The partnership by heading: its median, then the chair's points with sources."""
        return section("highlights", self.context, "The partnership by heading")

    def detail(self) -> Fragment:
        """Where the detailed tables begin."""
        return section("detail", self.context, "The detailed tables")

    def appendix(self) -> Fragment:
        """The method: store, parameters, run time and the criteria's ids."""
        return section("appendix", self.context, "Appendix: method")

    def completion(self) -> Fragment:
        """Returns: who has submitted, overdue first."""
        c = self.context["completion"]
        text = f"{c['submitted']} of {c['invited']} returns submitted\n" + _text_table(
            c["rows"], {"agency": "Agency", "state": "Return", "answered": "Answered"}
        )
        return section("completion", self.context, text)

    def ratings(self) -> Fragment:
        """Median rating by agency and heading, and the spread under each heading."""
        return section("ratings", self.context, "Ratings by agency and heading")

    def themes(self) -> Fragment:
        """Per heading, what is going well and the areas for development."""
        return section("themes", self.context, "What is going well and areas for development")

    def disagreement(self) -> Fragment:
        """The criteria with most disagreement between agencies."""
        text = _text_table(
            self.context["disagreement"], {"criterion_id": "Criterion", "why": "Why"}
        )
        return section("disagreement", self.context, text)

    def moderation(self) -> Fragment:
        """Moderated ratings against the agencies' own."""
        return section("moderation", self.context, "Moderation")

    def not_applicable(self) -> Fragment:
        """The answers marked not applicable, with reasons and the chair's challenges."""
        text = _text_table(
            self.context["not_applicable"]["rows"],
            {"agency": "Agency", "criterion": "Criterion", "na_reason": "Why"},
        )
        return section("not_applicable", self.context, text)

    def evidence(self) -> Fragment:
        """What the indicators and case audits say, and the self-ratings they contradict."""
        e = self.context["evidence"]
        if not e["loaded"]:
            text = "What the evidence says: none loaded for this cycle"
        else:
            text = f"What the evidence says: {e['summary']}\n" + _text_table(
                e["contradictions"],
                {"criterion_id": "Criterion", "agencies": "Rated by", "rating": "Self-rating"},
            )
        return section("evidence", self.context, text)

    def comparison(self) -> Fragment:
        """This cycle against the earlier one (nothing when there is none)."""
        return section("comparison", self.context, "Comparison with an earlier cycle")

    def actions(self) -> Fragment:
        """The partnership's top 5, each agency's top 3, and counts."""
        return section("actions", self.context, "Actions")

    def asks(self) -> Fragment:
        """What the group (a draft) or the board (the final) is asked to note and agree."""
        a = self.context["asks"]
        text = "\n".join(
            [
                f"{a['audience']} is asked to note:",
                *a["note"],
                "and to agree:",
                *a["agree"],
                *a["extra"],
            ]
        )
        return section("asks", self.context, text)


class Profile:
    """The agency profile; each method displays one section in the notebook."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        self.context = context

    def __repr__(self) -> str:
        return f"<profile: {self.context['title']}>"

    def title(self) -> Fragment:
        """Title block: the agency, its partnerships, cycles and the parameters used."""
        c = self.context
        return section(
            "profile_title",
            {**c, "style": Markup(style())},  # noqa: S704
            f"{c['title']}\n{c['agency']['sector']}",
            title=c["title"],
        )

    def returns(self) -> Fragment:
        """The agency's return in each cycle."""
        text = _text_table(
            self.context["returns"], {"cycle": "Cycle", "state": "Return", "answered": "Answered"}
        )
        return section("profile_returns", self.context, text)

    def frameworks(self) -> Fragment:
        """Per framework: trend by heading, latest against the partnership, its texts."""
        return section("profile_frameworks", self.context, "Ratings by framework")

    def moderation(self) -> Fragment:
        """Moderated ratings of this agency's returns."""
        return section("profile_moderation", self.context, "Moderation")

    def actions(self) -> Fragment:
        """The agency's actions across cycles, overdue first."""
        return section("profile_actions", self.context, "Actions")
