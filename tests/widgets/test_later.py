"""widgets.later: a page's slow drawing left to a thread until its front end asks (issue #19).

The browser tests draw the dashboard through the real path in Voila; these check the
rules that make it safe: nothing is applied before the front end asks, everything is
applied (on the kernel's thread, in order) before ipywidgets answers, a failure is said,
and outside a Voila page, or once the page is open, the work runs at once.
"""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets as ipw
import pytest

from tests.support.kernels import CommTargets, first_render
from widgets import later


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> CommTargets:
    """A Voila page's kernel before its front end has connected."""
    return first_render(monkeypatch)


def test_outside_a_voila_page_the_work_runs_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    got: list[int] = []
    later.defer(lambda: 6 * 7, got.append, pytest.fail)
    assert got == [42]
    with pytest.raises(ZeroDivisionError):  # raised to the caller, as from any call
        later.defer(lambda: 1 // 0, got.append, pytest.fail)


def test_the_work_is_applied_when_the_front_end_asks_and_not_before(
    page: CommTargets, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    threads: list[str] = []
    applied: list[tuple[str, str]] = []

    def slow(name: str) -> Any:
        def compute() -> str:
            threads.append(threading.current_thread().name)
            release.wait(5)
            return name

        return compute

    later.defer(slow("completion"), lambda v: applied.append((v, _name())), pytest.fail)
    later.defer(slow("glance"), lambda v: applied.append((v, _name())), pytest.fail)
    assert applied == []  # the page's HTML goes without them
    handler = page.targets[later.CONTROL_TARGET]
    opened: list[Any] = []
    monkeypatch.setattr(
        ipw.Widget, "handle_control_comm_opened", lambda comm, msg: opened.append(list(applied))
    )
    release.set()
    handler("comm", {"metadata": {"version": "2"}})
    # both applied, in order, on this thread, before ipywidgets answers with the states
    assert opened == [[("completion", _name()), ("glance", _name())]]
    assert all(name != _name() for name in threads)  # computed elsewhere
    later.defer(lambda: "redraw", lambda v: applied.append((v, _name())), pytest.fail)
    assert applied[-1] == ("redraw", _name())  # once the page is open: at once


def test_a_failure_is_said_and_the_states_still_answered(
    page: CommTargets, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures: list[BaseException] = []

    def broken(_exc: BaseException) -> None:
        raise RuntimeError("the failure's own message could not be shown")

    later.defer(lambda: 1 // 0, pytest.fail, broken)  # logged; the rest still applied
    later.defer(lambda: 1 // 0, pytest.fail, failures.append)
    later.defer(lambda: "next", lambda v: failures.append(RuntimeError(v)), failures.append)
    answered: list[str] = []
    monkeypatch.setattr(
        ipw.Widget, "handle_control_comm_opened", lambda comm, msg: answered.append(comm)
    )
    page.targets[later.CONTROL_TARGET]("comm", {})
    assert [type(e) for e in failures] == [ZeroDivisionError, RuntimeError]
    assert str(failures[1]) == "next"
    assert answered == ["comm"]


def test_the_thread_sees_what_the_page_set_in_its_context(page: CommTargets) -> None:
    import contextvars

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    var.set("the page's")
    got: list[str] = []
    later.defer(var.get, got.append, pytest.fail)
    later.settle()
    assert got == ["the page's"]


def _name() -> str:
    return threading.current_thread().name
