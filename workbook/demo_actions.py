"""The demo's actions followed up (issue #15): statuses, progress notes and top marks.

After a cycle's returns are filled, its actions get a realistic mix, recorded through the
store's action API with dates from the cycle's timetable: most done or in progress (with
dated progress notes), a few left overdue, exactly one dropped with a reason. The chair
adds the partnership's own actions, marks the partnership's top 5 and confirms or
challenges a few agencies' nominated top 3. Everything is drawn from the caller's
``rng`` (its own, never the returns' generator), so the same seed gives the same store.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from workbook.schema.actions import (
    ActionChange,
    ActionStatus,
    TopScope,
    TopState,
    TrackedAction,
    derived_action_id,
)
from workbook.store import CycleInfo, Store
from workbook.synthetic import (
    CHALLENGE,
    DONE_NOTES,
    DROP_REASON,
    PARTNERSHIP_ACTIONS,
    PROGRESS_NOTES,
)

CHAIR = "MASE chair"
AGENCIES_WITH_TOP_3 = 3
"""How many agencies nominate a top 3 in each cycle."""


@dataclass(frozen=True)
class Voice:
    """Whose words the synthetic texts use: the group that meets and its chair (issue #17).

    The phrases name the demo borough's MASE; the neighbouring partnership has a MACE
    panel, and its section 11 cycle a challenge panel, so its texts name those instead.
    The default changes nothing, so the demo borough's store stays as it was.
    """

    group: str = "MASE"
    chair: str = CHAIR

    def __call__(self, text: str) -> str:
        """``text`` naming this group and chair where it names the MASE and its chair."""
        marker = "\x00"  # the chair's title may itself contain the group's name
        return text.replace(CHAIR, marker).replace("MASE", self.group).replace(marker, self.chair)


MASE = Voice()
"""The demo borough's voice: its texts name the MASE and the MASE chair."""


def report_day(cycle: CycleInfo) -> dt.date:
    """The day the cycle's actions are looked at: its draft report (else 60 days after due)."""
    return cycle.timetable.draft_report or cycle.timetable.returns_due + dt.timedelta(days=60)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(
        day, dt.time(9 + rng.randint(0, 7), rng.choice((0, 15, 30, 45))), dt.UTC
    )


def _between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day after ``start`` and before ``end`` (``start`` + 1 when there is no room)."""
    room = (end - start).days - 1
    return start + dt.timedelta(days=rng.randint(1, room) if room >= 1 else 1)


def _ordered(actions: list[TrackedAction]) -> list[TrackedAction]:
    """The same order every run: the partnership's own actions have random ids, not texts."""
    return sorted(
        actions,
        key=lambda a: (a.agency_id is None, a.agency_id or "", a.id if a.agency_id else a.text),
    )


def _author(store: Store, action: TrackedAction, voice: Voice) -> str:
    if action.agency_id is None:
        return voice.chair
    return f"Return lead, {store.agency(action.agency_id).name}"


def _note(
    store: Store,
    action: TrackedAction,
    day: dt.date,
    rng: random.Random,
    voice: Voice,
    *,
    status: ActionStatus | None = None,
    note: str | None = None,
    reason: str | None = None,
    due: dt.date | None = None,
) -> None:
    change = ActionChange(
        note=voice(note or rng.choice(PROGRESS_NOTES)), status=status, reason=reason, due=due
    )
    author = _author(store, action, voice)
    store.actions.update(action.id, change, author=author, at=_at(day, rng))


def _progress(
    store: Store,
    action: TrackedAction,
    end: dt.date,
    rng: random.Random,
    voice: Voice,
    *,
    drop: bool,
) -> None:
    """Follow one action of this cycle up to ``end``: done, in progress, left, or dropped."""
    start = action.created_at.date()
    if end - start < dt.timedelta(days=4):
        return
    first = _between(rng, start, start + (end - start) // 2)
    if drop:
        _note(store, action, first, rng, voice, status=ActionStatus.IN_PROGRESS)
        _note(
            store,
            action,
            _between(rng, first, end),
            rng,
            voice,
            status=ActionStatus.DROPPED,
            reason=DROP_REASON,
            note="Dropped: see the reason.",
        )
        return
    due_before = action.due is not None and action.due < end
    draw = rng.random()
    if draw < (0.88 if due_before else 0.35):
        _note(store, action, first, rng, voice, status=ActionStatus.IN_PROGRESS)
        last = min(end, action.due) if action.due and action.due > first else end
        done = _between(rng, first, last + dt.timedelta(days=1))
        _note(
            store, action, done, rng, voice, status=ActionStatus.DONE, note=rng.choice(DONE_NOTES)
        )
    elif draw < (0.95 if due_before else 0.85):
        _note(store, action, first, rng, voice, status=ActionStatus.IN_PROGRESS)
        if rng.random() < 0.5:
            _note(store, action, _between(rng, first, end), rng, voice)
    # else: left open, no note (overdue when it is past due)


def _carry_on(
    store: Store, action: TrackedAction, cycle: CycleInfo, rng: random.Random, voice: Voice
) -> None:
    """An action brought forward from the last cycle: finished now, given a new date, or not."""
    start, end = cycle.timetable.returns_open, report_day(cycle)
    day = _between(rng, start, end)
    draw = rng.random()
    if draw < 0.55:
        _note(store, action, day, rng, voice, status=ActionStatus.DONE, note=rng.choice(DONE_NOTES))
    elif draw < 0.9:
        due = end + dt.timedelta(days=rng.randint(30, 120))
        _note(store, action, day, rng, voice, status=ActionStatus.IN_PROGRESS, due=due)
    else:
        _note(store, action, day, rng, voice, status=ActionStatus.IN_PROGRESS)


def _partnership_actions(store: Store, cycle: CycleInfo, rng: random.Random, voice: Voice) -> None:
    """The chair's own actions, agreed at the group two weeks after the returns are due."""
    framework = store.framework(cycle.framework_id, cycle.framework_version)
    agreed = cycle.timetable.returns_due + dt.timedelta(days=14)
    chosen = rng.sample(PARTNERSHIP_ACTIONS, k=rng.randint(2, 3))
    for number, (text, owner) in enumerate(chosen):
        store.actions.create(
            cycle.id,
            voice(text),
            action_id=derived_action_id("demo partnership", cycle.id, number),
            owner=voice(owner),
            due=agreed + dt.timedelta(days=rng.randint(60, 200)),
            criteria=(rng.choice(framework.criteria).id,),
            author=voice.chair,
            at=_at(agreed, rng),
        )


def _mark_tops(store: Store, cycle: CycleInfo, rng: random.Random, voice: Voice) -> None:
    """The partnership's top 5 (the chair's), and a few agencies' top 3 (nominated, then
    confirmed or challenged by the chair before the draft report)."""
    found = _ordered(store.actions.find(cycle.id))
    own = [a for a in found if a.cycles[0] == cycle.id and a.status is not ActionStatus.DROPPED]
    chair_day = report_day(cycle) - dt.timedelta(days=7)
    by_agency: dict[str, list[TrackedAction]] = {}
    for action in own:
        if action.agency_id is not None:
            by_agency.setdefault(action.agency_id, []).append(action)
    nominating = rng.sample(
        sorted(a for a, group in by_agency.items() if len({x.text for x in group}) >= 3),
        k=min(
            AGENCIES_WITH_TOP_3,
            sum(len({x.text for x in g}) >= 3 for g in by_agency.values()),
        ),
    )
    challenged = False
    chosen: set[str] = set()
    for agency_id in sorted(nominating):
        distinct = list({a.text: a for a in by_agency[agency_id]}.values())  # no twice-said
        top = rng.sample(distinct, k=min(3, len(distinct)))
        nominated = _between(rng, cycle.timetable.returns_due, chair_day)
        for action in top:
            chosen.add(action.id)
            store.actions.mark(
                cycle.id,
                action.id,
                TopScope.AGENCY,
                TopState.NOMINATED,
                author=_author(store, action, voice),
                at=_at(nominated, rng),
            )
        for action in top:
            state, comment = TopState.CONFIRMED, ""
            if not challenged and action is top[-1]:
                state, comment, challenged = TopState.CHALLENGED, CHALLENGE, True
            store.actions.mark(
                cycle.id,
                action.id,
                TopScope.AGENCY,
                state,
                comment=comment,
                author=voice.chair,
                at=_at(chair_day, rng),
            )
    partnership = [a for a in own if a.agency_id is None]
    others = [a for a in own if a.agency_id is not None and a.id not in chosen]
    picks = partnership + rng.sample(others, k=min(len(others), 5 - len(partnership)))
    for action in picks[:5]:
        store.actions.mark(
            cycle.id,
            action.id,
            TopScope.PARTNERSHIP,
            TopState.CONFIRMED,
            author=voice.chair,
            at=_at(chair_day, rng),
        )


def follow_up(store: Store, cycle: CycleInfo, rng: random.Random, voice: Voice = MASE) -> None:
    """Bring the last cycle's unfinished actions forward, then follow this cycle's up.

    ``voice``: the group and chair the texts and the chair's changes name.
    """
    store.actions.bring_forward(cycle.id, at=_at(cycle.timetable.returns_open, rng))
    _partnership_actions(store, cycle, rng, voice)
    found = _ordered(store.actions.find(cycle.id))
    own = [a for a in found if a.cycles[0] == cycle.id]
    end = report_day(cycle)
    dropped = rng.choice([a for a in own if a.agency_id is not None]).id if own else None
    # and one left untouched past its due date, so every cycle shows an overdue action
    # whatever the draws (issue #16 changed which actions a return has)
    late = [a.id for a in own if a.id != dropped and a.due is not None and a.due < end]
    untouched = rng.choice(late) if late else None
    for action in own:
        if action.id != untouched:
            _progress(store, action, end, rng, voice, drop=action.id == dropped)
    for action in found:
        if action.cycles[0] != cycle.id and not action.status.finished:
            _carry_on(store, action, cycle, rng, voice)
    _mark_tops(store, cycle, rng, voice)
