"""Agencies' returns: append-only revisions, read and saved for one identity.

Nothing about a return is updated in place or deleted; every save is one transaction
that either adds a whole revision or leaves the store as it was. Every read and save is
checked for the identity first (:mod:`workbook.store.sharing`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from workbook.access import Identity, Role
from workbook.errors import Conflict, NotFound, ResponseError, StorageError
from workbook.schema.actions import assign_ids
from workbook.schema.responses import (
    TRANSITIONS,
    Answer,
    Answers,
    Status,
    changed,
    changed_fields,
    check_notes,
    missing_for_submission,
    validate_answers,
)
from workbook.store import action_rows, current
from workbook.store import notes as N
from workbook.store import revisions as R
from workbook.store import tables as T
from workbook.store.catalog import Catalog
from workbook.store.engine import Database, utc
from workbook.store.records import CycleReturns, ReturnState, RevisionInfo
from workbook.store.sharing import Sharing


def check_transition(
    cycle_id: str, agency_id: str, old: Status, new: Status, delta: Mapping[str, Answer], note: str
) -> None:
    """Refuse a status change the workflow does not allow, or a change to a closed return."""
    if new not in TRANSITIONS[old]:
        hint = {
            Status.SUBMITTED: "Ask the chair to reopen it with a reason.",
            Status.NOT_STARTED: "",
        }.get(old, "")
        raise StorageError("bad_transition", old=old.value, new=new.value, hint=hint)
    if delta and not old.editable:
        raise StorageError("read_only", cycle=cycle_id, agency=agency_id, status=old.value)
    if new == Status.REOPENED and old == Status.SUBMITTED and not note.strip():
        raise StorageError(
            "bad_transition",
            old=old.value,
            new=new.value,
            hint="Reopening needs a reason, which is recorded.",
        )


class Returns:
    """The returns ``identity`` may read and save.

    Parameters
    ----------
    database, catalog, sharing
        The store's connections, its catalogue, and the sharing rules, all for the
        same identity.
    """

    def __init__(self, database: Database, catalog: Catalog, sharing: Sharing) -> None:
        self.database = database
        self.catalog = catalog
        self.sharing = sharing

    @property
    def identity(self) -> Identity:
        return self.sharing.identity

    def latest(self, cycle_id: str, agency_id: str) -> ReturnState | None:
        """The current state of a return, or None if the agency has not started."""
        info = self.catalog.cycle(cycle_id)
        with self.database.reading() as conn:
            state = R.states(conn, cycle_id, agency_id).get(agency_id)
        if not self.identity.administers and not self.sharing.may_see(
            info, agency_id, state.status if state else None
        ):
            raise self.sharing.denial(agency_id)
        return state

    def _require_history(self, cycle_id: str, agency_id: str) -> None:
        info = self.catalog.cycle(cycle_id)
        if not self.identity.can_see_history(info.partnership_id, cycle_id, agency_id):
            raise self.sharing.denial(agency_id, "see the history of")

    def at(self, cycle_id: str, agency_id: str, number: int) -> ReturnState:
        """A return as it was at revision ``number``."""
        self._require_history(cycle_id, agency_id)
        with self.database.reading() as conn:
            state = R.states(conn, cycle_id, agency_id, upto=number).get(agency_id)
        if state is None or state.revision != number:
            raise NotFound(what="revision", key=f"{cycle_id}/{agency_id}#{number}")
        return state

    def returns(self, cycle_id: str) -> dict[str, ReturnState]:
        """Current state of every started return in a cycle the identity may see, by agency."""
        info = self.catalog.cycle(cycle_id)
        with self.database.reading() as conn:
            states = R.states(conn, cycle_id, None)
        if self.identity.administers:
            return states
        return {a: s for a, s in states.items() if self.sharing.may_see(info, a, s.status)}

    def current(self, cycle_ids: Sequence[str]) -> dict[str, CycleReturns]:
        """:meth:`statuses` and :meth:`returns` of many cycles at once, answers as stored.

        The same rules as the two of them, read in three statements for all the cycles
        (the dashboard's frame of a partnership's ten cycles took a hundred, issue #19).
        """
        infos = [self.catalog.cycle(cycle_id) for cycle_id in cycle_ids]
        with self.database.reading() as conn:
            found = current.read(conn, [info.id for info in infos])
        out = {}
        for info in infos:
            started = found[info.id]
            every = {agency: Status.NOT_STARTED for agency in info.agencies} | {
                agency: state.status for agency, state in started.items()
            }
            if self.identity.role == Role.MEMBER:
                every = {a: s for a, s in every.items() if self.sharing.may_see(info, a, s)}
            if not self.identity.administers:
                started = {
                    a: state
                    for a, state in started.items()
                    if self.sharing.may_see(info, a, state.status)
                }
            out[info.id] = CycleReturns(statuses=every, returns=started)
        return out

    def statuses(self, cycle_id: str) -> dict[str, Status]:
        """Status of every invited agency's return (``not_started`` when none saved)."""
        info = self.catalog.cycle(cycle_id)
        with self.database.reading() as conn:
            found = R.last_statuses(conn, cycle_id)
        every = {agency: found.get(agency, Status.NOT_STARTED) for agency in info.agencies} | found
        if self.identity.role != Role.MEMBER:
            return every
        return {a: s for a, s in every.items() if self.sharing.may_see(info, a, s)}

    def history(self, cycle_id: str, agency_id: str) -> list[RevisionInfo]:
        """Every revision of a return, oldest first, with the fields each changed."""
        self._require_history(cycle_id, agency_id)
        with self.database.reading() as conn:
            revisions = R.revisions(conn, cycle_id, agency_id)
            rows = R.answer_rows(conn, cycle_id, agency_id)
        by_number: dict[int, list[Any]] = {}
        for row in rows:
            by_number.setdefault(row.number, []).append(row)
        state: dict[str, Answer] = {}
        out = []
        for rev in revisions:
            changes = {}
            for row in by_number.get(rev.number, []):
                new = R.answer(row)
                changes[row.criterion_id] = changed_fields(state.get(row.criterion_id), new)
                state[row.criterion_id] = new
            out.append(
                RevisionInfo(
                    number=rev.number,
                    based_on=rev.based_on,
                    status=Status(rev.status),
                    author=rev.author,
                    saved_at=utc(rev.saved_at),
                    note=rev.note,
                    changes=changes,
                    saved_by=rev.saved_by,
                )
            )
        return out

    def save(
        self,
        cycle_id: str,
        agency_id: str,
        answers: Answers,
        *,
        author: str,
        based_on: int | None,
        status: Status = Status.DRAFT,
        note: str = "",
        at: dt.datetime | None = None,
        notes: Mapping[str, str] | None = None,
    ) -> ReturnState:
        """Save the full state of a return as a new revision (see :meth:`Store.save`).

        ``notes``: the return's notes for this cycle's partnership alone, by criterion
        (issue #17), kept in the same transaction; notes alone add no revision.
        """
        if not author.strip():
            raise ValueError("a save needs an author")
        info = self.catalog.cycle(cycle_id)
        if agency_id not in info.agencies:
            raise NotFound(
                what="agency", key=agency_id, hint=f"It is not invited to cycle {cycle_id!r}."
            )
        who = self.identity
        may_edit = who.can_edit(info.partnership_id, cycle_id, agency_id)
        may_reopen = who.can_moderate(info.partnership_id, cycle_id)
        if not (may_edit or (status == Status.REOPENED and may_reopen)):
            raise self.sharing.denial(agency_id, "change")
        framework = self.catalog.framework(info.framework_id, info.framework_version)
        sector = self.catalog.agency(agency_id).sector  # scopes the submit check (#16)
        answers = {cid: a for cid, a in answers.items() if not a.is_empty}
        validate_answers(framework, answers, source=f"{cycle_id}/{agency_id}")
        problems = check_notes(framework, notes or {})
        if problems:
            raise ResponseError(f"{cycle_id}/{agency_id}", problems)
        try:
            with self.database.writing() as conn:
                # a shared return is kept once, under its home cycle (issue #17)
                home = R.home(conn, cycle_id, agency_id)
                current = R.states(conn, cycle_id, agency_id).get(agency_id)
                latest_number = current.revision if current else 0
                if (based_on or 0) != latest_number:
                    raise Conflict(
                        cycle=cycle_id, agency=agency_id, based_on=based_on, latest=latest_number
                    )
                old_status = current.status if current else Status.NOT_STARTED
                old_answers = current.answers if current else {}
                answers = assign_ids(old_answers, answers)
                delta = changed(old_answers, answers)
                reopening = old_status == Status.SUBMITTED and status == Status.REOPENED
                if (reopening and not may_reopen) or (delta and not may_edit):
                    action = "reopen a submitted return" if reopening else "change this return"
                    who.require(False, action)
                check_transition(cycle_id, agency_id, old_status, status, delta, note)
                if status == Status.SUBMITTED:
                    missing = missing_for_submission(framework, answers, sector)
                    if missing:
                        raise ResponseError(f"{cycle_id}/{agency_id}", missing)
                saved_at = at or dt.datetime.now(dt.UTC)
                if self._notes(conn, cycle_id, agency_id, notes, old_status, may_edit):
                    N.write(
                        conn,
                        cycle_id,
                        agency_id,
                        notes or {},
                        author=author,
                        saved_by=who.key,
                        at=saved_at,
                    )
                if current is not None and not delta and status == old_status and not note:
                    return current  # an autosave with nothing new adds no revision
                inserted = conn.execute(
                    insert(T.revision).values(
                        cycle_id=home,
                        agency_id=agency_id,
                        number=latest_number + 1,
                        based_on=based_on,
                        status=status.value,
                        author=author,
                        saved_at=saved_at,
                        note=note,
                        saved_by=who.key,
                    )
                ).inserted_primary_key
                assert inserted is not None
                revision_id = inserted[0]
                if delta:
                    conn.execute(
                        insert(T.answer),
                        [
                            R.answer_values(framework, revision_id, cid, a)
                            for cid, a in delta.items()
                        ],
                    )
                    action_rows.sync_return(
                        conn,
                        partnership_id=(
                            info.partnership_id
                            if home == cycle_id
                            else R.partnership_of(conn, home)
                        ),
                        cycle_id=home,
                        agency_id=agency_id,
                        before=old_answers,
                        after=answers,
                        author=author,
                        saved_by=who.key,
                        at=saved_at,
                    )
                    action_rows.link_shared(conn, home, agency_id, answers, at=saved_at)
        except IntegrityError:
            # another writer took number n+1 between our read and our insert
            latest = self.latest(cycle_id, agency_id)
            raise Conflict(
                cycle=cycle_id,
                agency=agency_id,
                based_on=based_on,
                latest=latest.revision if latest else 0,
            ) from None
        return ReturnState(
            cycle_id=cycle_id,
            agency_id=agency_id,
            revision=latest_number + 1,
            status=status,
            author=author,
            saved_at=saved_at,
            answers=dict(answers),
        )

    def _notes(
        self,
        conn: Connection,
        cycle_id: str,
        agency_id: str,
        notes: Mapping[str, str] | None,
        status: Status,
        may_edit: bool,
    ) -> bool:
        """Whether the save changes the notes; refused if the return is closed or the
        identity may not change it (a chair reopening a return writes no notes)."""
        if not notes:
            return False
        before = N.current(conn, cycle_id, agency_id).get(agency_id, {})
        if all(before.get(cid, "") == text.strip() for cid, text in notes.items()):
            return False
        self.identity.require(may_edit, "change this return's notes")
        if not status.editable:
            raise StorageError("read_only", cycle=cycle_id, agency=agency_id, status=status.value)
        return True

    def reopen(self, cycle_id: str, agency_id: str, *, author: str, reason: str) -> ReturnState:
        """The chair reopens a submitted return; the reason is kept in its history."""
        current = self.latest(cycle_id, agency_id)
        if current is None:
            raise NotFound(what="return", key=f"{cycle_id}/{agency_id}")
        return self.save(
            cycle_id,
            agency_id,
            current.answers,
            author=author,
            based_on=current.revision,
            status=Status.REOPENED,
            note=reason,
        )
