"""Work a Voila page hands to a thread while the browser starts Voila's front end (issue #19).

Voila sends a page's HTML only when its last cell has run, and the browser then spends
most of a second starting the front end before it asks the kernel for the widgets' states
(``request_states`` on the ``jupyter.widget.control`` comm). Work that only fills in
widgets' values can run in that second instead of before the HTML: :func:`defer` starts
it on a thread, and when the front end opens the control comm, :func:`settle` waits for
it and applies the results on the kernel's own thread, before ipywidgets answers with
the states. So the browser never sees the values missing, and no update is sent to a
front end that has no model for it yet (it would drop it).

Only in a Voila page's kernel (``VOILA_PREHEAT`` set, to either value) before its front
end has connected. Anywhere else (tests, JupyterLab, an analyst's notebook) and for every
redraw once the page is open, the work runs at once, as an ordinary call.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import ipywidgets as ipw

CONTROL_TARGET = "jupyter.widget.control"
"""The comm a widget front end opens to ask for every widget's state (ipywidgets 8)."""

T = TypeVar("T")

_log = logging.getLogger(__name__)
_pending: list[tuple[Future[Any], Callable[[Any], None], Callable[[BaseException], None]]] = []
_state = {"connected": False, "installed": False}


def deferring() -> bool:
    """Whether :func:`defer` would leave work to a thread now (see the module's note)."""
    return "VOILA_PREHEAT" in os.environ and not _state["connected"]


def defer(
    compute: Callable[[], T],
    apply: Callable[[T], None],
    failed: Callable[[BaseException], None],
) -> None:
    """Run ``compute`` on a thread and ``apply`` its result before the front end sees it.

    Parameters
    ----------
    compute
        The slow part. It runs on another thread, so it must not touch the store (a
        SQLite connection belongs to its thread) or any widget: read what it needs first.
    apply
        Puts the result into widgets; always called on the kernel's thread.
    failed
        Called instead of ``apply`` (on the kernel's thread) if ``compute`` raised, to say
        so on the page; the error is also logged. Outside a page's first render an error
        is raised to the caller, as from any call.
    """
    if not deferring():
        apply(compute())
        return
    _install()
    future: Future[T] = Future()
    context = contextvars.copy_context()  # what the page's thread set (a thread starts empty)

    def run() -> None:
        try:
            future.set_result(context.run(compute))
        except BaseException as exc:  # handed to failed() on the kernel's thread
            future.set_exception(exc)

    _pending.append((future, apply, failed))
    threading.Thread(target=run, name="wb-deferred", daemon=True).start()


def settle() -> None:
    """Wait for every deferred result and apply it, in the order deferred; later work runs
    at once. Called when the front end opens the control comm (and by tests): one piece
    of work that fails, or whose ``failed`` fails, is logged and leaves the rest to go on.
    """
    _state["connected"] = True
    while _pending:
        future, apply, failed = _pending.pop(0)
        try:
            try:
                result = future.result()
            except BaseException as exc:
                _log.exception("deferred page work failed")
                failed(exc)
            else:
                apply(result)
        except Exception:
            _log.exception("applying deferred page work failed")


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
