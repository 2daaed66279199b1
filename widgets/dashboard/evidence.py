"""The Evidence tab (issue #14): contradictions, the chair's dismissals, evidence files.

Each self-rating the evidence does not bear out is listed beside that evidence; the chair
dismisses one with a reason or restores it, and loads an evidence file (checked first,
its problems located in words). Below, the indicators and findings themselves, each
table with its downloads. Others read the same lists without the controls. Each tab is
built the first time it is opened (:class:`~widgets.dashboard.view.DashboardView`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as ipw
import pandas as pd

from widgets.dashboard.columns import CONTRADICTION_EXPORT, CONTRADICTIONS, DISMISSED
from widgets.dashboard.common import ExportView, html_widget, shown
from widgets.dashboard.evidence_model import SHOWN_PROBLEMS, EvidenceModel
from widgets.dashboard.model import DashboardModel
from widgets.templating import render
from workbook.charts import tables as htmltable
from workbook.evidence.tables import FINDING_COLUMNS, INDICATOR_COLUMNS

STYLE = {"description_width": "initial"}
WIDE = "95%"


def _choices(rows: pd.DataFrame) -> list[tuple[str, str]]:
    """(label, key) of contradictions for a dropdown: whose, which criterion, what evidence."""
    return [
        (f"{r.agency}, {r.criterion_id}: {_short(r.evidence)}", r.key)
        for r in rows.itertuples(index=False)
    ]


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _set_options(widget: ipw.Dropdown, options: list[tuple[str, str]]) -> None:
    """New options, keeping the choice when it is still there."""
    if list(widget.options) != options:
        chosen = widget.value
        widget.options = options
        keys = [k for _, k in options]
        widget.value = chosen if chosen in keys else (keys[0] if keys else None)


class EvidenceTab:
    """The tab's widgets over one :class:`EvidenceModel`; ``draw`` redraws them."""

    def __init__(self, page: ipw.VBox, m: DashboardModel) -> None:
        self.m = m
        self.model = e = EvidenceModel(m)
        page.add_class("wb-evidence-tab")
        self.intro, self.open_list, self.dismissed_list = (
            html_widget(),
            html_widget(),
            html_widget(),
        )
        self.export = ExportView(
            lambda: (e.contradictions(), CONTRADICTION_EXPORT, f"contradictions-{m.cycle}")
        )
        self.pick = ipw.Dropdown(
            description="Contradiction to dismiss", style=STYLE, layout=ipw.Layout(width=WIDE)
        )
        self.reason = ipw.Textarea(
            description="Why it is dismissed (required)",
            style=STYLE,
            layout=ipw.Layout(width=WIDE, height="5em"),
        )
        self.dismiss = ipw.Button(description="Dismiss the contradiction", icon="check")
        self.dismiss.layout.width = "auto"
        self.dismiss.on_click(self._dismiss)
        self.dismiss_box = ipw.VBox(
            [
                html_widget(render("dashboard", "subheading", "Dismiss a contradiction")),
                self.pick,
                self.reason,
                self.dismiss,
            ]
        )
        self.restore_pick = ipw.Dropdown(
            description="Dismissed contradiction to restore",
            style=STYLE,
            layout=ipw.Layout(width=WIDE),
        )
        self.restore = ipw.Button(description="Restore the contradiction", icon="undo")
        self.restore.layout.width = "auto"
        self.restore.on_click(self._restore)
        self.restore_box = ipw.VBox([self.restore_pick, self.restore])
        self.feedback = html_widget()
        e.observe(self._feedback, names=["message", "failed"])
        self.file_box = self._file_box()
        self.indicators, self.findings = html_widget(), html_widget()
        self.export_indicators = ExportView(
            lambda: (e.indicators(), INDICATOR_COLUMNS, f"indicators-{m.cycle}")
        )
        self.export_findings = ExportView(
            lambda: (e.findings(), FINDING_COLUMNS, f"audit-findings-{m.cycle}")
        )
        page.children = [
            self.intro,
            self.open_list,
            self.dismiss_box,
            self.dismissed_list,
            self.restore_box,
            self.feedback,
            self.export,
            self.file_box,
            self.indicators,
            self.export_indicators,
            self.findings,
            self.export_findings,
        ]

    def _file_box(self) -> ipw.VBox:
        e = self.model
        self.upload = ipw.FileUpload(
            accept=".csv,.xlsx",
            multiple=False,
            description="Choose an evidence file (.csv or .xlsx)",
            tooltip="Evidence file",
        )
        self.upload.layout.width = "auto"
        self.upload.observe(self._chosen, names="value")
        self.despite = ipw.Checkbox(
            description="Load text that looks like personal data: I have checked it is not "
            "about a person",
            indent=False,
            layout=ipw.Layout(width="auto"),
        )
        ipw.link((e, "despite_personal_data"), (self.despite, "value"))
        self.check = ipw.Button(description="Check the file", icon="search")
        self.load = ipw.Button(description="Load the file", icon="upload", button_style="primary")
        for button in (self.check, self.load):
            button.layout.width = "auto"
        self.check.on_click(lambda _b: e.check())
        self.load.on_click(lambda _b: e.load())
        self.outcome = html_widget()
        e.observe(self._outcome, names=["outcome", "problems"])
        return ipw.VBox(
            [
                html_widget(render("dashboard", "evidence_file_intro")),
                ipw.HBox(
                    [self.upload, self.check, self.load], layout=ipw.Layout(flex_flow="row wrap")
                ),
                self.despite,
                self.outcome,
            ]
        )

    # -- the chair's actions --------------------------------------------------------------

    def _dismiss(self, _: Any = None) -> None:
        if self.model.dismiss(self.pick.value or "", self.reason.value):
            self.reason.value = ""

    def _restore(self, _: Any = None) -> None:
        self.model.restore(self.restore_pick.value or "")

    def _chosen(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if files:
            upload = files[0]
            self.model.choose(upload["name"], bytes(upload["content"]))
            self.upload.value = ()  # cleared: choosing the same file again is a new event

    def _feedback(self, _: Any = None) -> None:
        e = self.model
        self.feedback.value = render("dashboard", "feedback", e.message, e.failed)

    def _outcome(self, _: Any = None) -> None:
        e = self.model
        self.outcome.value = render(
            "dashboard", "evidence_file", e.outcome, list(e.problems), SHOWN_PROBLEMS
        )

    # -- drawing --------------------------------------------------------------------------

    def draw(self) -> None:
        """Redraw from the model: the cycle, the filters or the evidence changed."""
        m, e = self.m, self.model
        chair = e.may_change
        dismissals = e.dismissals()
        self.intro.value = render(
            "dashboard", "evidence_intro", m.info.title, chair, m.user, dismissals is not None
        )
        found = e.contradictions()
        open_rows = found[~found["dismissed"].astype(bool)]
        dismissed_rows = found[found["dismissed"].astype(bool)]
        self.open_list.value = htmltable.html_table(
            open_rows,
            CONTRADICTIONS,
            "Contradictions: self-ratings the evidence does not bear out",
            empty="No self-rating is contradicted by the evidence loaded for this cycle.",
        )
        self.dismissed_list.value = htmltable.html_table(
            dismissed_rows,
            DISMISSED,
            "Dismissed contradictions, with the chair's reason",
            empty="None dismissed.",
        )
        _set_options(self.pick, _choices(open_rows))
        _set_options(self.restore_pick, _choices(dismissed_rows))
        self.dismiss_box.layout.display = shown(chair and not open_rows.empty)
        self.restore_box.layout.display = shown(chair and not dismissed_rows.empty)
        self.file_box.layout.display = shown(chair)
        self.indicators.value = render("dashboard", "subheading", "Data indicators") + (
            htmltable.html_table(
                e.indicators(),
                INDICATOR_COLUMNS,
                "Indicator values, by agency and for the partnership",
                empty="No indicators loaded for this cycle.",
            )
        )
        self.findings.value = render("dashboard", "subheading", "Case-audit findings") + (
            htmltable.html_table(
                e.findings(),
                FINDING_COLUMNS,
                "What the case audits found",
                empty="No case audits loaded for this cycle.",
            )
        )
        for export in (self.export, self.export_indicators, self.export_findings):
            export.links.value = ""


def build(page: ipw.VBox, m: DashboardModel) -> Callable[[], None]:
    """Fill ``page`` with the tab's widgets; return the function that redraws it.

    Parameters
    ----------
    page
        The tab's box.
    m
        The dashboard's model.
    """
    return EvidenceTab(page, m).draw
