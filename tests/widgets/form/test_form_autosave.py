"""Autosave timing (``widgets.form.autosave.Debouncer``) on a manual clock."""

from __future__ import annotations

import doctest

from widgets.form import Backoff, Debouncer, autosave


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


def test_a_retry_runs_after_its_delay_and_typing_does_not_hurry_it(form_scheduler) -> None:
    calls: list[float] = []
    debouncer = make(form_scheduler, calls)
    debouncer.retry(8)  # the store refused the save: try again in 8 s (issue #7)
    form_scheduler.advance(2)
    debouncer.poke()  # a change would normally be saved 3 s later
    assert form_scheduler.waiting == [8.0]
    form_scheduler.advance(5.9)
    assert calls == []
    form_scheduler.advance(0.1)
    assert calls == [8.0]
    debouncer.poke()  # after the retry, changes are saved on the usual delay again
    form_scheduler.advance(3)
    assert calls == [8.0, 11.0]


def test_cancel_forgets_a_waiting_retry(form_scheduler) -> None:
    calls: list[float] = []
    debouncer = make(form_scheduler, calls)
    debouncer.retry(30)
    debouncer.cancel()  # "Save now" saved it
    debouncer.poke()
    form_scheduler.advance(3)
    assert calls == [3.0]


def test_backoff_doubles_to_its_cap_and_starts_again_after_a_success() -> None:
    backoff = Backoff(first=2, cap=30)
    assert [backoff.next() for _ in range(7)] == [2, 4, 8, 16, 30, 30, 30]
    for _ in range(5000):  # an outage overnight does not overflow the count
        backoff.next()
    assert backoff.next() == 30
    backoff.reset()
    assert backoff.next() == 2
    result = doctest.testmod(autosave, verbose=False, report=False)
    assert result.attempted >= 3
    assert result.failed == 0
