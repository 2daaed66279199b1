"""The agency's tracked actions on the form (issue #15), headless: model, then view.

Actions are saved in a return, then followed here all year: dated progress notes, a
status (a dropped one with its reason), and the agency's top 3. The store says who may;
the section turns each refusal into words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import data
from tests.support.factories import installed
from tests.widgets.conftest import FORM_FRAMEWORK, FORM_PARTNERSHIP
from widgets.form import FormModel, FormView, TrackedActionsModel, TrackedActionsView, open_form
from widgets.form.criterion import Look
from widgets.form.tracked import day
from workbook.access import Identity, Role
from workbook.errors import StoreUnavailable
from workbook.schema.actions import ActionChange, ActionStatus, TopScope, TopState
from workbook.schema.responses import Action, Answer, Status
from workbook.store import Store

TODAY = dt.date(2020, 11, 1)
AUDIT = Action(text="Audit the referral pathway", owner="Named nurse", due=dt.date(2020, 9, 30))
TRAIN = Action(text="Train every new starter <b>within</b> a month", due=dt.date(2021, 3, 31))


def acting(store: Store, role: Role, *agencies: str) -> Store:
    identity = Identity(
        f"link:{role}-{'-'.join(agencies)}", f"A {role}", role, "tp", frozenset(agencies)
    )
    return store.as_identity(identity)


def save_actions(store: Store, agency: str, *actions: Action, cycle: str = "c2") -> list[str]:
    """Save a return for ``agency`` whose p-1 has ``actions``; their tracked ids."""
    latest = store.latest(cycle, agency)
    saved = store.save(
        cycle,
        agency,
        {"p-1": Answer(rating="amber", actions=actions)},
        author="Lead",
        based_on=latest.revision if latest else None,
    )
    return [a.id for a in saved.answers["p-1"].actions]


def tracked(store: Store, agency: str = "alpha") -> TrackedActionsModel:
    model = TrackedActionsModel(store, today=lambda: TODAY)
    model.show("c2", agency)
    return model


@pytest.fixture
def ids(form_store: Store) -> list[str]:
    """alpha's two actions in c2 (AUDIT, TRAIN); beta has one of its own."""
    save_actions(form_store, "beta", Action(text="Beta's own action"))
    return save_actions(form_store, "alpha", AUDIT, TRAIN)


# -- the list ------------------------------------------------------------------------------


def test_the_list_is_the_open_agencys_actions_and_not_another_agencys(form_store, ids) -> None:
    audit, train = ids
    model = tracked(form_store)
    assert model.shown
    assert model.may_change
    assert [row["id"] for row in model.rows] == [audit, train]  # by due date
    first = model.rows[0]
    assert first == {
        "id": audit,
        "text": "Audit the referral pathway",
        "owner": "Named nurse",
        "due": "30 Sep 2020",
        "status": "Open",
        "reason": "",
        "progress": "Overdue",
        "last_note": "None yet",
        "top": "Not nominated",
    }
    assert model.rows[1]["progress"] == "Neither"
    assert model.options == [
        (f"{audit}: Audit the referral pathway", audit),
        (f"{train}: Train every new starter <b>within</b> a month", train),
    ]
    assert model.chosen == audit
    assert model.agency_name == "Alpha health & care trust"
    beta = tracked(form_store, "beta")
    assert [row["text"] for row in beta.rows] == ["Beta's own action"]


def test_an_action_without_progress_for_ninety_days_is_stuck_in_words(form_store) -> None:
    long_ago = dt.datetime(2020, 6, 1, 9, 0, tzinfo=dt.UTC)
    made = form_store.actions.create(
        "c2", "Refresh the escalation policy", agency_id="alpha", at=long_ago
    )
    model = tracked(form_store)
    (row,) = model.rows
    assert (row["id"], row["due"], row["owner"]) == (made.id, "No date", "Not named")
    assert row["progress"] == "Stuck: no progress noted for 90 days or more"
    form_store.actions.update(
        made.id, ActionChange(due=dt.date(2020, 10, 1), note="Draft circulated"), at=long_ago
    )
    model.reload()
    assert model.rows[0]["progress"] == ("Overdue; stuck: no progress noted for 90 days or more")
    assert model.rows[0]["last_note"] == "1 Jun 2020"


def test_a_long_action_is_named_by_its_id_and_first_sixty_characters(form_store) -> None:
    (long_id,) = save_actions(form_store, "alpha", Action(text="Review " + "x" * 80))
    label, value = tracked(form_store).options[0]
    assert value == long_id
    assert label == f"{long_id}: Review " + "x" * 52 + "…"
    assert len(label) == len(long_id) + 2 + 60


# -- recording progress --------------------------------------------------------------------


def test_in_progress_with_a_note_then_done_keeps_both_notes(form_store, ids) -> None:
    audit = ids[0]
    model = tracked(form_store)
    model.status, model.note = ActionStatus.IN_PROGRESS.value, "Pathway mapped with the MASH"
    assert model.record(), model.message
    assert model.message == (
        f"Recorded for {audit}: status In progress and a progress note. It is now at revision 2."
    )
    assert not model.failed
    assert model.note == ""
    assert model.rows[0]["status"] == "In progress"
    assert model.rows[0]["last_note"] == day(dt.datetime.now(dt.UTC), "")

    model.status, model.note = ActionStatus.DONE.value, "Audit report to the board"
    assert model.record(), model.message
    assert "status Done and a progress note" in model.message

    history = form_store.actions.history(audit)
    assert [(r.status, r.note) for r in history] == [
        (ActionStatus.OPEN, ""),
        (ActionStatus.IN_PROGRESS, "Pathway mapped with the MASH"),
        (ActionStatus.DONE, "Audit report to the board"),
    ]
    assert form_store.actions.get(audit).status is ActionStatus.DONE
    done = next(row for row in model.rows if row["id"] == audit)
    assert (done["status"], done["progress"]) == ("Done", "Finished")


def test_a_note_alone_keeps_the_status(form_store, ids) -> None:
    model = tracked(form_store)
    model.note = "Met the named nurse"
    assert model.record()
    assert model.message.startswith(f"Recorded for {ids[0]}: a progress note.")
    assert form_store.actions.get(ids[0]).status is ActionStatus.OPEN


def test_nothing_new_is_said_and_saves_nothing(form_store, ids) -> None:
    model = tracked(form_store)
    assert not model.record()
    assert model.message == (
        f"Nothing to record for {ids[0]}: choose a different status or write a progress note."
    )
    assert model.failed
    assert form_store.actions.get(ids[0]).revision == 1


def test_dropping_needs_a_reason_and_is_kept_with_it(form_store, ids) -> None:
    audit = ids[0]
    model = tracked(form_store)
    model.status = ActionStatus.DROPPED.value
    assert not model.record()
    assert model.message == (
        "Not recorded: Say why the action is dropped; the reason is kept with it."
    )
    assert model.failed
    assert form_store.actions.get(audit).revision == 1
    assert len(form_store.actions.history(audit)) == 1

    model.reason = "Replaced by the county-wide audit"
    assert model.record(), model.message
    action = form_store.actions.get(audit)
    assert (action.status, action.reason) == (
        ActionStatus.DROPPED,
        "Replaced by the county-wide audit",
    )
    assert model.rows[-1]["reason"] == "Replaced by the county-wide audit"  # finished: last


def test_a_change_made_meanwhile_is_not_overwritten(form_store, ids) -> None:
    audit = ids[0]
    model = tracked(form_store)
    form_store.actions.update(
        audit, ActionChange(status=ActionStatus.IN_PROGRESS, note="Someone else's note")
    )
    model.status, model.note = ActionStatus.DONE.value, "My note"
    assert not model.record()
    assert model.message == (
        f"Not recorded: Action {audit} changed since you opened it (now revision 2, you had 1). "
        "Look at its latest state and make your change again."
    )
    assert model.failed
    history = form_store.actions.history(audit)
    assert [r.note for r in history] == ["", "Someone else's note"]
    assert form_store.actions.get(audit).status is ActionStatus.IN_PROGRESS
    # the page now shows theirs, and keeps what was typed to try again
    assert model.rows[0]["status"] == "In progress"
    assert (model.status, model.note) == (ActionStatus.IN_PROGRESS.value, "My note")
    assert model.record()
    assert [r.note for r in form_store.actions.history(audit)][-1] == "My note"


def test_a_store_that_cannot_be_used_is_told_in_words(form_store, ids, monkeypatch) -> None:
    model = tracked(form_store)

    def busy(*_args, **_kwargs):
        raise StoreUnavailable("store_busy", url="sqlite:///form.db", reason="locked")

    monkeypatch.setattr(form_store.actions, "update", busy)
    model.note = "Kept on the page"
    assert not model.record()
    assert model.message.startswith(
        "Not recorded: The store at sqlite:///form.db could not be used"
    )
    assert model.note == "Kept on the page"


# -- the top 3 -----------------------------------------------------------------------------


def test_a_fourth_nomination_is_refused_in_words(form_store) -> None:
    ids = save_actions(form_store, "alpha", *(Action(text=f"Action {n}") for n in range(1, 5)))
    model = tracked(form_store)
    for number, action_id in enumerate(ids[:3], 1):
        model.chosen = action_id
        assert model.nominate(), model.message
        assert model.message == (
            f"{action_id} is nominated for Alpha health & care trust's top 3 "
            f"({number} of 3 places taken). The chair confirms or challenges it."
        )
        assert model.in_top
    model.chosen = ids[3]
    assert not model.in_top
    assert not model.nominate()
    assert model.message == (
        "Not nominated: Agency 'alpha' already has 3 top actions. "
        "Take one off before adding another."
    )
    assert model.failed
    marks = form_store.actions.marks("c2")
    assert sorted(m.action_id for m in marks) == sorted(ids[:3])
    top = {row["id"]: row["top"] for row in model.rows}
    assert [top[action_id] for action_id in ids] == ["Nominated"] * 3 + ["Not nominated"]

    model.chosen = ids[0]
    assert model.withdraw()
    assert model.message == f"{ids[0]} is off Alpha health & care trust's top 3."
    assert sorted(m.action_id for m in form_store.actions.marks("c2")) == sorted(ids[1:3])
    model.chosen = ids[3]
    assert model.nominate()
    assert "(3 of 3 places taken)" in model.message


def test_nominating_twice_or_withdrawing_what_is_not_there_says_so(form_store, ids) -> None:
    model = tracked(form_store)
    assert not model.withdraw()
    assert model.message == (
        f"{ids[0]} is not in Alpha health & care trust's top 3, so there is nothing to take off."
    )
    assert model.nominate()
    assert not model.nominate()
    assert model.message == f"{ids[0]} is already in Alpha health & care trust's top 3 (nominated)."
    assert len(form_store.actions.marks("c2", every=True)) == 1


def test_the_chairs_word_shows_in_the_list(form_store, ids) -> None:
    form_store.actions.mark("c2", ids[0], TopScope.AGENCY, TopState.NOMINATED)
    form_store.actions.mark(
        "c2", ids[0], TopScope.AGENCY, TopState.CHALLENGED, comment="Not a priority"
    )
    assert tracked(form_store).rows[0]["top"] == "Challenged by the chair: Not a priority"


# -- who may -------------------------------------------------------------------------------


def test_a_member_updates_their_own_agencys_actions(form_store, ids) -> None:
    model = tracked(acting(form_store, Role.MEMBER, "alpha"))
    assert model.may_change
    model.note = "From the member's link"
    assert model.record(), model.message
    (last,) = form_store.actions.history(ids[0])[-1:]
    assert (last.note, last.author, last.saved_by) == (
        "From the member's link",
        "A member",
        "link:member-alpha",
    )


def test_another_agencys_link_cannot_see_or_change_them(form_store, ids) -> None:
    model = tracked(acting(form_store, Role.MEMBER, "beta"), "alpha")
    assert model.rows == []
    assert model.options == []
    assert not model.may_change
    model.chosen = ids[0]  # as a forged page might send it
    model.note = "Not mine to write"
    assert not model.record()
    assert model.message == "Choose an action first, in 'Action'."
    assert form_store.actions.history(ids[0])[-1].note == ""


def test_an_analyst_reads_the_table_but_the_store_refuses_a_change(form_store, ids) -> None:
    model = tracked(acting(form_store, Role.ANALYST))
    assert [row["id"] for row in model.rows] == ids
    assert not model.may_change
    model.note = "Not mine to write"
    assert not model.record()
    assert model.message == (
        f"Not recorded: Your link (analyst for partnership tp) does not allow you to "
        f"change alpha's action {ids[0]}."
    )
    assert not model.nominate()
    assert model.message.startswith("Not nominated: Your link (analyst for partnership tp)")
    assert len(form_store.actions.history(ids[0])) == 1
    assert form_store.actions.marks("c2") == []


# -- the view and the form -----------------------------------------------------------------


def test_the_table_escapes_what_users_typed(form_store, ids) -> None:
    view = TrackedActionsView(tracked(form_store), Look())
    table = view.table.value
    assert "Train every new starter &lt;b&gt;within&lt;/b&gt; a month" in table
    assert "<b>" not in table
    assert "<caption>Actions of Alpha health &amp; care trust in this cycle" in table
    assert f'<th scope="row">{ids[0]}</th>' in table
    assert '<th scope="col">Overdue or stuck</th>' in table


def test_the_controls_are_labelled_and_reason_shows_only_when_dropping(form_store, ids) -> None:
    model = tracked(form_store)
    view = TrackedActionsView(model, Look())
    assert [view.action.description, view.status.description, view.note.description] == [
        "Action",
        "Status",
        "Progress note",
    ]
    assert view.reason.description == "Why it is dropped"
    assert view.reason.layout.display == "none"
    view.status.value = ActionStatus.DROPPED.value
    assert view.reason.layout.display is None
    assert view.action.value == ids[0]
    view.action.value = ids[1]
    assert model.chosen == ids[1]
    assert (view.nominate.disabled, view.withdraw.disabled) == (False, True)

    view.status.value = ActionStatus.IN_PROGRESS.value
    view.note.value = "Started"
    view.record.click()
    assert model.chosen == ids[1]  # still the one being worked on after the reload
    assert view.action.value == ids[1]
    assert 'role="status"' in view.message.value
    assert "Recorded for" in view.message.value
    view.record.click()
    assert 'role="alert"' in view.message.value


def test_the_table_shows_without_controls_to_an_analyst(form_store, ids) -> None:
    view = TrackedActionsView(tracked(acting(form_store, Role.ANALYST)), Look())
    assert view.layout.display is None
    assert view.controls.layout.display == "none"
    assert ids[0] in view.table.value


def test_the_form_shows_the_section_below_the_criteria_after_opening(
    form_store, form_scheduler
) -> None:
    form = open_form(
        form_store, {"user": "Lead"}, schedule=form_scheduler, clock=form_scheduler.clock
    )
    assert isinstance(form, FormView)
    assert form.tracked.layout.display == "none"  # no return open yet
    children = list(form.children)
    assert children.index(form.body) < children.index(form.tracked)
    assert form.model.open("c2", "alpha")
    assert form.tracked.layout.display is None
    assert "has no actions in this cycle yet" in form.tracked.table.value


def test_a_saved_action_appears_and_a_submitted_return_still_tracks(
    form_store, form_scheduler
) -> None:
    model = FormModel(form_store, schedule=form_scheduler, clock=form_scheduler.clock)
    model.author = "Lead"
    assert model.open("c2", "alpha")
    assert model.tracked.rows == []
    model.set_answer("p-1", rating="green", evidence="Audit", actions=[AUDIT])
    for criterion_id in ("p-2", "i-1"):
        model.set_answer(criterion_id, rating="amber")
    form_scheduler.advance(3)
    assert [row["text"] for row in model.tracked.rows] == ["Audit the referral pathway"]
    assert model.submit(), model.message
    assert model.status == Status.SUBMITTED
    assert model.read_only
    tracker = model.tracked
    assert tracker.may_change
    tracker.status, tracker.note = ActionStatus.DONE.value, "Done after submission"
    assert tracker.record(), tracker.message
    assert tracker.rows[0]["status"] == "Done"
    assert form_store.latest("c2", "alpha").status == Status.SUBMITTED


def test_an_autosave_of_other_words_leaves_the_actions_unread(
    form_store, form_scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading them again was half of every autosave (#19); a change to them still shows."""
    model = FormModel(form_store, schedule=form_scheduler, clock=form_scheduler.clock)
    model.author = "Lead"
    assert model.open("c2", "alpha")
    model.set_answer("p-1", rating="green", evidence="Audit", actions=[AUDIT])
    form_scheduler.advance(3)
    reads: list[str] = []
    find = form_store.actions.find
    monkeypatch.setattr(
        form_store.actions, "find", lambda *a, **k: reads.append("x") or find(*a, **k)
    )
    model.set_answer("p-1", rating="green", evidence="Audit, and the spot checks", actions=[AUDIT])
    form_scheduler.advance(3)
    assert form_store.latest("c2", "alpha").answers["p-1"].evidence.endswith("spot checks")
    assert reads == []  # saved, actions untouched: the list is as it was
    stored = form_store.latest("c2", "alpha").answers["p-1"].actions
    renamed = stored[0].model_copy(update={"text": "Audit the referral pathway twice"})
    model.set_answer("p-1", rating="green", evidence="Audit", actions=[renamed])
    form_scheduler.advance(3)
    assert reads  # an action changed: read again
    assert [row["text"] for row in model.tracked.rows] == ["Audit the referral pathway twice"]


# -- on PostgreSQL -------------------------------------------------------------------------


@pytest.fixture
def pg_form_store(pg_databases, tmp_path: Path) -> Iterator[Store]:
    files = data.write_partnership(tmp_path / "form", FORM_PARTNERSHIP, FORM_FRAMEWORK)
    with installed(pg_databases("wbtracked"), *files) as store:
        yield store


@pytest.mark.postgres
def test_record_and_nominate_on_postgresql(pg_form_store: Store) -> None:
    audit, _train = save_actions(pg_form_store, "alpha", AUDIT, TRAIN)
    model = tracked(acting(pg_form_store, Role.MEMBER, "alpha"))
    model.status, model.note = ActionStatus.IN_PROGRESS.value, "Under way"
    assert model.record(), model.message
    assert model.nominate(), model.message
    assert model.rows[0]["top"] == "Nominated"
    assert model.rows[0]["last_note"] == day(dt.datetime.now(dt.UTC), "")
    assert [r.note for r in pg_form_store.actions.history(audit)] == ["", "Under way"]
