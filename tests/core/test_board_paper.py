"""The report as a board paper (issue #16): its order, its words, the chair's highlights.

A board member reads purpose, key messages, recommendations and asks first; the store,
the parameters and criteria ids are in the appendix only. Every name the paper uses
comes from the partnership (group, board, chair) and the framework (headings, labels,
criteria), so a framework that says "Working well" / "Worries and queries" never sees
"What is going well" in its paper.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support import data
from tests.support.factories import installed
from workbook import reports
from workbook.access import Identity, Role
from workbook.reports import html as report_html
from workbook.schema import params
from workbook.schema.highlights import HeadingHighlights, Highlights, Point
from workbook.schema.responses import Answer, Status
from workbook.store import Store, moderation

SCRIPT = "<script>alert(1)</script>"
ORDER = report_html.Report.SECTIONS
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "report.ipynb"

RENAMED = data.framework(
    labels={"going_well": "Working well", "development": "Worries and queries"},
    headings=[
        {"id": "prevent", "title": "Contact and referral"},
        {"id": "identify", "title": "Assessment"},
    ],
)
WORDS = {
    "group": "Learning Hub",
    "group_full": "Front Door Learning Hub",
    "board": "Safeguarding Executive",
    "chair": "Hub chair",
}


def paper(context: dict[str, Any]) -> str:
    """The whole paper's HTML, sections in the notebook's order."""
    report = report_html.Report(context)
    return "".join(getattr(report, name)().html for name in ORDER)


def h2s(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2>(.*?)</h2>", html, re.S)]


@pytest.fixture
def hub(write_yaml: Callable[..., Path], db_url: str) -> Store:
    """A partnership in its own words running a framework with renamed labels."""
    write_yaml("templates/test-fw.yaml", RENAMED)
    partnership = data.partnership(
        [data.cycle("c1", "Front door 2020", agencies=["alpha", "beta"])]
    )
    partnership["words"] = WORDS
    partnership["agencies"][1]["statutory"] = True
    partnership["cycles"][0]["timetable"] |= {
        "draft_report": dt.date(2020, 3, 20),
        "final_report": dt.date(2020, 4, 17),
        "board_meeting": dt.date(2020, 5, 15),
    }
    path = write_yaml("partnership.yaml", partnership)
    with installed(db_url, path, path.parent / "templates") as store:
        for agency, rating in (("alpha", "green"), ("beta", "red")):
            answers = {
                c: Answer(
                    rating=rating,
                    evidence="Training records 2020",
                    going_well=f"{agency} keeps a training log",
                    development=f"{agency} must audit referrals {SCRIPT}",
                )
                for c in ("p-1", "p-2", "i-1")
            }
            store.save("c1", agency, answers, author="Lead", based_on=None, status=Status.SUBMITTED)
        yield store


def _context(store: Store, stage: str = "final") -> dict[str, Any]:
    p = params.ReportParameters(cycle="c1", compare_with="", stage=stage, as_of="2020-05-01")
    return reports.report_context(store, p)


def test_the_notebook_displays_the_sections_in_the_papers_order() -> None:
    cells = json.loads(NOTEBOOK.read_text("utf-8"))["cells"]
    calls = [
        m.group(1)
        for cell in cells
        if cell["cell_type"] == "code"
        for m in [re.search(r"^report\.(\w+)\(\)\s*$", "".join(cell["source"]), re.M)]
        if m
    ]
    assert tuple(calls) == ORDER


def test_the_paper_uses_the_frameworks_labels_and_the_partnerships_words(hub: Store) -> None:
    context = _context(hub)
    html = paper(context)
    text = re.sub(r"<[^>]+>", " ", html)
    assert context["title"] == "Front door 2020: report to the Safeguarding Executive"
    for words in ("Working well", "Worries and queries", "Contact and referral", "Assessment"):
        assert words in html
    for fixed in ("What is going well", "Areas for development", "MASE", "the board"):
        assert fixed not in text
    assert "The Front Door Learning Hub (Learning Hub) runs" in context["purpose"]["context"]
    assert (
        "The statutory safeguarding partners are Beta police force."
        in (context["purpose"]["context"])
    )
    assert "From</dt><dd>The Hub chair, for the Learning Hub" in html
    assert [r["step"] for r in context["purpose"]["timetable"]][-3:] == [
        "Draft to the Learning Hub",
        "Final agreed by the Learning Hub",
        "Safeguarding Executive meeting",
    ]
    assert "meeting of 2020-05-15" in html  # the board's date on the front page


def test_the_paper_opens_on_purpose_and_keeps_the_method_for_the_appendix(hub: Store) -> None:
    context = _context(hub)
    html = paper(context)
    headings = h2s(html)
    assert headings[:5] == [
        "Purpose and context",
        "Key messages",
        "Recommendations",
        "What the Safeguarding Executive is asked to note and agree",
        "The partnership by heading",
    ]
    assert headings[-1] == "Appendix: method"
    appendix = html.index("<h2>Appendix: method</h2>")
    for method in (hub.url, "Parameters used", "<code>compare_with</code>"):
        assert html.index(method) > appendix
    for criterion_id in ("p-1", "p-2", "i-1"):  # ids only where the method is explained
        assert [m.start() for m in re.finditer(rf"\b{criterion_id}\b", html)]
        assert all(m.start() > appendix for m in re.finditer(rf"\b{criterion_id}\b", html))
    assert "Is training recorded?" in html[:appendix]  # criteria by their question


def test_the_chairs_highlights_lead_the_paper_with_their_sources(hub: Store) -> None:
    points = HeadingHighlights(
        going_well=(Point(text=f"Training is logged {SCRIPT}", sources=("alpha", "beta")),),
        development=(Point(text="Referrals need an audit", sources=("beta",)),),
    )
    hub.highlights.save(
        "c1",
        Highlights(
            key_messages=("The front door is safer than last year",),
            recommendations=("Audit referrals by September",),
            to_note=("The hub met six times",),
            to_agree=("The audit plan",),
            headings={"prevent": points},
        ),
        based_on=None,
        author="Hub chair",
    )
    context = _context(hub, stage="draft")
    html = paper(context)
    assert context["asks"]["note"][0] == "The hub met six times"  # the chair's asks first
    assert context["asks"]["agree"][0] == "The audit plan"
    key = html.index("The front door is safer than last year")
    assert key < html.index("Audit referrals by September") < html.index("The partnership by")
    section = report_html.Report(context).highlights().html
    assert "Training is logged &lt;script&gt;" in section  # escaped
    assert SCRIPT not in html
    assert "(from Alpha health trust and Beta police force)" in section
    assert 'Referrals need an audit <span class="wb-sources">(from Beta police force)' in section
    assert "highlights revision 1, saved by Hub chair" in section
    assert "<h4>Working well</h4>" in section


def test_a_member_reading_the_paper_gets_no_chairs_draft(hub: Store) -> None:
    hub.highlights.save(
        "c1", Highlights(key_messages=("Chair's draft",)), based_on=None, author="Hub chair"
    )
    member = Identity("link:1", "A", Role.MEMBER, "tp", frozenset({"alpha"}), "c1")
    hub.share("c1")
    context = _context(hub.as_identity(member))
    assert context["highlights"]["visible"] is False
    assert "Chair's draft" not in paper(context)
    assert "shown to the Hub chair and administrators only" in paper(context)


def test_not_applicable_answers_are_listed_and_left_out_of_the_figures(hub: Store) -> None:
    """Beta says screening does not apply to it: its Identify cell reads N/A, the median
    is Alpha's alone, and the paper lists the reason with the chair's challenge."""
    state = hub.latest("c1", "beta")
    assert state is not None
    answers = dict(state.answers)
    answers["i-1"] = Answer(not_applicable=True, na_reason=f"We run no screening {SCRIPT}")
    hub.reopen("c1", "beta", author="Hub chair", reason="Correct i-1")
    reopened = hub.latest("c1", "beta")
    assert reopened is not None
    hub.save(
        "c1", "beta", answers, author="Lead", based_on=reopened.revision, status=Status.SUBMITTED
    )
    moderation.record(
        hub, "c1", "beta", "i-1", rating=None, comment="Everyone screens", author="Hub chair"
    )
    context = _context(hub)
    na = context["not_applicable"]
    assert (na["count"], na["agencies"]) == (1, 1)
    (row,) = na["rows"]
    assert (row["agency"], row["criterion"], row["comment"]) == (
        "Beta police force",
        "Is the screening tool used?",
        "Everyone screens",
    )
    assert any("1 agency marked 1 answer not applicable" in n for n in context["asks"]["note"])
    grid = {r["agency"]: r["cells"] for r in context["ratings"]["rows"]}
    assert grid["Beta police force"][context["ratings"]["headings"].index("Assessment")] == "N/A"
    identify = next(h for h in context["highlights"]["headings"] if h["heading"] == "Assessment")
    assert (identify["median"], identify["rated"]) == ("Green", 1)  # alpha's alone
    html = report_html.Report(context).not_applicable().html
    assert "We run no screening &lt;script&gt;" in html
    assert SCRIPT not in html
