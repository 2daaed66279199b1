"""The form's views headless: set widget values, click buttons, assert on the store.

``open_form`` builds what the notebook shows; widgets are found through the views'
attributes, never by position in a box.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import ipywidgets as ipw
import pytest

from widgets.base import page_query
from widgets.form import CriterionView, FormView, open_form, problems_html
from workbook import config
from workbook.schema.responses import Status
from workbook.store import Store, provision

INPUTS = (ipw.Text, ipw.Textarea, ipw.RadioButtons, ipw.DatePicker, ipw.Dropdown)


@pytest.fixture
def form(form_store: Store, form_scheduler) -> FormView:
    return open_form(
        form_store,
        {"cycle": "c2", "agency": "alpha", "user": "Lead"},
        schedule=form_scheduler,
        clock=form_scheduler.clock,
    )


def walk(widget: ipw.Widget) -> Iterator[ipw.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def criterion_view(form: FormView, criterion_id: str) -> CriterionView:
    for heading in form.heading_views:
        for view in heading.criteria:
            if view.model.id == criterion_id:
                return view
    raise KeyError(criterion_id)


def test_open_form_reads_cycle_agency_and_user_from_the_query(form: FormView) -> None:
    assert form.model.title == "Alpha health & care trust: Cycle 2020"
    assert form.title.value == "<h2>Alpha health &amp; care trust: Cycle 2020</h2>"
    assert form.author.value == "Lead"
    assert (form.cycle.value, form.agency.value) == ("c2", "alpha")
    assert "0 of 3 criteria answered" in form.overall.value


def test_headings_build_their_criteria_only_when_first_opened(form: FormView) -> None:
    prevent, identify = form.heading_views
    assert prevent.criteria == []
    assert identify.criteria == []
    assert prevent.toggle.description == "Show the 2 Prevent criteria"
    assert prevent.body.layout.display == "none"

    prevent.toggle.click()
    assert [v.model.id for v in prevent.criteria] == ["p-1", "p-2"]
    assert prevent.body.layout.display is None
    assert prevent.toggle.description == "Hide the Prevent criteria"
    assert identify.criteria == []

    built = prevent.criteria
    prevent.toggle.click()
    prevent.toggle.click()
    assert prevent.criteria is built  # not rebuilt


def test_widgets_edit_the_model_and_autosave_writes_the_store(
    form: FormView, form_store: Store, form_scheduler
) -> None:
    form.heading_view("prevent").toggle.click()
    p1 = criterion_view(form, "p-1")
    p1.inputs["rating"].value = "green"
    p1.inputs["evidence"].value = "Training log"
    p1.actions.add.click()
    row = p1.actions.rows.children[0]
    text, (owner, due, _remove) = row.children[0], row.children[1].children
    text.value = "Refresh training"
    owner.value = "Head of service"
    due.value = dt.date(2020, 6, 30)
    assert "Rated <strong>Green</strong>: In place" in p1.level.value
    assert "1 of 2 answered" in form.heading_view("prevent").count.value

    form_scheduler.advance(3)
    saved = form_store.latest("c2", "alpha").answers["p-1"]
    assert saved.rating == "green"
    assert saved.evidence == "Training log"
    assert [(a.text, a.owner, a.due) for a in saved.actions] == [
        ("Refresh training", "Head of service", dt.date(2020, 6, 30))
    ]
    assert "saved at" in form.save_state.value


def test_save_and_submit_buttons(form: FormView, form_store: Store) -> None:
    form.heading_view("prevent").toggle.click()
    criterion_view(form, "p-1").inputs["rating"].value = "red"
    form.save_button.click()
    assert form_store.latest("c2", "alpha").revision == 1

    form.submit_button.click()
    assert "Not submitted: 2 things to finish first." in form.message.value
    html = form.problems.value
    assert '<a href="#wb-crit-p-2">Prevent 2: not rated</a>' in html
    assert '<a href="#wb-crit-i-1">Identify 1: not rated</a>' in html
    assert "(Do children get &lt;awareness&gt; sessions?)" in html
    assert criterion_view(form, "i-1")  # its heading was opened for the link

    criterion_view(form, "p-2").inputs["rating"].value = "amber"
    criterion_view(form, "i-1").inputs["rating"].value = "amber"
    form.submit_button.click()
    assert form.problems.value == ""
    assert form_store.latest("c2", "alpha").status == Status.SUBMITTED
    assert form.save_button.disabled
    assert form.submit_button.disabled
    view = criterion_view(form, "p-1")
    assert view.inputs["rating"].disabled
    assert view.actions.add.disabled
    assert form.reopen.layout.display is None  # the chair's reopen box


def test_every_input_has_a_label_from_the_template(form: FormView) -> None:
    for heading in form.heading_views:
        heading.toggle.click()
    p2 = criterion_view(form, "p-2")
    p2.actions.add.click()
    inputs = [w for w in walk(form) if isinstance(w, INPUTS)]
    assert len(inputs) > 10
    assert all(w.description.strip() for w in inputs), [type(w).__name__ for w in inputs]
    i1 = criterion_view(form, "i-1")
    # the criterion's own fields, and "not applicable" beside its rating (issue #16)
    assert set(i1.inputs) == {"rating", "not_applicable", "na_reason", "development"}
    assert i1.inputs["development"].description == "Worries & gaps"  # renamed in the YAML
    assert i1.inputs["rating"].options == (("Red", "red"), ("Amber", "amber"), ("Green", "green"))
    assert not hasattr(i1, "actions")


def test_copy_forward_button_and_carried_mark(form_store: Store, form_scheduler) -> None:
    from workbook.schema.responses import Answer

    form_store.save("c1", "alpha", {"p-1": Answer(rating="red")}, author="X", based_on=None)
    form = open_form(
        form_store, {"cycle": "c2", "agency": "alpha", "user": "Lead"}, schedule=form_scheduler
    )
    assert "Cycle 2019" in form.carry_text.value
    form.carry_button.click()
    form.heading_view("prevent").toggle.click()
    view = criterion_view(form, "p-1")
    assert "Carried forward" in view.carried.value
    assert view.inputs["rating"].value == "red"
    view.inputs["rating"].value = "amber"
    assert view.carried.value == ""


def test_history_view_shows_revisions_when_opened(form: FormView) -> None:
    form.heading_view("prevent").toggle.click()
    criterion_view(form, "p-1").inputs["rating"].value = "red"
    form.save_button.click()
    assert form.history.table.value == ""
    form.history.toggle.click()
    assert form.history.toggle.description == "Hide the revision history"
    assert "<td>Lead<br><small>(on the server as " in form.history.table.value
    assert "Prevent 1 (rating)" in form.history.table.value


def test_without_a_query_the_chooser_preselects_the_open_cycle(
    form_store: Store, form_scheduler
) -> None:
    form = open_form(form_store, {}, schedule=form_scheduler, today=dt.date(2019, 6, 1))
    assert form.cycle.value == "c1"
    assert form.agency.options == (
        ("Alpha health & care trust", "alpha"),
        ("Beta police force", "beta"),
    )
    assert form.heading_views == []
    assert form.save_button.disabled
    form.agency.value = "beta"
    form.author.value = "Beta lead"
    form.open_button.click()
    assert form.model.title == "Beta police force: Cycle 2019"
    assert [v.model.heading.id for v in form.heading_views] == ["prevent", "identify"]
    assert not form.save_button.disabled


def test_a_bad_query_is_explained_in_words(form_store: Store, form_scheduler) -> None:
    form = open_form(form_store, {"cycle": "c2", "agency": "zeta"}, schedule=form_scheduler)
    assert "No agency named 'zeta'" in form.model.message
    assert "No agency named &#x27;zeta&#x27;" in form.message.value  # shown escaped
    assert form.heading_views == []


def test_page_query_reads_voilas_query_string(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUERY_STRING", "cycle=c2&agency=alpha&user=Jo%20Bloggs%2C%20lead")
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    assert page_query() == {"cycle": "c2", "agency": "alpha", "user": "Jo Bloggs, lead"}
    monkeypatch.delenv("QUERY_STRING")
    assert page_query() == {}


def test_problems_html_is_empty_without_problems() -> None:
    assert problems_html([]) == ""


@pytest.fixture
def cse_store(tmp_path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path}/cse.db")
    provision.install(store, config.setting("demo_partnership"), config.templates_dir())
    yield store
    store.close()


def test_the_shipped_cse_framework_lazily(cse_store: Store, form_scheduler) -> None:
    form = open_form(
        cse_store,
        {"cycle": "cse-2017-18", "agency": "police", "user": "Lead"},
        schedule=form_scheduler,
    )
    assert [v.model.heading.title for v in form.heading_views] == [
        "Prevent",
        "Identify",
        "Intervene and support",
        "Disrupt and prosecute",
        "Governance and strategy",
    ]
    assert sum(isinstance(w, CriterionView) for w in walk(form)) == 0
    # the police are not asked identify-5 (health) and identify-9 (education, local authority)
    assert "0 of 39 criteria answered" in form.overall.value
    assert "2 criteria of this framework are not asked of agencies in the police sector" in (
        form.scale.value
    )
    for view in form.heading_views:
        view.toggle.click()
    assert sum(isinstance(w, CriterionView) for w in walk(form)) == 39
    rating = criterion_view(form, "prevent-1").inputs["rating"]
    assert [label for label, _ in rating.options] == [
        "Strong",
        "Established",
        "Developing",
        "Not in place",
    ]
    assert "Rating scale: CSE self-assessment rating" in form.scale.value
