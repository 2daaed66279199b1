"""Tracked actions as one identity may read and change them (issue #15).

An agency's actions are its members' to update at any time of year, not only inside an
open return; the partnership's own actions, and the partnership's top 5, are the chair's.
A member nominates the agency's top 3 and the chair confirms or challenges each. Every
change is a new revision or a new mark row; nothing is overwritten.

A new cycle brings the unfinished actions of the partnership's previous cycle of the same
framework forward (:meth:`ActionStore.bring_forward`): the same actions, with their
history, now part of the new cycle too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select

from workbook.access import Identity, Role
from workbook.errors import ActionError, NotFound
from workbook.schema.actions import (
    MAX_NOTE,
    ActionChange,
    ActionRevision,
    ActionStatus,
    TopMark,
    TopScope,
    TopState,
    TrackedAction,
    new_action_id,
)
from workbook.schema.responses import MAX_TEXT, text_problem
from workbook.store import action_rows as rows
from workbook.store import tables as T
from workbook.store.catalog import Catalog
from workbook.store.engine import Database, utc
from workbook.store.records import CycleInfo


def _check_text(what: str, text: str, limit: int) -> None:
    problem = text_problem(text)
    if problem:
        raise ActionError("bad_text", what=what, problem=problem)
    if len(text) > limit:
        raise ActionError("too_long", what=what, length=len(text), limit=limit)


class ActionStore:
    """The tracked actions ``identity`` reaches.

    Parameters
    ----------
    database, catalog, identity
        The store's connections, its catalogue as ``identity`` sees it, and whom for.
    """

    def __init__(self, database: Database, catalog: Catalog, identity: Identity) -> None:
        self.database = database
        self.catalog = catalog
        self.identity = identity

    # -- who may ---------------------------------------------------------------------------

    def _may_see(self, action: TrackedAction) -> bool:
        who = self.identity
        return who.can_see_action(action.reach, action.agency_id)

    def _require_change(self, action: TrackedAction) -> None:
        who = self.identity
        allowed = who.can_change_action(action.reach, action.agency_id)
        whose = "the partnership's" if action.agency_id is None else f"{action.agency_id}'s"
        who.require(allowed, f"change {whose} action {action.id}")

    def _stamp(self, author: str | None, at: dt.datetime | None = None) -> dict[str, Any]:
        """Who and when a change is recorded as: a page's visitor is their link's name."""
        who = self.identity
        name = (author if author and who.trusted_local else None) or who.name
        return {"author": name, "saved_by": who.key, "at": at or dt.datetime.now(dt.UTC)}

    @staticmethod
    def _check_involves(info: CycleInfo, agency_id: str | None, involves: tuple[str, ...]) -> None:
        """A partnership action may name the agencies it involves; an agency's is its own."""
        if involves and agency_id is not None:
            raise ActionError("chair_only", what="name the agencies a partnership action involves")
        for other in involves:
            if other not in info.agencies:
                raise ActionError("not_agency", agency=other, partnership=info.partnership_id)

    # -- reading ---------------------------------------------------------------------------

    def find(
        self, cycle_id: str | None = None, *, partnership_id: str | None = None
    ) -> list[TrackedAction]:
        """The actions the identity may see: a cycle's, or a partnership's (every cycle)."""
        if cycle_id is not None:
            info = self.catalog.cycle(cycle_id)
            where = rows.in_cycle(cycle_id)
            partnership_id = info.partnership_id
        elif partnership_id is not None:
            where = T.tracked_action.c.partnership_id == partnership_id
        else:
            where = None
        if self.identity.role == Role.MEMBER:
            member = rows.of_agencies(self.identity.agencies, partnership=True)
            where = member if where is None else where & member
        with self.database.reading() as conn:
            found = rows.latest(conn, where)
        return [a for a in found if self._may_see(a)]

    def get(self, action_id: str) -> TrackedAction:
        """One action as it stands; NotFound for an id the identity does not reach."""
        with self.database.reading() as conn:
            found = rows.latest(conn, T.tracked_action.c.id == action_id)
        if not found or not self._may_see(found[0]):
            raise NotFound(what="action", key=action_id)
        return found[0]

    def history(self, action_id: str) -> list[ActionRevision]:
        """Every change to an action, oldest first: who, when, what, and each progress note."""
        self.get(action_id)
        with self.database.reading() as conn:
            return rows.history(conn, action_id)

    # -- changing --------------------------------------------------------------------------

    def create(
        self,
        cycle_id: str,
        text: str,
        *,
        owner: str = "",
        due: dt.date | None = None,
        criteria: tuple[str, ...] = (),
        involves: tuple[str, ...] = (),
        agency_id: str | None = None,
        author: str | None = None,
        at: dt.datetime | None = None,
        action_id: str | None = None,
    ) -> TrackedAction:
        """A new action in ``cycle_id``: the partnership's (the chair's) or an agency's.

        ``action_id`` is for synthetic data that must come out the same every time; an
        id already taken is refused. Otherwise a fresh one is drawn.
        """
        info = self.catalog.cycle(cycle_id)
        who = self.identity
        if agency_id is None:
            who.require(
                who.can_moderate(info.partnership_id, cycle_id), "create partnership actions"
            )
        else:
            if agency_id not in info.agencies:
                raise ActionError("not_agency", agency=agency_id, partnership=info.partnership_id)
            allowed = who.can_change_action(((info.partnership_id, cycle_id),), agency_id)
            who.require(allowed, f"add actions for {agency_id}")
        if not text.strip():
            raise ActionError("no_text")
        _check_text("words", text, MAX_TEXT)
        _check_text("owner", owner, 200)
        framework = self.catalog.framework(info.framework_id, info.framework_version)
        known = {c.id for c in framework.criteria}
        for criterion in criteria:
            if criterion not in known:
                raise ActionError("unknown_criterion", criterion=criterion, framework=framework.id)
        chosen, action_id = action_id, action_id or new_action_id()
        stamp = self._stamp(author, at)
        self._check_involves(info, agency_id, involves)
        values = {
            "text": text.strip(),
            "owner": owner.strip(),
            "due": due,
            "criteria": criteria,
            "involves": involves,
        }
        with self.database.writing() as conn:
            while conn.scalar(
                select(T.tracked_action.c.id).where(T.tracked_action.c.id == action_id)
            ):
                if chosen is not None:
                    raise ActionError("taken", action=chosen)
                action_id = new_action_id()
            rows.create_many(
                conn,
                {action_id: values},
                partnership_id=info.partnership_id,
                agency_id=agency_id,
                cycle_id=cycle_id,
                author=stamp["author"],
                saved_by=stamp["saved_by"],
                at=stamp["at"],
            )
        return self.get(action_id)

    def update(
        self,
        action_id: str,
        change: ActionChange,
        *,
        based_on: int | None = None,
        author: str | None = None,
        at: dt.datetime | None = None,
    ) -> TrackedAction:
        """Record a change (status, owner, due date, words, a progress note) as a new revision.

        ``based_on`` is the revision the person saw; if the action has changed since, the
        change is refused rather than laid over someone else's.
        """
        action = self.get(action_id)
        self._require_change(action)
        if change.empty:
            raise ActionError("empty")
        values: dict[str, Any] = {}
        if change.text is not None:
            if not change.text.strip():
                raise ActionError("no_text")
            _check_text("words", change.text, MAX_TEXT)
            values["text"] = change.text.strip()
        if change.owner is not None:
            _check_text("owner", change.owner, 200)
            values["owner"] = change.owner.strip()
        if change.clear_due:
            values["due"] = None
        elif change.due is not None:
            values["due"] = change.due
        if change.criteria is not None:
            values["criteria"] = change.criteria
        if change.involves is not None:
            self._check_involves(
                self.catalog.cycle(action.cycles[-1]), action.agency_id, change.involves
            )
            values["involves"] = change.involves
        if change.status is not None:
            values["status"] = change.status
            if change.status is ActionStatus.DROPPED:
                reason = (change.reason or "").strip()
                if not reason:
                    raise ActionError("drop_reason")
                values["reason"] = reason
            else:
                values["reason"] = ""
        _check_text("progress note", change.note, MAX_NOTE)
        _check_text("reason", change.reason or "", MAX_NOTE)
        values = {k: v for k, v in values.items() if getattr(action, k) != v}
        if not values and not change.note.strip():
            return action  # nothing new: no revision
        stamp = self._stamp(author, at)
        with self.database.writing() as conn:
            fresh = rows.latest(conn, T.tracked_action.c.id == action_id)[0]
            if based_on is not None and fresh.revision != based_on:
                raise ActionError(
                    "stale", action=action_id, latest=fresh.revision, based_on=based_on
                )
            rows.add_revision(
                conn,
                fresh,
                action_id,
                values,
                note=change.note.strip(),
                author=stamp["author"],
                saved_by=stamp["saved_by"],
                at=stamp["at"],
            )
        return self.get(action_id)

    # -- the top 5 and top 3 ------------------------------------------------------------

    def marks(self, cycle_id: str, *, every: bool = False) -> list[TopMark]:
        """The current top marks of a cycle (``every``: with removed ones and history)."""
        self.catalog.cycle(cycle_id)
        t = T.action_top
        with self.database.reading() as conn:
            found = conn.execute(select(t).where(t.c.cycle_id == cycle_id).order_by(t.c.id)).all()
        history = [
            TopMark(
                id=r.id,
                cycle_id=r.cycle_id,
                action_id=r.action_id,
                scope=TopScope(r.scope),
                state=TopState(r.state),
                comment=r.comment,
                author=r.author,
                saved_at=utc(r.saved_at),
            )
            for r in found
        ]
        if every:
            return history
        latest: dict[tuple[str, TopScope], TopMark] = {}
        for mark in history:  # in the order of each one's latest word
            latest.pop((mark.action_id, mark.scope), None)
            latest[(mark.action_id, mark.scope)] = mark
        visible = {a.id for a in self.find(cycle_id)}
        return [
            m for m in latest.values() if m.state is not TopState.REMOVED and m.action_id in visible
        ]

    def mark(
        self,
        cycle_id: str,
        action_id: str,
        scope: TopScope,
        state: TopState,
        *,
        comment: str = "",
        author: str | None = None,
        at: dt.datetime | None = None,
    ) -> TopMark:
        """Put an action in (or take it off) the partnership's top 5 or its agency's top 3.

        The partnership's list is the chair's. An agency's members nominate or take off
        their own; the chair also confirms or challenges (with a comment).
        """
        info = self.catalog.cycle(cycle_id)
        action = self.get(action_id)
        if cycle_id not in action.cycles:
            raise ActionError("other_cycle", action=action_id, cycle=cycle_id)
        who = self.identity
        chair = who.can_moderate(info.partnership_id, cycle_id)
        if scope is TopScope.PARTNERSHIP or state in (TopState.CONFIRMED, TopState.CHALLENGED):
            if not chair:
                what = (
                    "mark the partnership's top 5"
                    if scope is TopScope.PARTNERSHIP
                    else ("confirm or challenge an agency's top 3")
                )
                who.require(False, what)
        else:
            self._require_change(action)
        if scope is TopScope.AGENCY and action.agency_id is None:
            raise ActionError("chair_only", what="mark a partnership action in the top 5")
        _check_text("comment", comment, MAX_NOTE)
        stamp = self._stamp(author, at)
        current = {(m.action_id, m.scope): m for m in self.marks(cycle_id, every=True)}
        if state.counts and not (
            (action_id, scope) in current and current[(action_id, scope)].state.counts
        ):
            same = [
                m
                for m in current.values()
                if m.scope is scope and m.state.counts and m.action_id != action_id
            ]
            if scope is TopScope.AGENCY:
                agency_of = {a.id: a.agency_id for a in self.find(cycle_id)}
                same = [m for m in same if agency_of.get(m.action_id) == action.agency_id]
            if len(same) >= scope.limit:
                words = (
                    "The partnership"
                    if scope is TopScope.PARTNERSHIP
                    else (f"Agency {action.agency_id!r}")
                )
                raise ActionError("too_many", scope_words=words, limit=scope.limit)
        with self.database.writing() as conn:
            inserted = conn.execute(
                insert(T.action_top).values(
                    cycle_id=cycle_id,
                    action_id=action_id,
                    scope=scope.value,
                    state=state.value,
                    comment=comment.strip(),
                    author=stamp["author"],
                    saved_by=stamp["saved_by"],
                    saved_at=stamp["at"],
                )
            ).inserted_primary_key
        assert inserted is not None
        return TopMark(
            id=int(inserted[0]),
            cycle_id=cycle_id,
            action_id=action_id,
            scope=scope,
            state=state,
            comment=comment.strip(),
            author=stamp["author"],
            saved_at=stamp["at"],
        )

    # -- a new cycle -------------------------------------------------------------------------

    def bring_forward(self, cycle_id: str, *, at: dt.datetime | None = None) -> list[str]:
        """Make the previous cycle's unfinished actions part of ``cycle_id``; their ids.

        The chair's or an administrator's work (it changes every agency's list). Done
        again, it brings only what is not there yet: actions added to the previous cycle
        since, or none. ``at``: when it is recorded as done (default: now).
        """
        info = self.catalog.cycle(cycle_id)
        who = self.identity
        who.require(who.can_moderate(info.partnership_id, cycle_id), "bring actions forward")
        previous = self.catalog.previous_cycle(cycle_id)
        if previous is None:
            return []
        now = at or dt.datetime.now(dt.UTC)
        brought = []
        with self.database.writing() as conn:
            for action in rows.latest(conn, rows.in_cycle(previous.id)):
                if action.status.finished:
                    continue
                if action.agency_id is not None and action.agency_id not in info.agencies:
                    continue
                if rows.link(conn, action.id, cycle_id, carried=True, at=now):
                    brought.append(action.id)
        return brought
