"""widgets.later: a page's slow drawing left until its HTML has gone (issue #19).

The browser tests draw the dashboard through the real path in Voila; these check the
rules that make it safe: nothing is applied during the cell, everything is applied (in
order) by the kernel's loop just after it or, whichever is first, before ipywidgets
answers the front end; what waits for the page runs only once ipywidgets has answered;
a failure is said, and outside a Voila page, or once the work has run, it runs at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import ipywidgets as ipw
import pytest
from ipywidgets.widgets.widget import __control_protocol_version__

from tests.support.kernels import Comm, CommTargets, first_render, in_a_thread, run_async
from widgets import later

OPENING = {"metadata": {"version": __control_protocol_version__}}
"""The control comm's opening as a front end of this ipywidgets sends it."""


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> CommTargets:
    """A Voila page's kernel before its front end has connected."""
    monkeypatch.setattr(ipw.Widget, "_control_comm", None)  # ipywidgets keeps the one opened
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
    applied: list[str] = []
    later.defer(lambda: "completion", applied.append, pytest.fail)
    later.defer(lambda: "glance", applied.append, pytest.fail)
    assert applied == []  # the page's HTML goes without them
    handler = page.targets[later.CONTROL_TARGET]
    opened: list[Any] = []
    monkeypatch.setattr(
        ipw.Widget, "handle_control_comm_opened", lambda comm, msg: opened.append(list(applied))
    )
    handler(Comm(), {"metadata": {"version": "2"}})
    # both applied, in order, before ipywidgets answers with the states
    assert opened == [["completion", "glance"]]
    later.defer(lambda: "redraw", applied.append, pytest.fail)
    assert applied[-1] == "redraw"  # once the page is open: at once


def test_the_kernels_loop_runs_the_work_just_after_the_cell(page: CommTargets) -> None:
    applied: list[str] = []

    async def kernel() -> list[str]:
        # a cell runs inside the kernel's loop, which is free again once it has replied
        later.defer(lambda: "overview", applied.append, pytest.fail)
        during = list(applied)
        await asyncio.sleep(later.AFTER_CELL * 4)
        return during

    assert run_async(kernel()) == []  # not while the cell runs
    assert applied == ["overview"]  # then, with no front end yet
    later.defer(lambda: "redraw", applied.append, pytest.fail)
    assert applied == ["overview", "redraw"]  # and after that at once


def test_a_failure_is_said_and_the_states_still_answered(
    page: CommTargets, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures: list[BaseException] = []

    def broken(_exc: BaseException) -> None:
        raise RuntimeError("the failure's own message could not be shown")

    later.defer(lambda: 1 // 0, pytest.fail, broken)  # logged; the rest still applied
    later.defer(lambda: 1 // 0, pytest.fail, failures.append)
    later.defer(lambda: "next", lambda v: failures.append(RuntimeError(v)), failures.append)
    answered: list[Comm] = []
    monkeypatch.setattr(
        ipw.Widget, "handle_control_comm_opened", lambda comm, msg: answered.append(comm)
    )
    comm = Comm()
    page.targets[later.CONTROL_TARGET](comm, {})
    assert [type(e) for e in failures] == [ZeroDivisionError, RuntimeError]
    assert str(failures[1]) == "next"
    assert answered == [comm]


def test_a_page_made_after_the_html_is_in_its_box_before_the_states_are_sent(
    page: CommTargets, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []

    def build() -> ipw.Widget:
        made.append("page")
        return ipw.HTML("the page")

    box = later.page_after_html(build, pytest.fail)
    assert made == []  # the cell returns at once
    assert box.children == ()
    seen: list[tuple[ipw.Widget, ...]] = []
    monkeypatch.setattr(
        ipw.Widget, "handle_control_comm_opened", lambda comm, msg: seen.append(box.children)
    )
    page.targets[later.CONTROL_TARGET](Comm(), {})
    assert [[w.value for w in children] for children in seen] == [["the page"]]


def test_a_page_that_fails_to_build_shows_what_failed_says(page: CommTargets) -> None:
    def build() -> ipw.Widget:
        raise LookupError("no such cycle")

    box = later.page_after_html(build, lambda exc: ipw.HTML(f"Could not open: {exc}"))
    later.settle()
    assert [w.value for w in box.children] == ["Could not open: no such cycle"]


def test_outside_a_voila_page_the_page_is_returned_as_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    built = ipw.HTML("the page")
    assert later.page_after_html(lambda: built, pytest.fail) is built
    with pytest.raises(LookupError):  # raised to the caller, as from any call
        later.page_after_html(lambda: {}["cycle"], pytest.fail)


def test_work_after_the_page_waits_until_ipywidgets_has_answered_with_the_states(
    page: CommTargets, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied: list[str] = []
    later.after_page(lambda: "heatmap", applied.append, pytest.fail)
    later.defer(lambda: "completion", applied.append, pytest.fail)
    answered: list[list[str]] = []
    monkeypatch.setattr(
        ipw.Widget, "_handle_control_comm_msg", lambda msg: answered.append(list(applied))
    )
    comm = Comm()
    page.targets[later.CONTROL_TARGET](comm, OPENING)
    assert applied == ["completion"]  # the first states carry the deferred work only
    comm.receive("something_else")
    assert applied == ["completion"]
    in_a_thread(lambda: comm.receive("request_states"))  # no loop: at once, after the answer
    assert answered == [["completion"], ["completion"]]
    assert applied == ["completion", "heatmap"]
    later.after_page(lambda: "redraw", applied.append, pytest.fail)
    assert applied[-1] == "redraw"  # once the page is shown: at once
    comm.receive("request_states")  # a second front end (a reload) changes nothing
    assert applied == ["completion", "heatmap", "redraw"]


def test_in_the_kernel_work_after_the_page_runs_on_its_loop_after_the_answer(
    page: CommTargets, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied: list[str] = []
    monkeypatch.setattr(
        ipw.Widget, "_handle_control_comm_msg", lambda msg: applied.append("states")
    )

    async def kernel() -> list[str]:
        later.after_page(lambda: "heatmap", applied.append, pytest.fail)
        comm = Comm()
        page.targets[later.CONTROL_TARGET](comm, OPENING)
        comm.receive("request_states")
        during = list(applied)  # the message's handler has returned
        await asyncio.sleep(0)
        return during

    assert run_async(kernel()) == ["states"]
    assert applied == ["states", "heatmap"]


def test_work_after_the_page_runs_anyway_when_the_front_end_never_asks_for_the_states(
    page: CommTargets, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A front end that asks widget by widget (no ``request_states``) still gets it."""
    monkeypatch.setattr(later, "AFTER_PAGE_LATEST", 0.05)
    applied: list[str] = []

    async def kernel() -> list[str]:
        later.after_page(lambda: "heatmap", applied.append, pytest.fail)
        await asyncio.sleep(0.01)
        before = list(applied)
        await asyncio.sleep(0.2)
        return before

    assert run_async(kernel()) == []
    assert applied == ["heatmap"]
    later.after_page(lambda: "redraw", applied.append, pytest.fail)
    assert applied == ["heatmap", "redraw"]  # and from then on at once


def test_work_after_the_page_that_fails_is_said(
    page: CommTargets, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures: list[BaseException] = []
    later.after_page(lambda: {}["heading"], pytest.fail, failures.append)
    monkeypatch.setattr(ipw.Widget, "_handle_control_comm_msg", lambda msg: None)
    comm = Comm()
    page.targets[later.CONTROL_TARGET](comm, OPENING)
    in_a_thread(lambda: comm.receive("request_states"))
    assert [type(e) for e in failures] == [KeyError]


def test_outside_a_voila_page_work_after_the_page_runs_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    got: list[int] = []
    later.after_page(lambda: 6 * 7, got.append, pytest.fail)
    assert got == [42]
