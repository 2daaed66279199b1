"""The chair's dashboard (issue #4): a model over :mod:`workbook.analysis`, and its views.

``DashboardModel`` holds the filters and calls the pure analysis functions and
:mod:`workbook.store.moderation`; it knows no SQL and no widgets. ``DashboardView`` draws it:
filters, then tabs (overview, drill-down, trend, moderation, actions) built the first
time they are opened, so the page shows its first chart quickly. Charts are Altair
specs drawn offline by :mod:`workbook.charts.offline` (the notebook displays its loader once);
each chart has its table beside it, and each table its CSV and Excel download.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as ipw
import pandas as pd
from traitlets import Int, Unicode, observe

from widgets.base import Model, View, page_query, refusal, refusal_title
from workbook import analysis
from workbook.charts import builders as charts
from workbook.charts import offline
from workbook.charts import tables as htmltable
from workbook.errors import AccessDenied, StorageError, WorkbookError
from workbook.store import Store, moderation

CHAIR = "MASE chair"
"""Who moderations are recorded as when no personal link names the chair (JupyterLab)."""
ALL = ""
KEEP = "__keep__"

COMPLETION = {
    "agency": "Agency",
    "sector": "Sector",
    "state": "Return",
    "answered": "Criteria answered",
    "criteria": "Criteria",
    "due": "Due",
    "saved_at": "Last saved (UTC)",
}
HEATMAP = {
    "agency": "Agency",
    "heading": "Heading",
    "label": "Median rating",
    "distribution": "Ratings",
    "rated": "Rated",
    "criteria": "Criteria",
}
DIVERGENCE = {
    "prompt": "Criterion",
    "heading": "Heading",
    "why": "Why it is listed",
    "lowest": "Lowest",
    "median": "Median",
    "highest": "Highest",
    "rated": "Rated",
}
DRILL = {
    "agency": "Agency",
    "label": "Self-rating",
    "moderated_label": "Moderated",
    "comment": "Challenge",
    "going_well": "What is going well",
    "development": "Areas for development",
    "evidence": "Evidence",
    "actions_text": "Actions",
    "status_label": "Return",
}
TREND = {
    "name": "Name",
    "cycle": "Cycle",
    "mean_normalised": "Mean rating (0-1)",
    "rated": "Ratings",
}
CHANGES = {
    "prompt": "Criterion",
    "heading": "Heading",
    "change": "Change",
    "mean_before": "Before (0-1)",
    "mean_now": "Now (0-1)",
    "delta": "Difference",
}
GAP = {
    "agency": "Agency",
    "moderated": "Criteria moderated",
    "self_mean": "Mean self level",
    "moderated_mean": "Mean moderated level",
    "mean_gap": "Mean gap (levels)",
}
ACTIONS = {
    "status": "Status",
    "agency": "Agency",
    "action": "Action",
    "owner": "Owner",
    "due": "Due",
    "heading": "Heading",
    "criterion_id": "Criterion",
    "return_status": "Return",
    "partnership_top": "Partnership top 5",
    "agency_top": "Agency top 3",
}
HISTORY = {"saved_at": "When (UTC)", "author": "Who", "rating": "Moderated", "comment": "Challenge"}


class DashboardModel(Model):
    """Filters and data of the chair's dashboard for one cycle."""

    cycle = Unicode(ALL, help="Cycle id shown.")
    framework = Unicode(ALL, help="Framework id restricting the cycle choice ('' all).")
    agency = Unicode(ALL, help="Agency id filter ('' all).")
    sector = Unicode(ALL, help="Sector filter ('' all).")
    heading = Unicode(ALL, help="Heading id filter ('' all).")
    criterion = Unicode(ALL, help="Criterion id for the drill-down ('' the whole heading).")
    user = Unicode(CHAIR, help="Author recorded with moderations and marks.")
    version = Int(0, help="Bumped whenever what is shown changes; views redraw on it.")

    def __init__(self, store: Store, *, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.today = today or dt.date.today()
        if not store.identity.trusted_local:
            self.user = store.identity.name
        # members see a cycle's comparisons only once the chair has shared it
        self.cycles = [c for c in store.cycles() if store.may_compare(c.id)]
        self.agencies = {a.id: a for a in store.agencies()}
        self.frame = pd.DataFrame(columns=analysis.COLUMNS)
        self._history: pd.DataFrame | None = None
        self.moderations = pd.DataFrame()
        self.marks: list[moderation.ActionMark] = []
        if not self.cycle and self.cycles:
            self.cycle = self.cycles[-1].id  # the latest cycle
        elif self.cycle:
            self._load()

    # -- choices ----------------------------------------------------------------------

    def framework_options(self) -> list[tuple[str, str]]:
        """(label, id) of frameworks with cycles, and "All frameworks"."""
        seen = {c.framework_id: c for c in self.cycles}
        names = {
            fid: self.store.framework(c.framework_id, c.framework_version).title
            for fid, c in seen.items()
        }
        return [("All frameworks", ALL), *sorted((v, k) for k, v in names.items())]

    def cycle_options(self) -> list[tuple[str, str]]:
        """(title, id) of the cycles of the chosen framework, newest first."""
        chosen = [c for c in self.cycles if not self.framework or c.framework_id == self.framework]
        return [(c.title, c.id) for c in reversed(chosen)]

    def agency_options(self) -> list[tuple[str, str]]:
        """(name, id) of the agencies invited to the cycle."""
        invited = self.info.agencies if self.cycle else ()
        names = sorted((self.agencies[a].name if a in self.agencies else a, a) for a in invited)
        return [("All agencies", ALL), *names]

    def sector_options(self) -> list[tuple[str, str]]:
        """Sectors of the invited agencies."""
        sectors = sorted(
            {self.agencies[a].sector for a in self.info.agencies if a in self.agencies}
        )
        return [("All sectors", ALL), *((s.capitalize(), s) for s in sectors)]

    def heading_options(self) -> list[tuple[str, str]]:
        """Headings of the cycle's framework, in template order."""
        return [("All headings", ALL), *((h.title, h.id) for h in self.framework_def.headings)]

    def criterion_options(self) -> list[tuple[str, str]]:
        """Criteria under the heading filter, where agencies disagree most or rate lowest first."""
        table = self.divergence()
        return [
            (f"{row.criterion_id}: {row.prompt[:90]} ({row.why})", row.criterion_id)
            for row in table.itertuples()
        ]

    @property
    def info(self) -> Any:
        """The chosen cycle."""
        return next(c for c in self.cycles if c.id == self.cycle)

    @property
    def framework_def(self) -> Any:
        """The chosen cycle's framework version."""
        return self.store.cycle_framework(self.cycle)

    @property
    def scale(self) -> Any:
        """The chosen cycle's rating scale."""
        return self.framework_def.scale

    # -- loading ----------------------------------------------------------------------

    @observe("cycle")
    def _cycle_changed(self, change: Mapping[str, Any]) -> None:
        self.agency = self.sector = self.heading = self.criterion = ALL
        self._load()

    @observe("framework")
    def _framework_changed(self, change: Mapping[str, Any]) -> None:
        options = [cid for _, cid in self.cycle_options()]
        if options and self.cycle not in options:
            self.cycle = options[0]

    @observe("agency", "sector", "heading", "criterion")
    def _filter_changed(self, change: Mapping[str, Any]) -> None:
        if change["name"] == "heading":
            self.criterion = ALL
        self.version += 1

    def _load(self) -> None:
        self.frame = analysis.load(self.store, [self.cycle])
        self._history = None
        self._load_moderation()

    def _load_moderation(self) -> None:
        self.moderations = analysis.moderation_frame(
            moderation.current(self.store, self.cycle).values(), self.scale
        )
        self.marks = moderation.marks(self.store, self.cycle)
        self.version += 1

    def filtered(self, *, heading: bool = True) -> pd.DataFrame:
        """The cycle's rows under the agency, sector (and heading) filters."""
        return analysis.filter_frame(
            self.frame,
            agency=self.agency or None,
            sector=self.sector or None,
            heading=(self.heading or None) if heading else None,
        )

    def history(self) -> pd.DataFrame:
        """Rows of every cycle of this framework up to the chosen one (loaded when first asked)."""
        if self._history is None:
            ids = analysis.same_framework(self.cycles, self.cycle)
            ids = ids[: ids.index(self.cycle) + 1]
            self._history = analysis.load(self.store, ids)
        return analysis.filter_frame(
            self._history,
            agency=self.agency or None,
            sector=self.sector or None,
            heading=self.heading or None,
        )

    # -- tables -----------------------------------------------------------------------

    def completion(self) -> pd.DataFrame:
        """Returns against the due date (agency and sector filters apply)."""
        return analysis.completion(self.filtered(heading=False), self.today)

    def heatmap(self) -> pd.DataFrame:
        """Agencies x headings."""
        return analysis.heatmap_table(self.filtered(), self.scale)

    def counts(self) -> pd.DataFrame:
        """Ratings per agency, heading and level (for the spread chart)."""
        return analysis.rating_counts(self.filtered(), self.scale)

    def divergence(self) -> pd.DataFrame:
        """Criteria, most disputed and lowest rated first."""
        return analysis.divergence(self.filtered(), self.scale)

    def drilldown(self) -> pd.DataFrame:
        """Every agency's rating and texts for the chosen criterion (or heading)."""
        return analysis.drilldown(
            self.filtered(heading=False),
            criterion_id=self.criterion or None,
            heading_id=self.heading or None,
            moderation=self.moderations,
        )

    def trend(self, by: str) -> pd.DataFrame:
        """Mean rating per cycle, criteria matched by id with this cycle's."""
        current = {c.id for c in self.framework_def.criteria}
        return analysis.trend(self.history(), by, criteria=current)  # type: ignore[arg-type]

    def criterion_changes(self) -> pd.DataFrame:
        """This cycle against the previous one of the framework: kept, new, dropped."""
        ids = analysis.same_framework(self.cycles, self.cycle)
        position = ids.index(self.cycle)
        previous = ids[position - 1] if position else None
        return analysis.criterion_trend(self.history(), self.cycle, previous)

    def gap(self) -> pd.DataFrame:
        """Per agency, self-rating against moderated rating."""
        return analysis.gap_by_agency(self.filtered(), self.moderations)

    def actions(self) -> pd.DataFrame:
        """All actions, overdue first, with the top marks."""
        return analysis.actions(self.filtered(), self.today, self.marks)

    # -- the chair's changes ----------------------------------------------------------

    @property
    def may_moderate(self) -> bool:
        """Whether the page's identity moderates the chosen cycle (the chair)."""
        return bool(self.cycle) and self.store.identity.can_moderate(
            self.info.partnership_id, self.cycle
        )

    @property
    def shared(self) -> bool:
        """Whether the chosen cycle's submitted returns are shared with the partnership."""
        return bool(self.cycle) and self.store.is_shared(self.cycle)

    def share(self, shared: bool = True) -> bool:
        """Share the cycle's submitted returns with every agency member (or stop sharing)."""
        try:
            self.store.share(self.cycle, shared=shared, author=self.user)
        except WorkbookError as exc:
            self.message = f"Not changed: {exc}"
            return False
        title = self.info.title
        self.message = (
            f"Shared the submitted returns of {title} with every agency in the partnership."
            if shared
            else f"Stopped sharing {title}: agency members see only their own returns again."
        )
        self.version += 1
        return True

    def moderate(self, agency_id: str, criterion_id: str, rating: str | None, comment: str) -> bool:
        """Record a moderated rating and challenge; says in ``message`` what happened."""
        try:
            moderation.record(
                self.store,
                self.cycle,
                agency_id,
                criterion_id,
                rating=rating,
                comment=comment,
                author=self.user,
            )
        except WorkbookError as exc:
            self.message = f"Not saved: {exc}"
            return False
        name = self.agencies[agency_id].name if agency_id in self.agencies else agency_id
        self.message = f"Saved the moderation of {name}, {criterion_id}, by {self.user}."
        self._load_moderation()
        return True

    def moderation_history(self, agency_id: str, criterion_id: str) -> pd.DataFrame:
        """Every moderation of one agency's criterion, newest first, with level labels."""
        labels = {lv.key: lv.label for lv in self.scale.levels}
        rows = [
            {
                "saved_at": m.saved_at,
                "author": m.author,
                "rating": labels.get(m.rating or "", "(self-rating kept)"),
                "comment": m.comment,
            }
            for m in moderation.history(self.store, self.cycle, agency_id, criterion_id)
        ]
        return pd.DataFrame(rows, columns=list(HISTORY)).iloc[::-1]

    def mark(self, row: Mapping[str, Any], scope: str, marked: bool = True) -> bool:
        """Mark (or unmark) an action row of :meth:`actions` as a top priority."""
        try:
            moderation.mark_action(
                self.store,
                self.cycle,
                row["agency_id"],
                row["criterion_id"],
                row["action"],
                scope=scope,  # type: ignore[arg-type]
                author=self.user,
                marked=marked,
            )
        except WorkbookError as exc:
            self.message = f"Not saved: {exc}"
            return False
        top = "the partnership's top 5" if scope == "partnership" else "the agency's top 3"
        self.message = f"{'Marked' if marked else 'Unmarked'} as {top}: {row['action']}"
        self._load_moderation()
        return True


# -- views --------------------------------------------------------------------------------


def _html(value: str = "") -> ipw.HTML:
    return ipw.HTML(value=value)


def _shown(visible: bool) -> str | None:
    return None if visible else "none"


def _chart(chart: Any, table_html: str, summary: str) -> str:
    return offline.chart_html(chart) + htmltable.details(summary, table_html)


class ExportView(ipw.VBox):  # type: ignore[misc]
    """A button that makes CSV and Excel links for whatever table ``source`` gives now."""

    def __init__(self, source: Callable[[], tuple[pd.DataFrame, Mapping[str, str], str]]) -> None:
        self.source = source
        self.button = ipw.Button(description="Prepare downloads of this table", icon="download")
        self.button.layout.width = "auto"
        self.links = _html()
        self.button.on_click(self._make)
        super().__init__(children=[self.button, self.links])

    def _make(self, _: Any = None) -> None:
        frame, columns, stem = self.source()
        self.links.value = htmltable.download_links(frame, columns, stem)


class DashboardView(View[DashboardModel]):
    """The dashboard: filters above tabs; each tab is built when first opened."""

    TABS = ("Overview", "Drill-down", "Trend", "Moderation", "Actions")

    def render(self) -> None:
        m = self.model
        self.add_class("wb-dashboard")
        self.filters = {
            "framework": ipw.Dropdown(description="Framework", options=m.framework_options()),
            "cycle": ipw.Dropdown(description="Cycle", options=m.cycle_options()),
            "agency": ipw.Dropdown(description="Agency"),
            "sector": ipw.Dropdown(description="Sector"),
            "heading": ipw.Dropdown(description="Heading"),
        }
        self._options()
        for name, widget in self.filters.items():
            widget.style.description_width = "initial"
            ipw.link((m, name), (widget, "value"))
        m.observe(lambda _: self._options(), names=["cycle", "framework"])
        self.status = ipw.HTML(layout=ipw.Layout(min_height="1.5em"))
        self.status.add_class("wb-status")
        ipw.dlink(
            (m, "message"),
            (self.status, "value"),
            lambda t: f'<p role="status">{html.escape(t)}</p>',
        )
        self.pages = [ipw.VBox() for _ in self.TABS]
        self.tabs = ipw.Tab(children=self.pages, titles=self.TABS)
        self.built: dict[int, Callable[[], None]] = {}
        self.tabs.observe(lambda _: self._show(), names="selected_index")
        m.observe(lambda _: self._refresh(), names="version")
        self.children = [
            _html(htmltable.STYLE),
            ipw.HBox(list(self.filters.values()), layout=ipw.Layout(flex_flow="row wrap")),
            self.status,
            self.tabs,
        ]
        self._show()

    def _options(self) -> None:
        m = self.model
        for name, options in (
            ("cycle", m.cycle_options()),
            ("agency", m.agency_options()),
            ("sector", m.sector_options()),
            ("heading", m.heading_options()),
        ):
            widget = self.filters[name]
            if list(widget.options) != options:
                value = getattr(m, name)
                widget.options = options
                widget.value = value if value in [v for _, v in options] else ALL

    def _show(self) -> None:
        index = self.tabs.selected_index or 0
        if index not in self.built:
            builder = [self._overview, self._drill, self._trend, self._moderation, self._actions]
            self.built[index] = builder[index]()
        self.built[index]()

    def _refresh(self) -> None:
        # only the open tab redraws now; the others redraw when opened
        index = self.tabs.selected_index or 0
        if index in self.built:
            self.built[index]()

    # -- tabs: each builder makes its widgets and returns the function that redraws it

    def _overview(self) -> Callable[[], None]:
        m = self.model
        done, charts_html = _html(), _html()
        export = ExportView(lambda: (m.heatmap(), HEATMAP, f"heatmap-{m.cycle}"))
        export_done = ExportView(lambda: (m.completion(), COMPLETION, f"completion-{m.cycle}"))
        sharing = _html()
        share = ipw.Button(layout=ipw.Layout(width="auto"))
        share.on_click(lambda _b: m.share(not m.shared))
        share_box = ipw.VBox([sharing, share])
        self.pages[0].children = [done, export_done, charts_html, export, share_box]

        def draw_sharing() -> None:
            shared = m.shared
            sharing.value = (
                "<h2>Sharing</h2><p>"
                + (
                    "Agency members can see every submitted return in this cycle."
                    if shared
                    else "Agency members see only their own agency's return in this cycle."
                )
                + "</p>"
            )
            share.description = (
                "Stop sharing the returns"
                if shared
                else "Share the submitted returns with the partnership"
            )
            share.layout.display = _shown(m.may_moderate)

        def draw() -> None:
            draw_sharing()
            table = m.completion()
            info = m.info
            overdue = int(table["overdue"].sum()) if len(table) else 0
            done.value = (
                f"<h2>Completion</h2><p>{html.escape(info.title)}: returns due "
                f"{info.timetable.returns_due:%d %B %Y}. {overdue} overdue.</p>"
                + offline.chart_html(charts.completion_chart(table))
                + htmltable.html_table(
                    table, COMPLETION, "Returns, overdue first", emphasis="overdue"
                )
            )
            export_done.links.value = ""
            heat = m.heatmap()
            spread = analysis.spread(m.filtered(), m.scale)
            spread_columns = {
                c: c.replace("_", " ").capitalize() for c in spread.columns if c != "heading_id"
            }
            charts_html.value = (
                "<h2>The partnership at a glance</h2>"
                + _chart(
                    charts.overview(heat, m.counts(), m.scale),
                    htmltable.html_table(heat, HEATMAP, "Median rating by agency and heading"),
                    "Table of the heatmap",
                )
                + htmltable.details(
                    "Table of the spread",
                    htmltable.html_table(
                        spread, spread_columns, "Ratings at each level by heading"
                    ),
                )
            )
            export.links.value = ""

        return draw

    def _drill(self) -> Callable[[], None]:
        m = self.model
        heading = ipw.Dropdown(
            description="Heading",
            options=m.heading_options(),
            style={"description_width": "initial"},
        )
        criterion = ipw.Select(description="Criterion", rows=6, layout=ipw.Layout(width="95%"))
        criterion.style.description_width = "initial"
        first, table = _html(), _html()
        export = ExportView(lambda: (m.drilldown(), DRILL, f"drilldown-{m.cycle}"))
        self.pages[1].children = [
            _html(
                "<h2>Drill-down</h2><p>Pick a heading, then a criterion: criteria where "
                "agencies disagree most, then those rated lowest, come first.</p>"
            ),
            heading,
            first,
            criterion,
            table,
            export,
        ]
        ipw.link((m, "heading"), (heading, "value"))
        busy = [False]

        def picked(change: Mapping[str, Any]) -> None:
            if not busy[0]:
                m.criterion = change["new"] or ALL

        criterion.observe(picked, names="value")

        def draw() -> None:
            busy[0] = True
            heading.options = m.heading_options()
            heading.value = m.heading
            options = [("All criteria under the heading", ALL), *m.criterion_options()]
            criterion.options = options
            criterion.value = m.criterion if m.criterion in [v for _, v in options] else ALL
            busy[0] = False
            first.value = htmltable.html_table(
                m.divergence(), DIVERGENCE, "Criteria to look at first", limit=10
            )
            rows = m.drilldown()
            caption = (
                f"Every agency's answer to {m.criterion}"
                if m.criterion
                else "Every agency's answers under "
                + (
                    dict((v, k) for k, v in m.heading_options())[m.heading]
                    if m.heading
                    else "all headings"
                )
            )
            columns = DRILL if m.criterion else {"prompt": "Criterion", **DRILL}
            table.value = htmltable.html_table(
                rows, columns, caption, limit=None if m.criterion else 200
            )
            export.links.value = ""

        return draw

    def _trend(self) -> Callable[[], None]:
        m = self.model
        out = _html()
        export = ExportView(lambda: (m.criterion_changes(), CHANGES, f"criteria-changes-{m.cycle}"))
        self.pages[2].children = [out, export]

        def draw() -> None:
            parts = [
                "<h2>Trend</h2><p>This cycle against earlier cycles of the same framework; "
                "criteria are matched by id, so only criteria in this cycle count.</p>"
            ]
            for by in ("heading", "agency"):
                table = m.trend(by)
                if table.empty:
                    parts.append(f"<p>No ratings to compare by {by}.</p>")
                    continue
                parts.append(
                    _chart(
                        charts.trend_chart(table, by=by),
                        htmltable.html_table(table, TREND, f"Mean rating by {by} and cycle"),
                        f"Table of the trend by {by}",
                    )
                )
            parts.append(
                htmltable.html_table(
                    m.criterion_changes(), CHANGES, "Criteria against the previous cycle"
                )
            )
            out.value = "".join(parts)
            export.links.value = ""

        return draw

    def _moderation(self) -> Callable[[], None]:
        m = self.model
        style = {"description_width": "initial"}
        agency = ipw.Dropdown(description="Agency", style=style)
        criterion = ipw.Dropdown(
            description="Criterion", style=style, layout=ipw.Layout(width="95%")
        )
        rating = ipw.Dropdown(description="Moderated rating", style=style)
        comment = ipw.Textarea(
            description="Challenge comment",
            style=style,
            layout=ipw.Layout(width="95%", height="6em"),
        )
        save = ipw.Button(description="Save moderation", button_style="primary", icon="check")
        current, history, gap, intro = _html(), _html(), _html(), _html()
        export = ExportView(lambda: (m.gap(), GAP, f"optimism-gap-{m.cycle}"))
        self.pages[3].children = [
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
        ]

        def show_pair(_: Any = None) -> None:
            if not agency.value or not criterion.value:
                return
            row = m.frame[
                (m.frame["agency_id"] == agency.value)
                & (m.frame["criterion_id"] == criterion.value)
            ]
            self_label = row["label"].iloc[0] if len(row) else analysis.NOT_RATED
            current.value = f"<p>Self-rating: <strong>{html.escape(str(self_label))}</strong></p>"
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

        def draw() -> None:
            chair = m.may_moderate
            intro.value = (
                "<h2>Moderation</h2><p>Record a moderated rating and a challenge beside an "
                f"agency's self-rating. Saved as {html.escape(m.user)}; earlier moderations "
                "are kept.</p>"
                if chair
                else "<h2>Moderation</h2><p>Only the chair records moderations; you can read "
                "them here.</p>"
            )
            for widget in (rating, comment, save):
                widget.layout.display = _shown(chair)
            agencies = [(n, a) for n, a in m.agency_options() if a]
            if [v for _, v in agencies] != [v for _, v in agency.options]:
                agency.options = agencies
                agency.value = m.agency or (agencies[0][1] if agencies else None)
            crits = [(f"{c.id}: {c.prompt[:100]}", c.id) for c in m.framework_def.criteria]
            if [v for _, v in crits] != [v for _, v in criterion.options]:
                criterion.options = crits
                criterion.value = m.criterion or crits[0][1]
            levels = [(lv.label, lv.key) for lv in m.scale.best_first()]
            rating.options = [("Keep the self-rating (comment only)", KEEP), *levels]
            show_pair()
            table = m.gap()
            if table.empty:
                gap.value = "<h3>Optimism gap</h3><p>No moderated ratings yet.</p>"
            else:
                gap.value = "<h3>Optimism gap</h3>" + _chart(
                    charts.gap_chart(table, m.scale),
                    htmltable.html_table(table, GAP, "Self-rating against moderated rating"),
                    "Table of the optimism gap",
                )
            export.links.value = ""

        return draw

    def _actions(self) -> Callable[[], None]:
        m = self.model
        pick = ipw.Select(description="Action", rows=6, layout=ipw.Layout(width="95%"))
        pick.style.description_width = "initial"
        buttons = {
            ("partnership", True): ipw.Button(description="Mark as partnership top 5"),
            ("agency", True): ipw.Button(description="Mark as agency top 3"),
            ("partnership", False): ipw.Button(description="Unmark partnership top 5"),
            ("agency", False): ipw.Button(description="Unmark agency top 3"),
        }
        table = _html()
        export = ExportView(lambda: (m.actions(), ACTIONS, f"actions-{m.cycle}"))
        rows: list[pd.DataFrame] = [pd.DataFrame()]
        self.pages[4].children = [
            _html("<h2>Actions</h2>"),
            table,
            pick,
            ipw.HBox(list(buttons.values()), layout=ipw.Layout(flex_flow="row wrap")),
            export,
        ]

        def press(scope: str, marked: bool) -> Callable[[Any], None]:
            def go(_: Any) -> None:
                if pick.value is not None:
                    m.mark(rows[0].iloc[pick.value].to_dict(), scope, marked)

            return go

        for (scope, marked), button in buttons.items():
            button.layout.width = "auto"
            button.on_click(press(scope, marked))

        def draw() -> None:
            chair = m.may_moderate
            pick.layout.display = _shown(chair)
            for button in buttons.values():
                button.layout.display = _shown(chair)
            actions = m.actions()
            rows[0] = actions
            table.value = htmltable.html_table(
                actions, ACTIONS, "Actions, overdue first", emphasis="overdue", limit=300
            )
            pick.options = [
                (f"{r.agency}: {r.action[:80]} ({r.criterion_id}, {r.status})", i)
                for i, r in enumerate(actions.itertuples())
            ]
            export.links.value = ""

        return draw


def open_dashboard(
    store: Store | None = None,
    query: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> DashboardView | ipw.HTML:
    """The chair's dashboard for one page view (``token=`` and ``cycle=`` from the query).

    Without a valid personal link, or with one that reaches no cycle it may compare yet,
    the page says why in words and shows nothing else.
    """
    query = page_query() if query is None else query
    try:
        store = (store or Store.open()).for_visitor(query.get("token"))
        model = DashboardModel(store, today=today)
    except (StorageError, AccessDenied) as exc:  # a refused link, or a store that cannot be reached
        return refusal(exc, title=refusal_title(exc))
    if not model.cycles:
        return refusal(
            WorkbookError(
                f"There is nothing for your link ({store.identity.describe()}) to compare yet: "
                "the chair shares a cycle's returns with the partnership once they are in."
            ),
            title="Nothing to compare yet",
        )
    if store.identity.trusted_local and query.get("user", "").strip():
        model.user = query["user"].strip()
    if query.get("cycle") in {c.id for c in model.cycles}:
        model.cycle = query["cycle"]
    return DashboardView(model)
