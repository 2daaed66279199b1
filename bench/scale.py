"""Benchmark: one partnership's dashboard data out of a store of 1,000,000 responses.

The store is ``workbook generate``'s ``SCALE``: 150 partnerships x 15 agencies x 45
criteria x 10 cycles (1,012,500 responses, about 330 MB in SQLite). Generating it takes
a minute or two, so the SQLite file is kept in ``~/.cache/safeguarding-workbook/``
(``$XDG_CACHE_HOME``) under a name made of the size, the seed, the store's schema
version and the generator's version; any of those changing makes a new one, and
deleting the file is always safe.

Times, as the chair of the middle partnership (the identity a chair's personal link
gives, so every read is checked as in the dashboard), on a Store opened beforehand:

* the figure: :func:`workbook.analysis.load` of every cycle of the partnership, the
  tidy frame behind the dashboard's charts and trends (6,750 rows). Goal: 200 ms;
* the chair's dashboard opening (:class:`widgets.dashboard.DashboardModel`: the cycles
  the chair may see, then the latest cycle's frame and its completion table, read as the
  first chart is drawn), the data side of what happens before the first chart;
* the floor: the same partnership's answer rows read by one plain SQL query into a
  pandas DataFrame (``pandas.read_sql``), with no folding or checking.

Goal (issue #19): the figure at most twice the floor, by wall time and by CPU time. Also
timed against the same floor, with no goal: ``Store.latest`` of one return (what the form
reads) and the chair's action tracker (``store.actions.find`` of the partnership and of
its latest cycle).

    .venv/bin/python -m bench.scale [--runs 7] [--size scale|small] [--db URL]

``--db`` uses another store (such as PostgreSQL), generating into it if it is empty.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from bench.common import Result, report
from widgets.dashboard import DashboardModel
from workbook import analysis
from workbook.access import Identity, Role
from workbook.store import Store, generate
from workbook.store import tables as T

GOAL_RATIO = 2.0
SIZES = {
    "scale": generate.SCALE,
    "small": generate.Size(15, 45, 10, partnerships=10, indicators=0, audits=0),
}
SEED = 7


def cache_dir() -> Path:
    """Where generated stores are kept between runs (as workbook.charts.offline keeps Vega)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "safeguarding-workbook"


def cached_name(size: generate.Size, seed: int) -> str:
    """The file name for a generated store: everything that decides its rows."""
    return (
        f"bench-scale-p{size.partnerships}-a{size.agencies}-c{size.criteria}-k{size.cycles}"
        f"-seed{seed}-schema{T.SCHEMA_VERSION}-gen{generate.GENERATOR_VERSION}.db"
    )


def _progress(done: int, total: int) -> None:
    if done == total or done % max(1, total // 10) == 0:
        print(f"  generated {done} of {total} partnerships", flush=True)


def generated_store(size: generate.Size, seed: int, url: str | None) -> tuple[str, float | None]:
    """The URL of a store holding ``size``; generates it if needed (seconds, or None)."""
    if url is not None:
        with Store.open(url) as store:
            if any(pid == generate.PARTNERSHIP_ID for pid, _ in store.partnerships()):
                return url, None
            print(f"generating {size.describe()} into {store.url}", flush=True)
            start = time.perf_counter()
            generate.generate(store, size, seed, progress=_progress)
            return url, time.perf_counter() - start
    path = cache_dir() / cached_name(size, seed)
    if path.exists():
        return f"sqlite:///{path}", None
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    print(f"generating {size.describe()} into {path} (kept for later runs)", flush=True)
    start = time.perf_counter()
    try:
        with Store.open(f"sqlite:///{partial}") as store:
            generate.generate(store, size, seed, progress=_progress)
        seconds = time.perf_counter() - start
        partial.rename(path)  # whole or not at all: an interrupted run leaves no cache
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
    return f"sqlite:///{path}", seconds


def chair(url: str, partnership_id: str) -> Store:
    """The store as the partnership chair's personal link would open it (no link written)."""
    identity = Identity(
        key="link:bench", name="Benchmark chair", role=Role.CHAIR, partnership_id=partnership_id
    )
    return Store.open(url).as_identity(identity)


def floor_query(store: Store, partnership_id: str) -> pd.DataFrame:
    """Every answer row of the partnership with its revision, in one query, unfolded."""
    query = (
        select(T.revision.c.cycle_id, T.revision.c.agency_id, T.revision.c.number, T.answer)
        .join(T.answer, T.answer.c.revision_id == T.revision.c.id)
        .join(T.cycle, T.cycle.c.id == T.revision.c.cycle_id)
        .where(T.cycle.c.partnership_id == partnership_id)
    )
    with store.engine.connect() as conn:
        return pd.read_sql(query, conn)


def fresh_statuses(store: Store, cycle_id: str) -> list[str]:
    """The agencies with a return started in the cycle (one of them is read by ``latest``)."""
    return [a for a, status in store.statuses(cycle_id).items() if status.value != "not_started"]


def _cpu(cpu: dict[str, list[float]], name: str) -> dict[str, float | str]:
    """CPU seconds of a figure and of the floor: steadier than wall time on a busy machine."""
    return {
        "cpu_median_s": statistics.median(cpu[name]),
        "floor_cpu_median_s": statistics.median(cpu["floor"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs of each")
    parser.add_argument("--size", choices=sorted(SIZES), default="scale")
    parser.add_argument("--db", help="use (and if empty fill) this store instead of the cache")
    args = parser.parse_args(argv)

    size = SIZES[args.size]
    url, generated = generated_store(size, SEED, args.db)
    partnership_id = generate.partnership_id(size.partnerships // 2)
    store = chair(url, partnership_id)
    try:
        cycles = [c.id for c in store.cycles(partnership_id)]
        frame = analysis.load(store, cycles)
        answers = floor_query(store, partnership_id)

        def load_all(fresh: Store) -> None:
            analysis.load(fresh, [c.id for c in fresh.cycles(partnership_id)])

        def open_dashboard(fresh: Store) -> None:
            model = DashboardModel(fresh)  # the cycles the chair may see
            model.completion()  # the first chart's: the latest cycle's rows, read when drawn

        def read_floor(fresh: Store) -> None:
            floor_query(fresh, partnership_id)

        latest_cycle = cycles[-1]
        agency = sorted(fresh_statuses(store, latest_cycle))[0]

        def read_latest(fresh: Store) -> None:
            fresh.latest(latest_cycle, agency)

        def read_tracker(fresh: Store) -> None:
            fresh.actions.find(partnership_id=partnership_id)
            fresh.actions.find(latest_cycle)

        # Each run gets a Store opened just before it, as a new kernel has (no framework
        # cached, a new connection); opening it is not timed. Taking turns spreads changes
        # in the machine's load over all three alike.
        plan = (
            ("all", load_all),
            ("open", open_dashboard),
            ("latest", read_latest),
            ("tracker", read_tracker),
            ("floor", read_floor),
        )
        samples: dict[str, list[float]] = {name: [] for name, _ in plan}
        cpu: dict[str, list[float]] = {name: [] for name in samples}
        for number in range(1 + args.runs):
            for name, run in plan:
                with chair(url, partnership_id) as fresh:
                    start, cpu_start = time.perf_counter(), time.process_time()
                    run(fresh)
                    elapsed = time.perf_counter() - start
                    cpu_seconds = time.process_time() - cpu_start
                if number:  # the first round warms up (the page cache, imports)
                    samples[name].append(elapsed)
                    cpu[name].append(cpu_seconds)
    finally:
        store.close()
    where = "SQLite" if url.startswith("sqlite") else url.split(":", 1)[0]
    floor_name = f"scale: one SQL query of the partnership's answers into pandas ({where})"
    described = f"{size.partnerships * size.agencies * size.criteria * size.cycles:,}"
    results = [
        Result(
            f"scale: one partnership's dashboard data ({len(cycles)} cycles)",
            tuple(samples["all"]),
            floor=floor_name,
            floor_samples=tuple(samples["floor"]),
            goal=GOAL_RATIO,
            note=f"{described} responses; {len(frame)} rows from {len(answers)} answer rows",
            extra=_cpu(cpu, "all"),
        ),
        Result(
            f"scale: one partnership's dashboard data, CPU time ({where})",
            tuple(cpu["all"]),
            floor=f"{floor_name}, CPU time",
            floor_samples=tuple(cpu["floor"]),
            goal=GOAL_RATIO,
            note="CPU moves less than wall time on a shared machine",
        ),
        Result(
            "scale: the chair's dashboard model opens (latest cycle)",
            tuple(samples["open"]),
            floor=floor_name,
            floor_samples=tuple(samples["floor"]),
            extra=_cpu(cpu, "open"),
        ),
        Result(
            f"scale: Store.latest of one return ({agency}, {latest_cycle})",
            tuple(samples["latest"]),
            floor=floor_name,
            floor_samples=tuple(samples["floor"]),
            extra=_cpu(cpu, "latest"),
        ),
        Result(
            "scale: the chair's action tracker (the partnership's and its latest cycle's)",
            tuple(samples["tracker"]),
            floor=floor_name,
            floor_samples=tuple(samples["floor"]),
            extra=_cpu(cpu, "tracker"),
        ),
    ]
    if generated is not None:
        results.append(
            Result(
                "scale: generating the store (once, then cached)",
                (generated,),
                note=f"{size.describe()} into {where}",
            )
        )
    print(
        f"{size.describe()} ({described} responses) in {where}; partnership {partnership_id}: "
        f"{len(frame)} dashboard rows, {len(answers)} answer rows; {args.runs} runs after "
        f"1 warm-up, taking turns; median all cycles "
        f"{statistics.median(samples['all']) * 1000:.0f} ms "
        f"(CPU {statistics.median(cpu['all']) * 1000:.0f} ms, floor's CPU "
        f"{statistics.median(cpu['floor']) * 1000:.0f} ms)"
    )
    report(results)
    return 0 if results[0].ok and results[1].ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
