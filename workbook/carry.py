"""Copy forward: last cycle's answers as the starting point of this cycle's return.

An agency answering the same framework again starts from what it said last time. The
source is the agency's latest revision in the previous cycle of the same partnership
that runs the same framework id (any version); criteria are matched by id, and only
what the current framework still asks for is copied. Copied answers are marked
``carried_forward`` until someone edits them, so nobody mistakes them for this year's
assessment. Nothing already recorded in this cycle is replaced. Actions done or dropped
stay behind, as last cycle's achievements; open ones go on as the same actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbook.schema.framework import Framework, ResponseField
from workbook.schema.responses import Answer, Answers

if TYPE_CHECKING:
    from workbook.store import CycleInfo, ReturnState, Store


@dataclass(frozen=True)
class CarrySource:
    """Where carried answers come from: the earlier cycle and the agency's return in it."""

    cycle: CycleInfo
    state: ReturnState


def previous_cycle(store: Store, cycle_id: str) -> CycleInfo | None:
    """The latest cycle before ``cycle_id`` in its partnership that runs the same framework.

    "Before" means its returns were due earlier; cycles due the same day are not earlier
    (:meth:`workbook.store.Store.previous_cycle`).
    """
    return store.previous_cycle(cycle_id)


def source(store: Store, cycle_id: str, agency_id: str) -> CarrySource | None:
    """The agency's return in the previous cycle, if it saved any answers there.

    Parameters
    ----------
    store
        The store holding the returns.
    cycle_id
        The cycle being answered now.
    agency_id
        The agency answering.
    """
    cycle = previous_cycle(store, cycle_id)
    if cycle is None:
        return None
    state = store.latest(cycle.id, agency_id)
    if state is None or not state.answers:
        return None
    return CarrySource(cycle, state)


def carried_answers(framework: Framework, previous: Answers) -> dict[str, Answer]:
    """Previous answers that fit ``framework``, each marked as carried forward.

    Criteria are matched by id; criteria the framework no longer has are dropped, as are
    fields a criterion no longer asks for and ratings its scale no longer has.

    Parameters
    ----------
    framework
        The framework of the cycle being answered now.
    previous
        The answers from the earlier cycle, by criterion id.
    """
    keys = {level.key for level in framework.scale.levels}
    carried = {}
    for criterion in framework.criteria:
        old = previous.get(criterion.id)
        if old is None:
            continue
        asked = set(framework.fields_for(criterion))
        answer = Answer(
            rating=old.rating if ResponseField.RATING in asked and old.rating in keys else None,
            evidence=old.evidence if ResponseField.EVIDENCE in asked else "",
            going_well=old.going_well if ResponseField.GOING_WELL in asked else "",
            development=old.development if ResponseField.DEVELOPMENT in asked else "",
            actions=old.actions if ResponseField.ACTIONS in asked else (),
            carried_forward=True,
        )
        if not answer.is_empty:
            carried[criterion.id] = answer
    return carried


def fill_empty(current: Answers, carried: Answers) -> dict[str, Answer]:
    """Carried answers for the criteria that have nothing recorded in ``current``.

    Parameters
    ----------
    current
        This cycle's answers so far, by criterion id.
    carried
        Answers from :func:`carried_answers`.
    """
    empty = Answer()
    return {
        criterion_id: answer
        for criterion_id, answer in carried.items()
        if current.get(criterion_id, empty).is_empty
    }


def carry_forward(
    store: Store, cycle_id: str, agency_id: str, current: Answers
) -> tuple[dict[str, Answer], CarrySource | None]:
    """What copying last cycle's answers would add to ``current``, and where it comes from.

    Returns the answers to add (criteria with nothing recorded yet only) and the source,
    or ``({}, None)`` when the agency has no earlier return to copy from.

    Parameters
    ----------
    store
        The store holding the cycles and returns.
    cycle_id
        The cycle being answered now.
    agency_id
        The agency answering.
    current
        This cycle's answers so far, by criterion id.
    """
    found = source(store, cycle_id, agency_id)
    if found is None:
        return {}, None
    framework = store.cycle_framework(cycle_id)
    finished = {a.id for a in store.actions.find(found.cycle.id) if a.status.finished}
    carried = carried_answers(framework, without_actions(found.state.answers, finished))
    return fill_empty(current, carried), found


def without_actions(answers: Answers, finished: set[str]) -> dict[str, Answer]:
    """``answers`` without the actions done or dropped (issue #15): only open ones go on.

    The actions that stay keep their ids, so the new cycle's return lists the same
    tracked actions, with their history, rather than copies of them.
    """
    return {
        cid: answer.model_copy(
            update={"actions": tuple(a for a in answer.actions if a.id not in finished)}
        )
        for cid, answer in answers.items()
    }
