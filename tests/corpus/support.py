"""What the corpus tests share: the manifest, a digest of every table, the workbook command.

Imported as ``tests.corpus.support`` by ``tests/core/test_corpus.py`` and
``tests/widgets/test_corpus_form.py`` (the repository root is on pytest's ``pythonpath``).
See ``manifest.yaml`` for the cases.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from sqlalchemy import select

from workbook.store import Store
from workbook.store import tables as T

CORPUS = Path(__file__).resolve().parent
MANIFEST = CORPUS / "manifest.yaml"
TRACEBACK = "Traceback"


# -- the manifest ------------------------------------------------------------------------


def value(raw: Any) -> Any:
    """A manifest value: ``{repeat: TEXT, times: N}`` is TEXT repeated N times."""
    if isinstance(raw, dict) and set(raw) == {"repeat", "times"}:
        return str(raw["repeat"]) * int(raw["times"])
    if isinstance(raw, dict):
        return {key: value(item) for key, item in raw.items()}
    if isinstance(raw, list):
        return [value(item) for item in raw]
    return raw


@dataclass(frozen=True)
class Case:
    """One bad input and what it must produce."""

    id: str
    category: str
    what: str
    raw: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return value(self.raw[key])

    def get(self, key: str, default: Any = None) -> Any:
        """A field of the case, or ``default``."""
        return value(self.raw[key]) if key in self.raw else default

    @property
    def file(self) -> Path:
        """The input file in the corpus folder."""
        return CORPUS / str(self.raw["file"])

    @property
    def expect(self) -> list[str]:
        """Fragments of the message, in order."""
        return [str(v) for v in value(self.raw.get("expect", []))]


def manifest() -> dict[str, Any]:
    """The manifest as plain data."""
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(MANIFEST.read_text("utf-8"))
    return data


def cases(*categories: str) -> list[Case]:
    """The manifest's cases of these categories (all when none named)."""
    out = []
    for raw in manifest()["cases"]:
        if not categories or raw["category"] in categories:
            out.append(Case(raw["id"], raw["category"], raw["what"], raw))
    return out


def params(*categories: str) -> list[Any]:
    """``pytest.param`` per case, with the case id as the test id."""
    return [pytest.param(case, id=case.id) for case in cases(*categories)]


def category_counts() -> Counter[str]:
    """How many cases each category has."""
    return Counter(case.category for case in cases())


def referenced_files() -> set[Path]:
    """Every file the manifest names: inputs, their template folders, support files."""
    data = manifest()
    found = {CORPUS / name for name in data.get("support", [])}
    for raw in data["cases"]:
        if "file" in raw:
            found.add(CORPUS / raw["file"])
        if "templates" in raw:
            found.update(p for p in (CORPUS / raw["templates"]).rglob("*") if p.is_file())
    return found


def corpus_files() -> set[Path]:
    """Every file in the corpus folder but the manifest (and Python's caches)."""
    return {
        p
        for p in CORPUS.rglob("*")
        if p.is_file() and p != MANIFEST and "__pycache__" not in p.parts
    }


# -- checks ------------------------------------------------------------------------------


def table_digests(store: Store) -> dict[str, str]:
    """A digest of every row of every table, by table: equal before and after = unchanged."""
    digests = {}
    with store.engine.connect() as conn:
        for table in T.metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            digests[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
    return digests


def assert_in_order(text: str, fragments: list[str]) -> None:
    """Each fragment appears in ``text``, in the order given."""
    position = 0
    for fragment in fragments:
        found = text.find(fragment, position)
        assert found >= 0, f"{fragment!r} not found (in order) in:\n{text}"
        position = found + len(fragment)


def assert_no_traceback(*texts: str) -> None:
    """No Python traceback in anything shown to the user."""
    for text in texts:
        assert TRACEBACK not in text, text


@dataclass(frozen=True)
class Run:
    """What one in-process run of the ``workbook`` command did."""

    code: int
    stdout: str
    stderr: str


def run_workbook(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Run:
    """Run ``workbook ARGS`` as the console script does (:func:`workbook.cli.main`).

    In-process, so an uncaught exception fails the test with its traceback; the output is
    what a user would see.
    """
    from workbook import cli

    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["workbook", *args])
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    assert_no_traceback(out, err)
    return Run(code, out, err)


def html_values(widget: Any) -> Iterator[str]:
    """The ``value`` of every HTML widget in a widget tree (what the page shows as HTML)."""
    import ipywidgets as ipw

    if isinstance(widget, ipw.HTML | ipw.HTMLMath):
        yield widget.value
    for child in getattr(widget, "children", ()):
        yield from html_values(child)
