"""The board report's "What the evidence says" (issue #14): context, HTML, offline page.

One SQLite store is built for the module (reports only read it): cycle ``c1`` of
``test-fw`` with both returns submitted, an indicator and a case audit loaded from CSV,
and one of the two contradictions dismissed by the chair; cycle ``c2`` has no evidence.
Alpha and beta rate ``p-1`` Green (the top): the audit's Red finding about alpha
contradicts alpha's rating (kept), and the partnership's training figure, far below its
target, contradicts beta's (dismissed). The audit's title and a finding carry markup.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from tests.support import data
from tests.support.factories import installed
from workbook import analysis, reports
from workbook.access import Identity, Role
from workbook.evidence.importer import import_evidence
from workbook.reports import html as report_html
from workbook.reports import run
from workbook.reports.board_paper import words_context
from workbook.reports.evidence import evidence_section
from workbook.schema import params
from workbook.schema.partnership import Cycle, Timetable
from workbook.schema.responses import Answer, Status
from workbook.store import Store

SCRIPT = "<script>alert(1)</script>"
INDICATORS = """\
indicator,name,definition,unit,better,period,criteria,agency,value,comparator,comparator_value,source
training,Staff trained,Frontline staff trained in the year,%,higher,2019/20,p-1,,62,Local target,90,Training records
training,Staff trained,Frontline staff trained in the year,%,higher,2019/20,p-1,alpha,95,Local target,90,Training records
screening,Screening tool used,Referrals screened with the tool,%,higher,2019 Q4,i-1,,80,England average,78,Referral audit
"""
FINDINGS = f"""\
audit,title,date,cases_reviewed,audit_agencies,grades,finding,grade,criteria,agencies
a1,Audit of 12 cases {SCRIPT},2020-01-15,12,alpha; beta,,"Plans lacked the child's voice {SCRIPT}",red,p-1,alpha
a1,Audit of 12 cases {SCRIPT},2020-01-15,12,alpha; beta,,Screening was used well,green,i-1,
"""
KEPT = "p-1|alpha|finding:a1:1"
DISMISSED = "p-1|beta|indicator:training"
REASON = "The target was raised mid-year"


def _params(cycle: str = "c1", **values: Any) -> params.ReportParameters:
    return params.ReportParameters(cycle=cycle, compare_with="", stage="final", **values)


@pytest.fixture(scope="module")
def evidenced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("evidence")
    partnership, templates = data.write_partnership(folder, data.PARTNERSHIP, data.framework())
    with installed(f"sqlite:///{folder}/store.db", partnership, templates) as store:
        store.put_cycle(
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
            ("alpha", "beta"),
        )
        green = {
            cid: Answer(rating="green", evidence="Our own audit") for cid in ("p-1", "p-2", "i-1")
        }
        for cycle_id in ("c1", "c2"):
            for agency in ("alpha", "beta"):
                store.save(
                    cycle_id, agency, green, author="Lead", based_on=None, status=Status.SUBMITTED
                )
        import_evidence(store, "c1", INDICATORS.encode(), "indicators.csv")
        import_evidence(store, "c1", FINDINGS.encode(), "findings.csv")
        store.evidence.dismiss("c1", DISMISSED, reason=REASON)
        yield store


@pytest.fixture(scope="module")
def context(evidenced: Store) -> dict[str, Any]:
    return reports.report_context(evidenced, _params())


@pytest.fixture(scope="module")
def section(context: dict[str, Any]) -> report_html.Fragment:
    return report_html.Report(context).evidence()


def _contradictions_table(html: str) -> str:
    found = re.search(r"<table.*?Self-ratings the evidence contradicts.*?</table>", html, re.S)
    assert found, html
    return found.group(0)


def test_the_evidence_section_context(context: dict[str, Any], data_regression) -> None:
    data_regression.check(
        {"evidence": context["evidence"], "note": context["asks"]["note"]},
        basename="test_the_evidence_section_context",
    )


def test_the_board_reads_the_kept_contradiction_not_the_dismissed_one(
    context: dict[str, Any], section: report_html.Fragment
) -> None:
    rows = context["evidence"]["contradictions"]
    assert [(r["criterion_id"], r["agencies"]) for r in rows] == [("p-1", "Alpha health trust")]
    assert (context["evidence"]["contradicted"], context["evidence"]["dismissed"]) == (1, 1)
    table = _contradictions_table(section.html)
    for shown in ("Is training recorded?", "Alpha health trust", "Green", "Red: Plans lacked"):
        assert shown in table
    assert "Beta police force" not in table
    assert "Staff trained" not in table
    assert REASON not in section.html  # the chair's reason stays in the workbook
    assert re.search(r"The chair dismissed\s+1 other contradiction, giving reasons", section.html)
    note = "The evidence contradicts 1 self-rating that the chair has not dismissed"
    assert any(n.startswith(note) for n in context["asks"]["note"])


def test_every_indicator_is_listed_with_its_source_and_period(
    section: report_html.Fragment,
) -> None:
    table = re.search(
        r"<table.*?Every indicator, with its source and period.*?</table>", section.html, re.S
    )
    assert table
    rows = [
        re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    ]
    assert [
        "Staff trained",
        "Frontline staff trained in the year",
        "2019/20",
        "Training records",
        "Local target",
        "Is training recorded?",  # criteria by their question, not their id (issue #16)
    ] in rows
    assert "Referral audit" in table.group(0)
    assert "2019 Q4" in table.group(0)
    # under its heading, each value in words, the agency's own named
    assert "<h3>Prevent</h3>" in section.html
    assert "<h3>Identify</h3>" in section.html
    assert "(Alpha health trust): 95% against 90% (Local target); higher is better" in (
        section.html
    )


def test_evidence_text_is_escaped(section: report_html.Fragment) -> None:
    assert SCRIPT not in section.html
    assert "<script" not in section.html.lower()
    assert "Audit of 12 cases &lt;script&gt;alert(1)&lt;/script&gt;" in section.html
    assert "the child&#39;s voice &lt;script&gt;" in section.html


def test_a_cycle_without_evidence_says_so_in_one_sentence(evidenced: Store) -> None:
    context = reports.report_context(evidenced, _params("c2"))
    assert context["evidence"] == {"loaded": False}
    assert not any("evidence" in n for n in context["asks"]["note"])
    fragment = report_html.Report(context).evidence()
    paragraphs = re.findall(r"<p>(.*?)</p>", fragment.html, re.S)
    assert paragraphs == ["No indicators or case-audit findings have been loaded for this cycle."]
    assert "<table" not in fragment.html


def test_a_reader_who_may_not_see_dismissals_gets_no_contradictions(evidenced: Store) -> None:
    member = Identity("link:1", "A", Role.MEMBER, "tp", frozenset({"alpha"}), "c1")
    as_member = evidenced.as_identity(member)
    cycle = as_member.cycle("c1")
    framework = as_member.cycle_framework("c1")
    frame = analysis.load(evidenced, ["c1"])
    evidence = evidence_section(as_member, cycle, framework, frame)
    assert (evidence["reviewed"], evidence["contradictions"], evidence["dismissed"]) == (
        False,
        [],
        0,
    )
    assert evidence["indicators"]  # the evidence itself is theirs to read
    words = words_context(cycle.words)
    html = report_html.Report({"evidence": evidence, "words": words}).evidence().html
    assert "listed for the chair and administrators only" in html


def test_the_offline_snapshot_shows_the_evidence_and_fetches_nothing(
    context: dict[str, Any], section: report_html.Fragment
) -> None:
    """As ``workbook report`` exports it: the section's display output through nbconvert."""
    report = report_html.Report(context)
    cells = []
    for fragment in (report.title(), section):
        bundle, metadata = fragment._repr_mimebundle_()
        cell = new_code_cell("report.section()")
        cell.outputs = [new_output("display_data", data=bundle, metadata=metadata)]
        cells.append(cell)
    page = run.to_html(new_notebook(cells=cells), name="board")
    assert "<h2>What the evidence says</h2>" in page
    assert "Alpha health trust" in _contradictions_table(page)
    assert "Beta police force" not in _contradictions_table(page)
    assert SCRIPT not in page
    assert not re.search(r"<script|<link|<iframe|@import|\bsrc=|url\(", page, re.IGNORECASE)
    assert not re.search(r"https?://", page.replace("http://www.w3.org/", ""))
