"""Fixtures for the headless widget tests (shared: each feature prefixes its own).

``form_...``: the agency return form. ``form_store`` is a store (SQLite; see
``form_db_url``) holding partnership ``tp``: agencies ``alpha``,
``beta`` and ``gamma``; cycles ``c1`` (2019) and ``c2`` (2020) of framework ``test-fw``
inviting ``alpha`` and ``beta``. ``test-fw`` has headings ``prevent`` (``p-1``, ``p-2``)
and ``identify`` (``i-1``, which asks for a rating and development only) and a
red < amber < green scale.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from workbook.schema import loader as templates
from workbook.schema.framework import Framework
from workbook.store import Store, provision

FORM_FRAMEWORK: dict[str, Any] = {
    "id": "test-fw",
    "title": "Test framework",
    "version": "1.0",
    "scale": {
        "name": "RAG",
        "best": "highest",
        "levels": [
            {"key": "red", "label": "Red", "score": 1, "colour": "#d7191c"},
            {"key": "amber", "label": "Amber", "score": 2, "colour": "#fdae61"},
            {
                "key": "green",
                "label": "Green",
                "score": 3,
                "colour": "#1a9641",
                "description": "In place",
            },
        ],
    },
    "labels": {"development": "Worries & gaps"},
    "headings": [
        {"id": "prevent", "title": "Prevent", "guidance": "Stop it <early>."},
        {"id": "identify", "title": "Identify"},
    ],
    "criteria": [
        {"id": "p-1", "heading": "prevent", "prompt": "Is training recorded?"},
        {"id": "p-2", "heading": "prevent", "prompt": "Do children get <awareness> sessions?"},
        {
            "id": "i-1",
            "heading": "identify",
            "prompt": "Is the screening tool used?",
            "fields": ["rating", "development"],
        },
    ],
}


def _cycle(cycle_id: str, year: int) -> dict[str, Any]:
    return {
        "id": cycle_id,
        "title": f"Cycle {year}",
        "framework": "test-fw",
        "agencies": ["alpha", "beta"],
        "timetable": {
            "criteria_agreed": dt.date(year, 1, 6),
            "returns_open": dt.date(year, 2, 3),
            "returns_due": dt.date(year, 3, 2),
        },
    }


FORM_PARTNERSHIP: dict[str, Any] = {
    "kind": "partnership",
    "id": "tp",
    "name": "Test partnership",
    "agencies": [
        {"id": "alpha", "name": "Alpha health & care trust", "sector": "health"},
        {"id": "beta", "name": "Beta police force", "sector": "police"},
        {"id": "gamma", "name": "Gamma schools", "sector": "education"},
    ],
    "cycles": [_cycle("c1", 2019), _cycle("c2", 2020)],
}


def form_write_yaml(path: Path, data: Any) -> Path:
    """Write plain data as a YAML file (block style)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(data, out)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


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
    form_write_yaml(tmp_path / "form-templates" / "test-fw.yaml", FORM_FRAMEWORK)
    partnership = form_write_yaml(tmp_path / "form-partnership.yaml", FORM_PARTNERSHIP)
    store = Store.open(form_db_url)
    try:
        provision.install(store, partnership, tmp_path / "form-templates")
        yield store
    finally:
        store.close()


@pytest.fixture
def form_framework(tmp_path: Path) -> Framework:
    """``test-fw`` loaded from YAML by the real loader."""
    return templates.load_framework(form_write_yaml(tmp_path / "form-fw.yaml", FORM_FRAMEWORK))


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
