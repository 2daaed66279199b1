"""A store made before shared returns opens with them (issue #17): schema 7 -> 8.

Schema 8 adds ``cycle.shared_returns`` and the ``shared_return`` and ``partnership_note``
tables. No cycle accepted shared returns before, so none is shared and every return stays
where it was; a neighbour partnership loaded afterwards shares with the old cycles only
once their file says they accept shared returns.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import inspect

from tests.support import data
from tests.support.factories import as_schema_7, table_counts
from tests.support.servers import demo_store_at
from workbook.schema.responses import Answer
from workbook.store import Store, provision, tables

SCHEMA_7 = "954d654"
"""The last main before shared returns: schema 7."""


def test_a_schema_7_store_gains_shared_returns(
    store: Store,
    db_url: str,
    tmp_path: Path,
    make_answers: Callable[..., dict[str, Answer]],
) -> None:
    store.save("c1", "alpha", make_answers(), author="Lead", based_on=None)
    as_schema_7(store)
    with Store.open(db_url) as upgraded:
        assert upgraded.schema_version() == tables.SCHEMA_VERSION
        assert {"shared_return", "partnership_note"} <= set(
            inspect(upgraded.engine).get_table_names()
        )
        assert upgraded.cycle("c1").shared_returns is False
        state = upgraded.latest("c1", "alpha")
        assert state is not None
        assert data.without_action_ids(state.answers) == make_answers()
        # the old partnership now accepts shared returns; its neighbour joins it
        first = data.write_partnership(tmp_path / "tp", data.SHARED_PARTNERSHIP, data.framework())
        second = data.write_partnership(
            tmp_path / "np", data.NEIGHBOUR_PARTNERSHIP, data.framework()
        )
        provision.install(upgraded, *first)
        provision.install(upgraded, *second)
        assert list(upgraded.shared.with_whom("n1")) == ["beta"]
        saved = upgraded.save("n1", "beta", make_answers(), author="Bea", based_on=None)
        from_tp = upgraded.latest("c1", "beta")
        assert from_tp is not None
        assert (from_tp.revision, from_tp.answers) == (1, saved.answers)
        assert upgraded.latest("c1", "alpha") == state  # alpha's return is where it was


@pytest.mark.slow
def test_the_demo_store_of_the_last_main_before_shared_returns_opens_with_it(
    tmp_path: Path,
) -> None:
    """The real thing: `workbook demo` as commit 954d654 ran it, then opened by this code."""
    path = demo_store_at(SCHEMA_7, tmp_path)
    before = table_counts(path)
    with sqlite3.connect(path) as conn:
        started = set(conn.execute("SELECT DISTINCT cycle_id, agency_id FROM revision"))
    assert "shared_return" not in before
    with Store.open(f"sqlite:///{path}") as store:
        returns = {c.id: store.returns(c.id) for c in store.cycles()}
        assert store.schema_version() == tables.SCHEMA_VERSION
        after = table_counts(path)
        assert {n: after[n] for n in before if n != "meta"} == {
            n: c for n, c in before.items() if n != "meta"
        }
        assert (after["shared_return"], after["partnership_note"]) == (0, 0)
        assert {(c, a) for c, found in returns.items() for a in found} == started
        assert not any(c.shared_returns for c in store.cycles())


def test_two_openings_at_once_migrate_an_old_store_once(
    store: Store, db_url: str, make_answers: Callable[..., dict[str, Answer]]
) -> None:
    """Pods starting together after an upgrade (issue #18): both open, neither fails, and
    the store is migrated once, its rows kept."""
    store.save("c1", "alpha", make_answers(), author="Lead", based_on=None)
    as_schema_7(store)
    store.close()
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def open_it() -> None:
        start.wait()
        try:
            Store.open(db_url, create=False).close()
        except BaseException as exc:  # noqa: BLE001 (reported by the assertion below)
            failures.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    with Store.open(db_url, create=False) as opened:
        assert opened.schema_version() == tables.SCHEMA_VERSION
        assert [r.number for r in opened.history("c1", "alpha")] == [1]
