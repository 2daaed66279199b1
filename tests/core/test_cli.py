"""The ``workbook`` command: exit codes, located messages, readable output, never a traceback."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.programs import workbook_cli
from workbook import config
from workbook.cli import cli
from workbook.schema.responses import Answer, Status
from workbook.store import Store, provision

ROOT = config.ROOT
SHIPPED = sorted((ROOT / "templates" / "frameworks").glob("*.yaml"))
DEMO_PARTNERSHIP = ROOT / "data" / "demo" / "partnership.yaml"
LOCATED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<field>[\w.\[\]-]+): (?P<message>.+)$")
T0 = dt.datetime(2020, 2, 10, 9, 30, tzinfo=dt.UTC)


def run_main(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real entry point in a fresh interpreter (real exit code, real stderr)."""
    return workbook_cli(*args, cwd=ROOT, timeout=60)


@pytest.fixture
def sqlite_store_url(tmp_path: Path, partnership_files: tuple[Path, Path]) -> str:
    """A SQLite store with the test partnership (for the subprocess tests)."""
    url = f"sqlite:///{tmp_path}/cli.db"
    with Store.open(url) as store:
        provision.install(store, *partnership_files)
        store.save(
            "c1", "alpha", {"p-1": Answer(rating="red")}, author="Return lead", based_on=None
        )
    return url


# --------------------------------------------------------------------- validate


def test_validate_ok_exits_0() -> None:
    paths = [*map(str, SHIPPED), str(DEMO_PARTNERSHIP)]
    result = CliRunner().invoke(cli, ["validate", *paths])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"{p}: ok" for p in paths]
    assert result.stderr == ""


def test_validate_reports_located_problems_and_exits_1(tmp_path: Path) -> None:
    good = next(path for path in SHIPPED if path.stem == "cse-mase")
    bad = tmp_path / "bad.yaml"
    text = good.read_text("utf-8")
    assert 'version: "2017.2"' in text
    bad.write_text(text.replace('version: "2017.2"', "version: 2017.2"), "utf-8")
    result = CliRunner().invoke(cli, ["validate", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{good}: ok" in result.stdout
    errors = result.stderr.splitlines()
    assert errors[-1] == "1 of 2 file(s) invalid"
    match = LOCATED.match(errors[0])
    assert match, errors[0]
    assert match["file"] == str(bad)
    line = 1 + next(
        n for n, text in enumerate(bad.read_text().splitlines()) if text.startswith("version:")
    )
    assert (int(match["line"]), match["field"]) == (line, "version")
    assert "quote values such as version numbers" in match["message"]
    assert "Traceback" not in result.output


def test_validate_needs_a_path() -> None:
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_validate_through_the_real_entry_point(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: Not An Id\n", "utf-8")
    result = run_main("validate", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    first = LOCATED.match(result.stderr.splitlines()[0])
    assert first, result.stderr
    assert first["file"] == str(bad)
    assert result.stderr.splitlines()[-1] == "1 of 1 file(s) invalid"


# ------------------------------------------------------------- history, summary


def test_history_lists_each_revision(db_url: str, store: Store, make_answers) -> None:
    answers = make_answers()
    store.save("c1", "alpha", {"p-1": answers["p-1"]}, author="Return lead", based_on=None, at=T0)
    store.save(
        "c1",
        "alpha",
        answers,
        author="Head of service",
        based_on=1,
        status=Status.SUBMITTED,
        at=T0 + dt.timedelta(days=1, hours=2),
    )
    store.reopen("c1", "alpha", author="MASE chair", reason="Evidence for p-2 is missing")

    result = CliRunner().invoke(
        cli, ["history", "--db", db_url, "--cycle", "c1", "--agency", "alpha"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    every = "rating/evidence/going_well/development/actions"
    me = store.identity.key  # the fixture's store acts as the local administrator
    assert me.startswith("local:")
    assert lines[:4] == [
        f"#1 2020-02-10 09:30 UTC Draft by Return lead [{me}]",
        f"    changed: p-1 ({every})",
        f"#2 2020-02-11 11:30 UTC Submitted by Head of service [{me}]",
        # criteria in id order within a revision, the same on every database
        f"    changed: i-1 ({every}), p-2 ({every})",
    ]
    assert re.fullmatch(
        r"#3 \d{4}-\d\d-\d\d \d\d:\d\d UTC Reopened by MASE chair \[local:.+\]", lines[4]
    )
    assert lines[5:] == ["    note: Evidence for p-2 is missing", "    changed: status only"]


def test_history_of_a_return_not_started(db_url: str, store: Store) -> None:
    result = CliRunner().invoke(
        cli, ["history", "--db", db_url, "--cycle", "c1", "--agency", "beta"]
    )
    assert result.exit_code == 0
    assert result.stdout == "beta has not started its return for c1.\n"


def test_summary_counts_statuses(db_url: str, store: Store) -> None:
    store.save("c1", "alpha", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    result = CliRunner().invoke(cli, ["summary", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Test partnership [tp]: 3 agencies",
        "  c1: Cycle one (test-fw 1.0), due 2020-03-02: 1 draft, 1 not started",
    ]


def test_summary_of_an_empty_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    Store.open(url).close()  # made, with nothing loaded into it yet
    result = CliRunner().invoke(cli, ["summary", "--db", url])
    assert result.exit_code == 0
    assert "is empty. Run `workbook demo` or `workbook load FILE`." in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["summary"],
        ["export", "--cycle", "c1", "-o", "out.xlsx"],
        ["users", "list"],
    ],
    ids=lambda c: c[0],
)
def test_a_missing_store_is_named_and_nothing_is_created(
    tmp_path: Path, command: list[str]
) -> None:
    """Only demo, load, generate and restore make a store (issue #18)."""
    missing = tmp_path / "no" / "such" / "dir" / "x.db"
    result = workbook_cli(*command, "--db", f"sqlite:///{missing}", cwd=tmp_path, timeout=60)
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith(
        f"error: There is no store at sqlite:///{missing} (no file {missing}); nothing was "
        "created. Create one with `workbook demo`"
    )
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # not even the folder


def test_load_reports_where_the_partnership_file_is_wrong(
    tmp_path: Path, partnership_files
) -> None:
    partnership, folder = partnership_files
    broken = tmp_path / "broken.yaml"
    broken.write_text(partnership.read_text().replace("- beta\n", "- delta\n"), "utf-8")
    result = run_main(
        "load", str(broken), "--db", f"sqlite:///{tmp_path}/x.db", "--templates", str(folder)
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    line = 1 + next(
        n for n, text in enumerate(broken.read_text().splitlines()) if "- delta" in text
    )
    assert result.stderr.startswith(
        f"error: {broken}:{line}: cycles[0].agencies[1]: unknown agency 'delta'"
    )


# ---------------------------------------------------- errors through the entry point


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["history", "--cycle", "nope", "--agency", "alpha"],
            "error: No cycle named 'nope' in the store. See `workbook summary`.",
        ),
        (
            ["history", "--cycle", "c1", "--agency", "nobody"],
            "error: No agency named 'nobody' in the store.",
        ),
    ],
    ids=["unknown cycle", "unknown agency"],
)
def test_unknown_names_exit_1_with_a_plain_message(
    sqlite_store_url: str, args: list[str], message: str
) -> None:
    result = run_main(*args, "--db", sqlite_store_url)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == message
    assert "Traceback" not in result.stderr


def test_an_unusable_store_exits_1_with_a_plain_message(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    result = run_main("demo", "--db", f"sqlite:///{tmp_path}/a-file/x.db")  # one that creates
    assert result.returncode == 1
    assert result.stderr.startswith("error: The store at sqlite:///")
    assert "could not be used" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2() -> None:
    result = run_main("history", "--cycle", "c1")
    assert result.returncode == 2
    assert "Missing option '--agency'" in result.stderr
    assert "Traceback" not in result.stderr
