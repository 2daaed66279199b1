"""The chair's dashboard (issue #4): completion, filters, then tabs built when first opened.

``DashboardView`` draws :class:`~widgets.dashboard.model.DashboardModel`: the completion
(:mod:`~widgets.dashboard.completion`, the page's first chart), filters, then tabs
(overview, drill-down, trend, moderation, actions, evidence and the chair's highlights;
one module each) built the first time they are opened, so the page shows its first chart
quickly. Charts are Altair specs drawn offline by :mod:`workbook.charts.offline` (the
notebook displays its loader once); each chart has its table beside it, and each table
its CSV and Excel download.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Mapping

import ipywidgets as ipw

from widgets.base import View, page_query, refusal, refusal_title
from widgets.dashboard import completion
from widgets.dashboard.actions import build as actions_tab
from widgets.dashboard.columns import ALL
from widgets.dashboard.common import html_widget
from widgets.dashboard.drill import build as drill_tab
from widgets.dashboard.evidence import build as evidence_tab
from widgets.dashboard.highlights import build as highlights_tab
from widgets.dashboard.model import DashboardModel
from widgets.dashboard.moderation import build as moderation_tab
from widgets.dashboard.overview import build as overview_tab
from widgets.dashboard.trend import build as trend_tab
from widgets.templating import render
from workbook.charts import tables as htmltable
from workbook.errors import AccessDenied, StorageError, WorkbookError
from workbook.store import Store

TAB_BUILDERS = {
    "Overview": overview_tab,
    "Drill-down": drill_tab,
    "Trend": trend_tab,
    "Moderation": moderation_tab,
    "Actions": actions_tab,
    "Evidence": evidence_tab,
    "Highlights": highlights_tab,
}
"""Each tab's builder, in the order the tabs are shown."""

CHAIR_ONLY = frozenset({"Highlights"})
"""Tabs only the chair (and administrators) are shown: the chair's draft for the board."""


class DashboardView(View[DashboardModel]):
    """The dashboard: the completion, filters, then tabs each built when first opened.

    ``TABS`` names the tabs this page's identity is shown: the chair-only ones
    (:data:`CHAIR_ONLY`) only to an identity that chairs one of the cycles it compares.
    With ``first_chart_shown`` the page's HTML carried the completion's first drawing
    (:func:`first_chart`), which the live completion replaces at the first change.
    """

    TABS: tuple[str, ...] = tuple(TAB_BUILDERS)

    def __init__(self, model: DashboardModel, *, first_chart_shown: bool = False) -> None:
        self.first_chart_shown = first_chart_shown
        super().__init__(model)

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
            lambda t: render("dashboard", "status", t),
        )
        chair = any(m.store.identity.can_moderate(c.partnership_id, c.id) for c in m.cycles)
        self.TABS = tuple(t for t in TAB_BUILDERS if chair or t not in CHAIR_ONLY)
        self.pages = [ipw.VBox() for _ in self.TABS]
        self.tabs = ipw.Tab(children=self.pages, titles=self.TABS)
        self.built: dict[int, Callable[[], None]] = {}
        self.tabs.observe(lambda _: self._show(), names="selected_index")
        m.observe(lambda _: self._refresh(), names="version")
        style = html_widget(htmltable.STYLE)
        self.completion = completion.build(m, style, first_shown=self.first_chart_shown)
        self.children = [
            style,
            self.completion,
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
            self.built[index] = TAB_BUILDERS[self.TABS[index]](self.pages[index], self.model)
        self.built[index]()

    def _refresh(self) -> None:
        # only the open tab redraws now; the others redraw when opened
        index = self.tabs.selected_index or 0
        if index in self.built:
            self.built[index]()

    # -- tabs: each builder makes its widgets and returns the function that redraws it


def open_dashboard(
    store: Store | None = None,
    query: Mapping[str, str] | None = None,
    today: dt.date | None = None,
    *,
    model: DashboardModel | None = None,
) -> DashboardView | ipw.HTML:
    """The chair's dashboard for one page view (``token=`` and ``cycle=`` from the query).

    Without a valid personal link, or with one that reaches no cycle it may compare yet,
    the page says why in words and shows nothing else. Given the ``model`` that
    :func:`first_chart` made (its link already read and checked), the page is built on it,
    its completion's first drawing taken as shown.
    """
    try:
        if model is not None:
            with model.store.snapshot():
                return DashboardView(model, first_chart_shown=True)
        with _visit(store, query, today) as visited:
            return DashboardView(visited)
    except _Refused as refused:
        return refusal(refused.error, title=refused.title)
    except StorageError as exc:  # the store gone since the first chart was drawn
        return refusal(exc, title=refusal_title(exc))


def first_chart(
    store: Store | None = None,
    query: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> tuple[DashboardModel, str] | None:
    """The page's model and its first chart's HTML, to go with the page's HTML (issue #19).

    The link is read and checked as :func:`open_dashboard` reads it, and the completion
    drawn from the same snapshot (:func:`~widgets.dashboard.completion.first_chart_html`).
    None if the link is refused or the store cannot be reached: the page then says why,
    with nothing drawn before it.
    """
    try:
        with _visit(store, query, today) as visited:
            return visited, completion.first_chart_html(visited)
    except _Refused:
        return None


class _Refused(Exception):
    """Why a visit shows only a refusal, and the refusal's title."""

    def __init__(self, error: BaseException, title: str) -> None:
        super().__init__(str(error))
        self.error, self.title = error, title


@contextlib.contextmanager
def _visit(
    store: Store | None, query: Mapping[str, str] | None, today: dt.date | None
) -> Iterator[DashboardModel]:
    """The model for this page view's link and query, inside one snapshot of the store
    (the first render's reads, from one state); :class:`_Refused` if the page must refuse."""
    query = page_query() if query is None else query
    try:
        store = (store or Store.open(create=False, migrate=False)).for_visitor(query.get("token"))
        with store.snapshot():
            yield _model(store, query, today)
    except (StorageError, AccessDenied) as exc:  # a refused link, or a store that cannot be reached
        raise _Refused(exc, refusal_title(exc)) from exc


def _model(store: Store, query: Mapping[str, str], today: dt.date | None) -> DashboardModel:
    """The model for ``query``, inside :func:`_visit`'s snapshot and refusals."""
    model = DashboardModel(store, today=today)
    if not model.cycles:
        raise _Refused(
            WorkbookError(
                f"There is nothing for your link ({store.identity.describe()}) to compare yet: "
                "the chair shares a cycle's returns with the partnership once they are in."
            ),
            "Nothing to compare yet",
        )
    if store.identity.trusted_local and query.get("user", "").strip():
        model.user = query["user"].strip()
    wanted = query.get("cycle")
    if wanted in {c.id for c in model.cycles}:
        model.cycle = wanted
    elif wanted:
        try:  # another partnership's cycle, typed into the address: refused in words (#17)
            store.cycle(wanted)
        except AccessDenied as exc:
            raise _Refused(exc, refusal_title(exc)) from exc
        except StorageError:
            pass  # no such cycle at all (the local user): the latest one, as before
    return model
