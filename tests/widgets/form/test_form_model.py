"""FormModel headless: open, edit, autosave, conflicts, submit, reopen, copy forward.

On SQLite (``form_store``; test_form_model_databases runs a journey on PostgreSQL too);
autosave is driven by a manual clock.
"""

from __future__ import annotations

import datetime as dt

import pytest

from widgets.form import FormModel, clock_time
from workbook.schema.responses import Action, Answer, Status
from workbook.store import Store

COMPLETE = {
    "p-1": {"rating": "amber", "evidence": "Audit"},
    "p-2": {"rating": "red"},
    "i-1": {"rating": "amber"},
}


@pytest.fixture
def make_model(form_store: Store, form_scheduler):
    def make(cycle: str = "c2", agency: str = "alpha", author: str = "Lead") -> FormModel:
        model = FormModel(form_store, schedule=form_scheduler, clock=form_scheduler.clock)
        model.author = author
        assert model.open(cycle, agency), model.message
        return model

    return make


def fill(model: FormModel, answers: dict[str, dict]) -> None:
    for criterion_id, fields in answers.items():
        model.set_answer(criterion_id, **fields)


def test_opening_shows_the_framework_and_an_empty_return(make_model) -> None:
    model = make_model()
    assert model.title == "Alpha health & care trust: Cycle 2020"
    assert [h.heading.title for h in model.headings] == ["Prevent", "Identify"]
    assert [c.label for c in model.headings[0].criteria] == ["Prevent 1", "Prevent 2"]
    assert model.status == Status.NOT_STARTED
    assert model.based_on is None
    assert model.overall == "0 of 3 criteria answered"
    assert model.save_state == "Nothing saved yet"
    assert not model.read_only


def test_a_change_is_saved_a_few_seconds_later(
    make_model, form_store: Store, form_scheduler
) -> None:
    model = make_model()
    model.set_answer("p-1", rating="green")
    assert model.dirty
    assert model.save_state == "Unsaved changes: saving in a few seconds"
    assert model.overall == "1 of 3 criteria answered"
    assert model.headings[0].done == 1

    form_scheduler.advance(2.9)
    assert form_store.latest("c2", "alpha") is None
    model.set_answer("p-1", evidence="Training log")  # typing postpones the save
    form_scheduler.advance(2.9)
    assert form_store.latest("c2", "alpha") is None
    form_scheduler.advance(0.2)

    latest = form_store.latest("c2", "alpha")
    assert latest is not None
    assert latest.author == "Lead"
    assert latest.status == Status.DRAFT
    assert latest.answers == {"p-1": Answer(rating="green", evidence="Training log")}
    assert not model.dirty
    assert model.based_on == 1
    assert model.save_state.startswith("Draft, saved at ")
    assert model.message.startswith("Saved at ")


def test_continuous_typing_is_still_saved_within_the_longest_wait(
    make_model, form_store: Store, form_scheduler
) -> None:
    model = make_model()
    for second in range(20):
        model.set_answer("p-1", evidence="x" * (second + 1))
        form_scheduler.advance(1)
        if form_store.latest("c2", "alpha"):
            break
    assert form_scheduler.now <= 10 + 1  # the longest wait (Debouncer.max_wait)
    assert form_store.latest("c2", "alpha").answers["p-1"].evidence.startswith("x")


def test_free_text_is_stored_exactly_as_typed(make_model, form_store: Store) -> None:
    model = make_model()
    typed = "  <b>Bold?</b> & 'quotes'\n  second line  "
    model.set_answer("p-1", evidence=typed)
    assert model.save()
    assert form_store.latest("c2", "alpha").answers["p-1"].evidence == typed


def test_nothing_is_saved_without_a_name_or_role(
    make_model, form_store: Store, form_scheduler
) -> None:
    model = make_model(author="")
    model.set_answer("p-1", rating="red")
    form_scheduler.advance(10)
    assert form_store.latest("c2", "alpha") is None
    assert "type your name or role" in model.message
    assert model.save_state == "Unsaved changes: type your name or role to save"

    model.author = "Named lead"  # now the waiting change is saved
    form_scheduler.advance(3)
    assert form_store.latest("c2", "alpha").author == "Named lead"


def test_explicit_save_and_nothing_new(make_model, form_store: Store) -> None:
    model = make_model()
    assert not model.save()
    assert model.message == "Nothing to save yet: answer a criterion first."
    model.set_answer("p-2", rating="amber")
    assert model.save()
    assert model.save()  # nothing changed: no new revision
    assert model.message.startswith("Nothing new to save; it was last saved at ")
    assert len(form_store.history("c2", "alpha")) == 1


def test_reopening_the_form_shows_the_latest_saved_revision(make_model) -> None:
    first = make_model()
    fill(first, {"p-1": {"rating": "green", "evidence": "E"}, "i-1": {"development": "Gaps"}})
    assert first.save()

    again = make_model()
    assert again.based_on == 1
    assert again.criteria["p-1"].rating == "green"
    assert again.criteria["p-1"].evidence == "E"
    assert again.criteria["i-1"].development == "Gaps"
    assert again.overall == "1 of 3 criteria answered"
    assert not again.dirty


def test_someone_elses_save_is_not_overwritten(make_model, form_store: Store) -> None:
    model = make_model()
    model.set_answer("p-1", rating="red")
    assert model.save()
    form_store.save(
        "c2",
        "alpha",
        {"p-1": Answer(rating="green")},
        author="Colleague",
        based_on=1,
    )
    model.set_answer("p-2", rating="amber")

    # refused, then their change is merged into the page and saved with mine (issue #7;
    # test_form_merge_model has the cases that need the user's choice)
    assert model.save(), model.message
    assert not model.conflict
    latest = form_store.latest("c2", "alpha")
    assert latest.revision == 3
    assert form_store.history("c2", "alpha")[-1].based_on == 2
    assert latest.answers == {"p-1": Answer(rating="green"), "p-2": Answer(rating="amber")}
    assert model.criteria["p-1"].rating == "green"
    assert model.merge.title == "Merged with someone else's changes"
    assert "Colleague saved this return" in model.merge.summary


def test_submit_lists_what_is_missing_in_words(make_model, form_store: Store) -> None:
    model = make_model()
    fill(model, {"p-1": {"rating": "green"}})
    model.set_answer("p-2", rating="red", actions=[Action(text="Train staff")])

    assert not model.submit()
    assert [(p["label"], p["problem"]) for p in model.problems] == [
        ("Prevent 1", "rated 'Green' but no evidence given"),
        ("Prevent 2", "action 1 has no owner"),
        ("Prevent 2", "action 1 has no due date"),
        ("Identify 1", "not rated"),
    ]
    assert model.problems[3]["criterion"] == "i-1"
    assert model.problems[3]["prompt"] == "Is the screening tool used?"
    assert model.message.startswith("Not submitted: 4 things to finish first.")
    assert all(h.open for h in model.headings)  # the links lead somewhere
    assert model.status != Status.SUBMITTED
    latest = form_store.latest("c2", "alpha")
    assert latest is None or latest.status == Status.DRAFT


def test_submit_a_complete_return_makes_it_read_only(make_model, form_store: Store) -> None:
    model = make_model()
    fill(model, COMPLETE)
    assert model.submit(), model.message
    assert model.problems == []
    assert model.message.startswith("Submitted at ")
    assert model.status == Status.SUBMITTED
    assert model.read_only
    assert all(c.read_only for c in model.criteria.values())
    assert form_store.latest("c2", "alpha").status == Status.SUBMITTED

    assert not model.save()
    assert "read-only" in model.message
    assert not model.submit()
    model.criteria["p-1"].add_action()  # ignored when read-only
    assert model.criteria["p-1"].actions == []


def test_the_chair_reopens_with_a_reason_and_edits_are_saved_as_reopened(
    make_model, form_store: Store
) -> None:
    model = make_model()
    fill(model, COMPLETE)
    assert model.submit()
    model.author = "MASE chair"
    assert not model.reopen("  ")
    assert model.message == "Give a reason for reopening the return; it is kept in its history."

    counts = [(h.done, h.total) for h in model.headings]
    model.reopen_reason = "Evidence for P1 needs dates"
    assert model.reopen()
    assert model.status == Status.REOPENED
    assert not model.read_only
    # the reload builds new heading models; their counts must not fall back to 0
    assert [(h.done, h.total) for h in model.headings] == counts
    assert all(done > 0 for done, _ in counts)
    assert model.reopen_reason == ""
    history = form_store.history("c2", "alpha")
    assert (history[-1].status, history[-1].author, history[-1].note) == (
        Status.REOPENED,
        "MASE chair",
        "Evidence for P1 needs dates",
    )

    model.author = "Lead"
    model.set_answer("p-1", evidence="Audit, March 2020")
    assert model.save()
    assert form_store.latest("c2", "alpha").status == Status.REOPENED
    assert model.submit()
    assert form_store.latest("c2", "alpha").status == Status.SUBMITTED


def test_only_a_submitted_return_can_be_reopened(make_model) -> None:
    model = make_model()
    assert not model.reopen("why")
    assert model.message == "Only a submitted return can be reopened."


def test_copy_forward_fills_empty_criteria_marked_until_edited(
    make_model, form_store: Store, form_scheduler
) -> None:
    form_store.save(
        "c1",
        "alpha",
        {"p-1": Answer(rating="green", evidence="Old"), "p-2": Answer(rating="red")},
        author="Last year",
        based_on=None,
    )
    model = make_model()
    assert model.carry_from == "Cycle 2019"
    model.set_answer("p-2", rating="amber")  # typed this year: kept

    assert model.copy_forward() == 1
    assert model.message == (
        "Copied 1 answer from Cycle 2019. Each is marked 'carried forward' until you edit it."
    )
    assert model.carry_from == ""
    p1 = model.criteria["p-1"]
    assert (p1.rating, p1.evidence, p1.carried_forward) == ("green", "Old", True)
    assert model.criteria["p-2"].rating == "amber"
    form_scheduler.advance(3)
    saved = form_store.latest("c2", "alpha").answers
    assert saved["p-1"].carried_forward
    assert not saved["p-2"].carried_forward

    p1.evidence = "Old, checked"
    assert not p1.carried_forward
    assert not model.answers["p-1"].carried_forward
    assert model.copy_forward() == 0
    assert model.message == "There is nothing from an earlier cycle to copy into empty criteria."


def test_no_copy_offered_without_an_earlier_return(make_model) -> None:
    assert make_model().carry_from == ""
    assert make_model(cycle="c1").carry_from == ""


def test_choosing_a_cycle_offers_its_invited_agencies(form_store: Store, form_scheduler) -> None:
    model = FormModel(form_store, schedule=form_scheduler)
    assert model.cycle_options == [("Cycle 2020", "c2"), ("Cycle 2019", "c1")]
    assert not model.open()
    assert model.message == "Choose a cycle and your agency, then open the return."
    model.chosen_cycle = "c1"
    assert model.agency_options == [
        ("Alpha health & care trust", "alpha"),
        ("Beta police force", "beta"),
    ]
    model.chosen_agency = "beta"
    assert model.open()
    assert (model.cycle_id, model.agency_id) == ("c1", "beta")


def test_unknown_or_uninvited_returns_are_explained(make_model, form_store, form_scheduler) -> None:
    model = FormModel(form_store, schedule=form_scheduler)
    assert not model.open("c2", "gamma")
    assert (
        model.message
        == "Gamma schools is not invited to Cycle 2020; choose another agency or cycle."
    )
    assert not model.open("nope", "alpha")
    assert "No cycle named 'nope'" in model.message


def test_switching_returns_saves_the_open_one_first(make_model, form_store: Store) -> None:
    model = make_model()
    model.set_answer("p-1", rating="red")
    assert model.open("c2", "beta")
    assert form_store.latest("c2", "alpha").answers["p-1"].rating == "red"
    assert model.title == "Beta police force: Cycle 2020"


def test_too_long_text_is_reported_not_saved(make_model) -> None:
    model = make_model()
    model.set_answer("p-1", evidence="x" * 10_001)
    assert model.message.startswith("Not saved: Prevent 1 has a field that is too long")
    assert "p-1" not in model.answers


def test_history_is_loaded_when_shown_and_escapes_authors(make_model) -> None:
    model = make_model(author="<script>x</script>")
    model.set_answer("p-1", rating="red")
    assert model.save()
    assert model.history_html == ""  # not loaded until shown
    model.history_open = True
    assert "&lt;script&gt;x&lt;/script&gt;" in model.history_html
    assert "<script>" not in model.history_html
    assert "Prevent 1 (rating)" in model.history_html
    model.set_answer("p-2", rating="amber")
    assert model.save()
    assert "Prevent 2 (rating)" in model.history_html  # refreshed while shown


def test_clock_time_is_uk_local_time() -> None:
    summer = dt.datetime(2020, 7, 1, 13, 5, tzinfo=dt.UTC)
    assert clock_time(summer, today=dt.date(2020, 7, 1)) == "14:05"
    assert clock_time(summer, today=dt.date(2020, 7, 2)) == "1 Jul 2020 at 14:05"


def test_an_older_save_is_shown_with_its_date(make_model, form_store: Store) -> None:
    moment = dt.datetime(2020, 2, 10, 9, 30, tzinfo=dt.UTC)
    form_store.save(
        "c2", "alpha", {"p-1": Answer(rating="red")}, author="X", based_on=None, at=moment
    )
    assert make_model().save_state == "Draft, saved on 10 Feb 2020 at 09:30"
