"""The moderation tab: the chair's moderated rating and challenge beside a self-rating.

Each tab is built the first time it is opened (:class:`~widgets.dashboard.view.DashboardView`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as ipw

from widgets.dashboard.columns import GAP, HISTORY, KEEP, NOT_APPLICABLE
from widgets.dashboard.common import ExportView, chart_with_table, html_widget, shown
from widgets.dashboard.model import DashboardModel
from widgets.templating import render
from workbook import analysis
from workbook.charts import builders as charts
from workbook.charts import tables as htmltable


def build(page: ipw.VBox, m: DashboardModel) -> Callable[[], None]:
    """Fill ``page`` with the tab's widgets; return the function that redraws it.

    Parameters
    ----------
    page
        The tab's box.
    m
        The dashboard's model.
    """
    style = {"description_width": "initial"}
    agency = ipw.Dropdown(description="Agency", style=style)
    criterion = ipw.Dropdown(description="Criterion", style=style, layout=ipw.Layout(width="95%"))
    rating = ipw.Dropdown(description="Moderated rating", style=style)
    comment = ipw.Textarea(
        description="Challenge comment",
        style=style,
        layout=ipw.Layout(width="95%", height="6em"),
    )
    save = ipw.Button(description="Save moderation", button_style="primary", icon="check")
    current, history, gap, intro = html_widget(), html_widget(), html_widget(), html_widget()
    export = ExportView(lambda: (m.gap(), GAP, f"optimism-gap-{m.cycle}"))
    # the chair's list of "not applicable" answers; choosing one sets the pair above, so a
    # challenge is an ordinary moderation comment (issue #16)
    na_intro, na_table = html_widget(), html_widget()
    challenge = ipw.Dropdown(
        description="Challenge a 'not applicable' answer",
        style=style,
        layout=ipw.Layout(width="95%"),
    )
    na_export = ExportView(
        lambda: (m.not_applicable(), NOT_APPLICABLE, f"not-applicable-{m.cycle}")
    )
    page.children = [
        intro,
        agency,
        criterion,
        current,
        rating,
        comment,
        save,
        history,
        gap,
        export,
        na_intro,
        challenge,
        na_table,
        na_export,
    ]

    def show_pair(_: Any = None) -> None:
        if not agency.value or not criterion.value:
            return
        row = m.frame[
            (m.frame["agency_id"] == agency.value) & (m.frame["criterion_id"] == criterion.value)
        ]
        self_label = row["label"].iloc[0] if len(row) else analysis.NOT_RATED
        reason = row["na_reason"].iloc[0] if len(row) and row["not_applicable"].iloc[0] else ""
        current.value = render("dashboard", "self_rating", str(self_label), str(reason))
        history.value = htmltable.html_table(
            m.moderation_history(agency.value, criterion.value),
            HISTORY,
            "Moderation history of this criterion",
            empty="Not moderated yet.",
        )

    agency.observe(show_pair, names="value")
    criterion.observe(show_pair, names="value")

    def on_save(_: Any) -> None:
        chosen = None if rating.value == KEEP else rating.value
        if m.moderate(agency.value, criterion.value, chosen, comment.value):
            comment.value = ""
            show_pair()

    save.on_click(on_save)

    def on_challenge(change: Any) -> None:
        if change["new"]:
            agency.value, criterion.value = change["new"]

    challenge.observe(on_challenge, names="value")

    def draw() -> None:
        chair = m.may_moderate
        intro.value = render("dashboard", "moderation_intro", chair, m.user)
        for widget in (rating, comment, save):
            widget.layout.display = shown(chair)
        agencies = [(n, a) for n, a in m.agency_options() if a]
        if [v for _, v in agencies] != [v for _, v in agency.options]:
            agency.options = agencies
            agency.value = m.agency or (agencies[0][1] if agencies else None)
        crits = [(f"{c.name} ({c.id})", c.id) for c in m.framework_def.criteria]
        if [v for _, v in crits] != [v for _, v in criterion.options]:
            criterion.options = crits
            criterion.value = m.criterion or crits[0][1]
        levels = [(lv.label, lv.key) for lv in m.scale.best_first()]
        rating.options = [("Keep the self-rating (comment only)", KEEP), *levels]
        show_pair()
        table = m.gap()
        chart = None
        if not table.empty:
            chart = chart_with_table(
                charts.gap_chart(table, m.scale),
                htmltable.html_table(table, GAP, "Self-rating against moderated rating"),
                "Table of the optimism gap",
            )
        gap.value = render("dashboard", "gap", chart)
        export.links.value = ""
        listed = m.not_applicable()
        na_intro.value = render("dashboard", "not_applicable_intro", len(listed), chair)
        challenge.options = [("Choose an answer", None)] + [
            (f"{r.agency}: {r.criterion}", (r.agency_id, r.criterion_id))
            for r in listed.itertuples()
        ]
        challenge.layout.display = shown(chair and not listed.empty)
        na_table.value = htmltable.html_table(
            listed, NOT_APPLICABLE, "Answers marked not applicable", empty="None."
        )
        na_export.links.value = ""

    return draw
