"""One writer of the concurrency test (``tests/core/test_concurrency.py``), run as a process.

Imports only the workbook core, so fifty of these stay small. It opens the store, says
it is ready, waits for the go file, then until its time is up: reads a return's latest
revision, changes one criterion, and saves based on that revision. A ``Conflict``
(someone else saved first) or a transient ``StorageError`` just starts the next round.
Every save the store reported as done is written at once to the result file as one JSON
line (agency, revision, based_on, author, content digest); the last line sums it up.

Usage: ``python concurrency_worker.py URL CYCLE WORKER RETURNS OUT READY GO SECONDS``, or
:func:`in_crowd` as the target of a process forked from one that imported this module
already (the test's way: fifty interpreters each importing the workbook took half a
minute of both cores before the first save)
with ``RETURNS`` the comma-separated agency ids it writes to, the first one most often;
``OTHER-CYCLE/AGENCY`` writes to that agency's return through another cycle (a return
shared with another partnership, issue #17).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

from workbook.errors import Conflict, StorageError
from workbook.schema.responses import Answer, Answers
from workbook.store import Store

CRITERIA = ("p-1", "p-2", "i-1")
RATINGS = ("red", "amber", "green")


def digest(answers: Answers) -> str:
    """A return's content as one hash: every criterion's answer, in criterion order."""
    content = {cid: answers[cid].model_dump(mode="json") for cid in sorted(answers)}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def run(argv: list[str]) -> int:
    url, cycle, worker, returns, out, ready, go, seconds = argv
    targets = [tuple(r.split("/")) if "/" in r else (cycle, r) for r in returns.split(",")]
    author = f"writer {worker}"
    rng = random.Random(worker)
    counts: Counter[str] = Counter()
    store = Store.open(url)
    Path(ready).touch()
    while not Path(go).exists():
        time.sleep(0.02)
    deadline = time.monotonic() + float(seconds)
    rounds = 0
    with Path(out).open("w", encoding="utf-8") as log:
        while time.monotonic() < deadline:
            rounds += 1
            target = targets[0] if rng.random() < 0.4 else rng.choice(targets[1:] or targets)
            through, agency = target
            try:
                latest = store.latest(through, agency)
                answers = dict(latest.answers) if latest else {}
                answers[rng.choice(CRITERIA)] = Answer(
                    rating=rng.choice(RATINGS), evidence=f"{author}, round {rounds}"
                )
                based_on = latest.revision if latest else None
                state = store.save(through, agency, answers, author=author, based_on=based_on)
            except Conflict:
                counts["conflicts"] += 1
                continue
            except StorageError as exc:
                if not exc.transient:
                    raise
                counts[exc.kind] += 1
                continue
            counts["saved"] += 1
            record = {
                "agency": agency,
                "through": through,
                "revision": state.revision,
                "based_on": based_on,
                "author": author,
                "digest": digest(state.answers),
            }
            log.write(json.dumps(record) + "\n")
            log.flush()  # a crash later cannot take this report with it
        log.write(json.dumps({"summary": dict(counts), "rounds": rounds}) + "\n")
    store.close()
    return 0


def in_crowd(argv: list[str], errors: str) -> None:
    """One writer in a process of its own, at the lowest priority, its stderr to ``errors``.

    The crowd takes whatever CPU is left, not the test run's other worker's: a browser
    test beside fifty busy writers at the same priority waited over a minute for a kernel
    to start (the stop of 2 December 2026).
    """
    os.nice(19)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.dup2(os.open(errors, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 2)
    sys.exit(run(argv))


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
