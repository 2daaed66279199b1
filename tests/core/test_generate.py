"""The synthetic large-store generator: deterministic, bulk-written, read back by the Store."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from workbook import analysis, cli, generate
from workbook.errors import StorageError
from workbook.responses import Status, missing_for_submission
from workbook.store import Store


def _summary(store: Store) -> list[tuple]:
    out = []
    for cycle in store.cycles(generate.PARTNERSHIP_ID):
        for agency, state in sorted(store.returns(cycle.id).items()):
            ratings = tuple(sorted((c, a.rating) for c, a in state.answers.items()))
            out.append((cycle.id, agency, state.revision, state.status.value, ratings))
    return out


def test_generate_writes_what_the_store_reads(db_url: str) -> None:
    size = generate.Size(agencies=6, criteria=7, cycles=3)
    with Store.open(db_url) as store:
        generate.generate(store, size, seed=3)
        cycles = store.cycles(generate.PARTNERSHIP_ID)
        assert [c.framework_version for c in cycles] == ["1", "2", "2"]
        assert len(store.agencies(generate.PARTNERSHIP_ID)) == 6
        first = store.returns(cycles[0].id)
        assert len(first) == 6
        for agency, state in first.items():
            fw = store.cycle_framework(cycles[0].id)
            assert state.status == Status.SUBMITTED
            assert len(state.answers) == 7
            assert not missing_for_submission(fw, state.answers)
            history = store.history(cycles[0].id, agency)
            assert [r.status for r in history] == [Status.DRAFT, Status.SUBMITTED]
        latest = store.statuses(cycles[-1].id)
        assert Status.NOT_STARTED in latest.values()
        assert Status.DRAFT in latest.values()
        frame = analysis.load(store, [c.id for c in cycles])
        assert len(frame) == 3 * 6 * 7
        v2 = set(frame.loc[frame["cycle_id"] == cycles[-1].id, "criterion_id"])
        assert "new-1" in v2
        assert "q-007" not in v2
        # the Store can carry on from generated revisions
        agency = next(a for a, s in latest.items() if s == Status.DRAFT)
        state = store.latest(cycles[-1].id, agency)
        saved = store.save(
            cycles[-1].id, agency, state.answers, author="x", based_on=state.revision, note="n"
        )
        assert saved.revision == state.revision + 1


def test_generate_is_deterministic_and_refuses_a_second_run(tmp_path) -> None:
    size = generate.Size(agencies=3, criteria=4, cycles=2)
    results = []
    for name in ("a", "b"):
        with Store.open(f"sqlite:///{tmp_path}/{name}.db") as store:
            generate.generate(store, size, seed=11)
            results.append(_summary(store))
    assert results[0] == results[1]
    with (
        Store.open(f"sqlite:///{tmp_path}/a.db") as store,
        pytest.raises(StorageError, match="already holds a generated partnership"),
    ):
        generate.generate(store, size)


def test_generate_command(tmp_path) -> None:
    db = f"sqlite:///{tmp_path}/g.db"
    args = ["generate", "--db", db, "--agencies", "2", "--criteria", "3", "--cycles", "1"]
    result = CliRunner().invoke(cli.cli, args)
    assert result.exit_code == 0, result.output
    assert "2 agencies x 3 criteria x 1 cycles" in result.output
    with Store.open(db) as store:
        assert len(store.cycles()) == 1
