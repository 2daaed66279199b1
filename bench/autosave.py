"""Benchmark: autosave, from a change in the form to its committed revision (issue #8).

Opens the demo store's CSE return in progress (``cse-2017-18``, a draft) in
:class:`widgets.form.FormModel`, as the agency member's personal link opens it,
then makes ``--saves`` changes one after another: a new rating or evidence text on one
criterion, taking the criteria in turn. Each change is followed at once by the autosave
it scheduled (the few quiet seconds autosave waits for are a choice, not a cost, so the
timer is fired by hand), and timed from the change to the save returning with the new
revision committed. Every save adds a revision, so the last ones read a return with
``--saves`` revisions of history. Goal: 95th percentile at most 50 ms on SQLite.

Floor: one small row written and committed in its own transaction through the same
SQLAlchemy engine (WAL, ``BEGIN IMMEDIATE``): what any save must pay.

    .venv/bin/python -m bench.autosave [--saves 300] [--warmup 10] [--db URL]

``--db`` runs it on another (empty) store, such as PostgreSQL; the goal is for SQLite.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, Text, insert

from bench.common import Result, percentile, report
from widgets.form import FormModel
from workbook import demo
from workbook.access import Role
from workbook.schema.responses import Status
from workbook.store import Store

CYCLE = "cse-2017-18"
GOAL_MS = 20.0  # p95 (issue #19; 50 ms before)


class FireNow:
    """An autosave scheduler that keeps the callback until :meth:`fire` runs it."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []

    def __call__(self, delay: float, callback: Callable[[], None]) -> Callable[[], None]:
        self.pending = [callback]

        def cancel() -> None:
            if callback in self.pending:
                self.pending.remove(callback)

        return cancel

    def fire(self) -> None:
        callbacks, self.pending = self.pending, []
        for callback in callbacks:
            callback()


def open_form(url: str) -> tuple[FormModel, FireNow, Store]:
    """The demo store at ``url``, and the form on its draft return, as its member opens it."""
    with Store.open(url) as admin:
        demo.create(admin)
        statuses = admin.statuses(CYCLE)
        agency = next(a for a, s in sorted(statuses.items()) if s == Status.DRAFT)
        _link, token = admin.issue_link(
            "Benchmark member", Role.MEMBER, cycle_id=CYCLE, agencies=(agency,)
        )
    store = Store.open(url).identify(token)
    scheduler = FireNow()
    form = FormModel(store, schedule=scheduler, clock=time.monotonic)
    if not form.open(CYCLE, agency):
        raise SystemExit(f"the form did not open: {form.message}")
    return form, scheduler, store


def change(form: FormModel, number: int) -> tuple[str, dict[str, object]]:
    """Change ``number``: by turns new evidence, or the rating moved one level on."""
    assert form.framework is not None
    criteria = form.framework.criteria_for(form.sector)  # what the agency is asked (#16)
    criterion = criteria[(number // 2) % len(criteria)]
    if number % 2 == 0:
        return criterion.id, {"evidence": f"Evidence updated in save {number}."}
    levels = [lv.key for lv in form.framework.scale.levels]
    current = form.answers.get(criterion.id)
    rating = current.rating if current is not None else None
    following = levels[(levels.index(rating) + 1) % len(levels)] if rating else levels[0]
    return criterion.id, {"rating": following}


def measure(
    form: FormModel, scheduler: FireNow, count: int, offset: int = 0
) -> tuple[list[float], list[float]]:
    """Milliseconds (wall, and CPU) from each of ``count`` changes to its committed revision."""
    samples, cpu = [], []
    for number in range(offset, offset + count):
        criterion_id, fields = change(form, number)
        before = form.based_on
        start, cpu_start = time.perf_counter(), time.process_time()
        form.set_answer(criterion_id, **fields)
        scheduler.fire()
        elapsed, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        if form.based_on == before or form.dirty:
            raise SystemExit(f"change {number} was not saved: {form.message}")
        samples.append(elapsed * 1000)
        cpu.append(cpu_seconds * 1000)
    return samples, cpu


def floor(store: Store, count: int) -> list[float]:
    """Milliseconds to write and commit one small row, ``count`` times."""
    scratch = Table(
        "bench_floor",
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("text", Text, nullable=False),
    )
    scratch.create(store.engine, checkfirst=True)
    samples = []
    for number in range(count):
        start = time.perf_counter()
        with store.database.writing() as conn:
            conn.execute(insert(scratch).values(text=f"row {number}"))
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300, help="measured changes")
    parser.add_argument("--warmup", type=int, default=10, help="changes made first, not counted")
    parser.add_argument("--db", help="an empty store to use instead of a new SQLite file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-autosave-") as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'autosave.db'}"
        form, scheduler, store = open_form(url)
        try:
            first = form.based_on or 0
            measure(form, scheduler, args.warmup)
            samples, cpu = measure(form, scheduler, args.saves, offset=args.warmup)
            floor_samples = floor(store, max(20, args.saves // 2))
            revisions = (form.based_on or 0) - first
        finally:
            store.close()
    database = "SQLite" if url.startswith("sqlite") else url.split(":", 1)[0]
    tenth = max(1, len(samples) // 10)
    result = Result(
        f"autosave: change -> committed revision ({database}, CSE)",
        tuple(samples),
        unit="ms",
        floor="autosave: one small row written and committed",
        floor_samples=tuple(floor_samples),
        goal=GOAL_MS,
        goal_kind="max",
        stat="p95",
        note=f"{args.saves} saves after {args.warmup}; {revisions} revisions added",
        extra={
            "p95_first_tenth_ms": percentile(samples[:tenth], 95),
            "p95_last_tenth_ms": percentile(samples[-tenth:], 95),
            "revisions_at_end": float(form.based_on or 0),
            "cpu_p95_ms": percentile(cpu, 95),
            "cpu_p95_first_tenth_ms": percentile(cpu[:tenth], 95),
            "cpu_p95_last_tenth_ms": percentile(cpu[-tenth:], 95),
            "cpu_median_ms": statistics.median(cpu),
        },
    )
    print(
        f"{args.saves} autosaves after {args.warmup} warm-up on {database}; "
        f"p95 of the first tenth {result.extra['p95_first_tenth_ms']:.1f} ms, "
        f"of the last tenth {result.extra['p95_last_tenth_ms']:.1f} ms "
        f"(revision {form.based_on}); CPU p95 {result.extra['cpu_p95_ms']:.1f} ms, first "
        f"tenth {result.extra['cpu_p95_first_tenth_ms']:.1f} ms, last "
        f"{result.extra['cpu_p95_last_tenth_ms']:.1f} ms"
    )
    report([result])
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
