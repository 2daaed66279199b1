"""Two pages on one return (issue #7): keep or merge, never a silent overwrite.

Two ``FormModel``s on one real store, on SQLite and PostgreSQL (``db_url``), stand for
two tabs or two people. Page ``A`` is the colleague ("Sam"), page ``B`` the user
("Kim"); both share the manual autosave clock.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.support.data import without_action_ids
from widgets.form import DECIDING, LOCKED, MERGED, FormModel
from workbook.merge import FIELDS
from workbook.schema.responses import Action, Answer, Status
from workbook.store import Store

TIME = r"\d\d:\d\d"


@pytest.fixture
def form_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def open_page(form_store: Store, form_scheduler):
    def make(author: str) -> FormModel:
        model = FormModel(form_store, schedule=form_scheduler, clock=form_scheduler.clock)
        model.author = author
        assert model.open("c2", "alpha"), model.message
        return model

    return make


def latest(store: Store):
    return store.latest("c2", "alpha")


def on_page(model: FormModel, criterion_id: str) -> Answer:
    return model.criteria[criterion_id].answer()


def test_changes_to_different_fields_are_merged_and_saved_together(
    open_page, form_store: Store, form_scheduler
) -> None:
    sam, kim = open_page("Sam"), open_page("Kim")
    sam.set_answer("p-1", rating="green", evidence="Audit")
    assert sam.save()
    kim.set_answer("p-2", rating="amber")
    kim.set_answer("i-1", development="Staffing")

    assert kim.save(), kim.message  # refused at first, then merged: nothing to decide
    assert latest(form_store).answers == {
        "p-1": Answer(rating="green", evidence="Audit"),
        "p-2": Answer(rating="amber"),
        "i-1": Answer(development="Staffing"),
    }
    assert [r.author for r in form_store.history("c2", "alpha")] == ["Sam", "Kim"]
    assert on_page(kim, "p-1") == Answer(rating="green", evidence="Audit")  # theirs taken in
    assert (kim.based_on, kim.conflict, kim.dirty) == (2, False, False)
    assert kim.merge.state == MERGED
    assert kim.merge.summary.startswith("Sam saved this return at ")
    assert "Their changes are now on this page: Prevent 1 (rating, evidence)." in kim.merge.summary
    assert "Your changes are kept: Prevent 2 (rating); Identify 1 (worries & gaps)." in (
        kim.merge.summary
    )

    # and the other way round, by autosave: Sam's page takes Kim's work in
    sam.set_answer("p-1", evidence="Audit, March")
    form_scheduler.advance(3)
    assert latest(form_store).revision == 3
    assert latest(form_store).answers["p-2"] == Answer(rating="amber")
    assert latest(form_store).answers["p-1"].evidence == "Audit, March"
    assert on_page(sam, "i-1") == Answer(development="Staffing")
    assert sam.save_state.startswith("Draft, saved at ")


def test_a_submission_is_not_made_with_changes_nobody_has_seen(
    open_page, form_store: Store, form_scheduler
) -> None:
    sam, kim = open_page("Sam"), open_page("Kim")
    for page in (sam, kim):
        page.set_answer("p-1", rating="amber")
        page.set_answer("i-1", rating="amber")
    sam.set_answer("p-2", rating="red")
    assert sam.save()
    kim.set_answer("p-2", rating="red", going_well="Sessions in every school")

    assert not kim.submit()
    assert kim.message.startswith("Not submitted: Sam saved this return at ")
    assert "check them, then choose 'Submit the return' again" in kim.message
    assert latest(form_store).status == Status.DRAFT
    assert on_page(kim, "p-2") == Answer(rating="red", going_well="Sessions in every school")
    assert "has not been submitted" in kim.merge.summary
    form_scheduler.advance(3)  # the merged draft is saved meanwhile
    assert latest(form_store).answers["p-2"].going_well == "Sessions in every school"
    assert kim.submit(), kim.message
    assert latest(form_store).status == Status.SUBMITTED


@pytest.fixture
def overlapping(open_page, form_store: Store):
    """Kim's page and Sam's rev 2 both changed Prevent 1's rating from amber (rev 1)."""
    sam = open_page("Sam")
    sam.set_answer("p-1", rating="amber", evidence="Audit")
    assert sam.save()
    kim = open_page("Kim")
    sam.set_answer("p-1", rating="green")
    sam.set_answer("p-2", rating="red")
    assert sam.save()
    kim.set_answer("p-1", rating="red", evidence="Audit, redone")
    return sam, kim


@pytest.mark.parametrize(("side", "rating"), [("mine", "red"), ("theirs", "green")])
def test_a_field_both_changed_waits_for_the_users_choice(
    overlapping, form_store: Store, form_scheduler, side: str, rating: str
) -> None:
    _sam, kim = overlapping

    assert not kim.save()
    # nothing was written over Sam's revision
    assert latest(form_store).revision == 2
    assert latest(form_store).answers["p-1"] == Answer(rating="green", evidence="Audit")
    assert kim.conflict
    assert kim.merge.state == DECIDING
    assert kim.message.startswith("Not saved yet: Sam saved this return at ")
    assert "1 answer was changed on both pages" in kim.message
    assert kim.save_state == "Not saved: changed by someone else; choose what to keep"
    [entry] = kim.merge.entries
    assert entry["key"] == "p-1/rating"
    assert (entry["title"], entry["mine"], entry["theirs"]) == ("Prevent 1, rating", "Red", "Green")
    assert entry["theirs_by"].startswith("saved by Sam at ")
    assert entry["theirs_by"].endswith(" (revision 2)")
    # only one side changed these: mine kept, theirs taken in
    assert on_page(kim, "p-1") == Answer(rating="red", evidence="Audit, redone")
    assert on_page(kim, "p-2") == Answer(rating="red")

    kim.set_answer("i-1", development="Gaps")  # typing goes on; autosave waits
    form_scheduler.advance(30)
    assert not kim.autosave.pending
    assert latest(form_store).revision == 2
    assert not kim.save()
    assert "1 of the answers changed on both pages still needs a choice" in kim.message
    assert not kim.save_merged()

    kim.merge.choose("p-1", "rating", side)
    assert kim.criteria["p-1"].rating == rating  # the page shows the choice at once
    assert kim.merge.undecided == 0
    assert kim.save_merged(), kim.message
    assert kim.message.startswith("Saved the merged return at ")
    saved = latest(form_store)
    assert saved.revision == 3
    assert saved.answers == {
        "p-1": Answer(rating=rating, evidence="Audit, redone"),
        "p-2": Answer(rating="red"),
        "i-1": Answer(development="Gaps"),
    }
    assert form_store.history("c2", "alpha")[-1].based_on == 2
    assert (kim.conflict, kim.based_on, kim.merge.state) == (False, 3, MERGED)
    verb = "kept yours" if side == "mine" else "used theirs"
    assert f"You {verb} for Prevent 1, rating." in kim.merge.summary
    kim.set_answer("i-1", development="Gaps in staffing")
    form_scheduler.advance(3)  # autosave is back on
    assert latest(form_store).answers["i-1"].development == "Gaps in staffing"


def test_keep_all_mine_and_use_all_theirs_decide_every_field_actions_as_one(
    overlapping, form_store: Store
) -> None:
    sam, kim = overlapping
    sam.set_answer("p-1", actions=[Action(text="Train staff", owner="Sam")])
    assert sam.save()
    kim.set_answer("p-1", actions=[Action(text="Audit files", due=dt.date(2020, 3, 1))])
    kim.set_answer("p-2", going_well="Sessions")

    assert not kim.save()
    assert [e["title"] for e in kim.merge.entries] == ["Prevent 1, rating", "Prevent 1, actions"]
    actions = kim.merge.entries[1]
    assert actions["mine"] == "1. Audit files (no owner; due 1 Mar 2020)"
    assert actions["theirs"] == "1. Train staff (owner: Sam; no due date)"
    assert actions["theirs_by"].endswith("(revision 3)")  # the revision that changed it

    kim.merge.choose_all("mine")
    kim.merge.choose_all("theirs")  # changing one's mind is allowed until saved
    assert kim.merge.choices == {"p-1/rating": "theirs", "p-1/actions": "theirs"}
    assert kim.save_merged(), kim.message
    assert without_action_ids(latest(form_store).answers)["p-1"] == Answer(
        rating="green",
        evidence="Audit, redone",
        actions=(Action(text="Train staff", owner="Sam"),),
    )
    assert latest(form_store).answers["p-2"] == Answer(rating="red", going_well="Sessions")


def test_someone_saving_again_while_the_user_decides_starts_the_merge_again(
    overlapping, form_store: Store
) -> None:
    sam, kim = overlapping
    assert not kim.save()
    first = kim.merge
    sam.set_answer("p-1", evidence="Audit v3")
    sam.set_answer("i-1", rating="amber")
    assert sam.save()  # revision 3, while Kim is deciding

    first.choose("p-1", "rating", "mine")
    assert not kim.save_merged()
    assert latest(form_store).revision == 3
    second = kim.merge
    assert second is not first
    assert second.state == DECIDING
    assert kim.based_on == 2  # compared with revision 2, which the page now holds
    assert [(e["title"], e["mine"], e["theirs"]) for e in second.entries] == [
        ("Prevent 1, evidence", "Audit, redone", "Audit v3")
    ]
    assert on_page(kim, "i-1") == Answer(rating="amber")  # Sam's new work taken in
    assert kim.criteria["p-1"].rating == "red"  # the first choice stands

    second.choose("p-1", "evidence", "mine")
    assert kim.save_merged(), kim.message
    assert latest(form_store).answers == {
        "p-1": Answer(rating="red", evidence="Audit, redone"),
        "p-2": Answer(rating="red"),
        "i-1": Answer(rating="amber"),
    }


def test_a_return_they_submitted_is_not_saved_over_the_user_gets_the_text(
    open_page, form_store: Store, form_scheduler
) -> None:
    sam, kim = open_page("Sam"), open_page("Kim")
    for criterion_id in ("p-1", "p-2", "i-1"):
        sam.set_answer(criterion_id, rating="amber")
    assert sam.submit(), sam.message
    kim.set_answer("p-1", rating="red", evidence="Line one\nLine <two>")

    assert not kim.save()
    assert latest(form_store).revision == 1
    assert latest(form_store).status == Status.SUBMITTED
    assert kim.conflict
    assert kim.merge.state == LOCKED
    assert kim.message.startswith("Not saved: Sam submitted this return at ")
    assert "so it is read-only now" in kim.message
    assert kim.save_state == "Not saved: submitted by someone else"
    assert kim.merge.copy_text == (
        "Prevent 1, rating:\nRed\n\nPrevent 1, evidence:\nLine one\nLine <two>"
    )
    assert kim.criteria["p-1"].evidence == "Line one\nLine <two>"  # still on the page
    kim.set_answer("p-2", rating="green")
    form_scheduler.advance(30)
    assert latest(form_store).revision == 1
    assert not kim.submit()
    assert not kim.save_merged()

    assert kim.load()  # "Show the submitted return"
    assert kim.read_only
    assert kim.merge is None
    assert not kim.conflict
    assert on_page(kim, "p-1") == Answer(rating="amber")


def test_a_submission_elsewhere_with_nothing_unsaved_just_shows_it(
    open_page, form_store: Store
) -> None:
    sam = open_page("Sam")
    sam.set_answer("p-1", rating="amber")
    assert sam.save()
    kim = open_page("Kim")
    for criterion_id in ("p-1", "p-2", "i-1"):
        sam.set_answer(criterion_id, rating="amber")
    assert sam.submit(), sam.message

    assert not kim.save()
    assert kim.message.startswith("Sam submitted this return at ")
    assert kim.message.endswith("You had no unsaved changes.")
    assert kim.read_only
    assert not kim.conflict
    assert kim.merge is None
    assert on_page(kim, "p-2") == Answer(rating="amber")


def test_a_return_reopened_meanwhile_is_merged_and_stays_reopened(
    open_page, form_store: Store
) -> None:
    sam = open_page("Sam")
    sam.set_answer("p-1", rating="amber")
    assert sam.save()
    kim = open_page("Kim")
    for criterion_id in ("p-1", "p-2", "i-1"):
        sam.set_answer(criterion_id, rating="amber")
    assert sam.submit(), sam.message
    assert sam.reopen("Add evidence")
    kim.set_answer("p-1", evidence="Audit")

    assert kim.save(), kim.message
    saved = latest(form_store)
    assert (saved.revision, saved.status) == (4, Status.REOPENED)
    assert saved.answers["p-1"] == Answer(rating="amber", evidence="Audit")
    assert kim.status == Status.REOPENED


VALUES = {
    "rating": lambda rng, tag: rng.choice(["red", "amber", "green"]),
    "evidence": lambda rng, tag: f"evidence {tag}",
    "going_well": lambda rng, tag: f"going well {tag}",
    "development": lambda rng, tag: f"gaps {tag}",
    "actions": lambda rng, tag: (Action(text=f"action {tag}"),),
}
TYPED = [
    ("p-1", "rating"),
    ("p-1", "evidence"),
    ("p-1", "actions"),
    ("p-2", "going_well"),
    ("i-1", "rating"),
    ("i-1", "development"),
]


def plain(answer: Answer, field: str) -> object:
    """A field's value, actions without the ids the store gives them (issue #15)."""
    value = getattr(answer, field)
    return tuple(a.model_copy(update={"id": None}) for a in value) if field == "actions" else value


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nothing_typed_on_either_page_is_lost(
    open_page, form_store: Store, form_scheduler, seed: int
) -> None:
    """Whatever each page held when a save was asked for ends up saved or still shown.

    Random interleavings of typing, saves, autosaves and merges; every decision keeps
    mine, so no value is given up by choice.
    """
    rng = random.Random(seed)
    pages = {"A": open_page("Sam"), "B": open_page("Kim")}
    asked: set[tuple[str, str, object]] = set()
    decided: list[int] = []

    def snapshot(*saving: FormModel) -> None:  # what each page holds as it asks to save
        for page in saving:
            for cid, answer in page.answers.items():
                asked.update((cid, f, plain(answer, f)) for f in FIELDS)

    def decide(page: FormModel) -> None:
        decided.append(len(page.merge.entries))
        page.merge.choose_all("mine")
        snapshot(page)
        page.save_merged()

    for step in range(40):
        name = rng.choice("AB")
        page = pages[name]
        roll = rng.random()
        if roll < 0.6:
            cid, field = rng.choice(TYPED)
            page.set_answer(cid, **{field: VALUES[field](rng, f"{name}{step}")})
        elif roll < 0.8:
            snapshot(page)
            page.save()
        else:
            snapshot(*(p for p in pages.values() if p.autosave.pending))
            form_scheduler.advance(3)
        for other in pages.values():
            if other.merge is not None and other.merge.state == DECIDING and rng.random() < 0.5:
                decide(other)
    for _ in range(4):  # settle: decide what is pending, let autosave run
        for page in pages.values():
            if page.merge is not None and page.merge.state == DECIDING:
                decide(page)
        snapshot(*(p for p in pages.values() if p.autosave.pending))
        form_scheduler.advance(10)

    stored = {
        (cid, f, plain(answer, f))
        for revision in form_store.history("c2", "alpha")
        for cid, answer in form_store.at("c2", "alpha", revision.number).answers.items()
        for f in FIELDS
    }
    shown = {
        (cid, f, plain(answer, f))
        for page in pages.values()
        for cid, answer in page.answers.items()
        for f in FIELDS
    }
    lost = {v for v in asked if v[2] not in ("", None, ())} - stored - shown
    assert not lost
    assert len(asked) > 10
    assert decided
    assert len(form_store.history("c2", "alpha")) >= 2  # both pages saved something
    assert not any(p.conflict for p in pages.values())
