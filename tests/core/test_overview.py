"""The landing page's data and HTML.

The demo store comes from ``demo_store``: a copy of the one the session makes, since
making it takes seconds and one test changes the partnership's names.
"""

from __future__ import annotations

import datetime as dt
import json

from workbook import overview
from workbook.schema.partnership import Agency, Partnership
from workbook.store import Store


def test_context_counts_every_invited_agency(demo_store):
    ctx = overview.context(demo_store, today=dt.date(2026, 1, 1))
    partnership, neighbour = ctx["partnerships"]  # the demo borough, then Riverside (#17)
    assert (partnership["id"], neighbour["id"]) == ("demo", "demo-neighbour")
    assert partnership["agencies"] == 11
    assert [c["id"] for c in partnership["cycles"]] == [
        "front-door-2018",
        "cse-2017-18",
        "cse-2016-17",
    ]
    for cycle in partnership["cycles"]:
        counts = dict(cycle["counts"])
        assert sum(counts.values()) == cycle["invited"] == 11
        assert counts["Not started"] >= 1
        # long after the due date, every unsubmitted return is overdue
        assert len(cycle["overdue"]) == 11 - counts["Submitted"]
    # the neighbour's 2026 cycles, newest first, are not due yet on New Year's Day 2026
    assert neighbour["agencies"] == 8
    assert [c["id"] for c in neighbour["cycles"]] == ["missing-2026", "s11-2026", "ce-2026"]
    assert [c["invited"] for c in neighbour["cycles"]] == [7, 8, 8]  # no probation: missing
    assert all(c["overdue"] == [] for c in neighbour["cycles"])


def test_nothing_overdue_before_the_due_date(demo_store):
    ctx = overview.context(demo_store, today=dt.date(2016, 10, 1))
    cycles = {c["id"]: c for c in ctx["partnerships"][0]["cycles"]}
    assert cycles["cse-2016-17"]["overdue"] == []


def test_render_escapes_text_from_the_store(demo_store, tmp_path):
    hostile = Partnership(
        kind="partnership",
        id="demo",
        name="<script>alert('x')</script> Partnership",
        agencies=(Agency(id="police", name="Police & <b>Co</b>", sector="police"),),
    )
    demo_store.put_partnership(hostile)
    html = overview.render(demo_store, notebooks_dir=tmp_path)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(" in html
    assert "No forms or dashboards are installed yet." in html


def test_apps_lists_notebooks_by_their_heading(tmp_path):
    notebook = {
        "cells": [{"cell_type": "markdown", "source": ["# Agency return form\n", "text"]}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "form.ipynb").write_text(json.dumps(notebook))
    (tmp_path / "index.ipynb").write_text(json.dumps(notebook))
    (tmp_path / "broken.ipynb").write_text("{not json")
    assert overview.apps(tmp_path) == [
        {"href": "broken.ipynb", "title": "broken"},
        {"href": "form.ipynb", "title": "Agency return form"},
    ]


def test_empty_store_says_what_to_do(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'empty.db'}") as store:
        html = overview.render(store, notebooks_dir=tmp_path)
    assert "workbook demo" in html
