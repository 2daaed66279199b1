"""The self-assessment report and the agency profile (issue #5): contexts and their HTML.

The contexts are plain data, snapshotted with ``data_regression`` (one golden file for
SQLite and PostgreSQL: both stores must give the same report). Rendering is checked for
escaping (hostile text typed into returns, comments, action marks and parameters shows
as text), static SVG charts with accessible names, and sections that read sensibly
when there is nothing to show.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import copy_store
from workbook import analysis, reports
from workbook.errors import ParameterError, StorageError
from workbook.reports import html as report_html
from workbook.reports import profile
from workbook.schema import params
from workbook.schema.partnership import Cycle, Timetable
from workbook.schema.responses import Action, Answer, Status
from workbook.store import Store, moderation

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE = (SCRIPT, IMG)
CHAIR = "MASE chair"


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2020, month, day, 10, 30, tzinfo=dt.UTC)


def _answer(rating: str, text: str = "", action: str = "", due: dt.date | None = None) -> Answer:
    return Answer(
        rating=rating,
        evidence=f"Audit {text}",
        going_well=f"Staff know the pathway. {text}".strip(),
        development="Recording is inconsistent." if rating != "green" else "",
        actions=(Action(text=action, owner=f"Lead {text}".strip(), due=due),) if action else (),
    )


def _report_params(**values: Any) -> params.ReportParameters:
    return params.ReportParameters(**{"cycle": "c1", "compare_with": "c0", **values})


@pytest.fixture
def filled(store: Store) -> Store:
    """Cycle ``c0`` (earlier) and ``c1``: alpha submitted (hostile texts), beta a draft."""
    store.put_cycle(
        "tp",
        Cycle(
            id="c0",
            title="Cycle zero",
            framework="test-fw",
            framework_version="1.0",
            timetable=Timetable(
                criteria_agreed=dt.date(2019, 1, 7),
                returns_open=dt.date(2019, 2, 4),
                returns_due=dt.date(2019, 3, 4),
            ),
        ),
        ("alpha", "beta"),
    )
    store.save(
        "c0",
        "alpha",
        {"p-1": _answer("red"), "p-2": _answer("amber"), "i-1": _answer("red")},
        author="alpha",
        based_on=None,
        at=at(2, 10),
    )
    hostile = " ".join(HOSTILE)
    answers = {
        "p-1": _answer("green", hostile, action=f"Train staff {SCRIPT}", due=dt.date(2020, 2, 1)),
        "p-2": _answer("amber", action="Audit cases", due=dt.date(2020, 9, 1)),
        "i-1": _answer("amber", hostile, action="Add the tool", due=dt.date(2020, 3, 20)),
    }
    state = store.save("c1", "alpha", answers, author="alpha", based_on=None, at=at(2, 20))
    store.save(
        "c1",
        "alpha",
        answers,
        author="alpha",
        based_on=state.revision,
        status=Status.SUBMITTED,
        at=at(2, 21),
    )
    store.save(
        "c1",
        "beta",
        {"p-1": _answer("red", action="Agree a data set"), "i-1": _answer("green")},
        author="b",
        based_on=None,
        at=at(2, 25),
    )
    moderation.record(
        store,
        "c1",
        "alpha",
        "p-1",
        rating="amber",
        comment=f"Show it {IMG}",
        author=CHAIR,
        at=at(3, 5),
    )
    moderation.record(
        store, "c1", "beta", "i-1", rating=None, comment="Why?", author=CHAIR, at=at(3, 5)
    )
    moderation.mark_action(
        store, "c1", "alpha", "p-1", f"Train staff {SCRIPT}", scope="partnership", author=CHAIR
    )
    moderation.mark_action(store, "c1", "alpha", "p-2", "Audit cases", scope="agency", author=CHAIR)
    return store


def _stable(context: dict[str, Any]) -> dict[str, Any]:
    """The context without what changes from run to run (or is drawn, not read)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: strip(v)
                for k, v in value.items()
                if k not in {"run_at", "store", "charts", "chart"}
            }
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(context)


def _html(fragments: list[report_html.Fragment]) -> str:
    return "".join(f.html for f in fragments)


def _report_sections(report: report_html.Report) -> list[report_html.Fragment]:
    return [getattr(report, name)() for name in report.SECTIONS]


# -- the context ------------------------------------------------------------------------


def test_report_context(filled: Store, data_regression) -> None:
    p = _report_params(as_of="2020-03-10", board_asks=[f"Agree {SCRIPT}"])
    context = reports.report_context(filled, p, run_at=at(3, 10))
    assert context["run_at"] == "2020-03-10 10:30 UTC"
    data_regression.check(_stable(context), basename="test_report_context")


def test_the_report_counts_to_the_stage_date_of_the_timetable(filled: Store) -> None:
    context = reports.report_context(filled, _report_params(stage="final"))
    assert context["as_of"] == dt.date.today().isoformat()  # the test cycle has no report dates
    # the test partnership names no board: the neutral default words (issue #16)
    assert context["title"] == "Cycle one: report to the safeguarding partnership board"
    assert context["asks"]["audience"] == "The safeguarding partnership board"


def test_submitted_only_leaves_drafts_out_and_says_so(filled: Store) -> None:
    context = reports.report_context(filled, _report_params(include_unsubmitted=False))
    assert context["scope"] == (
        "Ratings and texts are from submitted returns only; not included: Beta police force."
    )
    assert [row["agency"] for row in context["ratings"]["rows"]] == ["Alpha health trust"]
    assert len(context["completion"]["rows"]) == 2  # completion still lists every invited agency


def test_the_comparison_must_be_another_cycle_of_the_same_framework(
    filled: Store, make_framework
) -> None:
    with pytest.raises(ParameterError, match="compare_with: is the cycle reported on"):
        reports.report_context(filled, _report_params(compare_with="c1"))
    other = make_framework(id="other-fw")
    filled.put_framework(other)
    filled.put_cycle(
        "tp",
        Cycle(
            id="o1",
            title="Other",
            framework="other-fw",
            framework_version="1.0",
            timetable=Timetable(
                criteria_agreed=dt.date(2019, 1, 7),
                returns_open=dt.date(2019, 2, 4),
                returns_due=dt.date(2019, 3, 4),
            ),
        ),
        ("alpha",),
    )
    with pytest.raises(ParameterError, match="'o1' runs other-fw, not test-fw"):
        reports.report_context(filled, _report_params(compare_with="o1"))
    with pytest.raises(StorageError, match="No cycle named 'nope'"):
        reports.report_context(filled, _report_params(compare_with="nope"))


def test_an_empty_cycle_still_makes_a_report(store: Store) -> None:
    report = report_html.Report(reports.report_context(store, _report_params(compare_with="")))
    html = _html(_report_sections(report))
    assert "0 of 2 invited agencies have submitted" in html
    assert "No ratings have been moderated in this cycle yet." in html
    assert "The chair has not yet marked the partnership&#39;s top 5 actions." in html
    assert "Compared with" not in html
    assert "No indicators or case-audit findings have been loaded for this cycle." in html
    assert "<table" in html  # completion lists the invited agencies


def test_the_profile_context(filled: Store, data_regression) -> None:
    p = params.ProfileParameters(agency="alpha", as_of="2020-03-10")
    data_regression.check(
        _stable(profile.profile_context(filled, p, run_at=at(3, 10))),
        basename="test_the_profile_context",
    )


def test_the_profile_refuses_cycles_the_agency_was_not_in(filled: Store) -> None:
    filled.put_cycle(
        "tp",
        Cycle(
            id="c2",
            title="Cycle two",
            framework="test-fw",
            framework_version="1.0",
            timetable=Timetable(
                criteria_agreed=dt.date(2021, 1, 4),
                returns_open=dt.date(2021, 2, 1),
                returns_due=dt.date(2021, 3, 1),
            ),
        ),
        ("beta",),
    )
    with pytest.raises(ParameterError, match="'alpha' was not invited to c2"):
        profile.profile_context(filled, params.ProfileParameters(agency="alpha", cycles=["c2"]))
    with pytest.raises(StorageError, match="No cycle named 'c9'"):
        profile.profile_context(filled, params.ProfileParameters(agency="alpha", cycles=["c9"]))
    with pytest.raises(StorageError, match="No agency named 'omega'"):
        profile.profile_context(filled, params.ProfileParameters(agency="omega"))
    only = profile.profile_context(filled, params.ProfileParameters(agency="alpha", cycles=["c1"]))
    assert only["cycles"] == ["Cycle one"]


# -- the HTML ---------------------------------------------------------------------------


def test_every_text_users_typed_is_escaped(filled: Store) -> None:
    p = _report_params(board_asks=[f"Agree {SCRIPT}", IMG])
    report = report_html.Report(reports.report_context(filled, p))
    html = _html(_report_sections(report))
    profile_html = _html(
        [
            getattr(
                report_html.Profile(
                    profile.profile_context(filled, params.ProfileParameters(agency="alpha"))
                ),
                name,
            )()
            for name in ("title", "returns", "frameworks", "moderation", "actions")
        ]
    )
    for page in (html, profile_html):
        for hostile in HOSTILE:
            assert hostile not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
        assert "<script" not in page.lower()
        assert not re.search(r"<img\b", page)
    # where it was typed: texts, an action, its owner, a challenge, a board ask
    for where in (
        "What is going well",
        "Train staff &lt;script&gt;",
        "Show it &lt;img",
        "Agree &lt;script&gt;",
    ):
        assert where in html


def test_charts_are_static_svg_named_for_screen_readers(filled: Store) -> None:
    report = report_html.Report(reports.report_context(filled, _report_params()))
    html = report.ratings().html + report.highlights().html  # heatmap; the spread up front
    svgs = re.findall(r"<svg [^>]*>", html)
    assert len(svgs) == 2
    for tag in svgs:
        assert 'role="img"' in tag
        assert re.search(r'aria-label="[^"]{20,}"', tag)
    assert "Liberation Sans" in html
    assert "system-ui" not in html
    assert "Median self-rating by agency and heading" in html  # the text alternative follows


def test_the_heatmap_labels_are_drawn_to_be_read(filled: Store) -> None:
    spec = reports.report_context(filled, _report_params())["ratings"]["charts"]["heatmap"]
    svg = str(report_html.svg(spec))
    # the label in a green cell is drawn in black, not in the cell's green
    assert re.search(r'<text[^>]*fill="#000000"[^>]*>Green</text>', svg)


def test_svg_escapes_text_and_its_label() -> None:
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": f'A "chart" {SCRIPT}',
        "data": {"values": [{"a": SCRIPT, "b": 1}]},
        "mark": "bar",
        "encoding": {
            "x": {"field": "a", "type": "nominal"},
            "y": {"field": "b", "type": "quantitative"},
        },
    }
    drawn = str(report_html.svg(spec))
    assert drawn.startswith('<svg role="img" aria-label="A &quot;chart&quot; &lt;script&gt;')
    assert SCRIPT not in drawn


def test_a_fragment_displays_as_html_and_text_without_ipython() -> None:
    fragment = report_html.Fragment("<p>x</p>", "x", {"workbook": {"title": "T"}})
    assert fragment._repr_mimebundle_() == (
        {"text/html": "<p>x</p>", "text/plain": "x"},
        {"workbook": {"title": "T"}},
    )
    assert repr(fragment) == "x"


def test_the_title_block_names_the_report_for_the_exported_page(filled: Store) -> None:
    report = report_html.Report(reports.report_context(filled, _report_params(stage="draft")))
    title = report.title()
    heading = "Cycle one: draft report to the self-assessment group"
    assert title.metadata == {"workbook": {"title": heading}}
    for text in (f"<h1>{heading}</h1>", "Test partnership", "Cycle one (Test framework)"):
        assert text in title.html
    assert "<style>" in title.html
    # the method is the appendix's, not the front page's (issue #16)
    appendix = report.appendix().html
    for text in ("Test framework (test-fw), version 1.0", "Compared with", "Parameters used"):
        assert text not in title.html
        assert text in appendix
    assert "<code>compare_with</code>" in appendix


@pytest.mark.parametrize("items", [[], ["a"], ["a", "b"], ["a", "b", "c"], ["a and b", "c"]])
def test_names(items: list[str]) -> None:
    expected = {0: "", 1: "a", 2: "a and b", 3: "a, b and c"}[len(items)]
    if items == ["a and b", "c"]:
        expected = "a and b; and c"
    assert reports.names(items) == expected


# -- on demo data -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_store(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with Store.open(copy_store(demo_file, tmp_path_factory.mktemp("demo"))) as opened:
        yield opened


def test_the_demo_draft_report(demo_store: Store) -> None:
    loaded = params.load(Path(params.PARAMETERS_DIR / "demo-cse-2017-18-draft.yaml"))
    assert isinstance(loaded, params.ReportParameters)
    context = reports.report_context(demo_store, loaded)
    assert context["as_of"] == "2018-03-21"  # the draft report's date in the timetable
    assert context["ratings"]["headings"] == [
        "Prevent",
        "Identify",
        "Intervene and support",
        "Disrupt and prosecute",
        "Governance and strategy",
    ]
    assert context["completion"]["invited"] == 11
    assert len(context["disagreement"]) == 5
    assert context["comparison"]["earlier"] == "CSE self-assessment 2016/17"
    assert all(theme["going_well"] for theme in context["themes"])
    html = _html(_report_sections(report_html.Report(context)))
    # the partnership's spread, completion, heatmap, trend (no moderation yet)
    assert html.count("<svg ") == 4
    evidence = context["evidence"]  # the demo's case audit (issue #14)
    assert [h["heading"] for h in evidence["headings"]][:2] == ["Identify", "Intervene and support"]
    assert evidence["contradictions"]
    assert not evidence["indicators"]
    assert "<h2>What the evidence says</h2>" in html


def test_the_front_door_report_orders_grades_best_first(demo_store: Store) -> None:
    loaded = params.load(params.PARAMETERS_DIR / "demo-front-door-2018.yaml")
    context = reports.report_context(demo_store, loaded)  # type: ignore[arg-type]
    assert context["ratings"]["levels"][-1] == "Outstanding"  # worst first: 1 = best
    assert context["comparison"] is None
    assert len(context["disagreement"]) == 8
    evidence = context["evidence"]  # the demo's indicators (issue #14)
    assert evidence["headings"][0]["heading"] == "Access to help and the front door"
    assert len(evidence["indicators"]) == 7
    assert not evidence["audits"]
    assert all(row["criterion"] and row["agencies"] for row in evidence["contradictions"])


def test_the_demo_agency_profile(demo_store: Store) -> None:
    loaded = params.load(params.PARAMETERS_DIR / "demo-agency-police.yaml")
    context = profile.profile_context(demo_store, loaded)  # type: ignore[arg-type]
    assert context["agency"]["name"] == "Metropolitan Police Service"
    # the police serve the demo borough and its neighbour (issue #17): every cycle of both
    assert context["partnerships"] == [
        "Demo Borough Safeguarding Children Partnership",
        "Demo Riverside Safeguarding Children Partnership",
    ]
    assert [r["cycle"] for r in context["returns"]] == [
        "CSE self-assessment 2016/17",
        "CSE self-assessment 2017/18",
        "Front door self-assessment 2018",
        "Child exploitation self-assessment 2026",
        "Section 11 self-audit 2026",
        "Missing children self-assessment 2026",
    ]
    assert len(context["frameworks"]) == 5
    html = _html(
        [
            getattr(report_html.Profile(context), n)()
            for n in ("title", "returns", "frameworks", "moderation", "actions")
        ]
    )
    assert "Agency profile: Metropolitan Police Service" in html


def test_the_profile_follows_tracked_actions_no_return_lists(demo_copy: str) -> None:
    """Issue #16: the agency's feedback pack shows what the tracker follows with it."""
    with Store.open(demo_copy) as store:  # its own copy: the module's demo store is shared
        involving = store.actions.create(
            "cse-2017-18", "Joint CSE audit <b>with police</b>", involves=("police",), owner="Chair"
        )
        own = store.actions.create(
            "cse-2017-18", "Refresh the missing-from-home protocol", agency_id="police"
        )
        store.actions.create("cse-2017-18", "Not about police", agency_id="schools")
        loaded = params.ProfileParameters(agency="police", as_of="2018-03-21")
        actions = profile.profile_context(store, loaded)["actions"]
    followed = {row["text"]: row for row in actions["followed"]}
    assert set(followed) == {involving.text, own.text}
    assert followed[involving.text]["agency"] == "Partnership"
    assert followed[own.text]["agency"] == "Metropolitan Police Service"
    assert followed[own.text]["status_label"] == "Open"
    assert all("last_note" in row for row in actions["rows"])
    html = report_html.Profile({"as_of": "2018-03-21", "actions": actions}).actions().html
    assert "Other actions followed with this agency" in html
    assert "Joint CSE audit &lt;b&gt;with police&lt;/b&gt;" in html


def test_the_notebook_entry_points_check_their_parameters(demo_store: Store) -> None:
    url = demo_store.url
    report = reports.self_assessment(db=url, cycle="cse-2017-18", compare_with="", stage="final")
    assert report.context["title"] == (
        "CSE self-assessment 2017/18: report to the Quality and Effectiveness Board"
    )
    assert "report to the Quality and Effectiveness Board" in repr(report)
    with pytest.raises(ParameterError, match="stage: input should be 'draft' or 'final'"):
        reports.self_assessment(db=url, cycle="cse-2017-18", compare_with="", stage="board")
    made = reports.agency_profile(db=url, agency="schools", cycles=["front-door-2018"])
    assert made.context["cycles"] == ["Front door self-assessment 2018"]


def test_the_demo_draft_report_counts_overdue_actions_by_the_tracker(demo_store: Store) -> None:
    """Done and dropped actions are not overdue: the asks name the tracker's count (issue #15)."""
    loaded = params.load(Path(params.PARAMETERS_DIR / "demo-cse-2017-18-draft.yaml"))
    context = reports.report_context(demo_store, loaded)  # type: ignore[arg-type]
    table = analysis.tracker(demo_store, "cse-2017-18", dt.date(2018, 3, 21))
    overdue = int(table["overdue"].sum())
    actions = context["actions"]
    # issue #16: only criteria asked of the sector have actions, and one is left untouched
    assert actions["overdue_count"] == overdue == 12
    assert actions["total"] == len(table) == 233  # only asked criteria have actions (#16)
    assert overdue < len(table[~table["status"].isin(["done", "dropped"])])
    assert f"That the owners of {overdue} overdue actions report progress" in " ".join(
        context["asks"]["agree"]
    )
    assert len(actions["partnership_top"]) == 5
    last = actions["last_cycle"]
    assert last["title"] == "CSE self-assessment 2016/17"
    assert len(last["partnership"]) == 5
    assert {row["outcome"] for row in last["partnership"]} <= {
        "Done", "In progress", "Overdue", "Dropped", "Open"
    }  # fmt: skip
    html = report_html.Report(context).actions().html
    assert "<h3>Top actions: what happened</h3>" in html
    assert "Done on " in html
