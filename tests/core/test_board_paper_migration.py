"""A store made before the board paper opens with it (issue #16): schema 6 -> 7.

Schema 7 adds the chair's highlights, "not applicable" answers, the partnership's own
words, statutory partners and the board-meeting date. Every older row keeps its meaning
(applicable, the default words, no board date), frameworks are written again as the model
now writes them (it gained short titles and sector scopes), and the same templates load
again without being refused as "changed".
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from tests.support.factories import as_old_schema, table_counts
from tests.support.servers import demo_store_at
from workbook import config
from workbook.errors import StorageError
from workbook.schema.highlights import HeadingHighlights, Highlights, Point
from workbook.schema.partnership import DEFAULT_WORDS
from workbook.schema.responses import Answer
from workbook.store import Store, provision, tables

SCHEMA_6 = "fb6818d"
"""The last main before the board paper: schema 6."""


def _as_schema_6(store: Store) -> None:
    """Make a schema-7 store look as schema 6 left it: no highlights, no new columns."""
    with store.database.writing() as conn:
        tables.highlight.drop(conn)
        for table, column, _ in tables.V7_COLUMNS:
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
        as_old_schema(conn, 6)
        for row in conn.execute(select(tables.framework)).all():
            old = json.loads(row.definition)
            for criterion in old["criteria"]:
                del criterion["title"], criterion["applies_to"]
            definition = json.dumps(old, separators=(",", ":"))
            conn.execute(
                tables.framework.update()
                .where(tables.framework.c.id == row.id)
                .values(
                    definition=definition, digest=hashlib.sha256(definition.encode()).hexdigest()
                )
            )


def test_a_schema_6_store_gains_highlights_and_not_applicable_answers(
    store: Store, db_url: str, partnership_files: tuple[Path, Path]
) -> None:
    store.save("c1", "alpha", {"p-1": Answer(rating="green")}, author="Lead", based_on=None)
    _as_schema_6(store)
    with Store.open(db_url) as upgraded:
        assert upgraded.schema_version() == tables.SCHEMA_VERSION
        assert "highlight" in inspect(upgraded.engine).get_table_names()
        provision.install(upgraded, *partnership_files)  # the same templates: not "changed"
        state = upgraded.latest("c1", "alpha")
        assert state is not None
        assert state.answers["p-1"] == Answer(rating="green")  # applicable, as it was
        assert upgraded.cycle("c1").words == DEFAULT_WORDS
        assert upgraded.cycle("c1").timetable.board_meeting is None
        assert {a.statutory for a in upgraded.agencies("tp")} == {False}
        answers = dict(state.answers)
        answers["p-2"] = Answer(not_applicable=True, na_reason="We run no such service")
        saved = upgraded.save("c1", "alpha", answers, author="Lead", based_on=state.revision)
        assert saved.answers["p-2"].na_reason == "We run no such service"
        points = HeadingHighlights(going_well=(Point(text="Training", sources=("alpha",)),))
        first = upgraded.highlights.save(
            "c1", Highlights(headings={"prevent": points}), based_on=None
        )
        assert upgraded.highlights.latest("c1") == first


@pytest.mark.slow
def test_the_demo_store_of_the_last_main_before_the_board_paper_opens_with_it(
    tmp_path: Path,
) -> None:
    """The real thing: `workbook demo` as commit fb6818d ran it, then opened by this code."""
    path = demo_store_at(SCHEMA_6, tmp_path)
    before = table_counts(path)
    assert "highlight" not in before
    with Store.open(f"sqlite:///{path}") as store:
        assert store.schema_version() == tables.SCHEMA_VERSION
        after = table_counts(path)
        assert {n: after[n] for n in before if n != "meta"} == {
            n: c for n, c in before.items() if n != "meta"
        }
        assert after["highlight"] == 0
        for cycle in store.cycles():
            for state in store.returns(cycle.id).values():
                assert not any(a.not_applicable for a in state.answers.values())
        # today's demo partnership file (the group's words, board dates) loads over it; its
        # cycles keep the framework versions they run (the shipped ones have moved on, so
        # the old templates come with them, as a partnership keeps its running versions)
        today = (config.ROOT / "data" / "demo" / "partnership.yaml").read_text("utf-8")
        kept = tmp_path / "partnership.yaml"
        kept.write_text(today.replace('"2017.2"', '"2017.1"').replace('"2018.2"', '"2018.1"'))
        old_templates = tmp_path / f"code-{SCHEMA_6}" / "templates" / "frameworks"
        with pytest.raises(StorageError, match="already runs version 2017.1"):
            provision.install(
                store, config.ROOT / "data" / "demo" / "partnership.yaml", config.templates_dir()
            )
        provision.install(store, kept, old_templates)
        assert store.cycle("cse-2017-18").timetable.board_meeting is not None
        assert store.cycle("cse-2017-18").framework_version == "2017.1"
