"""Factory fixtures for frameworks, answers and stores (a pytest plugin, ``pytest_plugins``).

``make_framework()`` writes a small framework to a YAML file and loads it with
:func:`workbook.schema.loader.load_framework`, so every test exercises the loader. The
``store`` fixture is a store (SQLite, then PostgreSQL, via ``db_url``) holding
:data:`tests.support.data.PARTNERSHIP`, installed through
:func:`workbook.store.provision.install`:

* partnership ``tp`` with agencies ``alpha``, ``beta`` and ``gamma``;
* one cycle ``c1`` running framework ``test-fw`` 1.0, inviting ``alpha`` and ``beta`` only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests.support import data
from workbook.schema import loader as templates
from workbook.schema.framework import Framework
from workbook.schema.responses import Action, Answer
from workbook.store import Store, provision


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    """Write data (dumped as YAML) or text (as is) to ``tmp_path / name``; return the path."""

    def write(name: str, content: Any) -> Path:
        return data.write_yaml(tmp_path / name, content)

    return write


@pytest.fixture
def framework_data() -> Callable[..., dict[str, Any]]:
    """Factory: the small test framework as a plain mapping, top-level keys overridden."""
    return data.framework


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
        path = write_yaml(f"made/framework-{next(counter)}.yaml", framework_data(**overrides))
        return templates.load_framework(path)

    return make


@pytest.fixture
def make_answers() -> Callable[..., dict[str, Answer]]:
    """Factory: complete, submittable answers for the given criteria, all with one rating."""

    def make(
        criteria: tuple[str, ...] = ("p-1", "p-2", "i-1"), rating: str = "amber"
    ) -> dict[str, Answer]:
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
def partnership_files(write_yaml: Callable[..., Path]) -> tuple[Path, Path]:
    """The test partnership file and a templates folder holding only ``test-fw``."""
    write_yaml("store-templates/test-fw.yaml", data.framework())
    partnership = write_yaml("partnership.yaml", data.PARTNERSHIP)
    return partnership, partnership.parent / "store-templates"


INSTALLED: dict[tuple[str, str], str] = {}
"""For each server (or SQLite) and content installed, the store it was first installed in
(a PostgreSQL database nobody connects to, or a SQLite file): later stores of the same
content are copies of it (``installed``)."""


@contextlib.contextmanager
def installed(url: str, partnership: Path, templates_dir: Path) -> Iterator[Store]:
    """The store at ``url`` with ``partnership`` installed, closed on leaving.

    An empty ``url`` (a new SQLite file, or a PostgreSQL database without tables) becomes
    a copy of the first store this session installed the same files in: a database
    copied from a template, or a file copied, where migrating and installing took a
    third of a second on PostgreSQL for each of some 300 tests (issue #19). What was
    installed is the same either way; the copy is checked like any store when opened.
    """
    key = (_server_of(url), _digest(partnership, templates_dir))
    if _empty(url):
        if key not in INSTALLED:
            INSTALLED[key] = _install_first(url, partnership, templates_dir)
        _copy_into(url, INSTALLED[key])
        with Store.open(url) as opened:
            yield opened
        return
    with Store.open(url) as opened:
        provision.install(opened, partnership, templates_dir)
        yield opened


def _server_of(url: str) -> str:
    """``sqlite``, or the URL of the PostgreSQL server's own ``postgres`` database."""
    if url.startswith("sqlite"):
        return "sqlite"
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def _database(url: str) -> str:
    return str(make_url(url).database)


def _digest(partnership: Path, templates_dir: Path) -> str:
    """What decides an installed store: the partnership file and every template's bytes."""
    digest = hashlib.sha256(partnership.read_bytes())
    for path in sorted(templates_dir.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(templates_dir).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _empty(url: str) -> bool:
    """Whether ``url`` holds nothing yet: no SQLite file, or a database without tables."""
    if url.startswith("sqlite"):
        path = make_url(url).database  # without the URL's options (``?timeout=``)
        return bool(path) and path != ":memory:" and not Path(str(path)).exists()
    import psycopg

    from tests.support.programs import psycopg_conninfo

    with psycopg.connect(psycopg_conninfo(url)) as conn:
        found = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    return found is not None and found[0] == 0


def _install_first(url: str, partnership: Path, templates_dir: Path) -> str:
    """Install into a store of ``url``'s kind kept for copying; return where it is."""
    from tests.support.programs import create_database

    if url.startswith("sqlite"):
        folder = Path(tempfile.mkdtemp(prefix="wb-installed-"))
        first = f"sqlite:///{folder}/store.db"
    else:
        first = create_database(_server_of(url), f"wbinstalled_{uuid.uuid4().hex[:12]}")
    with Store.open(first) as store:
        provision.install(store, partnership, templates_dir)
    return first


def _copy_into(url: str, first: str) -> None:
    from tests.support.programs import create_database, drop_database

    if url.startswith("sqlite"):
        target = Path(_database(url))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_database(first), target)
        return
    drop_database(_server_of(url), _database(url))  # the test's empty database, made again
    create_database(_server_of(url), _database(url), _database(first))


@pytest.fixture(scope="session", autouse=True)
def installed_stores() -> Iterator[None]:
    """Removes the stores ``installed`` copied from when the session ends."""
    yield
    from tests.support.programs import drop_database

    for first in INSTALLED.values():
        if first.startswith("sqlite"):
            shutil.rmtree(Path(_database(first)).parent, ignore_errors=True)
        else:
            with contextlib.suppress(Exception):  # the session's own cluster may be gone
                drop_database(_server_of(first), _database(first))
    INSTALLED.clear()


@pytest.fixture
def store(db_url: str, partnership_files: tuple[Path, Path]) -> Iterator[Store]:
    """A store on SQLite and on PostgreSQL with the test partnership and cycle ``c1``."""
    with installed(db_url, *partnership_files) as opened:
        yield opened


@pytest.fixture
def scoped_store(db_url: str, write_yaml: Callable[..., Path]) -> Iterator[Store]:
    """A store whose ``test-fw`` scopes ``d-1`` to the police, with a sexual health service
    invited to ``c1`` beside beta (police) and gamma (education) (issue #16)."""
    templates_dir = write_yaml("scoped-templates/test-fw.yaml", data.framework(**data.SCOPED))
    partnership = write_yaml("scoped-partnership.yaml", data.SCOPED_PARTNERSHIP)
    with installed(db_url, partnership, templates_dir.parent) as opened:
        yield opened


@pytest.fixture
def demo_partnership_store(tmp_path: Path) -> Iterator[Store]:
    """A SQLite store holding the shipped demo partnership and its frameworks, no returns."""
    from workbook import config

    demo = config.ROOT / "data" / "demo" / "partnership.yaml"
    url = f"sqlite:///{tmp_path}/demo-partnership.db"
    with installed(url, demo, config.templates_dir()) as opened:
        yield opened


def sqlite_integrity(path: Path) -> list[tuple[str]]:
    """SQLite's own check of a store file: ``[("ok",)]`` when the file is sound."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        rows: list[tuple[str]] = conn.execute("PRAGMA integrity_check").fetchall()
        return rows
    finally:
        conn.close()


def table_counts(path: Path) -> dict[str, int]:
    """Rows in each table of a SQLite file, read with sqlite3 (not the store, which migrates)."""
    conn = sqlite3.connect(path)
    try:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


@pytest.fixture
def shared_store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    """A store holding ``tp`` and its neighbour ``np``, whose cycles ``c1`` and ``n1`` share
    beta's return (issue #17): ``tp`` loaded first, so beta's return is kept under ``c1``."""
    first = data.write_partnership(tmp_path / "tp", data.SHARED_PARTNERSHIP, data.framework())
    second = data.write_partnership(tmp_path / "np", data.NEIGHBOUR_PARTNERSHIP, data.framework())
    with installed(db_url, *first) as opened:
        provision.install(opened, *second)
        yield opened


def as_old_schema(conn, version: int) -> None:
    """Record schema ``version`` as the workbook then did: in ``meta``, with no Alembic stamp
    (the stores every main before schema 8's Alembic steps made have no ``alembic_version``)."""
    from workbook.store import tables

    conn.execute(tables.meta.update().values(value=str(version)))
    tables.alembic_version.drop(conn)


def as_schema_7(store: Store) -> None:
    """Make a store look as the last main before shared returns left it (schema 7): no
    ``shared_return`` or ``partnership_note`` table, no ``cycle.shared_returns``."""
    from workbook.store import tables

    with store.database.writing() as conn:
        for table in reversed(tables.V8_TABLES):
            table.drop(conn)
        for table, column, _ in tables.V8_COLUMNS:
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
        as_old_schema(conn, 7)
