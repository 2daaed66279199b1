"""Factories for the core tests: frameworks built through the real YAML loader, and stores.

``make_framework()`` writes a small framework to a YAML file and loads it with
:func:`workbook.schema.loader.load_framework`, so every test exercises the loader. The
``store`` fixture is a store (SQLite, then PostgreSQL, via the root ``db_url`` fixture)
holding the partnership below, installed through :func:`workbook.store.provision.install`:

* partnership ``tp`` with agencies ``alpha``, ``beta`` and ``gamma``;
* one cycle ``c1`` running framework ``test-fw`` 1.0, inviting ``alpha`` and ``beta`` only.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from workbook.schema import loader as templates
from workbook.schema.framework import Framework
from workbook.schema.responses import Action, Answer
from workbook.store import Store, provision

FRAMEWORK: dict[str, Any] = {
    "id": "test-fw",
    "title": "Test framework",
    "version": "1.0",
    "scale": {
        "name": "RAG",
        "best": "highest",
        "levels": [
            {"key": "red", "label": "Red", "score": 1, "colour": "#d7191c"},
            {"key": "amber", "label": "Amber", "score": 2, "colour": "#fdae61"},
            {"key": "green", "label": "Green", "score": 3, "colour": "#1a9641"},
        ],
    },
    "headings": [
        {"id": "prevent", "title": "Prevent"},
        {"id": "identify", "title": "Identify"},
    ],
    "criteria": [
        {"id": "p-1", "heading": "prevent", "prompt": "Is training recorded?"},
        {"id": "p-2", "heading": "prevent", "prompt": "Do children get awareness sessions?"},
        {"id": "i-1", "heading": "identify", "prompt": "Is the screening tool used?"},
    ],
}

PARTNERSHIP: dict[str, Any] = {
    "kind": "partnership",
    "id": "tp",
    "name": "Test partnership",
    "agencies": [
        {"id": "alpha", "name": "Alpha health trust", "sector": "health"},
        {"id": "beta", "name": "Beta police force", "sector": "police"},
        {"id": "gamma", "name": "Gamma schools", "sector": "education"},
    ],
    "cycles": [
        {
            "id": "c1",
            "title": "Cycle one",
            "framework": "test-fw",
            "agencies": ["alpha", "beta"],
            "timetable": {
                "criteria_agreed": dt.date(2020, 1, 6),
                "returns_open": dt.date(2020, 2, 3),
                "returns_due": dt.date(2020, 3, 2),
            },
        }
    ],
}


def dump_yaml(data: Any) -> str:
    """YAML text of plain data, block style (dates stay dates, "1.0" stays a string)."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    """Write data (dumped as YAML) or text (as is) to ``tmp_path / name``; return the path."""

    def write(name: str, content: Any) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else dump_yaml(content), "utf-8")
        return path

    return write


@pytest.fixture
def framework_data() -> Callable[..., dict[str, Any]]:
    """Factory: the small test framework as a plain mapping, top-level keys overridden."""

    def build(**overrides: Any) -> dict[str, Any]:
        return {**copy.deepcopy(FRAMEWORK), **copy.deepcopy(overrides)}

    return build


@pytest.fixture
def make_framework(
    framework_data: Callable[..., dict[str, Any]], write_yaml: Callable[..., Path]
) -> Callable[..., Framework]:
    """Factory: a valid small ``Framework`` loaded from a YAML file by the real loader.

    Default: headings ``prevent`` (criteria ``p-1``, ``p-2``) and ``identify`` (``i-1``),
    scale red(1) < amber(2) < green(3) with the highest best. Keyword arguments replace
    top-level template keys.
    """
    counter = itertools.count(1)

    def make(**overrides: Any) -> Framework:
        data = framework_data(**overrides)
        path = write_yaml(f"made/framework-{next(counter)}.yaml", data)
        return templates.load_framework(path)

    return make


@pytest.fixture
def make_answers() -> Callable[..., dict[str, Answer]]:
    """Factory: complete, submittable answers for the given criteria, all with one rating."""

    def make(criteria: tuple[str, ...] = ("p-1", "p-2", "i-1"), rating: str = "amber"):
        return {
            cid: Answer(
                rating=rating,
                evidence=f"Audit report for {cid}.",
                going_well="Staff know the pathway.",
                development="Recording is inconsistent.",
                actions=(
                    Action(
                        text="Refresher training", owner="Service manager", due=dt.date(2020, 6, 1)
                    ),
                ),
            )
            for cid in criteria
        }

    return make


@pytest.fixture
def partnership_files(
    write_yaml: Callable[..., Path], framework_data: Callable[..., dict[str, Any]]
) -> tuple[Path, Path]:
    """The test partnership file and a templates folder holding only ``test-fw``."""
    write_yaml("store-templates/test-fw.yaml", framework_data())
    partnership = write_yaml("partnership.yaml", copy.deepcopy(PARTNERSHIP))
    return partnership, partnership.parent / "store-templates"


@pytest.fixture
def store(db_url: str, partnership_files: tuple[Path, Path]) -> Iterator[Store]:
    """A store on SQLite and on PostgreSQL with the test partnership and cycle ``c1``."""
    partnership_file, templates_dir = partnership_files
    opened = Store.open(db_url)
    try:
        provision.install(opened, partnership_file, templates_dir)
        yield opened
    finally:
        opened.close()
