"""Who may create or upgrade a store (issue #18), on SQLite and PostgreSQL.

Only the commands that fill a store create one; a page or any other command refuses a
missing store in words and creates nothing. A store an earlier version wrote is upgraded
only by ``workbook migrate``: pages and other commands refuse it, naming that command.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.factories import as_schema_7
from tests.support.programs import workbook_cli
from workbook.cli import cli
from workbook.errors import StorageError
from workbook.schema.responses import Answer
from workbook.store import Store, provision


@pytest.fixture
def old_store(store: Store, db_url: str, make_answers: Callable[..., dict[str, Answer]]) -> str:
    """``db_url`` holding the test partnership and one return, as schema 7."""
    store.save("c1", "alpha", make_answers(), author="Lead", based_on=None)
    as_schema_7(store)
    store.close()
    return db_url


def test_an_old_store_is_refused_until_migrate_upgrades_it(old_store: str) -> None:
    with pytest.raises(StorageError, match="`workbook migrate`") as refused:
        Store.open(old_store, create=False, migrate=False)
    assert (refused.value.kind, refused.value.facts["found"]) == ("older_schema", 7)
    runner = CliRunner()
    summary = runner.invoke(cli, ["summary", "--db", old_store])
    assert isinstance(summary.exception, StorageError)
    assert summary.exception.kind == "older_schema"
    migrated = runner.invoke(cli, ["migrate", "--db", old_store])
    assert migrated.exit_code == 0, migrated.output
    assert "from schema 7 to 8; every row kept." in migrated.output
    again = runner.invoke(cli, ["migrate", "--db", old_store])
    assert "is already at schema 8; nothing to do." in again.output
    summary = runner.invoke(cli, ["summary", "--db", old_store])
    assert summary.exit_code == 0, summary.output
    assert "1 draft" in summary.output


def test_a_page_refuses_a_missing_or_old_store_in_words(
    old_store: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from widgets import app

    monkeypatch.setattr("widgets.base.page_query", lambda: {})
    monkeypatch.setattr(app, "page_query", lambda: {})
    monkeypatch.setenv("WORKBOOK_DB", old_store)
    page = app.landing()
    assert "`workbook migrate`" in page.value  # type: ignore[union-attr]
    assert app.open_store() is None
    missing = tmp_path / "nowhere" / "x.db"
    monkeypatch.setenv("WORKBOOK_DB", f"sqlite:///{missing}")
    page = app.landing()
    assert "There is no store at" in page.value  # type: ignore[union-attr]
    assert not missing.parent.exists()
    with pytest.raises(StorageError, match="schema 7"):  # the page upgraded nothing
        Store.open(old_store, create=False, migrate=False)


def test_the_entry_point_names_the_command_that_upgrades(
    tmp_path: Path, partnership_files: tuple[Path, Path]
) -> None:
    """Through the real entry point (exit code and stderr): one subprocess, on SQLite."""
    old = f"sqlite:///{tmp_path}/old.db"
    with Store.open(old) as store:
        provision.install(store, *partnership_files)
        as_schema_7(store)
    result = workbook_cli("summary", "--db", old, cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"error: The store at {old} was written by an earlier version of the workbook "
        "(schema 7; this version uses 8). An administrator upgrades it once with "
        "`workbook migrate`"
    )
