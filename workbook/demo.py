"""Synthetic demo data: fictional partnerships whose agencies answer differently.

The demo borough (``demo``: CSE and front-door cycles of 2016-2018) and, since issue #17,
its neighbour (``demo-neighbour``: a cycle of each framework shipped in 2026), which
shares three agencies with it. Everything here is invented. Returns are generated from
a seed, so the same seed gives the same store; texts are assembled from neutral phrases
and never name people.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from workbook import config, demo_actions, demo_highlights, demo_neighbour
from workbook.demo_actions import Voice
from workbook.schema.actions import derived_action_id
from workbook.schema.framework import Framework, ResponseField
from workbook.schema.responses import Action, Answer, Status, missing_for_submission
from workbook.store import CycleInfo, Store, provision
from workbook.synthetic import ACTIONS, DEVELOPMENT, EVIDENCE, GOING_WELL, OWNERS


@dataclass(frozen=True)
class Plan:
    """What one agency does in one cycle."""

    strength: float  # 0 weak .. 1 strong
    status: Status
    reopened: bool = False


def _plans(
    rng: random.Random, agencies: tuple[str, ...], year_offset: float, seed: int
) -> dict[str, Plan]:
    """Statuses differ: most submit, some are in draft, one invited agency never starts."""
    plans: dict[str, Plan] = {}
    missing = rng.choice(agencies)
    others = [a for a in agencies if a != missing]
    drafts = set(rng.sample(others, k=max(0, min(2, len(others) - 1))))
    submitted = [a for a in others if a not in drafts]
    reopened = rng.choice(submitted) if submitted else None
    for agency in agencies:
        base = random.Random(f"{seed}:{agency}").random()  # an agency's strength persists
        strength = min(1.0, max(0.0, 0.15 + 0.7 * base + year_offset + rng.uniform(-0.1, 0.1)))
        if agency == missing:
            status = Status.NOT_STARTED
        elif agency in drafts:
            status = Status.DRAFT
        else:
            status = Status.SUBMITTED
        plans[agency] = Plan(strength, status, reopened=agency == reopened)
    return plans


def _answer(
    rng: random.Random, framework: Framework, criterion_id: str, strength: float, day: dt.date
) -> Answer:
    levels = list(reversed(framework.scale.best_first()))  # worst .. best
    heading = framework.criterion(criterion_id).heading
    heading_bias = (zlib.crc32(heading.encode()) % 7 - 3) / 20
    position = strength + heading_bias + rng.gauss(0, 0.18)
    index = min(len(levels) - 1, max(0, round(position * (len(levels) - 1))))
    level = levels[index]
    asked = framework.fields_for(framework.criterion(criterion_id))
    fill = {
        "year": day.year,
        "pct": rng.randint(40, 98),
        "n": rng.randint(5, 30),
        "month": day.strftime("%B %Y"),
    }
    actions: tuple[Action, ...] = ()
    if ResponseField.ACTIONS in asked and index < len(levels) - 1 and rng.random() < 0.6:
        actions = (
            Action(
                text=rng.choice(ACTIONS),
                owner=rng.choice(OWNERS),
                due=day + dt.timedelta(days=rng.randint(30, 240)),
            ),
        )
    return Answer(
        rating=level.key if ResponseField.RATING in asked else None,
        evidence=rng.choice(EVIDENCE).format(**fill) if ResponseField.EVIDENCE in asked else "",
        going_well=rng.choice(GOING_WELL) if ResponseField.GOING_WELL in asked else "",
        development=(
            rng.choice(DEVELOPMENT)
            if ResponseField.DEVELOPMENT in asked and index < len(levels) - 1
            else ""
        ),
        actions=actions,
    )


def _with_ids(answer: Answer, *key: object) -> Answer:
    actions = tuple(
        action.model_copy(update={"id": derived_action_id(*key, number)})
        for number, action in enumerate(answer.actions)
    )
    return answer.model_copy(update={"actions": actions})


def _voiced(answer: Answer, voice: Voice) -> Answer:
    """The answer's texts naming the partnership's own group and chair (issue #17)."""
    return answer.model_copy(
        update={
            "evidence": voice(answer.evidence),
            "going_well": voice(answer.going_well),
            "development": voice(answer.development),
            "actions": tuple(
                a.model_copy(update={"text": voice(a.text), "owner": voice(a.owner)})
                for a in answer.actions
            ),
        }
    )


NOT_APPLICABLE: dict[tuple[str, str], str] = {
    ("sexual-health", "intervene-5"): (
        "Young people use the clinic confidentially (Fraser guidance); we involve parents "
        "and carers only with the young person's consent, so this does not fit our service."
    ),
    ("sexual-health", "disrupt-8"): (
        "We do not receive charge or conviction outcomes; the police report them to the MASE."
    ),
    ("trading-standards", "intervene-2"): (
        "Trading standards and licensing officers do not work directly with children."
    ),
    ("trading-standards", "intervene-3"): "We provide and commission no health services.",
    ("probation", "prevent-2"): (
        "We supervise adults on licence and do not run awareness sessions with children."
    ),
    ("schools", "disrupt-8"): "Schools take no part in prosecutions and are not told outcomes.",
}
"""Answers the demo marks not applicable, with the agency's reason (issue #16): criteria
asked of the agency's sector that do not fit its service, so the chair's list has entries."""


def _scoped(
    framework: Framework,
    sector: str,
    agency: str,
    answers: dict[str, Answer],
    not_applicable: Mapping[tuple[str, str], str],
) -> dict[str, Answer]:
    """Only the criteria the agency's sector is asked; some marked not applicable."""
    asked = {c.id for c in framework.criteria_for(sector)}
    return {
        cid: (
            Answer(not_applicable=True, na_reason=not_applicable[(agency, cid)])
            if (agency, cid) in not_applicable
            else answer
        )
        for cid, answer in answers.items()
        if cid in asked
    }


def _author(store: Store, agency_id: str) -> str:
    return f"Return lead, {store.agency(agency_id).name}"


def fill_cycle(
    store: Store,
    cycle: CycleInfo,
    rng: random.Random,
    year_offset: float,
    seed: int,
    *,
    not_applicable: Mapping[tuple[str, str], str] = NOT_APPLICABLE,
    voice: Voice = demo_actions.MASE,
) -> None:
    """Save synthetic revisions for every invited agency according to its plan.

    ``not_applicable``: (agency, criterion) -> the reason it is marked so; ``voice``: the
    group and chair the texts and the chair's reopening name. Neither draws on ``rng``.
    """
    framework = store.framework(cycle.framework_id, cycle.framework_version)
    opened = cycle.timetable.returns_open
    span = max(1, (cycle.timetable.returns_due - opened).days)
    for agency, plan in _plans(rng, cycle.agencies, year_offset, seed).items():
        if plan.status == Status.NOT_STARTED:
            continue
        author = _author(store, agency)
        moment = dt.datetime.combine(opened, dt.time(9, 30), dt.UTC)
        moment += dt.timedelta(days=rng.randint(0, span // 3), minutes=rng.randint(0, 400))
        answers = {
            c.id: _answer(rng, framework, c.id, plan.strength, moment.date())
            for c in framework.criteria
        }
        answers = {  # ids from the seed, so the same seed makes the same store (issue #15)
            cid: _voiced(_with_ids(answer, seed, cycle.id, agency, cid), voice)
            for cid, answer in answers.items()
        }
        sector = store.agency(agency).sector
        answers = _scoped(framework, sector, agency, answers, not_applicable)
        ids = list(answers)
        cut = len(ids) // 2 if plan.status == Status.SUBMITTED else rng.randint(3, len(ids) - 1)
        # a draft is saved twice (one criterion more the second time), so every saved
        # return has a history to show
        opening = ids[:cut] if plan.status == Status.SUBMITTED else ids[: cut - 1]
        state = store.save(
            cycle.id,
            agency,
            {k: answers[k] for k in opening},
            author=author,
            based_on=None,
            at=moment,
        )
        moment += dt.timedelta(days=rng.randint(1, max(1, span // 3)), hours=2)
        if plan.status != Status.SUBMITTED:
            store.save(
                cycle.id,
                agency,
                {k: answers[k] for k in ids[:cut]},
                author=author,
                based_on=state.revision,
                at=moment,
            )
            continue
        state = store.save(
            cycle.id, agency, answers, author=author, based_on=state.revision, at=moment
        )
        assert not missing_for_submission(framework, answers, store.agency(agency).sector)
        moment += dt.timedelta(hours=rng.randint(1, 48))
        state = store.save(
            cycle.id,
            agency,
            answers,
            author=author,
            based_on=state.revision,
            status=Status.SUBMITTED,
            at=moment,
        )
        if plan.reopened:
            moment += dt.timedelta(days=2)
            state = store.save(
                cycle.id,
                agency,
                answers,
                author=voice.chair,
                based_on=state.revision,
                status=Status.REOPENED,
                at=moment,
                note="Evidence for the top ratings under one heading needs to be added.",
            )
            asked_again = framework.criteria[0].id
            answers[asked_again] = answers[asked_again].model_copy(
                update={"evidence": answers[asked_again].evidence + " Audit summary added."}
            )
            moment += dt.timedelta(days=1)
            state = store.save(
                cycle.id,
                agency,
                answers,
                author=author,
                based_on=state.revision,
                at=moment,
                status=Status.REOPENED,
            )
            store.save(
                cycle.id,
                agency,
                answers,
                author=author,
                based_on=state.revision,
                status=Status.SUBMITTED,
                at=moment + dt.timedelta(hours=3),
            )


def has_data(store: Store) -> bool:
    """Whether the store holds any partnership already."""
    return bool(store.partnerships())


def _fill(
    store: Store,
    partnership_id: str,
    seed: int,
    rng: random.Random,
    followed: random.Random,
    voice: Callable[[CycleInfo], Voice],
    not_applicable: Callable[[CycleInfo], Mapping[tuple[str, str], str]],
) -> None:
    """Fill each of a partnership's cycles, then follow its actions up (``followed``)."""
    for index, cycle in enumerate(store.cycles(partnership_id)):
        if store.returns(cycle.id):
            continue  # never add a second history to returns that exist
        spoken = voice(cycle)
        fill_cycle(
            store,
            cycle,
            rng,
            year_offset=0.05 * index,
            seed=seed,
            not_applicable=not_applicable(cycle),
            voice=spoken,
        )
        load_evidence(store, cycle.id)
        demo_actions.follow_up(store, cycle, followed, spoken)


def _own_voice(cycle: CycleInfo) -> Voice:
    """The group and chair the cycle's own words name (the neighbour's, issue #17)."""
    return Voice(group=cycle.words.group or "MASE", chair=cycle.words.chair or demo_actions.CHAIR)


def create(
    store: Store,
    seed: int = 2017,
    partnership_file: str | Path | None = None,
    templates_dir: str | Path | None = None,
    neighbour_file: str | Path | None = None,
) -> None:
    """Create the demo partnership and its neighbour, each cycle filled with synthetic returns.

    Then follow each cycle's actions up (:mod:`workbook.demo_actions`): the previous
    cycle's unfinished ones brought forward, statuses, progress notes and top marks; then
    the chair's highlights of the CSE 2017/18 cycle (:mod:`workbook.demo_highlights`).
    Last, the neighbouring partnership (``demo_neighbour`` setting, issue #17), from
    generators of its own, so the demo borough's store is what it was before the
    neighbour came: the tests' snapshots and counts of it still hold.
    """
    templates = templates_dir or config.templates_dir()
    partnership = provision.install(
        store, partnership_file or config.setting("demo_partnership"), templates
    )
    rng = random.Random(seed)
    followed = random.Random(f"{seed}-actions")  # its own: the returns stay as they were
    # the demo borough's texts and reopenings have always named the MASE and its chair,
    # the front door's too; kept so that the same seed makes the same store
    _fill(
        store,
        partnership.id,
        seed,
        rng,
        followed,
        lambda _: demo_actions.MASE,
        lambda _: NOT_APPLICABLE,
    )
    # after everything else, with a generator of its own: the returns and actions stay
    highlighted = random.Random(f"{seed}-highlights")
    for cycle in store.cycles(partnership.id):
        if cycle.id in demo_highlights.CYCLES:
            demo_highlights.write(store, cycle, highlighted)
    neighbour = provision.install(
        store, neighbour_file or config.setting("demo_neighbour"), templates
    )
    _fill(
        store,
        neighbour.id,
        seed,
        random.Random(f"{seed}-neighbour"),
        random.Random(f"{seed}-neighbour-actions"),
        _own_voice,
        lambda cycle: demo_neighbour.NOT_APPLICABLE.get(cycle.id, {}),
    )


def load_evidence(store: Store, cycle_id: str, folder: str | Path | None = None) -> int:
    """Load the demo's evidence files for a cycle (``CYCLE-ID-*.csv`` or ``.xlsx``).

    Returns how many files were loaded. The files are synthetic, in our own words.
    """
    from workbook.evidence.importer import import_evidence  # the demo's only evidence use

    folder = Path(folder or config.setting("demo_evidence"))
    paths = sorted(
        p
        for p in folder.glob(f"{cycle_id}-*")
        if p.suffix.lower() in {".csv", ".xlsx"} and p.is_file()
    )
    for path in paths:
        import_evidence(store, cycle_id, path.read_bytes(), path.name, author="Demo analyst")
    return len(paths)
