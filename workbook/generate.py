"""A synthetic large store: N agencies x M criteria x K cycles, for benchmarks (issue #4).

Deterministic for a seed. Frameworks, the partnership and its cycles go in through the
Store's own methods; the returns are written with bulk inserts (two statements per
cycle rather than a ``Store.save`` per revision) in exactly the shape ``Store.save``
writes, so the Store reads them as it reads its own. The second half of the cycles runs
a version 2 of the framework with one criterion dropped and one added, so trends meet a
version change. Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from sqlalchemy import insert

from workbook import demo
from workbook import tables as T
from workbook.errors import StorageError
from workbook.framework import Framework
from workbook.partnership import Agency, Cycle, Partnership, Timetable
from workbook.responses import Action, Answer, Status, missing_for_submission
from workbook.store import Store

PARTNERSHIP_ID = "generated"
FRAMEWORK_ID = "generated-fw"
SECTORS = ("health", "police", "local authority", "education", "justice", "voluntary")
LEVELS = (
    {"key": "not-in-place", "label": "Not in place", "score": 1, "colour": "#d7191c"},
    {"key": "developing", "label": "Developing", "score": 2, "colour": "#fdae61"},
    {"key": "established", "label": "Established", "score": 3, "colour": "#abd9e9"},
    {"key": "strong", "label": "Strong", "score": 4, "colour": "#2c7bb6"},
)


@dataclass(frozen=True)
class Size:
    """How big a store to generate."""

    agencies: int = 20
    criteria: int = 40
    cycles: int = 10


def framework(criteria: int, version: str = "1") -> Framework:
    """A synthetic framework of ``criteria`` criteria under up to eight headings.

    Version ``2`` drops the last criterion of version 1 and adds ``new-1``.
    """
    n_headings = max(1, min(8, math.ceil(criteria / 5)))
    headings = [{"id": f"h{n + 1}", "title": f"Heading {n + 1}"} for n in range(n_headings)]
    items = [
        {"id": f"q-{n + 1:03d}", "heading": f"h{n % n_headings + 1}", "prompt": f"Question {n + 1}"}
        for n in range(criteria)
    ]
    if version != "1" and criteria > 1:
        items = [*items[:-1], {"id": "new-1", "heading": "h1", "prompt": "A question added in v2"}]
    return Framework.model_validate(
        {
            "id": FRAMEWORK_ID,
            "title": "Generated framework",
            "version": version,
            "scale": {"name": "Four levels", "best": "highest", "levels": list(LEVELS)},
            "headings": headings,
            "criteria": items,
        }
    )


def _answer(rng: random.Random, fw: Framework, strength: float, day: dt.date) -> Answer:
    worst_first = list(reversed(fw.scale.best_first()))
    index = min(len(worst_first) - 1, max(0, round((strength + rng.gauss(0, 0.2)) * 3)))
    best = index == len(worst_first) - 1
    actions: tuple[Action, ...] = ()
    if not best and rng.random() < 0.5:
        due = day + dt.timedelta(days=rng.randint(-30, 240))
        actions = (Action(text=rng.choice(demo.ACTIONS), owner=rng.choice(demo.OWNERS), due=due),)
    return Answer(
        rating=worst_first[index].key,
        evidence=rng.choice(demo.EVIDENCE).format(
            year=day.year, pct=rng.randint(40, 98), n=rng.randint(5, 30), month=day.strftime("%B")
        ),
        going_well=rng.choice(demo.GOING_WELL),
        development="" if best else rng.choice(demo.DEVELOPMENT),
        actions=actions,
    )


def _statuses(rng: random.Random, agencies: list[str], latest: bool) -> dict[str, Status]:
    if not latest:
        return dict.fromkeys(agencies, Status.SUBMITTED)
    shuffled = agencies[:]
    rng.shuffle(shuffled)
    missing = max(1, len(agencies) // 10) if len(agencies) > 1 else 0
    drafts = max(1, len(agencies) // 6) if len(agencies) > 2 else 0
    result = dict.fromkeys(agencies, Status.SUBMITTED)
    for agency in shuffled[:missing]:
        result[agency] = Status.NOT_STARTED
    for agency in shuffled[missing : missing + drafts]:
        result[agency] = Status.DRAFT
    return result


def generate(store: Store, size: Size = Size(), seed: int = 7) -> None:
    """Fill ``store`` with the generated partnership; refuse if it is there already."""
    if any(pid == PARTNERSHIP_ID for pid, _ in store.partnerships()):
        raise StorageError(
            "unknown",
            what="empty place for",
            key=PARTNERSHIP_ID,
            hint="The store already holds a generated partnership; use a new store.",
        )
    rng = random.Random(seed)
    versions = {"1": framework(size.criteria, "1"), "2": framework(size.criteria, "2")}
    for fw in versions.values():
        store.put_framework(fw)
    agencies = [
        Agency(id=f"agency-{n + 1:02d}", name=f"Agency {n + 1:02d}", sector=SECTORS[n % 6])
        for n in range(size.agencies)
    ]
    store.put_partnership(
        Partnership(
            kind="partnership", id=PARTNERSHIP_ID, name="Generated partnership", agencies=agencies
        )
    )
    ids = [a.id for a in agencies]
    strength = {a: 0.15 + 0.7 * rng.random() for a in ids}
    for k in range(size.cycles):
        version = "2" if size.cycles > 1 and k >= size.cycles // 2 else "1"
        fw = versions[version]
        due = dt.date(2015 + k, 11, 16)
        cycle = Cycle(
            id=f"gen-{2015 + k}",
            title=f"Generated cycle {2015 + k}",
            framework=FRAMEWORK_ID,
            framework_version=version,
            timetable=Timetable(
                criteria_agreed=due - dt.timedelta(days=60),
                returns_open=due - dt.timedelta(days=45),
                returns_due=due,
            ),
        )
        store.put_cycle(PARTNERSHIP_ID, cycle, tuple(ids))
        _fill(store, cycle.id, fw, due, _statuses(rng, ids, k == size.cycles - 1), strength, rng)


def _fill(
    store: Store,
    cycle_id: str,
    fw: Framework,
    due: dt.date,
    statuses: dict[str, Status],
    strength: dict[str, float],
    rng: random.Random,
) -> None:
    """Bulk-insert each started return: a draft of half the criteria, then the rest."""
    revisions: list[dict[str, object]] = []
    answers: list[tuple[int, dict[str, Answer]]] = []  # (index into revisions, delta)
    for agency, status in statuses.items():
        if status == Status.NOT_STARTED:
            continue
        day = due - dt.timedelta(days=rng.randint(5, 30))
        full = {c.id: _answer(rng, fw, strength[agency], day) for c in fw.criteria}
        assert not missing_for_submission(fw, full)
        ids = list(full)
        half = ids[: len(ids) // 2 or 1]
        saved = dt.datetime.combine(day, dt.time(10), dt.UTC)
        steps = [(Status.DRAFT, half)]
        if status == Status.SUBMITTED:
            steps.append((Status.SUBMITTED, ids[len(half) :]))
        for number, (step_status, changed) in enumerate(steps, start=1):
            answers.append((len(revisions), {cid: full[cid] for cid in changed}))
            revisions.append(
                {
                    "cycle_id": cycle_id,
                    "agency_id": agency,
                    "number": number,
                    "based_on": number - 1 or None,
                    "status": step_status.value,
                    "author": f"Return lead, {agency}",
                    "saved_at": saved + dt.timedelta(days=number - 1),
                    "note": "",
                }
            )
    if not revisions:
        return
    with store._write() as conn:
        rows = conn.execute(
            insert(T.revision).returning(T.revision.c.id, sort_by_parameter_order=True),
            revisions,
        ).all()
        revision_ids = [row[0] for row in rows]
        values = [
            store._answer_values(fw, revision_ids[index], cid, answer)
            for index, delta in answers
            for cid, answer in delta.items()
        ]
        if values:
            conn.execute(insert(T.answer), values)
