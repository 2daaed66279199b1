"""Work a Voila page leaves until its HTML has gone, while the browser starts Voila's front end.

Voila sends a page's HTML only when its last cell has run, and the browser then spends
most of a second starting the front end before it asks the kernel for the widgets' states
(``request_states`` on the ``jupyter.widget.control`` comm). Work that only fills in
widgets' values can run in that second instead of before the HTML (issue #19):
:func:`defer` keeps it, and the kernel's event loop runs it just after the cell (once the
kernel has replied and Voila can finish the page), on the kernel's own thread. When the
front end opens the control comm, :func:`settle` first runs whatever is still waiting,
so ipywidgets always answers with the values in place: the browser never sees them
missing, and no update is sent to a front end that has no model for it yet (it would
drop it). What lies below the page's first chart can wait longer: :func:`after_page`
keeps it until ipywidgets has answered ``request_states``, and it then arrives as
updates while the browser draws the first chart.

Only in a Voila page's kernel (``VOILA_PREHEAT`` set, to either value) until the work
has run once. Anywhere else (tests, JupyterLab, an analyst's notebook) and for every
redraw after, the work runs at once, as an ordinary call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as ipw

from widgets.base import voila_page

CONTROL_TARGET = "jupyter.widget.control"
"""The comm a widget front end opens to ask for every widget's state (ipywidgets 8)."""

AFTER_CELL = 0.05
"""Seconds after the cell that deferred the work before the kernel's loop runs it: by
then the kernel has replied and gone idle, which is what Voila waits for."""

AFTER_PAGE_LATEST = 5.0
"""Seconds after :func:`after_page` kept its work that it runs even if the front end has
not asked for the widgets' states (it normally asks within one or two)."""

T = TypeVar("T")

_log = logging.getLogger(__name__)
Work = tuple[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]]
"""What :func:`defer` keeps: the work, what applies its result, and what says it failed."""
_pending: list[Work] = []
_after_page: list[Work] = []
_state = {"settled": False, "installed": False, "shown": False}


def deferring() -> bool:
    """Whether :func:`defer` would leave work for later now (see the module's note)."""
    return voila_page() and not _state["settled"]


def defer(
    compute: Callable[[], T],
    apply: Callable[[T], None],
    failed: Callable[[BaseException], None],
) -> None:
    """Run ``compute`` and ``apply`` its result after this cell, before the front end asks.

    Parameters
    ----------
    compute
        The slow part: making the values.
    apply
        Puts the result into widgets.
    failed
        Called instead of ``apply`` if ``compute`` raised, to say so on the page; the
        error is also logged. Outside a page's first render an error is raised to the
        caller, as from any call.
    """
    if not deferring():
        apply(compute())
        return
    _keep(_pending, (compute, apply, failed), AFTER_CELL, settle)


def page_after_html(
    build: Callable[[], ipw.Widget], failed: Callable[[BaseException], ipw.Widget]
) -> ipw.Widget:
    """The page ``build`` makes, made after the page's HTML has gone (see :func:`defer`).

    In a Voila page's first render the cell returns an empty box at once, so Voila sends
    the HTML without waiting for the page's reads and widgets, and the box is filled
    before the front end is sent any widget's state: the visitor never sees it empty.
    The dashboard's widgets (about 30, with the overview's reads) would hold its HTML
    back by about 100 ms after the request, while a page with one widget sends it at
    once (issue #19); only its first chart goes with the HTML
    (:func:`widgets.app.dashboard`). Anywhere else ``build`` runs at once and its page
    is returned.

    Parameters
    ----------
    build
        Makes the page, refusals in words included.
    failed
        The page shown instead if ``build`` raised (the error is logged too).
    """
    if not deferring():
        return build()
    box = ipw.VBox(layout=ipw.Layout(width="100%"))

    def put(page: ipw.Widget) -> None:
        box.children = [page]

    defer(build, put, lambda exc: put(failed(exc)))
    return box


def after_page(
    compute: Callable[[], T],
    apply: Callable[[T], None],
    failed: Callable[[BaseException], None],
) -> None:
    """Like :func:`defer`, but once the front end has been sent the page's widgets.

    For what lies below a page's first chart: made while the browser draws that chart,
    it is not made on the machine's CPU while the browser starts Voila's front end, nor
    sent with the first states (issue #19: the dashboard's heatmap and spread, about
    70 ms of the kernel's 170 in that second). The widgets it fills should say meanwhile
    that they are being drawn. Outside a Voila page's first render it runs at once. A
    front end that never asks for every state at once (one that asks widget by widget)
    still gets it, :data:`AFTER_PAGE_LATEST` seconds after it was kept.
    """
    if not voila_page() or _state["shown"]:
        apply(compute())
        return
    _keep(_after_page, (compute, apply, failed), AFTER_PAGE_LATEST, _shown)


def settle() -> None:
    """Run every deferred piece of work and apply it, in the order deferred; later work
    runs at once. Called by the kernel's loop after the cell, and when the front end opens
    the control comm (whichever is first): one piece that fails, or whose ``failed``
    fails, is logged and leaves the rest to go on.
    """
    _state["settled"] = True
    _run(_pending)


def _shown() -> None:
    """The front end has the page's widgets (or has been waited for long enough): run what
    :func:`after_page` kept, in order; later work runs at once."""
    _state["shown"] = True
    _run(_after_page)


def _keep(queue: list[Work], work: Work, seconds: float, run: Callable[[], None]) -> None:
    """Keep ``work`` in ``queue`` until ``run`` runs it: the front end's request, or the
    kernel's loop ``seconds`` from now, whichever is first (with no loop, in a test, only
    the request)."""
    _install()
    queue.append(work)
    loop = _kernel_loop()
    if loop is not None:
        loop.call_later(seconds, run)


def _run(queue: list[Work]) -> None:
    while queue:
        compute, apply, failed = queue.pop(0)
        try:
            try:
                result = compute()
            except Exception as exc:
                _log.exception("deferred page work failed")
                failed(exc)
            else:
                apply(result)
        except Exception:
            _log.exception("applying deferred page work failed")


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The loop running this call: the kernel's, which runs cells and comm messages."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _install() -> None:
    """Have the control comm's opening settle first (once per kernel)."""
    if _state["installed"]:
        return
    from ipywidgets.comm import get_comm_manager

    manager = get_comm_manager()
    if manager is not None:
        manager.register_target(CONTROL_TARGET, _control_opened)
    _state["installed"] = True


def _control_opened(comm: Any, msg: dict[str, Any]) -> None:
    settle()  # the states ipywidgets then sends carry what was deferred
    ipw.Widget.handle_control_comm_opened(comm, msg)
    comm.on_msg(_control_message)  # ipywidgets' own handler, then what waits for the page


def _control_message(msg: dict[str, Any]) -> None:
    ipw.Widget._handle_control_comm_msg(msg)  # answers request_states with every state
    if _state["shown"] or msg.get("content", {}).get("data", {}).get("method") != "request_states":
        return
    loop = _kernel_loop()
    if loop is None:  # none (a test): at once
        _shown()
    else:
        loop.call_soon(_shown)  # after this message's reply and the kernel's idle
