"""bench/capacity.py's rules for when the machine has given out (the run itself is a benchmark)."""

from __future__ import annotations

import pytest

from bench.capacity import WINDOW, available_mib, slope, stop_reason


def test_it_stops_when_available_memory_falls_under_the_reserve() -> None:
    reason = stop_reason([1.0] * 3, 900.0, reserve=1024, slower=2.0, most=250)
    assert reason is not None
    assert reason.startswith("memory: 900 MiB available")
    assert stop_reason([1.0] * 3, 2048.0, reserve=1024, slower=2.0, most=250) is None


def test_it_stops_when_the_last_opens_are_slower_than_the_first_by_the_factor() -> None:
    steady = [1.0] * WINDOW + [1.9] * WINDOW
    assert stop_reason(steady, 1e6, reserve=1024, slower=2.0, most=250) is None
    slowed = [1.0] * WINDOW + [2.5] * WINDOW
    reason = stop_reason(slowed, 1e6, reserve=1024, slower=2.0, most=250)
    assert reason is not None
    assert reason.startswith("latency: the last 5 opens took 2.50 s")
    # too few opens to compare two windows: latency is not judged yet
    assert stop_reason([1.0, 9.0], 1e6, reserve=1024, slower=2.0, most=250) is None


def test_it_stops_at_the_bound() -> None:
    assert stop_reason([1.0] * 12, 1e6, reserve=1024, slower=2.0, most=12) == (
        "the bound: 12 forms open"
    )


def test_what_one_more_form_costs_is_the_slope_of_available_memory() -> None:
    assert slope([(0, 1000.0), (1, 920.0), (2, 840.0), (3, 760.0)]) == pytest.approx(-80.0)
    assert slope([(0, 1000.0)]) != slope([(0, 1000.0)])  # nan: one point says nothing


def test_available_memory_is_read_from_the_kernel() -> None:
    assert 0 < available_mib() < 1 << 30
