"""Fixtures for the headless widget tests (shared: each feature prefixes its own).

``form_...``: the agency return form. ``form_store`` is a store (SQLite; see
``form_db_url``) holding partnership ``tp``: agencies ``alpha``,
``beta`` and ``gamma``; cycles ``c1`` (2019) and ``c2`` (2020) of framework ``test-fw``
inviting ``alpha`` and ``beta``. ``test-fw`` has headings ``prevent`` (``p-1``, ``p-2``)
and ``identify`` (``i-1``, which asks for a rating and development only) and a
red < amber < green scale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import data
from tests.support.factories import installed
from workbook.schema import loader as templates
from workbook.schema.framework import Framework
from workbook.store import Store

FORM_FRAMEWORK: dict[str, Any] = data.framework(
    scale={
        "name": "RAG",
        "best": "highest",
        "levels": [
            *data.RAG_LEVELS[:2],
            {**data.RAG_LEVELS[2], "description": "In place"},
        ],
    },
    labels={"development": "Worries & gaps"},
    headings=[
        {"id": "prevent", "title": "Prevent", "guidance": "Stop it <early>."},
        {"id": "identify", "title": "Identify"},
    ],
    criteria=[
        data.FRAMEWORK["criteria"][0],
        {**data.FRAMEWORK["criteria"][1], "prompt": "Do children get <awareness> sessions?"},
        {**data.FRAMEWORK["criteria"][2], "fields": ["rating", "development"]},
    ],
)

FORM_PARTNERSHIP: dict[str, Any] = data.partnership(
    [
        data.cycle(cycle_id, f"Cycle {year}", year=year, agencies=["alpha", "beta"])
        for cycle_id, year in (("c1", 2019), ("c2", 2020))
    ],
    agencies=[
        {"id": "alpha", "name": "Alpha health & care trust", "sector": "health"},
        *data.AGENCIES[1:],
    ],
)


@pytest.fixture
def form_db_url(tmp_path: Path) -> str:
    """The form tests' store URL: SQLite.

    The widgets only call the Store API, which the core tests run on both databases; a
    module that wants PostgreSQL too overrides this with the root ``db_url``.
    """
    return f"sqlite:///{tmp_path}/form.db"


@pytest.fixture
def form_store(form_db_url: str, tmp_path: Path) -> Iterator[Store]:
    """A store with the test partnership, its two cycles and ``test-fw``."""
    files = data.write_partnership(tmp_path / "form", FORM_PARTNERSHIP, FORM_FRAMEWORK)
    with installed(form_db_url, *files) as store:
        yield store


@pytest.fixture
def form_framework(tmp_path: Path) -> Framework:
    """``test-fw`` loaded from YAML by the real loader."""
    return templates.load_framework(data.write_yaml(tmp_path / "form-fw.yaml", FORM_FRAMEWORK))


class ManualScheduler:
    """A clock and ``schedule(delay, callback)`` that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[list[Any]] = []  # [due, callback, alive]

    def clock(self) -> float:
        """The manual monotonic clock."""
        return self.now

    def __call__(self, delay: float, callback: Callable[[], None]) -> Callable[[], None]:
        timer = [self.now + delay, callback, True]
        self._timers.append(timer)

        def cancel() -> None:
            timer[2] = False

        return cancel

    @property
    def waiting(self) -> list[float]:
        """Due times of the timers not yet run or cancelled."""
        return sorted(t[0] for t in self._timers if t[2])

    def advance(self, seconds: float) -> None:
        """Move the clock on, running every timer that falls due, in order."""
        target = self.now + seconds
        while True:
            due = [t for t in self._timers if t[2] and t[0] <= target]
            if not due:
                break
            timer = min(due, key=lambda t: t[0])
            timer[2] = False
            self.now = timer[0]
            timer[1]()
        self.now = target


@pytest.fixture
def form_scheduler() -> ManualScheduler:
    """A manual scheduler for autosave: ``form_scheduler.advance(3)`` runs what is due."""
    return ManualScheduler()
