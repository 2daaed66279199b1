"""Fifty processes saving to one store for a minute lose nothing (issue #7, "Tests").

On a SQLite file and on PostgreSQL (``db_url``), ``PROCESSES`` separate Python processes
(``concurrency_worker.py``, which imports only the workbook core, forked from one
process that imported it once) save for
``DURATION`` seconds to one cycle: every process writes most often to the one hot
return, and otherwise to its group's return (shared by ``PROCESSES / GROUPS``
processes). One more return, ``shared``, is answered once for two partnerships (issue
#17): half the processes save it through ``c1``, half through the neighbouring
partnership's ``n1``. Each loops latest -> change -> save(based_on=latest), starting
again on a ``Conflict``, and reports every save it was told succeeded. Then:

* no process crashed, and every one reported to the end;
* no revision was reported twice, and every reported revision is stored with exactly
  the reported content, author and ``based_on``;
* each return's revisions are numbered 1..n with no gap or duplicate, and the store
  holds as many revisions as were reported (none lost, none unreported);
* SQLite's ``PRAGMA integrity_check`` is ok.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import random
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from multiprocessing import forkserver
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from concurrency_worker import digest, in_crowd
from sqlalchemy import select
from sqlalchemy.engine import make_url

from workbook.schema.responses import Answer
from workbook.store import Store, provision, revisions, tables

pytestmark = pytest.mark.slow

DURATION = 60.0  # seconds of saving, as issue #7 asks
PROCESSES = 50
WORKER_HOME = Path(__file__).parent  # where concurrency_worker.py is
GROUPS = 5  # returns shared by PROCESSES / GROUPS processes each, besides the hot one
CYCLE = "c1"
NEIGHBOUR = "n1"
HOT = "hot"
SHARED = "shared"
START_TIMEOUT = 180.0  # fifty processes opening a store on a shared 2-core machine

# Each writer is forked from a server process that imported the worker module once,
# rather than being an interpreter of its own that imports SQLAlchemy and pydantic: the
# same fifty processes, ready in two seconds instead of half a minute of both cores.
# ("__main__" spares each child importing pytest again when pytest runs without xdist.)
CROWD = multiprocessing.get_context("forkserver")
CROWD.set_forkserver_preload(["__main__", "concurrency_worker"])
Writer = multiprocessing.process.BaseProcess


def group(index: int) -> str:
    return f"group-{index}"


@pytest.fixture
def crowd_store(
    db_url: str, write_yaml: Callable[..., Path], framework_data: Callable[..., dict[str, Any]]
) -> str:
    """``db_url`` holding cycle ``c1`` of ``test-fw``: the hot return, one per group, and
    ``shared``, whose return ``c1`` shares with the neighbour's ``n1``."""
    agencies = [HOT, *(group(i) for i in range(GROUPS)), SHARED]
    partnership = {
        "kind": "partnership",
        "id": "crowd",
        "name": "Crowded partnership",
        "agencies": [{"id": a, "name": f"Agency {a}", "sector": "health"} for a in agencies],
        "cycles": [
            {
                "id": CYCLE,
                "title": "Crowded cycle",
                "framework": "test-fw",
                "agencies": agencies,
                "timetable": {
                    "criteria_agreed": dt.date(2020, 1, 6),
                    "returns_open": dt.date(2020, 2, 3),
                    "returns_due": dt.date(2020, 3, 2),
                },
                "shared_returns": True,
            }
        ],
    }
    neighbour = {
        **partnership,
        "id": "crowd-neighbour",
        "name": "Neighbouring partnership",
        "agencies": [a for a in partnership["agencies"] if a["id"] == SHARED],
        "cycles": [{**partnership["cycles"][0], "id": NEIGHBOUR, "agencies": [SHARED]}],
    }
    templates = write_yaml("crowd-templates/test-fw.yaml", framework_data()).parent
    with Store.open(db_url) as store:
        provision.install(store, write_yaml("crowd.yaml", partnership), templates)
        provision.install(store, write_yaml("neighbour.yaml", neighbour), templates)
        assert [w.cycle_id for w in store.shared.shares(CYCLE, SHARED)] == [NEIGHBOUR]
    return db_url


def start_workers(url: str, tmp_path: Path) -> tuple[list[Writer], Path]:
    go = tmp_path / "go"
    workers: list[Writer] = []
    # Python 3.11's fork server ignores the test's sys.path when it preloads (3.11's
    # forkserver.main takes sys_path and never uses it), so it is told where the worker
    # module is the old way; an import it cannot do is skipped in silence, and each
    # writer would import the workbook for itself again.
    where = os.pathsep.join(filter(None, [str(WORKER_HOME), os.environ.get("PYTHONPATH")]))
    with mock.patch.dict(os.environ, {"PYTHONPATH": where}):
        forkserver.ensure_running()
    for index in range(PROCESSES):
        through = CYCLE if index % 2 else NEIGHBOUR  # one return, two partnerships (#17)
        returns = ",".join([HOT, group(index % GROUPS), f"{through}/{SHARED}"])
        out = tmp_path / f"writer-{index}.jsonl"
        args = [
            url,
            CYCLE,
            str(index),
            returns,
            str(out),
            str(tmp_path / f"ready-{index}"),
            str(go),
        ]
        errors = str(tmp_path / f"writer-{index}.err")
        worker = CROWD.Process(
            target=in_crowd, args=([*args, str(DURATION)], errors), name=f"writer {index}"
        )
        worker.start()
        workers.append(worker)
    return workers, go


def wait_ready(workers: list[Writer], tmp_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while len(list(tmp_path.glob("ready-*"))) < PROCESSES:
        crashed = [w.name for w in workers if w.exitcode is not None]
        assert not crashed, f"writers exited before starting: {crashed}"
        assert time.monotonic() < deadline, "the writers did not all start in time"
        time.sleep(0.2)


def stop(workers: list[Writer]) -> None:
    for worker in workers:
        if worker.exitcode is None:
            worker.kill()
        worker.join()


def stored_revisions(store: Store) -> dict[tuple[str, int], dict[str, Any]]:
    """Every stored revision of the cycle with its author, based_on and content digest.

    A revision stores only the answers that changed, so each return's content is folded
    forward revision by revision, as ``Store.at`` does.
    """
    revision, answer = tables.revision, tables.answer
    with store.engine.connect() as conn:
        heads = conn.execute(
            select(revision.c.agency_id, revision.c.number, revision.c.author, revision.c.based_on)
            .where(revision.c.cycle_id == CYCLE)
            .order_by(revision.c.agency_id, revision.c.number)
        ).all()
        rows = conn.execute(
            select(revision.c.agency_id, revision.c.number, answer)
            .join(answer, answer.c.revision_id == revision.c.id)
            .where(revision.c.cycle_id == CYCLE)
        ).all()
    changed: dict[tuple[str, int], list[Any]] = defaultdict(list)
    for row in rows:
        changed[(row.agency_id, row.number)].append(row)
    found = {}
    content: dict[str, dict[str, Answer]] = defaultdict(dict)
    for head in heads:
        key = (head.agency_id, head.number)
        assert key not in found, f"revision {key} is stored twice"
        state = content[head.agency_id]
        for row in changed[key]:
            state[row.criterion_id] = revisions.answer(row)  # the store's own decoding
            if state[row.criterion_id].is_empty:
                del state[row.criterion_id]
        found[key] = {"author": head.author, "based_on": head.based_on, "digest": digest(state)}
    return found


def check_and_report(url: str, tmp_path: Path, workers: list[Writer]) -> None:
    crashed = {}
    for index, worker in enumerate(workers):
        errors = (tmp_path / f"writer-{index}.err").read_text(errors="replace")
        if worker.exitcode != 0 or "Traceback" in errors:
            crashed[index] = (worker.exitcode, errors[-2000:])
    assert not crashed, f"writers crashed: {crashed}"

    reported: dict[tuple[str, int], dict[str, Any]] = {}
    totals: Counter[str] = Counter()
    rounds = 0
    for index in range(PROCESSES):
        lines = (tmp_path / f"writer-{index}.jsonl").read_text().splitlines()
        summary = json.loads(lines[-1])
        assert "summary" in summary, f"writer {index} did not finish its report"
        totals.update(summary["summary"])
        rounds += summary["rounds"]
        for line in lines[:-1]:
            record = json.loads(line)
            key = (record["agency"], record["revision"])
            assert key not in reported, f"revision {key} was reported to two writers"
            reported[key] = record
    through = Counter(r["through"] for r in reported.values() if r["agency"] == SHARED)
    assert through[CYCLE] > 0, f"the shared return's saves: {through}"
    assert through[NEIGHBOUR] > 0, f"the shared return's saves: {through}"

    with Store.open(url) as store:
        stored = stored_revisions(store)
        for key, record in reported.items():
            assert key in stored, f"reported revision {key} is not in the store"
            assert stored[key]["digest"] == record["digest"], f"revision {key} has other content"
            assert stored[key]["author"] == record["author"]
            assert stored[key]["based_on"] == record["based_on"]
        per_return = Counter(agency for agency, _ in stored)
        for agency, count in per_return.items():
            numbers = sorted(n for a, n in stored if a == agency)
            assert numbers == list(range(1, count + 1)), f"{agency}: numbers not 1..{count}"
        assert len(stored) == len(reported) == totals["saved"]
        # the public API agrees with the fold: each return's latest and a sample of the rest
        sample = random.Random(7).sample(sorted(stored), k=min(20, len(stored)))
        latest = [(agency, count) for agency, count in per_return.items()]
        for agency, number in {*sample, *latest}:
            assert (
                digest(store.at(CYCLE, agency, number).answers)
                == stored[(agency, number)]["digest"]
            )
    if url.startswith("sqlite"):
        conn = sqlite3.connect(make_url(url).database)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            conn.close()

    engine = url.split(":", 1)[0]
    print(
        f"\n{engine}: {PROCESSES} processes for {DURATION:.0f} s: {rounds} rounds, "
        f"{totals['saved']} saves ({totals['saved'] / DURATION:.1f}/s), "
        f"{totals['conflicts']} conflicts, other refusals "
        f"{ {k: v for k, v in totals.items() if k not in {'saved', 'conflicts'}} }; "
        f"revisions per return {dict(sorted(per_return.items()))} (the shared one saved "
        f"{through[CYCLE]} times through {CYCLE}, {through[NEIGHBOUR]} through {NEIGHBOUR}); "
        "all verified"
    )


def test_fifty_processes_saving_for_a_minute_lose_nothing(crowd_store: str, tmp_path: Path) -> None:
    started = time.monotonic()
    workers, go = start_workers(crowd_store, tmp_path)
    try:
        wait_ready(workers, tmp_path)
        ready = time.monotonic()
        go.touch()
        for worker in workers:
            worker.join(timeout=DURATION + 120)
            assert worker.exitcode is not None, f"{worker.name} did not stop in time"
        done = time.monotonic()
    finally:
        stop(workers)
    check_and_report(crowd_store, tmp_path, workers)
    print(
        f"  (all started in {ready - started:.0f} s; the last round ended "
        f"{done - ready - DURATION:.1f} s after the minute)"
    )
