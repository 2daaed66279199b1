"""The schema steps as Alembic revisions (issue #18): stores from before Alembic open as
they are. The wheel carrying the steps is tested by tests/deploy/test_standalone.py, whose
demo store is created (and stamped) by the installed package.

The mechanism (the next step runs once, a failed step leaves the store as it was, a
newer store is refused) is tested in test_store.py on both databases.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.support.factories import table_counts
from tests.support.servers import demo_store_at
from workbook.store import Store, migrations, tables

BEFORE_ALEMBIC = "1ef7368"
"""The last main before the steps became Alembic revisions: schema 8, no ``alembic_version``."""


@pytest.mark.slow
def test_the_demo_store_of_the_last_main_before_alembic_opens_as_a_page_would(
    tmp_path: Path,
) -> None:
    """No ``workbook migrate`` is needed: the schema is the same, Alembic only starts counting."""
    path = demo_store_at(BEFORE_ALEMBIC, tmp_path)
    before = table_counts(path)
    assert "alembic_version" not in before
    with Store.open(f"sqlite:///{path}", create=False, migrate=False) as store:
        assert store.database.found_version == tables.SCHEMA_VERSION
        assert {c.id for c in store.cycles()} >= {"cse-2016-17", "ce-2026"}
    after = table_counts(path)
    assert {n: after[n] for n in before} == before  # every row kept
    with sqlite3.connect(path) as conn:
        stamped = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    assert stamped == [(migrations.revision_of(tables.SCHEMA_VERSION),)]
