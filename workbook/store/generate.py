"""A synthetic large store: P partnerships x N agencies x M criteria x K cycles (issue #8).

For benchmarks: ``Size()`` is the dashboard's 20 agencies x 40 criteria x 10 cycles, and
``SCALE`` the 1,000,000 responses of 150 partnerships x 15 agencies x 45 criteria x 10
cycles. Deterministic for a seed: the same size and seed write the same rows, on
SQLite and PostgreSQL alike (row ids aside, which the database assigns).

The two framework versions go in through :meth:`Store.put_framework`. Everything else is
written with bulk inserts (SQLAlchemy Core ``executemany``, one transaction per
partnership), in exactly the shape the Store's own methods write — ``put_partnership``,
``put_cycle`` and ``Store.save`` — so the Store reads generated rows as it reads its own
(tests/core/test_generate.py checks this on both databases). Each started return is a
draft of half the criteria, then (if submitted) a second revision with the rest; in the
newest cycle a tenth of the agencies have not started and a sixth are still drafts. The
second half of the cycles runs a version 2 of the framework with one criterion dropped
and one added, so trends meet a version change.

The first partnership is ``generated`` with agencies ``agency-01``... and cycles
``gen-2015``...; partnership *n* (from 2) is ``generated-00n`` with ``p00n-agency-01``...
and ``gen-p00n-2015``...
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert

from workbook import synthetic
from workbook.access import Identity, Role
from workbook.errors import NotFound
from workbook.schema.framework import Framework
from workbook.schema.partnership import Agency, Cycle, Partnership, Timetable
from workbook.schema.responses import Status
from workbook.store import tables as T
from workbook.store.facade import Store
from workbook.store.generate_evidence import evidence_rows

PARTNERSHIP_ID = "generated"
FRAMEWORK_ID = "generated-fw"
GENERATOR_VERSION = 3
"""Bump whenever the same size and seed would write different rows (keys bench caches)."""
SECTORS = ("health", "police", "local authority", "education", "justice", "voluntary")
LEVELS = (
    {"key": "not-in-place", "label": "Not in place", "score": 1, "colour": "#d7191c"},
    {"key": "developing", "label": "Developing", "score": 2, "colour": "#fdae61"},
    {"key": "established", "label": "Established", "score": 3, "colour": "#abd9e9"},
    {"key": "strong", "label": "Strong", "score": 4, "colour": "#2c7bb6"},
)
FIRST_YEAR = 2015

Rows = dict[str, list[dict[str, Any]]]
Progress = Callable[[int, int], None]
"""``progress(done, total)``: called after each partnership is written."""


@dataclass(frozen=True)
class Size:
    """How big a store to generate."""

    agencies: int = 20
    criteria: int = 40
    cycles: int = 10
    partnerships: int = 1
    indicators: int = 50
    """Data indicators per cycle (issue #14)."""
    audits: int = 5
    """Case audits per cycle, of six findings each."""

    @property
    def responses(self) -> int:
        """Criterion responses, counting every invited agency in every cycle."""
        return self.partnerships * self.agencies * self.criteria * self.cycles

    def describe(self) -> str:
        """``150 partnerships x 15 agencies x 45 criteria x 10 cycles`` (or without the first)."""
        text = f"{self.agencies} agencies x {self.criteria} criteria x {self.cycles} cycles"
        return f"{self.partnerships} partnerships x {text}" if self.partnerships > 1 else text


SCALE = Size(agencies=15, criteria=45, cycles=10, partnerships=150, indicators=0, audits=0)
"""The issue's scale figure: 150 x 15 x 45 x 10 = 1,012,500 responses (no evidence: it
measures reading returns; the dashboard and form benchmarks carry the evidence)."""


def partnership_id(number: int) -> str:
    """The id of the ``number``-th generated partnership (from 0)."""
    return PARTNERSHIP_ID if number == 0 else f"{PARTNERSHIP_ID}-{number + 1:03d}"


def _prefix(number: int) -> str:
    return "" if number == 0 else f"p{number + 1:03d}-"


def cycle_ids(size: Size, number: int = 0) -> list[str]:
    """The ids of a generated partnership's cycles, oldest first."""
    return [f"gen-{_prefix(number)}{FIRST_YEAR + k}" for k in range(size.cycles)]


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


class _Answers:
    """Answer rows as ``revisions.answer_values`` writes them, made without model objects.

    A million pydantic answers would take most of the generator's time; the rows are
    plain dicts with the same values (score from the scale, actions as the JSON of
    ``Action.model_dump(mode="json")``: text, owner, due).
    """

    def __init__(self, fw: Framework) -> None:
        worst_first = list(reversed(fw.scale.best_first()))
        self.levels = [(lv.key, float(lv.score)) for lv in worst_first]
        self.criteria = [c.id for c in fw.criteria]

    def row(
        self, rng: random.Random, criterion_id: str, strength: float, day: dt.date, month: str
    ) -> dict[str, Any]:
        top = len(self.levels) - 1
        index = min(top, max(0, round((strength + rng.gauss(0, 0.2)) * 3)))
        best = index == top
        actions = "[]"
        if not best and rng.random() < 0.5:
            due = day + dt.timedelta(days=rng.randint(-30, 240))
            action = {
                "text": rng.choice(synthetic.ACTIONS),
                "owner": rng.choice(synthetic.OWNERS),
                "due": due.isoformat(),
            }
            actions = json.dumps([action])
        rating, score = self.levels[index]
        evidence = rng.choice(synthetic.EVIDENCE).format(
            year=day.year, pct=rng.randint(40, 98), n=rng.randint(5, 30), month=month
        )
        return {
            "revision_id": None,  # set once the revision is inserted
            "criterion_id": criterion_id,
            "rating": rating,
            "score": score,
            "evidence": evidence,
            "going_well": rng.choice(synthetic.GOING_WELL),
            "development": "" if best else rng.choice(synthetic.DEVELOPMENT),
            "actions": actions,
            "carried_forward": False,
        }


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


SAMPLE = Size(agencies=3, criteria=4, cycles=2, indicators=2, audits=1)
"""Small enough to draw in a few milliseconds, with every part a dashboard shows."""


@contextlib.contextmanager
def sample_for_chair(size: Size = SAMPLE) -> Iterator[Store]:
    """A generated partnership in a throwaway store in memory, as its chair's link sees it.

    A preheated page draws it before anyone asks for the page, so that a new kernel's
    first drawing (Altair's and pandas' first calls: 143 ms where the next took 110,
    issue #19) is not paid by the visitor. It is nobody's data, and its reads still go
    through the chair's checks.
    """
    with Store.open("sqlite://").as_identity(Identity.local("sample")) as admin:
        generate(admin, size)
        _link, token = admin.issue_link("Sample chair", Role.CHAIR, partnership_id=PARTNERSHIP_ID)
        yield admin.identify(token)


def generate(
    store: Store, size: Size = Size(), seed: int = 7, *, progress: Progress | None = None
) -> None:
    """Fill ``store`` with the generated partnerships; refuse if they are there already.

    Parameters
    ----------
    store
        An empty store, or one without generated partnerships (its identity must be an
        administrator's, as for any change to partnerships).
    size
        Partnerships, agencies, criteria and cycles.
    seed
        The same seed and size write the same rows.
    progress
        Called with (partnerships written, partnerships) after each one.
    """
    if any(pid == PARTNERSHIP_ID for pid, _ in store.partnerships()):
        raise NotFound(
            what="empty place for",
            key=PARTNERSHIP_ID,
            hint="The store already holds a generated partnership; use a new store.",
        )
    versions = {"1": framework(size.criteria, "1"), "2": framework(size.criteria, "2")}
    for fw in versions.values():
        store.put_framework(fw)  # also refuses anyone but an administrator
    answers = {version: _Answers(fw) for version, fw in versions.items()}
    for number in range(size.partnerships):
        # partnership n's own stream: any one of them is the same whatever the count
        rng = random.Random(seed if number == 0 else f"{seed}/{number}")
        rows, returns = _partnership(number, size, answers, rng)
        rows["evidence_item"] = _evidence(rows, size, versions, seed)
        with store.database.writing() as conn:
            for table in (T.partnership, T.agency, T.membership, T.cycle, T.invitation):
                conn.execute(insert(table), rows[table.name])
            if returns:
                _insert_returns(conn, returns)
            if rows["evidence_item"]:
                conn.execute(insert(T.evidence_item), rows["evidence_item"])
        if progress is not None:
            progress(number + 1, size.partnerships)
    with store.database.writing() as conn:
        # A bulk load leaves PostgreSQL's planner without statistics until autovacuum
        # comes round; queries planned meanwhile can pick a sort over the whole table.
        # SQLite's planner works from its indexes, as ever.
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")


def _evidence(
    rows: Rows, size: Size, versions: dict[str, Framework], seed: int
) -> list[dict[str, Any]]:
    if not (size.indicators or size.audits):
        return []
    agencies = [a["id"] for a in rows["agency"]]
    out = []
    for cycle in rows["cycle"]:
        fw = versions[cycle["framework_version"]]
        out += evidence_rows(
            cycle["id"],
            [c.id for c in fw.criteria],
            agencies,
            [lv.key for lv in fw.scale.levels],
            cycle["returns_due"],
            (size.indicators, size.audits),
            seed,
        )
    return out


Return = tuple[dict[str, Any], list[dict[str, Any]]]
"""A revision row and its answer rows."""


def _partnership(
    number: int, size: Size, answers: dict[str, _Answers], rng: random.Random
) -> tuple[Rows, list[Return]]:
    """The rows of one partnership, checked by the same models as ``Store`` takes."""
    pid, prefix = partnership_id(number), _prefix(number)
    label = "" if number == 0 else f" {number + 1:03d}"
    agencies = [
        Agency(
            id=f"{prefix}agency-{n + 1:02d}",
            name=f"Agency{label} {n + 1:02d}",
            sector=SECTORS[n % len(SECTORS)],
        )
        for n in range(size.agencies)
    ]
    partnership = Partnership(
        kind="partnership", id=pid, name=f"Generated partnership{label}", agencies=agencies
    )
    ids = [a.id for a in agencies]
    rows: Rows = {
        "partnership": [{"id": pid, "name": partnership.name, "description": ""}],
        "agency": [{"id": a.id, "name": a.name, "sector": a.sector} for a in agencies],
        "membership": [{"partnership_id": pid, "agency_id": a} for a in ids],
        "cycle": [],
        "invitation": [],
    }
    strength = {a: 0.15 + 0.7 * rng.random() for a in ids}
    returns: list[Return] = []
    for k, cycle_id in enumerate(cycle_ids(size, number)):
        version = "2" if size.cycles > 1 and k >= size.cycles // 2 else "1"
        due = dt.date(FIRST_YEAR + k, 11, 16)
        cycle = Cycle(
            id=cycle_id,
            title=f"Generated cycle{label} {FIRST_YEAR + k}",
            framework=FRAMEWORK_ID,
            framework_version=version,
            timetable=Timetable(
                criteria_agreed=due - dt.timedelta(days=60),
                returns_open=due - dt.timedelta(days=45),
                returns_due=due,
            ),
        )
        rows["cycle"].append(
            {
                "id": cycle.id,
                "partnership_id": pid,
                "title": cycle.title,
                "framework_id": cycle.framework,
                "framework_version": version,
                **cycle.timetable.model_dump(),
            }
        )
        rows["invitation"] += [{"cycle_id": cycle.id, "agency_id": a} for a in ids]
        statuses = _statuses(rng, ids, k == size.cycles - 1)
        returns += _returns(cycle.id, answers[version], due, statuses, strength, rng)
    return rows, returns


def _returns(
    cycle_id: str,
    answers: _Answers,
    due: dt.date,
    statuses: dict[str, Status],
    strength: dict[str, float],
    rng: random.Random,
) -> list[Return]:
    """Each started return: a draft of half the criteria, then (submitted) the rest."""
    out: list[Return] = []
    for agency, status in statuses.items():
        if status == Status.NOT_STARTED:
            continue
        day = due - dt.timedelta(days=rng.randint(5, 30))
        month = day.strftime("%B")
        full = [answers.row(rng, cid, strength[agency], day, month) for cid in answers.criteria]
        half = len(full) // 2 or 1
        saved = dt.datetime.combine(day, dt.time(10), dt.UTC)
        steps = [(Status.DRAFT, full[:half])]
        if status == Status.SUBMITTED:
            steps.append((Status.SUBMITTED, full[half:]))
        for number, (step_status, changed) in enumerate(steps, start=1):
            revision = {
                "cycle_id": cycle_id,
                "agency_id": agency,
                "number": number,
                "based_on": number - 1 or None,
                "status": step_status.value,
                "author": f"Return lead, {agency}",
                "saved_at": saved + dt.timedelta(days=number - 1),
                "note": "",
                "saved_by": None,
            }
            out.append((revision, changed))
    return out


def _insert_returns(conn: Any, returns: list[Return]) -> None:
    """Insert revisions (ids back in order), then every answer row with its revision's id."""
    inserted = conn.execute(
        insert(T.revision).returning(T.revision.c.id, sort_by_parameter_order=True),
        [revision for revision, _ in returns],
    ).all()
    values = []
    for (revision_id,), (_, answer_rows) in zip(inserted, returns, strict=True):
        for row in answer_rows:
            row["revision_id"] = revision_id
            values.append(row)
    if values:
        conn.execute(insert(T.answer), values)
