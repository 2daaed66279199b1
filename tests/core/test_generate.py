"""The synthetic large-store generator: deterministic, bulk-written, read back by the Store."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from workbook import analysis, cli
from workbook.access import Role
from workbook.errors import AccessDenied, StorageError
from workbook.schema.responses import Status, missing_for_submission
from workbook.store import Store, generate


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
        # evidence (issue #14): each cycle's indicators and audits read as loaded ones do,
        # on criteria of the version the cycle runs
        evidence = store.evidence.evidence(cycles[-1].id)
        assert (len(evidence.indicators), len(evidence.audits)) == (size.indicators, size.audits)
        linked = {c for i in evidence.indicators for c in i.criteria}
        linked |= {c for a in evidence.audits for f in a.findings for c in f.criteria}
        assert linked <= v2
        assert store.evidence.history(cycles[-1].id, "indicator", "ind-01")[0].number == 1


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


def _rows(store: Store, partnership_id: str) -> list[tuple]:
    """Every generated answer of a partnership, as plain values (ids left out)."""
    out = []
    for cycle in store.cycles(partnership_id):
        for agency, state in sorted(store.returns(cycle.id).items()):
            for cid, answer in sorted(state.answers.items()):
                out.append((cycle.id, agency, state.revision, state.status.value, cid, answer))
    return out


def test_generate_many_partnerships_each_its_own_and_deterministic(db_url: str, tmp_path) -> None:
    size = generate.Size(agencies=4, criteria=5, cycles=2, partnerships=3)
    with Store.open(db_url) as store:
        generate.generate(store, size, seed=5)
        ids = [generate.partnership_id(n) for n in range(3)]
        assert ids == ["generated", "generated-002", "generated-003"]
        assert sorted(pid for pid, _ in store.partnerships()) == ids
        assert len(store.agencies()) == 12
        assert [a.id for a in store.agencies(ids[2])] == [f"p003-agency-0{n}" for n in range(1, 5)]
        assert [c.id for c in store.cycles(ids[1])] == generate.cycle_ids(size, 1)
        assert generate.cycle_ids(size, 1) == ["gen-p002-2015", "gen-p002-2016"]
        for cycle in store.cycles(ids[1]):
            assert set(cycle.agencies) == {a.id for a in store.agencies(ids[1])}
        # the newest cycle of 4 agencies: 1 not started, 1 draft (half the criteria), 2 done
        latest = store.statuses(generate.cycle_ids(size, 2)[-1])
        assert sorted(latest.values()) == sorted(
            [Status.NOT_STARTED, Status.DRAFT, Status.SUBMITTED, Status.SUBMITTED]
        )
        answered = len(_rows(store, ids[2]))
        assert answered == 4 * 5 + (2 * 5 + 2)  # first cycle all; then 2 x 5 and a half draft
        frame = analysis.load(store, [c.id for c in store.cycles(ids[0])])
        assert len(frame) == 2 * 4 * 5
        first = _rows(store, ids[0])
    # partnership n is the same whatever the count, so a small store previews a big one
    with Store.open(f"sqlite:///{tmp_path}/one.db") as alone:
        generate.generate(alone, generate.Size(4, 5, 2), seed=5)
        assert _rows(alone, ids[0]) == first


def test_generate_scale_size_is_a_million_responses() -> None:
    assert generate.SCALE.responses == 150 * 15 * 45 * 10 == 1_012_500
    assert generate.SCALE.describe() == ("150 partnerships x 15 agencies x 45 criteria x 10 cycles")


def test_the_sample_for_a_chair_is_in_memory_and_seen_through_the_chairs_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a preheated dashboard draws before its request (#19): nobody's data, read
    with a chair's checks, gone when closed, and no store of the configured one touched."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKBOOK_DB", f"sqlite:///{tmp_path}/configured.db")
    with generate.sample_for_chair() as store:
        assert store.identity.role is Role.CHAIR
        assert store.identity.partnership_id == generate.PARTNERSHIP_ID
        cycles = store.cycles()
        assert [c.id for c in cycles] == generate.cycle_ids(generate.SAMPLE)
        frame = analysis.load(store, [cycles[-1].id])
        assert set(frame["agency_id"]) <= {a.id for a in store.agencies()}
        assert len(store.agencies()) == generate.SAMPLE.agencies
        with pytest.raises(AccessDenied):
            store.put_framework(generate.framework(2))  # a chair's link, not an administrator
    assert list(tmp_path.iterdir()) == []  # in memory: no file, not even the configured store
