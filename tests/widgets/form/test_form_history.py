"""Revision history as HTML (``widgets.form.history``): words, newest first, escaped."""

from __future__ import annotations

import datetime as dt

import pytest

from widgets.form import describe_changes, history_html
from workbook.schema.framework import Framework
from workbook.schema.responses import Status
from workbook.store import RevisionInfo

LABELS = {"p-1": "Prevent 1", "i-1": "Identify 1"}


@pytest.fixture
def framework(form_framework: Framework) -> Framework:
    return form_framework


def revision(
    number: int, status: Status, author: str, changes: dict, note: str = ""
) -> RevisionInfo:
    return RevisionInfo(
        number=number,
        based_on=number - 1 or None,
        status=status,
        author=author,
        saved_at=dt.datetime(2020, 2, number, 9, 0, tzinfo=dt.UTC),
        note=note,
        changes=changes,
    )


def test_describe_changes_names_criteria_and_fields_as_users_see_them(framework) -> None:
    changes = {"p-1": ["rating", "evidence"], "i-1": ["development", "carried_forward"], "x-9": []}
    assert describe_changes(framework, changes, LABELS) == (
        "Prevent 1 (rating, evidence); Identify 1 (worries & gaps, carried-forward mark); x-9 (cleared)"
    )
    assert describe_changes(framework, {}, LABELS) == "status only"


def test_many_changes_are_summed_up_in_framework_order(framework) -> None:
    labels = {f"p-{n}": f"Prevent {n}" for n in range(1, 11)} | {"i-1": "Identify 1"}
    changes = {cid: ["rating"] for cid in sorted(labels)}  # the store's order: by id
    changes["p-3"] = ["rating", "development"]
    del changes["p-5"]
    assert describe_changes(framework, changes, labels) == (
        "10 criteria (rating, worries & gaps): Prevent 1–4, Prevent 6–10, Identify 1"
    )


def test_history_table_is_newest_first_and_escaped(framework) -> None:
    revisions = [
        revision(1, Status.DRAFT, "<b>Lead</b>", {"p-1": ["rating"]}),
        revision(2, Status.SUBMITTED, "Lead", {}),
        revision(3, Status.REOPENED, "Chair & co", {}, note="<script>alert(1)</script>"),
    ]
    html = history_html(framework, revisions, LABELS, lambda t: t.strftime("%d %b %H:%M"))
    rows = html.split("<tr>")[2:]
    assert [row.split("</td>")[0] for row in rows] == ["<td>3", "<td>2", "<td>1"]
    assert "<td>Chair &amp; co</td>" in html
    assert "Reason: &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Lead&lt;/b&gt;" in html
    assert "<b>" not in html
    assert "<td>Prevent 1 (rating)</td>" in html
    assert "<td>03 Feb 09:00</td>" in html
    assert '<th scope="col">What changed</th>' in html


def test_an_empty_history_says_so(framework) -> None:
    assert history_html(framework, [], LABELS, str) == "<p>Nothing has been saved yet.</p>"


def test_each_revision_says_which_identity_saved_it(framework) -> None:
    linked = RevisionInfo(
        number=1,
        based_on=None,
        status=Status.DRAFT,
        author="Police lead",
        saved_at=dt.datetime(2020, 2, 1, 9, 0, tzinfo=dt.UTC),
        note="",
        changes={"p-1": ["rating"]},
        saved_by="link:3",
    )
    before = revision(2, Status.DRAFT, "<b>Old</b>", {"p-1": ["rating"]})  # no identity kept
    html = history_html(framework, [linked, before], LABELS, lambda t: t.isoformat())
    assert "Police lead<br><small>(personal link 3)</small>" in html
    assert "&lt;b&gt;Old&lt;/b&gt;</td>" in html
