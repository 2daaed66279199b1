"""Settings resolve in one place: explicit value, then environment, then packaged default."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import workbook.config
import workbook.store
import workbook.store.engine
from workbook import config


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for variable in config.ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_default_when_nothing_is_set(clean_env: pytest.MonkeyPatch) -> None:
    assert config.db_url() == f"sqlite:///{config.ROOT / 'data' / 'workbook.db'}"
    assert config.templates_dir() == config.ROOT / "templates" / "frameworks"
    assert config.setting("demo_partnership") == str(
        config.ROOT / "data" / "demo" / "partnership.yaml"
    )


def test_environment_beats_default(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WORKBOOK_DB", "sqlite:///from-env.db")
    clean_env.setenv("WORKBOOK_TEMPLATES", "/srv/templates")
    assert config.db_url() == "sqlite:///from-env.db"
    assert config.templates_dir() == Path("/srv/templates")


def test_explicit_beats_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WORKBOOK_DB", "sqlite:///from-env.db")
    clean_env.setenv("WORKBOOK_TEMPLATES", "/srv/templates")
    assert config.db_url("sqlite:///explicit.db") == "sqlite:///explicit.db"
    assert config.templates_dir("/explicit/templates") == Path("/explicit/templates")


HOME_STORE = f"sqlite:///{config.ROOT / 'data' / 'workbook.db'}"
"""The default store in a checkout."""


def test_empty_values_fall_through(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WORKBOOK_DB", "")
    assert config.db_url("") == HOME_STORE
    clean_env.setenv("WORKBOOK_DB", "sqlite:///from-env.db")
    assert config.db_url(None) == "sqlite:///from-env.db"


def test_settings_without_a_variable_ignore_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    assert "demo_partnership" not in config.ENVIRONMENT
    environ = {"WORKBOOK_DEMO_PARTNERSHIP": "/elsewhere.yaml"}
    assert (
        config.setting("demo_partnership", environ=environ) == config.DEFAULTS["demo_partnership"]
    )


def test_an_explicit_environ_mapping_replaces_os_environ(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WORKBOOK_DB", "sqlite:///from-os.db")
    assert config.setting("db", environ={}) == HOME_STORE
    assert (
        config.setting("db", environ={"WORKBOOK_DB": "sqlite:///given.db"}) == "sqlite:///given.db"
    )


def test_the_store_lives_in_the_home_folder_wherever_it_is(tmp_path: Path) -> None:
    """``WORKBOOK_HOME`` moves the default store; ``WORKBOOK_DB`` still beats it (#18)."""
    assert config.IN_CHECKOUT  # these tests run from the checkout: home is data/
    assert config.DEFAULTS["home"] == str(config.ROOT / "data")
    moved = {"WORKBOOK_HOME": str(tmp_path)}
    assert config.setting("db", environ=moved) == f"sqlite:///{tmp_path / 'workbook.db'}"
    both = {**moved, "WORKBOOK_DB": "sqlite:///given.db"}
    assert config.setting("db", environ=both) == "sqlite:///given.db"


def test_unknown_setting_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        config.setting("colour", environ={})


def test_packaged_defaults_point_at_real_files() -> None:
    assert Path(config.DEFAULTS["templates"]).is_dir()
    assert Path(config.DEFAULTS["demo_partnership"]).is_file()
    assert Path(config.DEFAULTS["demo_neighbour"]).is_file()  # issue #17


def test_store_uses_the_environment_when_no_url_is_given(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("WORKBOOK_DB", f"sqlite:///{tmp_path}/env.db")
    with workbook.store.Store.open() as store:
        assert store.url == f"sqlite:///{tmp_path}/env.db"
    assert (tmp_path / "env.db").exists()


@pytest.mark.parametrize(
    "module", [workbook.config, workbook.store.engine], ids=lambda m: m.__name__
)
def test_doctests(module, clean_env: pytest.MonkeyPatch) -> None:
    result = doctest.testmod(module, verbose=False, report=False)
    assert result.attempted >= 2
    assert result.failed == 0


def test_normalise_url_doctest_runs() -> None:
    finder = doctest.DocTestFinder()
    (test,) = finder.find(
        workbook.store.normalise_url,
        "normalise_url",
        globs={"normalise_url": workbook.store.normalise_url},
    )
    result = doctest.DocTestRunner().run(test, out=lambda _: None)
    assert (result.attempted, result.failed) == (2, 0)
    assert workbook.store.normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert (
        workbook.store.normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    )
