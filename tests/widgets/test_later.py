"""widgets.later: a page's slow drawing left until its HTML has gone (issue #19).

The browser tests draw the dashboard through the real path in Voila; these check the
rules that make it safe: nothing is applied during the cell, everything is applied (in
order) by the kernel's loop just after it or, whichever is first, before ipywidgets
answers the front end, a failure is said, and outside a Voila page, or once the work
has run, it runs at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import ipywidgets as ipw
import pytest

from tests.support.kernels import CommTargets, first_render, run_async
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
    applied: list[str] = []
    later.defer(lambda: "completion", applied.append, pytest.fail)
    later.defer(lambda: "glance", applied.append, pytest.fail)
    assert applied == []  # the page's HTML goes without them
    handler = page.targets[later.CONTROL_TARGET]
    opened: list[Any] = []
    monkeypatch.setattr(
        ipw.Widget, "handle_control_comm_opened", lambda comm, msg: opened.append(list(applied))
    )
    handler("comm", {"metadata": {"version": "2"}})
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
    answered: list[str] = []
    monkeypatch.setattr(
        ipw.Widget, "handle_control_comm_opened", lambda comm, msg: answered.append(comm)
    )
    page.targets[later.CONTROL_TARGET]("comm", {})
    assert [type(e) for e in failures] == [ZeroDivisionError, RuntimeError]
    assert str(failures[1]) == "next"
    assert answered == ["comm"]


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
    page.targets[later.CONTROL_TARGET]("comm", {})
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
