"""Autosave timing (``widgets.autosave.Debouncer``) on a manual clock."""

from __future__ import annotations

from widgets.autosave import Debouncer


def make(form_scheduler, calls: list[float]) -> Debouncer:
    return Debouncer(
        lambda: calls.append(form_scheduler.now),
        delay=3.0,
        max_wait=10.0,
        schedule=form_scheduler,
        clock=form_scheduler.clock,
    )


def test_fires_once_after_the_last_change(form_scheduler) -> None:
    calls: list[float] = []
    debouncer = make(form_scheduler, calls)
    debouncer.poke()
    form_scheduler.advance(2)
    debouncer.poke()
    assert debouncer.pending
    form_scheduler.advance(2.9)
    assert calls == []
    form_scheduler.advance(0.1)
    assert calls == [5.0]
    assert not debouncer.pending
    form_scheduler.advance(30)
    assert calls == [5.0]


def test_steady_changes_wait_no_longer_than_max_wait(form_scheduler) -> None:
    calls: list[float] = []
    debouncer = make(form_scheduler, calls)
    for _ in range(12):
        debouncer.poke()
        form_scheduler.advance(1)
    assert calls[0] == 10.0  # ten seconds after the first unsaved change
    assert len(calls) == 1


def test_cancel_forgets_the_waiting_call(form_scheduler) -> None:
    calls: list[float] = []
    debouncer = make(form_scheduler, calls)
    debouncer.poke()
    debouncer.cancel()
    form_scheduler.advance(20)
    assert calls == []
    assert form_scheduler.waiting == []
    debouncer.poke()  # the longest wait starts again after a cancel
    form_scheduler.advance(3)
    assert calls == [23.0]
