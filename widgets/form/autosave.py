"""Autosave timing: run a save a few seconds after the last change, but never too late.

A plain debounce would postpone the save for as long as someone keeps typing, so a long
paragraph typed without a pause could be lost with the tab. :class:`Debouncer` therefore
also fires once the oldest unsaved change is ``max_wait`` seconds old (issue #3: a
closed tab or dead kernel loses at most the last few seconds).

When the store refuses a save for a while (busy, full, unreachable: issue #7),
:meth:`Debouncer.retry` runs it again after a delay from :class:`Backoff`, which
doubles up to a cap so that many open forms do not hammer a store that is down.

The clock and the scheduler are injected: tests drive them by hand, and in a kernel the
default runs callbacks on the kernel's event loop (tornado's ``IOLoop.call_later``),
where widget messages are handled, so a save never runs beside a widget update.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Cancel = Callable[[], None]
Schedule = Callable[[float, Callable[[], None]], Cancel]
"""``schedule(delay, callback)`` runs ``callback`` after ``delay`` seconds; returns a cancel."""


def ioloop_schedule(delay: float, callback: Callable[[], None]) -> Cancel:
    """Run ``callback`` after ``delay`` seconds on the current tornado IOLoop (the kernel's).

    Parameters
    ----------
    delay
        Seconds to wait.
    callback
        What to run; called with no arguments.
    """
    from tornado.ioloop import IOLoop

    loop = IOLoop.current()
    handle = loop.call_later(delay, callback)
    return lambda: loop.remove_timeout(handle)


class Debouncer:
    """Run ``callback`` ``delay`` s after the latest change, at most ``max_wait`` s after the first.

    Parameters
    ----------
    callback
        The save; called with no arguments.
    delay
        Quiet seconds after the latest change before saving.
    max_wait
        Longest time a change may wait, however much typing follows it.
    schedule
        How to run something later (default: the kernel's event loop).
    clock
        Seconds from a monotonic clock.
    """

    def __init__(
        self,
        callback: Callable[[], None],
        delay: float = 3.0,
        max_wait: float = 10.0,
        schedule: Schedule | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.callback = callback
        self.delay = delay
        self.max_wait = max_wait
        self.schedule = schedule or ioloop_schedule
        self.clock = clock
        self._cancel: Cancel | None = None
        self._first: float | None = None
        self._not_before: float | None = None

    @property
    def pending(self) -> bool:
        """Whether a call is waiting to run."""
        return self._cancel is not None

    def poke(self) -> None:
        """Note a change: (re)start the wait."""
        now = self.clock()
        if self._first is None:
            self._first = now
        self._stop_timer()
        wait = min(self.delay, max(0.0, self._first + self.max_wait - now))
        if self._not_before is not None:  # a retry is waiting: typing does not hurry it
            wait = max(wait, self._not_before - now)
        self._cancel = self.schedule(wait, self._fire)

    def retry(self, delay: float) -> None:
        """Run the call again in ``delay`` seconds (after it failed); changes do not hurry it.

        Parameters
        ----------
        delay
            Seconds until the next attempt, usually from :meth:`Backoff.next`.
        """
        self._stop_timer()
        self._first = None
        self._not_before = self.clock() + delay
        self._cancel = self.schedule(delay, self._fire)

    def cancel(self) -> None:
        """Forget the waiting call (after a save made by other means)."""
        self._stop_timer()
        self._first = None
        self._not_before = None

    def _stop_timer(self) -> None:
        if self._cancel is not None:
            self._cancel()
            self._cancel = None

    def _fire(self) -> None:
        self._cancel = None
        self._first = None
        self._not_before = None
        self.callback()


class Backoff:
    """Waits between retries of a failing save: ``first`` seconds, doubling, at most ``cap``.

    >>> backoff = Backoff(first=2, cap=10)
    >>> [backoff.next() for _ in range(5)]
    [2.0, 4.0, 8.0, 10.0, 10.0]
    >>> backoff.reset()
    >>> backoff.next()
    2.0

    Parameters
    ----------
    first
        Seconds before the first retry.
    cap
        Longest wait between retries.
    """

    def __init__(self, first: float = 2.0, cap: float = 30.0) -> None:
        self.first = first
        self.cap = cap
        self.failures = 0

    def next(self) -> float:
        """The wait before the next retry; each call counts one more failure."""
        wait = min(self.cap, self.first * 2.0**self.failures)
        if wait < self.cap:  # counting on past the cap would overflow in a long outage
            self.failures += 1
        return float(wait)

    def reset(self) -> None:
        """Start again from ``first`` (after a success)."""
        self.failures = 0
