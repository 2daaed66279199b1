"""Python's cycle collector held off during bulk work (:mod:`workbook.collector`, issue #19)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from workbook import collector


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:  # as it was before the test, whatever the test left
        gc.enable()
    else:
        gc.disable()


def test_off_inside_and_back_on_after_even_on_an_error() -> None:
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError, match="the work failed"), collector.paused():
        raise ValueError("the work failed")
    assert gc.isenabled()


def test_whoever_turned_it_off_turns_it_back_on() -> None:
    gc.disable()
    with collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # not ours to turn on


def test_as_a_decorator_each_call_pauses_again() -> None:
    seen = []

    @collector.paused()
    def work() -> None:
        seen.append(gc.isenabled())

    work()
    work()
    assert seen == [False, False]
    assert gc.isenabled()


def test_freeze_leaves_what_is_alive_out_of_later_collections() -> None:
    """A pooled kernel's imports are walked by no collection after its request (#19)."""
    kept = [[] for _ in range(1000)]  # objects the collector tracks
    try:
        collector.freeze()
        assert gc.get_freeze_count() >= len(kept)
        assert not any(obj is kept for gen in range(3) for obj in gc.get_objects(gen))
        new = [kept]
        assert any(obj is new for obj in gc.get_objects(0))  # what comes after is not frozen
    finally:
        gc.unfreeze()
