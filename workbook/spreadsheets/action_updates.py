"""Statuses and progress notes typed on a return's Actions sheet (issue #15).

A return's file lists its actions with their ids; a status or a note given on a row is a
change to that tracked action, made after the return is saved (a new action has its id
only then). Every row is checked before anything is saved, with the cell it came from.
"""

from __future__ import annotations

from workbook.errors import NotFound
from workbook.schema.actions import ActionChange, ActionStatus
from workbook.spreadsheets import layout as L
from workbook.spreadsheets.read import Collector, ParsedReturn
from workbook.spreadsheets.sheets import ActionRow
from workbook.store import ReturnState, Store


def check(store: Store, agency_id: str, parsed: ParsedReturn, out: Collector) -> None:
    """Locate every id the store does not know for this agency, and drops without a reason."""
    ids = {
        action.id: (cid, number)
        for cid, answer in parsed.answers.items()
        for number, action in enumerate(answer.actions)
        if action.id is not None
    }
    statuses: dict[str, ActionStatus] = {}
    for action_id, (cid, number) in ids.items():
        row = parsed.action_rows[cid][number]
        try:
            action = store.actions.get(action_id)
        except NotFound:
            action = None
        if action is None or action.agency_id != agency_id:
            out.add(
                f"{L.ACTIONS_SHEET}!E{row}",
                "id",
                f"{action_id} is not one of this agency's actions; leave the ID empty for a "
                "new action",
            )
        else:
            statuses[action_id] = action.status
    for given in parsed.tracking:
        was = statuses.get(given.action_id or "")
        dropping = given.status is ActionStatus.DROPPED and was is not ActionStatus.DROPPED
        if dropping and not given.note:
            out.add(
                f"{L.ACTIONS_SHEET}!G{given.row}",
                "note",
                "say why the action is dropped in its progress note; the reason is kept",
            )


def apply(store: Store, parsed: ParsedReturn, state: ReturnState, author: str) -> list[str]:
    """Record each row's status and note on its action (by its saved id); the ids changed."""
    changed = []
    for given in parsed.tracking:
        action_id = _saved_id(state, given)
        if action_id is None:
            continue
        action = store.actions.get(action_id)
        status = given.status if given.status is not action.status else None
        change = ActionChange(
            status=status,
            note="" if status is ActionStatus.DROPPED else given.note,
            reason=given.note if status is ActionStatus.DROPPED else None,
        )
        if not change.empty:
            store.actions.update(action_id, change, author=author)
            changed.append(action_id)
    return changed


def _saved_id(state: ReturnState, given: ActionRow) -> str | None:
    actions = state.answers.get(given.criterion_id)
    if actions is None or given.index >= len(actions.actions):
        return None
    return actions.actions[given.index].id
