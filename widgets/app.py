"""The one entry the Voila notebooks call: the agency return form, the dashboard, the landing page.

Each notebook is thin: its first code cell calls :func:`preload` (and the form's and the
dashboard's open the store), its last cell calls the page's function here. voila.json
preheats the form (a pool of 2 kernels) and the dashboard (a pool of 1): a pooled kernel
runs every cell before the last long before anyone asks for the page, so those cells only
import, open the store (not read it) and, for the dashboard, display the chart bundle.
The last cell reads the page's URL query through :func:`widgets.base.page_query`, which
waits for the request, so the link, the store's contents and the data are read for the
visitor, fresh.

Each page's modules are imported on demand, not here: the form's kernels never pay for
pandas and Altair, which only the dashboard needs.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

from widgets.base import page_query, preheated

if TYPE_CHECKING:
    import ipywidgets as ipw
    from IPython.display import HTML

    from widgets.dashboard import DashboardModel
    from workbook.charts.offline import Loader
    from workbook.store import Store

PAGES = {
    "form": ("widgets.form", "workbook.store.remote"),
    "dashboard": ("widgets.dashboard", "workbook.charts.offline"),
    "landing": ("workbook.overview", "workbook.store.remote"),
}
"""The modules each page needs, imported by :func:`preload` before the request."""

TEMPLATES = {
    "form": ("form", "tracked", "upload"),
    "dashboard": ("dashboard",),
    "landing": (),
}
"""The templates (``widgets/templates``) each page renders as it opens, compiled by
:func:`preload` before the request."""

_log = logging.getLogger(__name__)


def preload(page: str) -> Loader | None:
    """Import what ``page`` needs, before its request; the dashboard's chart loader to display.

    A preheated kernel runs this long before the page is asked for, so it must not read
    the request, the link or the store's contents.

    Parameters
    ----------
    page
        ``"form"``, ``"dashboard"`` or ``"landing"``.
    """
    pooled = preheated()  # waiting for its request; under JupyterHub the visitor already is
    prepare(page, visitor_waiting=not pooled)
    loader = None
    if page == "dashboard":
        from workbook.charts import offline

        loader = offline.loader()  # charts draw offline once the page has shown this
    if pooled:
        from workbook import collector

        collector.freeze()  # the request's first objects then walk none of the imports
    return loader


def prepare(page: str, *, visitor_waiting: bool = False) -> None:
    """What ``page`` needs before its request: its modules and templates, and for the
    dashboard its charts built unchecked (the builders' tests check them) and a sample
    drawn once (:func:`widgets.dashboard.overview.warm_up`), so the visitor's drawing is
    not the process's first. A pooled kernel runs this before its request, a kernel
    template (widgets/forkserver/) before it forks page kernels. With ``visitor_waiting``
    (a kernel started for its request) the sample is left: it would hold the page's HTML
    back."""
    from widgets import templating

    for name in PAGES[page]:
        importlib.import_module(name)
    templating.prepare(*TEMPLATES[page])
    if page == "dashboard":
        from workbook.charts import offline

        offline.build_unchecked()
        if not visitor_waiting:
            from widgets.dashboard import overview

            overview.warm_up()


SERVICE_PAGES = ("form", "landing")
"""The pages whose kernels read the store through the store service where they have one
(:mod:`workbook.store.remote`: a kernel template's forks, issue #19). The dashboard opens
it in its own process: its moderation writes through the store's connections, and its
kernel holds pandas and Altair anyway."""


def open_store(page: str = "") -> Store | None:
    """The configured store for ``page``, opened before the request; None if it cannot be.

    The page then opens it again for the visitor and says why it cannot, in words
    (a missing store is never created by a page, issue #18).
    """
    from workbook.errors import StorageError

    try:
        return _opened(page)
    except StorageError:
        return None


def _opened(page: str) -> Store:
    """The configured store as ``page`` opens it: through the service (:data:`SERVICE_PAGES`)
    where this kernel has one."""
    if page in SERVICE_PAGES:
        from workbook.store import remote

        return remote.open_store()
    from workbook.store import Store

    return Store.open(create=False, migrate=False)


def form(store: Store | None = None) -> ipw.Widget:
    """The agency return form for this page view (its query waits for the request).

    Parameters
    ----------
    store
        The store (default: :meth:`Store.open`, i.e. ``WORKBOOK_DB``).
    """
    from widgets.form import open_form

    return marked(open_form(store, page_query()))


def dashboard(store: Store | None = None) -> ipw.Widget:
    """The chair's dashboard for this page view (its query waits for the request).

    In a Voila page's first render the link is read and checked, and the completion chart
    drawn, before the page's HTML goes, with which that chart goes as a plain output
    (:func:`widgets.dashboard.first_chart`): the browser draws it as soon as Voila's front
    end has started, not once it has the widgets (issue #19). The widgets are made just
    after the HTML has gone (:func:`widgets.later.page_after_html`).

    Parameters
    ----------
    store
        The store (default: :meth:`Store.open`, i.e. ``WORKBOOK_DB``).
    """
    from widgets import later
    from widgets.base import refusal

    query, first = None, None
    if later.deferring():  # read once: a pooled kernel is sent its request's query once
        query = page_query()
        first = _first_chart(store, query)

    def page() -> ipw.Widget:
        from widgets.dashboard import open_dashboard

        if first is not None:  # the demo-mode note went first, with the first chart
            return open_dashboard(store, model=first)
        return marked(open_dashboard(store, query))

    def failed(exc: BaseException) -> ipw.Widget:
        shown = refusal(exc, title="The dashboard could not be drawn")
        return shown if first is not None else marked(shown)

    return later.page_after_html(page, failed)


def _first_chart(store: Store | None, query: dict[str, str]) -> DashboardModel | None:
    """Display the dashboard's first chart (under the demo-mode note) and return the model
    it was drawn from; None, displaying nothing, if the link is refused or drawing fails
    (logged): the page then says why in words, as it would have without it."""
    from IPython.display import HTML, display

    from widgets.dashboard import first_chart
    from workbook import config

    try:
        found = first_chart(store, query)
    except Exception:
        _log.exception("the dashboard's first chart could not be drawn")
        return None
    if found is None:
        return None
    model, html = found
    display(HTML((DEMO_NOTE if config.demo_mode() else "") + html))  # type: ignore[no-untyped-call]
    return model


DEMO_NOTE = (
    '<p class="wb-demo-mode" role="note" lang="en-GB"><strong>Demo mode.</strong> '
    "Everything here is synthetic, about fictional agencies, and anyone who opens this "
    "workbook is given a link: do not type in anything real.</p>"
)
"""What every page says first in demo mode (issue #18)."""


def marked(page: ipw.Widget) -> ipw.Widget:
    """``page`` under the demo-mode note when demo mode is on; otherwise ``page`` itself."""
    from workbook import config

    if not config.demo_mode():
        return page
    import ipywidgets as ipw

    return ipw.VBox([ipw.HTML(DEMO_NOTE), page], layout=ipw.Layout(width="100%"))


def landing() -> HTML | ipw.Widget:
    """The landing page: what the store holds and which pages to open, as escaped HTML.

    A store that cannot be opened (missing, unreachable) is said so in words.
    """
    from IPython.display import HTML

    from widgets.base import refusal, refusal_title
    from workbook import config, overview
    from workbook.errors import StorageError

    try:
        store = _opened("landing")
    except StorageError as exc:
        return marked(refusal(exc, title=refusal_title(exc)))
    demo = config.demo_mode()
    shown = overview.page(store, page_query(), demo_mode=demo)
    return HTML((DEMO_NOTE if demo else "") + shown)  # type: ignore[no-untyped-call]
