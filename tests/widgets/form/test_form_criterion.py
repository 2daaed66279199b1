"""One criterion's model and views (``widgets.form.criterion``), headless."""

from __future__ import annotations

import datetime as dt

import ipywidgets as ipw
import pytest

from widgets.form import ActionsView, CriterionModel, CriterionView, Look, anchor
from workbook.schema.framework import Framework
from workbook.schema.responses import Action, Answer


@pytest.fixture
def model(form_framework: Framework) -> CriterionModel:
    return CriterionModel(form_framework, form_framework.criterion("p-2"), "Prevent 2")


def test_show_is_not_an_edit_and_answer_round_trips(model: CriterionModel) -> None:
    saved = Answer(
        rating="amber",
        evidence="E",
        actions=(Action(text="Train", owner="Lead", due=dt.date(2020, 5, 1)),),
        carried_forward=True,
    )
    model.show(saved)
    assert model.edits == 0
    assert model.answer() == saved


def test_any_edit_counts_and_clears_the_carried_mark(model: CriterionModel) -> None:
    model.show(Answer(rating="red", carried_forward=True))
    model.going_well = "Staff know the pathway"
    assert model.edits == 1
    assert not model.carried_forward

    model.show(Answer(rating="red", actions=(Action(text="A"),), carried_forward=True))
    model.actions[0].owner = "Service manager"  # an edit inside an action counts too
    assert model.edits == 2
    assert not model.carried_forward


def test_blank_action_rows_are_not_saved(model: CriterionModel) -> None:
    model.add_action()
    model.add_action()
    model.actions[1].text = "Audit cases"
    new_id = model.actions[1].action_id  # a row added on the page is a new tracked action
    assert new_id is not None
    assert new_id != model.actions[0].action_id
    assert model.answer().actions == (Action(text="Audit cases", id=new_id),)
    model.remove_action(1)
    assert model.answer().actions == ()
    model.remove_action(5)  # out of range: nothing happens
    assert len(model.actions) == 1


def test_set_actions_replaces_them_as_an_edit(model: CriterionModel) -> None:
    model.set_actions([Action(text="One"), Action(text="Two", owner="X")])
    assert [a.text for a in model.actions] == ["One", "Two"]
    assert model.edits >= 1


def test_view_labels_every_input_and_links_it(model: CriterionModel) -> None:
    view = CriterionView(model, Look())
    assert set(view.inputs) == {
        "rating",
        "not_applicable",
        "na_reason",
        "evidence",
        "going_well",
        "development",
    }
    assert view.inputs["rating"].description == "Rating for Prevent 2"
    assert view.inputs["development"].description == "Worries & gaps"
    title = view.children[0].value
    assert f'id="{anchor("p-2")}" tabindex="-1"' in title
    assert "Do children get &lt;awareness&gt; sessions?" in title  # template text escaped

    view.inputs["evidence"].value = "<i>typed</i>"
    assert model.evidence == "<i>typed</i>"
    model.rating = "green"
    assert view.inputs["rating"].value == "green"
    assert "Rated <strong>Green</strong>: In place" in view.level.value
    model.read_only = True
    assert all(w.disabled for w in view.inputs.values())


def test_actions_view_adds_and_removes_labelled_rows(model: CriterionModel) -> None:
    view = ActionsView(model, Look())
    assert view.add.description == "Add an action to Prevent 2"
    assert isinstance(view.rows.children[0], ipw.HTML)  # "No actions yet."
    view.add.click()
    view.add.click()
    first, second = view.rows.children
    text, (owner, due, remove) = second.children[0], second.children[1].children
    assert [text.description, owner.description, due.description, remove.description] == [
        "Action 2",
        "Action 2 owner",
        "Action 2 due date",
        "Remove action 2",
    ]
    text.value = "Second"
    due.value = dt.date(2021, 1, 31)
    first.children[1].children[2].click()  # remove action 1
    assert [a.text for a in model.actions] == ["Second"]
    assert view.rows.children[0].children[0].description == "Action 1"
    (second,) = model.actions
    assert model.answer().actions == (
        Action(text="Second", due=dt.date(2021, 1, 31), id=second.action_id),
    )


# -- not applicable (issue #16) -------------------------------------------------------------


def test_not_applicable_and_a_rating_clear_each_other(model: CriterionModel) -> None:
    model.rating = "amber"
    model.not_applicable = True
    assert model.rating is None
    model.na_reason = "We do not license taxis."
    assert model.answer() == Answer(not_applicable=True, na_reason="We do not license taxis.")
    model.rating = "green"
    assert not model.not_applicable
    # the reason typed stays on the page, but is not part of an answer that applies
    assert model.na_reason == "We do not license taxis."
    assert model.answer() == Answer(rating="green")
    edits = model.edits
    model.na_reason = "More words"  # unticked: not an edit to save
    assert model.edits == edits


def test_showing_a_not_applicable_answer_is_not_an_edit(model: CriterionModel) -> None:
    saved = Answer(not_applicable=True, na_reason="Not our service.")
    model.show(saved)
    assert model.edits == 0
    assert model.answer() == saved


def test_the_reason_box_shows_only_while_ticked_and_both_are_labelled(
    model: CriterionModel,
) -> None:
    view = CriterionView(model, Look())
    box, reason = view.inputs["not_applicable"], view.inputs["na_reason"]
    assert isinstance(box, ipw.Checkbox)
    assert box.description == "Not applicable: Prevent 2 does not apply to our agency"
    assert reason.description == "Why it does not apply (needed to submit)"
    assert reason.layout.display == "none"
    box.value = True
    assert reason.layout.display == ""
    reason.value = "Not our service."
    assert model.answer().na_reason == "Not our service."
    view.inputs["rating"].value = "red"
    assert box.value is False
    assert reason.layout.display == "none"
    model.read_only = True
    assert box.disabled
    assert reason.disabled
