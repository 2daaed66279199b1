"""The merge panel headless (issue #7): two form views on one return, buttons clicked.

The model's cases are in test_form_merge_model; here the panel shows them in words, its
buttons decide and save, and focus goes where a keyboard user needs it next.
"""

from __future__ import annotations

from collections.abc import Iterator

import ipywidgets as ipw
import pytest

from widgets.form import FormView, open_form
from workbook.schema.responses import Answer, Status
from workbook.store import Store


@pytest.fixture
def open_view(form_store: Store, form_scheduler):
    def make(user: str) -> FormView:
        view = open_form(
            form_store,
            {"cycle": "c2", "agency": "alpha", "user": user},
            schedule=form_scheduler,
            clock=form_scheduler.clock,
        )
        assert isinstance(view, FormView)
        return view

    return make


@pytest.fixture
def focused(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Descriptions of the widgets asked to take the focus, in order."""
    calls: list[str] = []
    monkeypatch.setattr(ipw.DOMWidget, "focus", lambda self: calls.append(self.description))
    return calls


def walk(widget: ipw.Widget) -> Iterator[ipw.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def text(view: FormView) -> str:
    return " ".join(w.value for w in walk(view.merge_view) if isinstance(w, ipw.HTML))


def button(view: FormView, name: str) -> ipw.Button:
    [found] = [
        w for w in walk(view.merge_view) if isinstance(w, ipw.Button) and w.description == name
    ]
    return found


@pytest.fixture
def both_changed(open_view, form_store: Store):
    """Kim's page and Sam's revision 2 both changed Prevent 1's rating and evidence."""
    sam = open_view("Sam")
    sam.model.set_answer("p-1", rating="amber", evidence="Audit")
    assert sam.model.save()
    kim = open_view("Kim")
    sam.model.set_answer("p-1", rating="green", evidence="Sam's <b>audit</b>\nsecond line")
    assert sam.model.save()
    kim.model.set_answer("p-1", rating="red", evidence="Kim's audit")
    kim.model.set_answer("p-2", rating="amber")
    return sam, kim


def test_the_panel_is_hidden_until_someone_else_saves_first(open_view) -> None:
    view = open_view("Kim")
    assert view.merge_view.layout.display == "none"
    assert view.merge_view.children == ()


def test_both_values_side_by_side_in_words_decided_with_buttons(
    both_changed, form_store: Store, form_scheduler, focused: list[str]
) -> None:
    _sam, kim = both_changed
    kim.save_button.click()

    panel = kim.merge_view
    assert panel.layout.display is None
    shown = text(kim)
    assert "<h3>Someone else saved this return while you were working</h3>" in shown
    assert "2 answers were changed on both pages" in shown
    assert "2 of 2 still to decide." in shown
    assert "<h4>Prevent 1, rating</h4>" in shown
    assert "<td>Red</td><td>Green</td>" in shown
    assert "Theirs (saved by Sam at " in shown
    assert "<td>Sam&#x27;s &lt;b&gt;audit&lt;/b&gt;\nsecond line</td>" in shown  # escaped
    assert shown.count("Decision: not made yet.") == 2

    form_scheduler.advance(0.5)  # focus goes to the first decision once it is drawn
    assert focused == ["Keep mine (Prevent 1, rating)"]
    button(kim, "Use theirs (Prevent 1, rating)").click()
    assert focused[-1] == "Keep mine (Prevent 1, evidence)"  # on to the next decision
    assert kim.model.criteria["p-1"].rating == "green"
    assert "Decision: use theirs." in text(kim)
    assert "1 of 2 still to decide." in text(kim)
    button(kim, "Keep mine (Prevent 1, evidence)").click()
    assert focused[-1] == "Save the merged return"
    assert "All decided: choose 'Save the merged return'." in text(kim)
    assert form_store.latest("c2", "alpha").revision == 2  # nothing saved until asked

    button(kim, "Save the merged return").click()
    assert form_store.latest("c2", "alpha").answers == {
        "p-1": Answer(rating="green", evidence="Kim's audit"),
        "p-2": Answer(rating="amber"),
    }
    assert "<h3>Merged with someone else&#x27;s changes</h3>" in text(kim)
    assert "You kept yours for Prevent 1, evidence." in text(kim)
    form_scheduler.advance(0.5)
    assert focused[-1] == "Close this note"
    button(kim, "Close this note").click()
    assert panel.layout.display == "none"
    assert focused[-1] == "Save now"


def test_keep_all_mine_and_use_all_theirs_buttons(both_changed, focused: list[str]) -> None:
    _sam, kim = both_changed
    kim.model.save()
    button(kim, "Use all theirs").click()
    assert text(kim).count("Decision: use theirs.") == 2
    button(kim, "Keep all mine").click()
    assert text(kim).count("Decision: keep yours.") == 2
    assert kim.model.criteria["p-1"].evidence == "Kim's audit"
    assert focused[-1] == "Save the merged return"


def test_a_return_submitted_meanwhile_offers_the_text_to_copy(
    open_view, form_store: Store, form_scheduler, focused: list[str]
) -> None:
    sam, kim = open_view("Sam"), open_view("Kim")
    for criterion_id in ("p-1", "p-2", "i-1"):
        sam.model.set_answer(criterion_id, rating="amber")
    assert sam.model.submit()
    kim.model.set_answer("p-1", evidence="Kim's <notes>")
    kim.save_button.click()

    shown = text(kim)
    assert "<h3>This return was submitted while you were working</h3>" in shown
    assert "Sam submitted this return at " in shown
    assert "Save the merged return" not in [
        w.description for w in walk(kim.merge_view) if isinstance(w, ipw.Button)
    ]
    [copy] = [w for w in walk(kim.merge_view) if isinstance(w, ipw.Textarea)]
    assert copy.description == "Your changes that were not saved, to copy"
    assert copy.value == "Prevent 1, evidence:\nKim's <notes>"
    form_scheduler.advance(0.5)
    assert focused == ["Your changes that were not saved, to copy"]

    button(kim, "Show the submitted return").click()
    assert kim.model.read_only
    assert kim.model.status == Status.SUBMITTED
    assert kim.merge_view.layout.display == "none"
    assert kim.save_button.disabled
