"""Benchmark: import generated return workbooks, as `workbook import` does (issue #6).

Generates COUNT filled returns of the shipped CSE framework (one cycle, COUNT agencies)
into a temporary folder, then times, in the same run:

* the floor: openpyxl merely loading each file;
* the import: :func:`workbook.spreadsheets.importer.import_return` for each file into a fresh
  SQLite store, the code path of the ``workbook import`` command (one store, opened
  once, like the form's upload; the command also pays for starting Python per file).

and prints returns per second and the import's ratio to the floor. Goal (issue #19): the
import at most 1.3 times the floor (the earlier one, 1,000 returns in 60 s, is printed).

The two take turns, 50 files at a time, and each total is the sum of its turns: a
shared machine's speed drifts over a minute by more than the gap to the goal.

    .venv/bin/python bench/import_returns.py [--count 1000] [--workers 2] [--keep DIR] [--cache]

``--cache`` (as ``make bench`` runs it) keeps the generated files between runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import os
import random
import shutil
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a file, as tests do

from bench.common import Result, report  # noqa: E402
from workbook import config
from workbook.schema import loader as templates  # noqa: E402
from workbook.schema.framework import Framework, ResponseField  # noqa: E402
from workbook.schema.partnership import Partnership  # noqa: E402
from workbook.schema.responses import Action, Answer  # noqa: E402
from workbook.spreadsheets.importer import import_return  # noqa: E402
from workbook.spreadsheets.write import TemplateFacts, build_workbook  # noqa: E402
from workbook.store import Store  # noqa: E402

CYCLE = "bench-cycle"
SECTOR = "local authority"
"""The generated agencies' sector: asked 39 of the CSE framework's 41 criteria (issue #16)."""
GOAL_SECONDS = 60.0
GOAL_RATIO = 1.3  # the import against openpyxl's bare load of the same files (issue #19)
GOAL_COUNT = 1000
WORDS = [
    *("training", "audit", "pathway", "referral", "screening", "MASE", "partners"),
    *("children", "evidence", "data", "review", "plan", "missing", "return", "interview"),
    *("licensing", "hotel", "taxi", "school", "health", "police", "disruption", "consent"),
]


def framework() -> Framework:
    return templates.load_framework(config.templates_dir() / "cse-mase.yaml")


def agency_ids(count: int) -> list[str]:
    return [f"agency-{n:04d}" for n in range(1, count + 1)]


def answers_for(fw: Framework, seed: int) -> dict[str, Answer]:
    """Plausible answers: every criterion rated, a few sentences, some actions."""
    rng = random.Random(seed)
    levels = [lv.key for lv in fw.scale.levels]

    def text(sentences: int) -> str:
        return "\n".join(
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."
            for _ in range(sentences)
        )

    answers = {}
    for criterion in fw.criteria_for(SECTOR):  # what the agencies are asked (issue #16)
        asked = fw.fields_for(criterion)
        actions: tuple[Action, ...] = ()
        if ResponseField.ACTIONS in asked and rng.random() < 0.4:
            due = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
            actions = (Action(text=text(1), owner="Service manager", due=due),)
        answers[criterion.id] = Answer(
            rating=rng.choice(levels) if ResponseField.RATING in asked else None,
            evidence=text(3) if ResponseField.EVIDENCE in asked else "",
            going_well=text(2) if ResponseField.GOING_WELL in asked else "",
            development=text(2) if ResponseField.DEVELOPMENT in asked else "",
            actions=actions,
        )
    return answers


def _write(job: tuple[str, int, str]) -> None:
    folder, seed, agency = job
    fw = framework()
    facts = TemplateFacts(fw, CYCLE, "Benchmark cycle", agency, f"Agency {agency}", sector=SECTOR)
    build_workbook(facts, answers_for(fw, seed)).save(Path(folder) / f"{agency}.xlsx")


def generate(folder: Path, agencies: list[str], workers: int) -> list[Path]:
    jobs = [(str(folder), n, agency) for n, agency in enumerate(agencies)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_write, jobs, chunksize=16))
    else:
        for job in jobs:
            _write(job)
    return [folder / f"{agency}.xlsx" for agency in agencies]


def make_store(url: str, fw: Framework, agencies: list[str]) -> Store:
    store = Store.open(url)
    partnership = Partnership.model_validate(
        {
            "kind": "partnership",
            "id": "bench",
            "name": "Benchmark partnership",
            "agencies": [{"id": a, "name": f"Agency {a}", "sector": SECTOR} for a in agencies],
            "cycles": [
                {
                    "id": CYCLE,
                    "title": "Benchmark cycle",
                    "framework": fw.id,
                    "framework_version": fw.version,
                    "agencies": "all",
                    "timetable": {
                        "criteria_agreed": dt.date(2026, 1, 5),
                        "returns_open": dt.date(2026, 1, 12),
                        "returns_due": dt.date(2026, 2, 27),
                    },
                }
            ],
        }
    )
    store.put_framework(fw)
    store.put_partnership(partnership)
    for cycle in partnership.cycles:
        store.put_cycle(partnership.id, cycle, partnership.invited(cycle))
    return store


BATCH = 50
"""Files the floor loads, then the import imports, in turn (:func:`run`)."""


def floor(files: list[Path]) -> tuple[float, float]:
    """Wall and CPU seconds openpyxl alone takes to load every file, as the importer does."""
    start, cpu = time.perf_counter(), time.process_time()
    for path in files:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load_workbook(io.BytesIO(path.read_bytes()), rich_text=False, keep_links=False)
    return time.perf_counter() - start, time.process_time() - cpu


COMPLETE = ".complete"
"""Written into a cached folder of returns once every file in it is written."""


def cached_returns(count: int) -> Path:
    """Where ``--cache`` keeps ``count`` generated returns between runs.

    Named by a digest of what decides the files (this module, the template writer, the
    framework, openpyxl's version), so a change to any of them makes new ones.
    """
    from importlib.metadata import version

    digest = hashlib.sha256(version("openpyxl").encode())
    root = Path(__file__).resolve().parent.parent
    for path in (
        Path(__file__),
        *sorted((root / "workbook" / "spreadsheets").glob("*.py")),  # the template's writer
        config.templates_dir() / "cse-mase.yaml",
    ):
        digest.update(path.read_bytes())
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "safeguarding-workbook" / f"bench-returns-{count}-{digest.hexdigest()[:12]}"


def run(count: int, workers: int, folder: Path, cache: bool = False) -> dict[str, float]:
    fw = framework()
    agencies = agency_ids(count)
    started = time.perf_counter()
    cached = cached_returns(count) if cache else None
    if cached is not None and (cached / COMPLETE).exists():
        files = [cached / f"{agency}.xlsx" for agency in agencies]
        made = f"reused {count} returns from {cached}"
    else:
        target = cached or folder
        target.mkdir(parents=True, exist_ok=True)
        files = generate(target, agencies, workers)
        if cached is not None:
            (cached / COMPLETE).write_text("", encoding="utf-8")
        made = f"generated {count} returns"
    generated = time.perf_counter() - started
    print(
        f"{made} ({fw.id} {fw.version}, {len(fw.criteria)} criteria) "
        f"in {generated:.1f} s with {workers} worker(s); "
        f"{sum(p.stat().st_size for p in files) / count / 1024:.0f} KiB each"
    )

    store = make_store(f"sqlite:///{folder}/bench.db", fw, agencies)
    load_seconds = load_cpu = import_seconds = import_cpu = 0.0
    try:
        # alternating, a batch at a time, so that a machine slowing down or speeding up
        # over the minute falls on the floor and the import alike (as the other figures)
        for first in range(0, count, BATCH):
            batch = files[first : first + BATCH]
            wall, cpu_seconds = floor(batch)
            load_seconds, load_cpu = load_seconds + wall, load_cpu + cpu_seconds
            start, cpu = time.perf_counter(), time.process_time()
            for path in batch:
                result = import_return(store, path)
                if not result.saved or result.revision != 1:
                    raise RuntimeError(f"{path} was not imported as revision 1: {result}")
            import_seconds += time.perf_counter() - start
            import_cpu += time.process_time() - cpu
        saved = sum(1 for a in agencies if store.latest(CYCLE, a) is not None)
    finally:
        store.close()
    assert saved == count, f"only {saved} of {count} returns were saved"

    floor_rate, import_rate = count / load_seconds, count / import_seconds
    # CPU seconds too: on a shared machine they move less than wall-clock time
    print(
        f"floor  (openpyxl load only): {load_seconds:7.2f} s  {floor_rate:7.1f} files/s"
        f"    (cpu {load_cpu:.2f} s)"
    )
    print(
        f"import (check + save):       {import_seconds:7.2f} s  {import_rate:7.1f} returns/s"
        f"  (cpu {import_cpu:.2f} s)"
    )
    print(
        f"ratio import / floor: {import_seconds / load_seconds:.2f}x wall, "
        f"{import_cpu / load_cpu:.2f}x cpu"
    )
    projected = GOAL_COUNT / import_rate
    verdict = "meets" if projected <= GOAL_SECONDS else "MISSES"
    print(
        f"{GOAL_COUNT:,} returns would take {projected:.1f} s: {verdict} the goal of "
        f"{GOAL_SECONDS:.0f} s"
    )
    return {"floor": load_seconds, "import": import_seconds, "projected": projected}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=GOAL_COUNT, help="returns to import")
    parser.add_argument("--workers", type=int, default=2, help="processes to generate files")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument(
        "--cache",
        action="store_true",
        help="keep the generated returns in ~/.cache/safeguarding-workbook for later runs",
    )
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="workbook-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        numbers = run(args.count, args.workers, folder, cache=args.cache)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    per_goal = GOAL_COUNT / args.count  # the figure is for 1,000 returns
    counted = f"{GOAL_COUNT:,}" if args.count == GOAL_COUNT else f"{args.count:,}, scaled to 1,000"
    report(
        [
            Result(
                f"import {counted} spreadsheet returns",
                (numbers["import"] * per_goal,),
                floor="import: openpyxl loading the same files",
                floor_samples=(numbers["floor"] * per_goal,),
                goal=GOAL_RATIO,
                note=f"{numbers['projected']:.0f} s for 1,000 (the earlier goal: 60 s)",
            )
        ],
        table=False,
    )
    return 0 if numbers["import"] <= GOAL_RATIO * numbers["floor"] else 1


if __name__ == "__main__":
    sys.exit(main())
