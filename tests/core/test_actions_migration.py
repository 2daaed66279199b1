"""A store made before actions were tracked keeps every action, now tracked (issue #15).

Schema 5 -> 6 turns each action written in a return into a tracked action, status open:
the same words on the same criterion in the same agency's returns to later cycles of the
same framework are one action (carrying a return forward copied it), the ids are written
into the answers so the next save recognises them, and the chair's marks, which named
actions by their words, become marks on the tracked actions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from tests.support import data
from tests.support.factories import as_old_schema, installed, table_counts
from tests.support.servers import demo_store_at
from workbook.schema.actions import ActionStatus, TopScope
from workbook.schema.responses import Action, Answer
from workbook.store import Store, moderation, tables

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_5 = "5443e0f"
"""The last main before tracked actions: schema 5, actions only inside answers."""

TWO_CYCLES = data.partnership(
    [
        data.cycle("c1", "Cycle one", 2020, agencies=["alpha", "beta"]),
        data.cycle("c2", "Cycle two", 2021, agencies=["alpha", "beta"]),
    ]
)
CARRIED = Action(text="Audit the referral pathway", owner="Named nurse")
ONCE = Action(text="Train reception staff", owner="Practice manager")
SAME_WORDS = Action(text="Review", owner="Lead")


def _as_schema_5(store: Store) -> None:
    """Make a schema-6 store look as schema 5 left it: no action tables, answers without ids."""
    with store.database.writing() as conn:
        for table in reversed(tables.V6_TABLES):
            table.drop(conn)
        for row in conn.execute(select(tables.answer)).all():
            plain = [{k: v for k, v in a.items() if k != "id"} for a in json.loads(row.actions)]
            conn.execute(
                update(tables.answer)
                .where(tables.answer.c.revision_id == row.revision_id)
                .where(tables.answer.c.criterion_id == row.criterion_id)
                .values(actions=json.dumps(plain))
            )
        as_old_schema(conn, 5)


def _save(store: Store, cycle: str, agency: str, *actions: Action) -> None:
    latest = store.latest(cycle, agency)
    answers = {"p-1": Answer(rating="amber", actions=actions)}
    store.save(cycle, agency, answers, author="Lead", based_on=latest.revision if latest else None)


@pytest.fixture
def old_store(db_url: str, write_yaml: Callable[..., Path]) -> str:
    """A schema-5 store: alpha's action carried from c1 to c2, one dropped from c2, a mark."""
    write_yaml("templates/test-fw.yaml", data.framework())
    partnership = write_yaml("partnership.yaml", TWO_CYCLES)
    with installed(db_url, partnership, partnership.parent / "templates") as store:
        _save(store, "c1", "alpha", CARRIED, ONCE)
        _save(store, "c1", "alpha", CARRIED, ONCE, SAME_WORDS, SAME_WORDS)
        _save(store, "c2", "alpha", CARRIED)
        _save(store, "c1", "beta", CARRIED)  # the same words in another agency: another action
        _as_schema_5(store)
        with store.database.writing() as conn:
            conn.execute(
                tables.action_mark.insert().values(
                    cycle_id="c1",
                    agency_id="alpha",
                    criterion_id="p-1",
                    action_text=ONCE.text,
                    scope="partnership",
                    marked=True,
                    author="Chair",
                    saved_at=store.latest("c1", "alpha").saved_at,  # type: ignore[union-attr]
                )
            )
    return db_url


def test_every_action_becomes_one_open_tracked_action_in_each_cycle_it_was_in(
    old_store: str,
) -> None:
    with Store.open(old_store) as store:
        assert store.schema_version() == tables.SCHEMA_VERSION  # 6, and on to the latest
        in_c1 = store.actions.find("c1")
        assert sorted((a.agency_id, a.text) for a in in_c1) == sorted(
            [
                ("alpha", CARRIED.text),
                ("alpha", ONCE.text),
                ("alpha", SAME_WORDS.text),  # two actions with the same words stay two
                ("alpha", SAME_WORDS.text),
                ("beta", CARRIED.text),
            ]
        )
        c1 = {(a.agency_id, a.text): a for a in in_c1}
        every = store.actions.find()
        assert len(every) == 5
        assert {a.status for a in every} == {ActionStatus.OPEN}
        carried = c1[("alpha", CARRIED.text)]
        assert carried.cycles == ("c1", "c2")
        assert [a.id for a in store.actions.find("c2")] == [carried.id]
        assert c1[("beta", CARRIED.text)].id != carried.id
        # the answers name their actions now, every revision that lists them
        (c2_action,) = store.latest("c2", "alpha").answers["p-1"].actions  # type: ignore[union-attr]
        assert c2_action.id == carried.id
        first = store.at("c1", "alpha", 1).answers["p-1"].actions
        assert [a.id for a in first] == [carried.id, c1[("alpha", ONCE.text)].id]
        # the chair's mark by words is a mark on the tracked action
        (mark,) = moderation.marks(store, "c1")
        assert (mark.action_text, mark.scope) == (ONCE.text, TopScope.PARTNERSHIP.value)


def test_the_next_save_of_a_migrated_return_adds_no_action_again(old_store: str) -> None:
    with Store.open(old_store) as store:
        latest = store.latest("c1", "alpha")
        assert latest is not None
        answers = dict(latest.answers)
        answers["p-2"] = Answer(rating="green")
        store.save("c1", "alpha", answers, author="Lead", based_on=latest.revision)
        with store.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(tables.tracked_action)) == 5


@pytest.mark.slow
def test_the_demo_store_of_the_last_main_before_tracked_actions_opens_with_them(
    tmp_path: Path,
) -> None:
    """The real thing: `workbook demo` as commit 5443e0f ran it, then opened by this code."""
    path = demo_store_at(SCHEMA_5, tmp_path)
    before = table_counts(path)
    assert "tracked_action" not in before

    with Store.open(f"sqlite:///{path}") as store:
        assert store.schema_version() == tables.SCHEMA_VERSION
        after = table_counts(path)
        assert {n: after[n] for n in before if n != "meta"} == {
            n: c for n, c in before.items() if n != "meta"
        }
        written = {
            a.id
            for cycle in store.cycles()
            for state in store.returns(cycle.id).values()
            for answer in state.answers.values()
            for a in answer.actions
        }
        assert None not in written
        tracked = store.actions.find()
        assert {a.id for a in tracked} == written
        assert len(tracked) == after["tracked_action"] > 20
        assert {a.status for a in tracked} == {ActionStatus.OPEN}
