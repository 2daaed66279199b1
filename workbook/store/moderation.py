"""The chair's moderation: moderated ratings, challenge comments and top-action marks.

Append-only, like returns (issue #4): every change is a new row saying who made it and
when; the current moderated rating of an agency's criterion, or the current mark of an
action, is its latest row and the earlier rows are its history. Nothing is updated in
place or deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import insert, select

from workbook.errors import ActionError, ModerationError
from workbook.schema.actions import TopMark, TopScope, TopState, TrackedAction
from workbook.schema.responses import text_problem
from workbook.store import tables as T
from workbook.store.engine import utc
from workbook.store.facade import Store
from workbook.store.records import ActionMark, Moderation

Scope = Literal["partnership", "agency"]

TOP_LIMITS: dict[str, int] = {"partnership": 5, "agency": 3}
"""How many actions the chair may mark: the partnership's top 5, each agency's top 3."""

MAX_COMMENT = 10_000


def _check_text(**texts: str) -> None:
    """Refuse text no store takes (NUL, a broken character), as the returns do (issue #7)."""
    for what, text in texts.items():
        problem = text_problem(text)
        if problem:
            raise ModerationError("bad_text", what=what, problem=problem)


def _check_target(store: Store, cycle_id: str, agency_id: str, criterion_id: str) -> None:
    info = store.require_moderator(cycle_id)  # only the chair moderates and marks
    if agency_id not in info.agencies:
        raise ModerationError(
            "unknown", what="agency", key=agency_id, cycle=cycle_id, hint="It is not invited."
        )
    try:
        store.framework(info.framework_id, info.framework_version).criterion(criterion_id)
    except KeyError:
        raise ModerationError(
            "unknown",
            what="criterion",
            key=criterion_id,
            cycle=cycle_id,
            hint=f"The cycle runs {info.framework_id} {info.framework_version}.",
        ) from None


def record(
    store: Store,
    cycle_id: str,
    agency_id: str,
    criterion_id: str,
    *,
    rating: str | None,
    comment: str,
    author: str,
    at: dt.datetime | None = None,
) -> Moderation:
    """Record the chair's moderated rating and challenge comment beside a self-rating.

    Parameters
    ----------
    rating
        A level key of the cycle's scale, or None to leave the self-rating unmoderated
        (a comment alone is a challenge without a different rating).
    comment
        The challenge comment, kept as typed (escaped wherever it is shown).
    author
        Who moderated (the chair until identities arrive).
    """
    comment = comment.strip()
    if not author.strip():
        raise ModerationError("author")
    _check_text(author=author, comment=comment)
    if rating is None and not comment:
        raise ModerationError("empty")
    if len(comment) > MAX_COMMENT:
        raise ModerationError("too_long", length=len(comment), limit=MAX_COMMENT)
    _check_target(store, cycle_id, agency_id, criterion_id)
    if rating is not None:
        scale = store.cycle_framework(cycle_id).scale
        keys = [lv.key for lv in scale.levels]
        if rating not in keys:
            raise ModerationError(
                "unknown",
                what="rating",
                key=rating,
                cycle=cycle_id,
                hint="Expected one of " + ", ".join(keys) + ".",
            )
    state = store.latest(cycle_id, agency_id)
    answer = state.answers.get(criterion_id) if state else None
    values: dict[str, Any] = {
        "cycle_id": cycle_id,
        "agency_id": agency_id,
        "criterion_id": criterion_id,
        "rating": rating,
        "comment": comment,
        "self_rating": answer.rating if answer else None,
        "revision": state.revision if state else None,
        "author": author.strip(),
        "saved_at": at or dt.datetime.now(dt.UTC),
    }
    with store.database.writing() as conn:
        inserted = conn.execute(insert(T.moderation).values(**values)).inserted_primary_key
    assert inserted is not None
    return Moderation(id=int(inserted[0]), **values)


def _moderation(row: Any) -> Moderation:
    return Moderation(
        id=row.id,
        cycle_id=row.cycle_id,
        agency_id=row.agency_id,
        criterion_id=row.criterion_id,
        rating=row.rating,
        comment=row.comment,
        self_rating=row.self_rating,
        revision=row.revision,
        author=row.author,
        saved_at=utc(row.saved_at),
    )


def history(
    store: Store, cycle_id: str, agency_id: str | None = None, criterion_id: str | None = None
) -> list[Moderation]:
    """Every moderation recorded in a cycle (optionally one agency or criterion), oldest first."""
    store.require_compare(cycle_id)
    query = select(T.moderation).where(T.moderation.c.cycle_id == cycle_id)
    if agency_id is not None:
        query = query.where(T.moderation.c.agency_id == agency_id)
    if criterion_id is not None:
        query = query.where(T.moderation.c.criterion_id == criterion_id)
    with store.database.reading() as conn:
        rows = conn.execute(query.order_by(T.moderation.c.id)).all()
    return [_moderation(row) for row in rows]


def current(store: Store, cycle_id: str) -> dict[tuple[str, str], Moderation]:
    """The latest moderation of each (agency, criterion) in a cycle."""
    return {(m.agency_id, m.criterion_id): m for m in history(store, cycle_id)}


def _mark(store: Store, mark: TopMark, actions: dict[str, TrackedAction]) -> ActionMark | None:
    action = actions.get(mark.action_id)
    if action is None or action.agency_id is None:
        return None  # a partnership action is not in any agency's return
    return ActionMark(
        id=mark.id,
        cycle_id=mark.cycle_id,
        agency_id=action.agency_id,
        criterion_id=action.criteria[0] if action.criteria else "",
        action_text=action.text,
        scope=mark.scope.value,
        marked=mark.state.counts,
        author=mark.author,
        saved_at=mark.saved_at,
    )


def mark_history(store: Store, cycle_id: str) -> list[ActionMark]:
    """Every marking and unmarking of the returns' actions in a cycle, oldest first.

    Marks are kept on the tracked actions since issue #15 (``store.actions.marks``); this
    is their view as marks of an action in an agency's return.
    """
    store.require_compare(cycle_id)
    actions = {a.id: a for a in store.actions.find(cycle_id)}
    found = (_mark(store, m, actions) for m in store.actions.marks(cycle_id, every=True))
    return [m for m in found if m is not None]


def marks(store: Store, cycle_id: str) -> list[ActionMark]:
    """Actions currently marked as top priorities in a cycle, in the order they were marked."""
    actions = {a.id: a for a in store.actions.find(cycle_id)}
    found = (_mark(store, m, actions) for m in store.actions.marks(cycle_id))
    return [m for m in found if m is not None]


def mark_action(
    store: Store,
    cycle_id: str,
    agency_id: str,
    criterion_id: str,
    action_text: str,
    *,
    scope: Scope,
    author: str,
    marked: bool = True,
    at: dt.datetime | None = None,
) -> ActionMark:
    """Mark (or unmark) an action from a return as one of the top priorities.

    Parameters
    ----------
    action_text
        The action's text as in the agency's current return.
    scope
        ``partnership`` (at most 5 in a cycle) or ``agency`` (at most 3 per agency).
    marked
        False records that the mark was taken off; the earlier marking stays in history.
    """
    if scope not in TOP_LIMITS:
        raise ValueError(f"scope must be one of {sorted(TOP_LIMITS)}")
    if not author.strip():
        raise ModerationError("author")
    _check_text(author=author)
    _check_target(store, cycle_id, agency_id, criterion_id)
    state = store.latest(cycle_id, agency_id)
    answer = state.answers.get(criterion_id) if state else None
    found = [a.id for a in answer.actions if a.text == action_text] if answer else []
    if not found or found[0] is None:
        raise ModerationError(
            "unknown",
            what="action",
            key=action_text,
            cycle=cycle_id,
            hint=f"It is not in {agency_id}'s return for {criterion_id}.",
        )
    top = TopState.CONFIRMED if marked else TopState.REMOVED
    try:
        mark = store.actions.mark(
            cycle_id, found[0], TopScope(scope), top, author=author.strip(), at=at
        )
    except ActionError as exc:
        if exc.reason != "too_many":
            raise
        raise ModerationError("too_many", **exc.facts) from None
    actions = {a.id: a for a in store.actions.find(cycle_id)}
    made = _mark(store, mark, actions)
    assert made is not None
    return made
