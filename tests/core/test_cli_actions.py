"""``workbook actions list|update|history|create|mark|carry`` (issue #15), through click's runner.

On SQLite only: the store's own tests cover PostgreSQL; these check what the commands
print and what they change. The store is ``tp`` with cycles c1 (2020) and c2 (2021).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.support import data
from tests.support.factories import installed
from workbook.cli import cli, main
from workbook.errors import ActionError
from workbook.schema.actions import ActionChange, ActionStatus, TopScope, TopState
from workbook.store import Store

T0 = dt.datetime(2020, 4, 1, 9, 30, tzinfo=dt.UTC)
PAST = dt.date(2020, 9, 30)  # long gone: an unfinished action due then is overdue
FUTURE = dt.date(2999, 1, 1)
AWKWARD = 'Audit the pathway, then "re-audit"\nin the spring'


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/actions.db"


@pytest.fixture
def store(url: str, write_yaml: Callable[..., Path]) -> Iterator[Store]:
    """``tp`` with cycles c1 (2020) and c2 (2021) of test-fw, both inviting alpha and beta."""
    write_yaml("templates/test-fw.yaml", data.framework())
    partnership = write_yaml(
        "partnership.yaml",
        data.partnership(
            [
                data.cycle("c1", "Cycle one", 2020, agencies=["alpha", "beta"]),
                data.cycle("c2", "Cycle two", 2021, agencies=["alpha", "beta"]),
            ]
        ),
    )
    with installed(url, partnership, partnership.parent / "templates") as opened:
        yield opened


@pytest.fixture
def three(store: Store) -> dict[str, str]:
    """Three c1 actions: alpha's overdue one, beta's done one, the partnership's own."""
    made = {
        "alpha": store.actions.create(
            "c1", AWKWARD, owner="Named nurse", due=PAST, agency_id="alpha", at=T0
        ),
        "beta": store.actions.create(
            "c1", "Train the desk", owner="Desk lead", due=PAST, agency_id="beta", at=T0
        ),
        "partnership": store.actions.create(
            "c1", "Review the board's terms", owner="Chair", due=FUTURE, at=T0
        ),
    }
    store.actions.update(
        made["beta"].id, ActionChange(status=ActionStatus.DONE, note="All trained."), at=T0
    )
    store.actions.update(
        made["alpha"].id,
        ActionChange(note="Half the files read."),
        at=dt.datetime(2020, 5, 6, 12, 0, tzinfo=dt.UTC),
    )
    return {whose: action.id for whose, action in made.items()}


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["actions", *args, "--db", url])


def run_main(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """The real entry point in this process: its exit status and what it printed."""
    monkeypatch.setattr(sys, "argv", ["workbook", "actions", *args, "--db", url])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


# -- list ---------------------------------------------------------------------------------


def test_list_as_a_table_one_line_per_action(url: str, three: dict[str, str]) -> None:
    result = run(url, "list", "--cycle", "c1")
    assert result.exit_code == 0, result.output
    head, *lines = result.stdout.splitlines()
    assert head.split() == [
        "ID", "AGENCY", "STATUS", "DUE", "OWNER", "CYCLES", "LAST", "NOTE", "OVERDUE", "TEXT"
    ]  # fmt: skip
    assert len(lines) == 3  # the line break in alpha's text does not make a fourth
    by_id = {line.split()[0]: line for line in lines}
    alpha = by_id[three["alpha"]]
    assert alpha.split()[1:8] == [
        "alpha",
        "Open",
        "2020-09-30",
        "Named",
        "nurse",
        "c1",
        "2020-05-06",
    ]
    assert "overdue" in alpha
    assert alpha.endswith('Audit the pathway, then "re-audit" in the spring')
    assert by_id[three["beta"]].split()[1:3] == ["beta", "Done"]
    assert "overdue" not in by_id[three["beta"]]  # done: never overdue
    partnership = by_id[three["partnership"]]
    assert partnership.split()[1:4] == ["partnership", "Open", "2999-01-01"]
    assert "never" in partnership
    assert "overdue" not in partnership
    # fixed width: every column starts at the same place on every line
    starts = {line.index(" Open") for line in (alpha, partnership)}
    assert len(starts) == 1


def test_list_as_csv_reads_back_with_commas_and_line_breaks_intact(
    url: str, three: dict[str, str]
) -> None:
    result = run(url, "list", "--cycle", "c1", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert set(rows) == set(three.values())
    assert rows[three["alpha"]] == {
        "id": three["alpha"],
        "agency": "alpha",
        "status": "Open",
        "due": "2020-09-30",
        "owner": "Named nurse",
        "text": AWKWARD,
        "cycles": "c1",
        "last_note": "2020-05-06",
        "overdue": "yes",
    }
    assert (rows[three["beta"]]["status"], rows[three["beta"]]["overdue"]) == ("Done", "no")
    assert rows[three["partnership"]]["agency"] == "partnership"
    assert rows[three["partnership"]]["last_note"] == ""


def test_csv_text_a_spreadsheet_would_run_as_a_formula_is_neutralised(
    url: str, store: Store
) -> None:
    risky = '=HYPERLINK("http://example.invalid","Open me")'
    made = store.actions.create("c1", risky, owner="+44 lead", agency_id="alpha")
    result = run(url, "list", "--cycle", "c1", "--format", "csv")
    assert result.exit_code == 0, result.output
    (row,) = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["id"] == made.id]
    assert (row["text"], row["owner"]) == ("'" + risky, "'+44 lead")


def test_list_as_json_to_a_file(url: str, three: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "actions.json"
    result = run(url, "list", "--partnership", "tp", "--format", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote 3 action(s) to {out}\n"
    rows = {row["id"]: row for row in json.loads(out.read_text("utf-8"))}
    assert rows[three["alpha"]] == {
        "id": three["alpha"],
        "agency": "alpha",
        "status": "Open",
        "due": "2020-09-30",
        "owner": "Named nurse",
        "text": AWKWARD,
        "cycles": ["c1"],
        "last_note": "2020-05-06",
        "overdue": True,
    }
    assert rows[three["partnership"]]["last_note"] is None
    assert rows[three["beta"]]["overdue"] is False


@pytest.mark.parametrize(
    ("filters", "whose"),
    [
        (["--status", "done"], ["beta"]),
        (["--status", "open", "--status", "Done"], ["alpha", "beta", "partnership"]),
        (["--overdue"], ["alpha"]),
        (["--agency", "beta"], ["beta"]),
        (["--agency", "alpha", "--status", "done"], []),
    ],
    ids=["status", "two statuses", "overdue", "agency", "agency and status"],
)
def test_list_filters(
    url: str, three: dict[str, str], filters: list[str], whose: list[str]
) -> None:
    result = run(url, "list", "--cycle", "c1", "--format", "json", *filters)
    assert result.exit_code == 0, result.output
    assert sorted(row["id"] for row in json.loads(result.stdout)) == sorted(three[w] for w in whose)


def test_list_of_nothing_says_so(url: str, three: dict[str, str]) -> None:
    result = run(url, "list", "--cycle", "c2")
    assert (result.exit_code, result.stdout) == (0, "No actions match.\n")
    assert json.loads(run(url, "list", "--cycle", "c2", "--format", "json").stdout) == []


def test_list_names_an_unknown_status_agency_or_partnership(
    url: str,
    three: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_main(url, monkeypatch, capsys, "list", "--status", "finished")
    assert (code, out) == (1, "")
    assert err == (
        "error: There is no action status 'finished'; "
        "choose one of: open, in_progress, done, dropped.\n"
    )
    assert run(url, "list", "--agency", "delta").exit_code == 1
    result = run(url, "list", "--partnership", "nope")
    assert result.exit_code == 1
    assert "No partnership named 'nope'" in str(result.exception)


# -- update and history ------------------------------------------------------------------


def test_update_status_and_note_then_history_shows_both_revisions(url: str, store: Store) -> None:
    made = store.actions.create("c1", "Audit", agency_id="alpha", author="Alpha lead", at=T0)
    result = run(
        url,
        "update",
        made.id,
        "--status",
        "In progress",
        "--note",
        "Started on the files.",
        "--author",
        "Service manager",
        "--due",
        "2021-01-31",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{made.id} is now In progress (revision 2)\n"
    after = store.actions.get(made.id)
    assert (after.status, after.due, after.revision) == (
        ActionStatus.IN_PROGRESS,
        dt.date(2021, 1, 31),
        2,
    )

    history = run(url, "history", made.id)
    assert history.exit_code == 0, history.output
    me = store.identity.key
    lines = history.stdout.splitlines()
    assert lines[0] == f"{made.id} (alpha): Audit"
    assert lines[1] == f"#1 2020-04-01 09:30 UTC Open by Alpha lead [{me}]"
    assert lines[2].startswith("#2 ")
    assert lines[2].endswith(f" In progress by Service manager [{me}]")
    assert lines[3:] == ["    note: Started on the files."]


def test_dropping_takes_a_reason_and_history_shows_it(url: str, store: Store) -> None:
    made = store.actions.create("c1", "Audit", agency_id="alpha", at=T0)
    result = run(url, "update", made.id, "--status", "dropped", "--reason", "Merged into A-2.")
    assert result.stdout == f"{made.id} is now Dropped (revision 2)\n"
    assert run(url, "history", made.id).stdout.splitlines()[-1] == "    reason: Merged into A-2."


def test_based_on_an_old_revision_is_refused(url: str, store: Store) -> None:
    made = store.actions.create("c1", "Audit", agency_id="alpha", at=T0)
    store.actions.update(made.id, ActionChange(note="First."))
    result = run(url, "update", made.id, "--note", "Second.", "--based-on", "1")
    assert result.exit_code == 1
    assert "changed since you opened it (now revision 2, you had 1)" in str(result.exception)
    assert store.actions.get(made.id).revision == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--status", "finished"],
            "error: There is no action status 'finished'; "
            "choose one of: open, in_progress, done, dropped.",
        ),
        (
            ["--status", "dropped"],
            "error: Say why the action is dropped; the reason is kept with it.",
        ),
        (
            [],
            "error: Nothing to change: give a new status, owner, due date or a progress note.",
        ),
        (
            ["--owner", "x" * 201],
            "error: The action's owner is 201 characters; at most 200 are kept.",
        ),
    ],
    ids=["bad status", "drop without reason", "nothing", "owner too long"],
)
def test_a_refused_update_exits_1_with_the_message_and_changes_nothing(
    url: str,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    made = store.actions.create("c1", "Audit", agency_id="alpha", at=T0)
    code, out, err = run_main(url, monkeypatch, capsys, "update", made.id, *args)
    assert (code, out, err) == (1, "", message + "\n")
    assert store.actions.get(made.id) == made
    assert len(store.actions.history(made.id)) == 1


def test_update_with_due_and_no_due_is_a_usage_error(url: str, store: Store) -> None:
    made = store.actions.create("c1", "Audit", agency_id="alpha", due=PAST, at=T0)
    result = run(url, "update", made.id, "--due", "2021-01-31", "--no-due")
    assert result.exit_code == 2
    assert "either --due or --no-due" in result.stderr
    assert run(url, "update", made.id, "--no-due").exit_code == 0
    assert store.actions.get(made.id).due is None


def test_an_unknown_action_is_named(url: str, store: Store) -> None:
    result = run(url, "history", "A-NOPE22")
    assert result.exit_code == 1
    assert "No action named 'A-NOPE22'" in str(result.exception)


# -- create, mark, carry -----------------------------------------------------------------


def test_create_mark_and_carry(url: str, store: Store) -> None:
    created = run(
        url,
        "create",
        "c1",
        "Audit the referral pathway",
        "--owner",
        "Named nurse",
        "--due",
        "2020-12-31",
        "--criterion",
        "p-1",
        "--criterion",
        "i-1",
        "--agency",
        "alpha",
        "--author",
        "Alpha lead",
    )
    assert created.exit_code == 0, created.output
    action_id = created.stdout.split()[1]
    assert created.stdout == f"Created {action_id} in c1 for alpha\n"
    action = store.actions.get(action_id)
    assert (action.agency_id, action.owner, action.due, action.criteria, action.cycles) == (
        "alpha",
        "Named nurse",
        dt.date(2020, 12, 31),
        ("p-1", "i-1"),
        ("c1",),
    )
    assert store.actions.history(action_id)[0].author == "Alpha lead"

    own = run(url, "create", "c1", "Review the terms")
    assert own.exit_code == 0, own.output
    assert own.stdout.endswith(" in c1 for the partnership\n")
    own_id = own.stdout.split()[1]
    assert store.actions.get(own_id).agency_id is None

    marked = run(url, "mark", "c1", action_id, "--scope", "agency", "--state", "nominated")
    assert marked.stdout == f"{action_id} is nominated in alpha's top 3 for c1\n"
    challenged = run(
        url,
        "mark",
        "c1",
        own_id,
        "--scope",
        "partnership",
        "--state",
        "challenged",
        "--comment",
        "Not the biggest risk.",
    )
    assert challenged.stdout == f"{own_id} is challenged in the partnership's top 5 for c1\n"
    marks = {(m.action_id, m.scope): m for m in store.actions.marks("c1")}
    assert marks[(action_id, TopScope.AGENCY)].state is TopState.NOMINATED
    assert marks[(own_id, TopScope.PARTNERSHIP)].comment == "Not the biggest risk."
    removed = run(url, "mark", "c1", action_id, "--scope", "agency", "--state", "removed")
    assert removed.stdout == f"{action_id} is off alpha's top 3 for c1\n"
    assert [m.action_id for m in store.actions.marks("c1")] == [own_id]

    run(url, "update", own_id, "--status", "done")
    carried = run(url, "carry", "c2")
    assert carried.exit_code == 0, carried.output
    assert carried.stdout == f"Brought 1 action(s) forward into c2: {action_id}\n"
    assert store.actions.get(action_id).cycles == ("c1", "c2")
    assert run(url, "carry", "c2").stdout == "No actions to bring forward into c2.\n"


def test_marking_a_partnership_action_in_an_agencys_top_3_is_refused(
    url: str, store: Store
) -> None:
    own = store.actions.create("c1", "Review the terms", at=T0)
    result = run(url, "mark", "c1", own.id, "--scope", "agency", "--state", "nominated")
    assert result.exit_code == 1
    assert isinstance(result.exception, ActionError)
    assert store.actions.marks("c1") == []
