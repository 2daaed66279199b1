"""A return's file carries each action's id and status, and updates them (issue #15).

An agency that works in spreadsheets records progress the same way: the Actions sheet
lists each action's ID and status, a changed status or a progress note on a row is a
change to that tracked action, and a wrong ID, status or a drop without a reason is
refused with its cell before anything is saved.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.support.factories import installed
from workbook.errors import SpreadsheetError
from workbook.schema.actions import ActionChange, ActionStatus
from workbook.schema.responses import Action, Answer
from workbook.spreadsheets import export
from workbook.spreadsheets.importer import import_return
from workbook.spreadsheets.write import write_template
from workbook.store import Store

AUDIT = Action(text="Audit the referral pathway", owner="Named nurse", due=dt.date(2020, 9, 30))
TRAIN = Action(text="Train reception staff", owner="Practice manager")


@pytest.fixture
def store(tmp_path: Path, partnership_files: tuple[Path, Path]) -> Iterator[Store]:
    with installed(f"sqlite:///{tmp_path}/x.db", *partnership_files) as opened:
        opened.save(
            "c1",
            "alpha",
            {"p-1": Answer(rating="amber", actions=(AUDIT, TRAIN))},
            author="Lead",
            based_on=None,
        )
        yield opened


def template(store: Store, tmp_path: Path) -> Path:
    path = tmp_path / "return.xlsx"
    write_template(store, "c1", "alpha", path)
    return path


def edit(path: Path, **cells: Any) -> Path:
    wb = load_workbook(path)
    for where, value in cells.items():
        wb["Actions"][where] = value
    wb.save(path)
    return path


def ids(store: Store) -> list[str]:
    state = store.latest("c1", "alpha")
    assert state is not None
    return [a.id or "" for a in state.answers["p-1"].actions]


def test_the_sheet_lists_each_actions_id_and_status(store: Store, tmp_path: Path) -> None:
    first, second = ids(store)
    store.actions.update(second, ActionChange(status=ActionStatus.IN_PROGRESS))
    ws = load_workbook(template(store, tmp_path))["Actions"]
    assert [(ws[f"E{r}"].value, ws[f"F{r}"].value) for r in (2, 3, 4)] == [
        (first, "Open"),
        (second, "In progress"),
        (None, None),
    ]


def test_a_status_and_a_note_on_a_row_update_that_action(store: Store, tmp_path: Path) -> None:
    first, second = ids(store)
    path = edit(template(store, tmp_path), F2="Done", G2="Audit reported to the MASE.")
    result = import_return(store, path, author="Alpha lead")
    assert result.actions_updated == (first,)
    assert not result.saved  # the answers are as they were: no new revision of the return
    done = store.actions.get(first)
    assert (done.status, done.revision) == (ActionStatus.DONE, 2)
    last = store.actions.history(first)[-1]
    assert (last.note, last.author) == ("Audit reported to the MASE.", "Alpha lead")
    assert store.actions.get(second).revision == 1  # its row said nothing new


def test_a_new_row_with_a_status_is_a_new_action_in_that_status(
    store: Store, tmp_path: Path
) -> None:
    path = edit(
        template(store, tmp_path), A4="p-2", B4="Refresh the pathway leaflet", F4="In progress"
    )
    import_return(store, path)
    (new,) = [a for a in store.actions.find("c1") if a.text == "Refresh the pathway leaflet"]
    assert (new.status, new.criteria) == (ActionStatus.IN_PROGRESS, ("p-2",))


@pytest.mark.parametrize(
    ("cells", "where", "words"),
    [
        pytest.param(
            {"E2": "A-NOSUCH"}, "Actions!E2", "is not one of this agency's actions", id="unknown id"
        ),
        pytest.param({"E2": "42"}, "Actions!E2", "is not an action ID", id="not an id"),
        pytest.param(
            {"F3": "Finished"}, "Actions!F3", "unknown status 'Finished'", id="bad status"
        ),
        pytest.param(
            {"F2": "Dropped"}, "Actions!G2", "say why the action is dropped", id="drop, no reason"
        ),
    ],
)
def test_a_wrong_row_is_refused_with_its_cell_and_nothing_changes(
    store: Store, tmp_path: Path, cells: dict[str, str], where: str, words: str
) -> None:
    before = [(a.id, a.revision) for a in store.actions.find("c1")]
    path = edit(template(store, tmp_path), B2="Words changed too", **cells)
    with pytest.raises(SpreadsheetError) as refused:
        import_return(store, path)
    assert [(p.where, words in p.message) for p in refused.value.problems] == [(where, True)]
    assert [(a.id, a.revision) for a in store.actions.find("c1")] == before
    assert store.latest("c1", "alpha").revision == 1  # type: ignore[union-attr]


def test_dropping_with_a_note_keeps_the_note_as_the_reason(store: Store, tmp_path: Path) -> None:
    first, _ = ids(store)
    path = edit(template(store, tmp_path), F2="Dropped", G2="Replaced by the MACE's own audit.")
    import_return(store, path)
    dropped = store.actions.get(first)
    assert (dropped.status, dropped.reason) == (
        ActionStatus.DROPPED,
        "Replaced by the MACE's own audit.",
    )


def test_a_file_from_before_tracking_still_imports_and_keeps_the_ids(
    store: Store, tmp_path: Path
) -> None:
    path = template(store, tmp_path)
    wb = load_workbook(path)
    wb["Actions"].delete_cols(5, 3)  # as the template was before issue #15
    wb.save(path)
    before = ids(store)
    edit(path, B2="Audit the referral pathway twice")
    result = import_return(store, path)
    assert result.saved
    assert ids(store) == before
    assert store.actions.get(before[0]).text == "Audit the referral pathway twice"


def test_the_export_has_each_action_as_it_stands_and_its_history(
    store: Store, tmp_path: Path
) -> None:
    first, second = ids(store)
    store.actions.update(first, ActionChange(status=ActionStatus.DONE, note="Reported."))
    out = tmp_path / "cycle.csv"
    export.export_cycle(store, "c1", out)
    with (tmp_path / "cycle-tracked-actions.csv").open(newline="", encoding="utf-8-sig") as f:
        tracked = {row["action_id"]: row for row in csv.DictReader(f)}
    assert {i: (r["status"], r["agency"], r["cycles"]) for i, r in tracked.items()} == {
        first: ("done", "alpha", "c1"),
        second: ("open", "alpha", "c1"),
    }
    with (tmp_path / "cycle-action-history.csv").open(newline="", encoding="utf-8-sig") as f:
        history = [
            (r["action_id"], r["revision"], r["status"], r["progress_note"])
            for r in csv.DictReader(f)
        ]
    assert sorted(history) == sorted(
        [(first, "1", "open", ""), (first, "2", "done", "Reported."), (second, "1", "open", "")]
    )
    assert history.index((first, "1", "open", "")) < history.index(
        (first, "2", "done", "Reported.")
    )
