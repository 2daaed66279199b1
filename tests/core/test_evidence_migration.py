"""A store made before evidence existed opens, keeps its returns and takes evidence (issue #14).

Frameworks gained contradiction rules, so schema 4 -> 5 both adds tables and rewrites
every stored framework as the model now writes it: were it not rewritten, loading the
same templates again (``workbook load``, every deployment's upgrade step) would be
refused as "framework changed" and a partnership could never load its evidence.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from tests.support.evidence import csv_bytes, finding, indicator
from tests.support.factories import as_old_schema, table_counts
from tests.support.servers import demo_store_at
from workbook.demo import load_evidence
from workbook.evidence.importer import import_evidence
from workbook.store import Store, provision, tables

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_4 = "4e69e58"
"""The last main before evidence: schema 4, frameworks without contradiction rules."""


def _as_schema_4(store: Store) -> None:
    """Make a schema-5 store look as schema 4 left it: no evidence tables, old frameworks."""
    with store.database.writing() as conn:
        tables.dismissal.drop(conn)
        tables.evidence_item.drop(conn)
        as_old_schema(conn, 4)
        for row in conn.execute(select(tables.framework)).all():
            old = json.loads(row.definition)
            del old["contradictions"]
            definition = json.dumps(old, separators=(",", ":"))
            digest = hashlib.sha256(definition.encode()).hexdigest()
            conn.execute(
                tables.framework.update()
                .where(tables.framework.c.id == row.id)
                .values(definition=definition, digest=digest)
            )


def test_a_schema_4_store_gains_the_evidence_tables_and_keeps_its_frameworks(
    store: Store, db_url: str, partnership_files: tuple[Path, Path]
) -> None:
    _as_schema_4(store)
    with Store.open(db_url) as upgraded:
        assert upgraded.schema_version() == tables.SCHEMA_VERSION  # 5, and on to the latest
        assert {"evidence_item", "dismissal"} <= set(inspect(upgraded.engine).get_table_names())
        provision.install(upgraded, *partnership_files)  # the same templates: not "changed"
        summary = import_evidence(upgraded, "c1", csv_bytes(indicator()), "i.csv").summary
        assert summary is not None
        assert summary.added == ("re-referrals",)
        upgraded.evidence.dismiss("c1", "p-1|alpha|indicator:re-referrals", reason="Old data")


@pytest.mark.slow
def test_the_demo_store_of_the_last_main_before_evidence_opens_and_takes_evidence(
    tmp_path: Path,
) -> None:
    """The real thing: `workbook demo` as commit 4e69e58 ran it, then opened by this code."""
    path = demo_store_at(SCHEMA_4, tmp_path)
    before = table_counts(path)
    assert before["revision"] > 0
    assert "evidence_item" not in before

    with Store.open(f"sqlite:///{path}") as store:
        assert store.schema_version() == tables.SCHEMA_VERSION
        after = table_counts(path)
        assert {n: after[n] for n in before if n != "meta"} == {
            n: c for n, c in before.items() if n != "meta"
        }
        assert (after["evidence_item"], after["dismissal"]) == (0, 0)
        for cycle in store.cycles():
            assert len(store.statuses(cycle.id)) == len(cycle.agencies) == 11
            assert store.returns(cycle.id)
        # that main's own partnership and templates load again: not "framework changed"
        # (today's shipped versions have moved on, issue #16; a store keeps its running ones)
        old = tmp_path / f"code-{SCHEMA_4}"
        provision.install(
            store, old / "data" / "demo" / "partnership.yaml", old / "templates" / "frameworks"
        )
        assert load_evidence(store, "cse-2017-18") == load_evidence(store, "front-door-2018") == 1
        assert not store.evidence.evidence("cse-2017-18").empty
        more = csv_bytes(finding(criteria="identify-1", audit_agencies="police", grade="strong"))
        import_evidence(store, "cse-2017-18", more, "more.csv")
        assert len(store.evidence.evidence("cse-2017-18").audits) == 2
