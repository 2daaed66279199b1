"""Tracked actions in the store (issue #15), on SQLite and PostgreSQL.

An action written in a return becomes a tracked action with an id that outlives the
return: edits in later saves are its revisions, its agency's members record progress and
mark it done at any time, the chair owns the partnership's actions and top 5, and a new
cycle brings the unfinished ones forward as the same actions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support import data
from tests.support.factories import installed
from workbook.access import Identity, Role
from workbook.errors import AccessDenied, ActionError, NotFound, ResponseError
from workbook.schema.actions import (
    ID_ALPHABET,
    NEW_ID_LENGTH,
    ActionChange,
    ActionStatus,
    TopScope,
    TopState,
    new_action_id,
)
from workbook.schema.responses import ACTION_ID, Action, Answer
from workbook.store import Store, provision, tables

TWO_CYCLES = data.partnership(
    [
        data.cycle("c1", "Cycle one", 2020, agencies=["alpha", "beta"]),
        data.cycle("c2", "Cycle two", 2021, agencies=["alpha", "beta"]),
    ]
)


@pytest.fixture
def store(db_url: str, write_yaml: Callable[..., Path]) -> Iterator[Store]:
    """``tp`` with cycles c1 (2020) and c2 (2021) of test-fw, both inviting alpha and beta."""
    write_yaml("templates/test-fw.yaml", data.framework())
    partnership = write_yaml("partnership.yaml", TWO_CYCLES)
    with installed(db_url, partnership, partnership.parent / "templates") as opened:
        yield opened


def acting(store: Store, role: Role, *agencies: str, cycle: str | None = None) -> Store:
    identity = Identity(
        f"link:{role}-{'-'.join(agencies)}", f"A {role}", role, "tp", frozenset(agencies), cycle
    )
    return store.as_identity(identity)


def save_actions(
    store: Store, agency: str = "alpha", *actions: Action, cycle: str = "c1"
) -> dict[str, Answer]:
    latest = store.latest(cycle, agency)
    answers = dict(latest.answers) if latest else {}
    answers["p-1"] = Answer(rating="amber", actions=actions)
    saved = store.save(
        cycle, agency, answers, author="Alpha lead", based_on=latest.revision if latest else None
    )
    return dict(saved.answers)


AUDIT = Action(text="Audit the referral pathway", owner="Named nurse", due=dt.date(2020, 9, 30))


def only(store: Store, cycle: str = "c1"):
    (action,) = store.actions.find(cycle)
    return action


# -- from the return ---------------------------------------------------------------------


def test_an_action_saved_in_a_return_is_tracked_with_an_id_the_return_keeps(store: Store) -> None:
    answers = save_actions(store, "alpha", AUDIT)
    (saved,) = answers["p-1"].actions
    assert saved.id is not None
    assert saved.id.startswith("A-")
    action = only(store)
    assert (action.id, action.agency_id, action.text, action.owner, action.due) == (
        saved.id,
        "alpha",
        AUDIT.text,
        AUDIT.owner,
        AUDIT.due,
    )
    assert (action.status, action.criteria, action.cycles, action.revision) == (
        ActionStatus.OPEN,
        ("p-1",),
        ("c1",),
        1,
    )


def test_editing_the_words_in_the_return_is_a_revision_of_the_same_action(store: Store) -> None:
    save_actions(store, "alpha", AUDIT)
    # the page sends the action without its id, as a form that never saw it would
    save_actions(store, "alpha", AUDIT.model_copy(update={"text": "Audit the pathway twice"}))
    action = only(store)
    assert (action.text, action.revision) == ("Audit the pathway twice", 2)
    assert [r.text for r in store.actions.history(action.id)] == [
        AUDIT.text,
        "Audit the pathway twice",
    ]


def test_an_unchanged_resave_adds_no_action_revision_and_no_return_revision(store: Store) -> None:
    answers = save_actions(store, "alpha", AUDIT)
    before = store.latest("c1", "alpha")
    again = store.save("c1", "alpha", answers, author="Alpha lead", based_on=before.revision)
    assert again.revision == before.revision
    assert only(store).revision == 1


def test_taking_an_action_out_of_the_return_drops_it_with_the_reason(store: Store) -> None:
    save_actions(store, "alpha", AUDIT)
    save_actions(store, "alpha")
    action = only(store)
    assert action.status is ActionStatus.DROPPED
    assert action.reason == "Taken out of the c1 return."


def test_a_status_recorded_since_is_not_undone_by_a_save_of_the_old_return(store: Store) -> None:
    answers = save_actions(store, "alpha", AUDIT)
    action = only(store)
    store.actions.update(
        action.id, ActionChange(status=ActionStatus.IN_PROGRESS, due=dt.date(2021, 1, 31))
    )
    latest = store.latest("c1", "alpha")
    answers["p-2"] = Answer(rating="green")  # an unrelated edit in the return
    store.save("c1", "alpha", answers, author="Alpha lead", based_on=latest.revision)
    after = only(store)
    assert (after.status, after.due) == (ActionStatus.IN_PROGRESS, dt.date(2021, 1, 31))


def test_another_agencys_action_id_in_a_return_is_refused_and_nothing_is_saved(
    store: Store,
) -> None:
    (theirs,) = save_actions(store, "beta", AUDIT)["p-1"].actions
    with pytest.raises(ResponseError, match="another agency's action"):
        save_actions(store, "alpha", AUDIT.model_copy(update={"id": theirs.id}))
    assert store.latest("c1", "alpha") is None


def test_fresh_action_ids_are_long_enough_not_to_name_a_stores_others_again() -> None:
    """16,000 fresh 6-character ids held a repeat in about one draw in eight (the import
    benchmark's store); 8 characters of 32 are 40 bits, a repeat among 5,000 about one
    draw in 90,000."""
    ids = [new_action_id() for _ in range(5_000)]
    assert all(re.fullmatch(ACTION_ID, i) and len(i) == 2 + NEW_ID_LENGTH for i in ids)
    assert len(set(ids)) == len(ids)
    assert NEW_ID_LENGTH >= 8
    # drawn 5 bits a letter: every letter of the 32 comes up, none far more than others
    letters = Counter(letter for i in ids for letter in i[2:])
    assert set(letters) == set(ID_ALPHABET)
    assert len(ID_ALPHABET) == 32
    assert max(letters.values()) < 1.25 * min(letters.values())


def test_the_same_id_twice_in_a_return_is_refused(store: Store) -> None:
    twice = AUDIT.model_copy(update={"id": "A-TWICE2"})
    with pytest.raises(ResponseError, match="A-TWICE2 of another action"):
        save_actions(store, "alpha", twice, twice)


# -- updates, notes and access -------------------------------------------------------------


def test_progress_then_done_are_revisions_with_author_and_notes(store: Store) -> None:
    save_actions(store, "alpha", AUDIT)
    action = only(store)
    member = acting(store, Role.MEMBER, "alpha", cycle="c1")
    member.actions.update(
        action.id, ActionChange(status=ActionStatus.IN_PROGRESS, note="Pathway mapped.")
    )
    done = member.actions.update(
        action.id, ActionChange(status=ActionStatus.DONE, note="Audit reported."), based_on=2
    )
    assert (done.status, done.revision) == (ActionStatus.DONE, 3)
    history = store.actions.history(action.id)
    assert [(r.status, r.note, r.author) for r in history] == [
        (ActionStatus.OPEN, "", "Alpha lead"),
        (ActionStatus.IN_PROGRESS, "Pathway mapped.", "A member"),
        (ActionStatus.DONE, "Audit reported.", "A member"),
    ]
    assert done.last_note_at == history[-1].saved_at


def test_a_change_based_on_an_old_revision_is_refused(store: Store) -> None:
    save_actions(store, "alpha", AUDIT)
    action = only(store)
    store.actions.update(action.id, ActionChange(note="First note."))
    with pytest.raises(ActionError, match="changed since you opened it"):
        store.actions.update(action.id, ActionChange(note="Second."), based_on=1)
    assert only(store).revision == 2


def test_dropping_needs_a_reason(store: Store) -> None:
    save_actions(store, "alpha", AUDIT)
    action = only(store)
    with pytest.raises(ActionError, match="why the action is dropped"):
        store.actions.update(action.id, ActionChange(status=ActionStatus.DROPPED))
    dropped = store.actions.update(
        action.id, ActionChange(status=ActionStatus.DROPPED, reason="Pathway replaced by the MACE.")
    )
    assert (dropped.status, dropped.reason) == (
        ActionStatus.DROPPED,
        "Pathway replaced by the MACE.",
    )


def test_a_member_cannot_change_or_see_another_agencys_action(store: Store) -> None:
    save_actions(store, "beta", AUDIT)
    action = only(store)
    member = acting(store, Role.MEMBER, "alpha", cycle="c1")
    assert member.actions.find("c1") == []
    with pytest.raises(NotFound):
        member.actions.update(action.id, ActionChange(status=ActionStatus.DONE))
    assert only(store).status is ActionStatus.OPEN
    analyst = acting(store, Role.ANALYST)
    assert [a.id for a in analyst.actions.find("c1")] == [action.id]
    with pytest.raises(AccessDenied):
        analyst.actions.update(action.id, ActionChange(status=ActionStatus.DONE))


def test_only_the_chair_creates_partnership_actions_and_marks_the_top_5(store: Store) -> None:
    member = acting(store, Role.MEMBER, "alpha", cycle="c1")
    with pytest.raises(AccessDenied, match="create partnership actions"):
        member.actions.create("c1", "A partnership-wide audit")
    chair = acting(store, Role.CHAIR)
    made = chair.actions.create(
        "c1", "Joint audit of missing episodes", owner="MASE chair", criteria=("i-1",)
    )
    assert (made.agency_id, made.criteria) == (None, ("i-1",))
    assert [a.id for a in member.actions.find("c1")] == [made.id]  # members see it
    with pytest.raises(AccessDenied):
        member.actions.update(made.id, ActionChange(note="We helped."))
    with pytest.raises(AccessDenied, match="top 5"):
        member.actions.mark("c1", made.id, TopScope.PARTNERSHIP, TopState.CONFIRMED)
    chair.actions.mark("c1", made.id, TopScope.PARTNERSHIP, TopState.CONFIRMED)
    assert [(m.action_id, m.scope) for m in member.actions.marks("c1")] == [
        (made.id, TopScope.PARTNERSHIP)
    ]


def test_a_member_nominates_the_top_3_and_only_the_chair_confirms(store: Store) -> None:
    actions = [Action(text=f"Action {n}", owner="Lead", id=f"A-TOP{n}AA") for n in range(4)]
    save_actions(store, "alpha", *actions)
    member = acting(store, Role.MEMBER, "alpha", cycle="c1")
    for action in actions[:3]:
        member.actions.mark("c1", action.id or "", TopScope.AGENCY, TopState.NOMINATED)
    with pytest.raises(ActionError, match="already has 3 top actions"):
        member.actions.mark("c1", "A-TOP3AA", TopScope.AGENCY, TopState.NOMINATED)
    with pytest.raises(AccessDenied):
        member.actions.mark("c1", "A-TOP0AA", TopScope.AGENCY, TopState.CONFIRMED)
    chair = acting(store, Role.CHAIR)
    chair.actions.mark("c1", "A-TOP0AA", TopScope.AGENCY, TopState.CONFIRMED)
    chair.actions.mark(
        "c1", "A-TOP1AA", TopScope.AGENCY, TopState.CHALLENGED, comment="Not the biggest risk."
    )
    member.actions.mark("c1", "A-TOP3AA", TopScope.AGENCY, TopState.NOMINATED)  # a place came free
    states = {m.action_id: m.state for m in store.actions.marks("c1")}
    assert states == {
        "A-TOP0AA": TopState.CONFIRMED,
        "A-TOP1AA": TopState.CHALLENGED,
        "A-TOP2AA": TopState.NOMINATED,
        "A-TOP3AA": TopState.NOMINATED,
    }


# -- a new cycle ---------------------------------------------------------------------------


def test_a_new_cycle_brings_unfinished_actions_forward_with_their_history(store: Store) -> None:
    kept, finished = (
        Action(text=t, owner="Lead", id=i)
        for t, i in [("Keep going", "A-KEEP22"), ("Finish", "A-DONE22")]
    )
    save_actions(store, "alpha", kept, finished)
    store.actions.update(
        "A-KEEP22", ActionChange(status=ActionStatus.IN_PROGRESS, note="Half way.")
    )
    store.actions.update("A-DONE22", ActionChange(status=ActionStatus.DONE))
    assert store.actions.bring_forward("c2") == ["A-KEEP22"]
    assert store.actions.bring_forward("c2") == []  # again: nothing new
    (carried,) = store.actions.find("c2")
    assert (carried.id, carried.cycles, carried.status) == (
        "A-KEEP22",
        ("c1", "c2"),
        ActionStatus.IN_PROGRESS,
    )
    assert [r.note for r in store.actions.history("A-KEEP22")] == ["", "Half way."]
    # the new cycle's return lists it by id: the same action, not a copy
    save_actions(
        store,
        "alpha",
        carried_action := Action(text="Keep going", owner="Lead", id="A-KEEP22"),
        cycle="c2",
    )
    assert carried_action.id == "A-KEEP22"
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(tables.tracked_action)) == 2
    member = acting(store, Role.MEMBER, "alpha", cycle="c2")  # a link for c2 reaches it
    member.actions.update(
        "A-KEEP22", ActionChange(status=ActionStatus.DONE, note="Finished in c2.")
    )
    assert store.actions.get("A-KEEP22").status is ActionStatus.DONE


def test_a_partnership_action_names_the_agencies_it_involves(store: Store) -> None:
    chair = acting(store, Role.CHAIR)
    made = chair.actions.create("c1", "Joint audit", owner="MASE chair", involves=("alpha", "beta"))
    assert made.involves == ("alpha", "beta")
    changed = chair.actions.update(made.id, ActionChange(involves=("beta",), note="Alpha left."))
    assert (changed.involves, changed.revision) == (("beta",), 2)
    with pytest.raises(ActionError, match="'delta' is not an agency"):
        chair.actions.create("c1", "Another", involves=("delta",))
    save_actions(store, "alpha", AUDIT)
    (theirs,) = [a for a in store.actions.find("c1") if a.agency_id == "alpha"]
    with pytest.raises(ActionError, match="Only the chair may name the agencies"):
        chair.actions.update(theirs.id, ActionChange(involves=("beta",)))


def test_loading_a_new_cycle_brings_the_open_actions_forward(
    store: Store, write_yaml: Callable[..., Path]
) -> None:
    save_actions(store, "alpha", AUDIT, cycle="c2")
    (open_one,) = store.actions.find("c2")
    later = data.partnership([*TWO_CYCLES["cycles"], data.cycle("c3", "Cycle three", 2022)])
    partnership = write_yaml("partnership-3.yaml", later)
    provision.install(store, partnership, partnership.parent / "templates")
    assert [a.id for a in store.actions.find("c3")] == [open_one.id]
    provision.install(store, partnership, partnership.parent / "templates")  # again: no change
    assert store.actions.get(open_one.id).cycles == ("c2", "c3")
