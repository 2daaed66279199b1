"""Exporting a cycle: tidy tables, .xlsx and .csv files, and no formula injection.

The ``store`` fixture's cycle ``c1`` invites ``alpha`` and ``beta`` to framework
``test-fw`` (p-1, p-2 under Prevent; i-1 under Identify; red 1 < amber 2 < green 3).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from workbook.cli import cli
from workbook.evidence import export as evidence_export
from workbook.evidence.importer import import_evidence
from workbook.schema.responses import Action, Answer, Status
from workbook.spreadsheets import export
from workbook.store import Store


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


T0 = dt.datetime(2020, 2, 10, 9, 30, tzinfo=dt.UTC)
RISKY = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "#N/A"]


@pytest.fixture
def filled(store: Store, make_answers) -> Store:
    store.save(
        "c1",
        "alpha",
        make_answers(rating="green") | {"p-2": Answer(rating="red", evidence="Ünïcödé\nline 2")},
        author="Return lead",
        based_on=None,
        at=T0,
    )
    return store


def test_the_returns_table_has_a_row_per_invited_agency_and_criterion(filled: Store) -> None:
    returns, _, _ = export.cycle_tables(filled, "c1")
    rows = returns.records()
    assert [(r["agency"], r["criterion"]) for r in rows] == [
        ("alpha", "p-1"),
        ("alpha", "p-2"),
        ("alpha", "i-1"),
        ("beta", "p-1"),
        ("beta", "p-2"),
        ("beta", "i-1"),
    ]
    p2 = rows[1]
    assert {k: p2[k] for k in ("rating", "rating_label", "score", "normalised_score")} == {
        "rating": "red",
        "rating_label": "Red",
        "score": 1.0,
        "normalised_score": 0.0,
    }
    assert (p2["status"], p2["revision"], p2["author"]) == ("draft", 1, "Return lead")
    assert p2["saved_at_utc"] == dt.datetime(2020, 2, 10, 9, 30)
    assert (p2["heading"], p2["heading_title"], p2["evidence"]) == (
        "prevent",
        "Prevent",
        "Ünïcödé\nline 2",
    )
    assert (rows[0]["framework"], rows[0]["framework_version"]) == ("test-fw", "1.0")
    assert (rows[0]["rating_label"], rows[0]["normalised_score"], rows[0]["actions"]) == (
        "Green",
        1.0,
        1,
    )
    not_started = rows[3]
    assert (not_started["status"], not_started["revision"], not_started["rating"]) == (
        "not_started",
        None,
        None,
    )


def test_actions_and_scale_tables(filled: Store) -> None:
    _, actions, scale = export.cycle_tables(filled, "c1")
    assert [(r["agency"], r["criterion"], r["number"], r["due"]) for r in actions.records()] == [
        ("alpha", "p-1", 1, dt.date(2020, 6, 1)),
        ("alpha", "i-1", 1, dt.date(2020, 6, 1)),
    ]
    assert [(r["key"], r["label"], r["score"]) for r in scale.records()] == [
        ("green", "Green", 3.0),
        ("amber", "Amber", 2.0),
        ("red", "Red", 1.0),
    ]


def test_a_submitted_return_reports_its_status(store: Store, make_answers) -> None:
    store.save("c1", "beta", make_answers(), author="a", based_on=None, status=Status.SUBMITTED)
    returns, _, _ = export.cycle_tables(store, "c1")
    assert {r["status"] for r in returns.records() if r["agency"] == "beta"} == {"submitted"}


@pytest.fixture
def risky(store: Store) -> Store:
    answers = {
        "p-1": Answer(evidence=RISKY[0], going_well=RISKY[1], development=RISKY[2]),
        "i-1": Answer(
            evidence=RISKY[3], going_well=RISKY[4], actions=(Action(text=RISKY[5], owner="=x"),)
        ),
    }
    store.save("c1", "alpha", answers, author="=cmd|' /C calc'!A0", based_on=None)
    return store


def test_xlsx_export_writes_risky_text_as_text(risky: Store, tmp_path: Path) -> None:
    out = tmp_path / "cycle.xlsx"
    assert export.export_cycle(risky, "c1", out) == [out]
    with zipfile.ZipFile(out) as archive:
        xml = b"".join(
            archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")
        )
    assert not re.search(rb"<(\w+:)?f[ >]", xml), "a cell was written as a formula"
    assert b't="e"' not in xml
    wb = load_workbook(out)
    assert wb.sheetnames == [
        "Returns",
        "Actions",
        "Scale",
        "Tracked actions",
        "Action history",
        "Indicators",
        "Audits",
        "Audit findings",
    ]  # the evidence's sheets are there, empty, when the cycle has none
    values = {c.value for row in wb["Returns"].iter_rows() for c in row}
    assert set(RISKY[:5]) <= values
    assert wb["Actions"]["G2"].value == "#N/A"
    assert wb["Actions"]["G2"].data_type == "s"


def test_csv_export_neutralises_formula_triggers(risky: Store, tmp_path: Path) -> None:
    out = tmp_path / "cycle.csv"
    written = export.export_cycle(risky, "c1", out)
    assert written == [
        out,
        *(
            tmp_path / f"cycle-{n}.csv"
            for n in ("actions", "scale", "tracked-actions", "action-history")
        ),
        *(tmp_path / f"cycle-{n}.csv" for n in ("indicators", "audits")),
        tmp_path / "cycle-audit-findings.csv",
    ]
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = rows_of(out)
    p1 = next(r for r in rows if r["agency"] == "alpha" and r["criterion"] == "p-1")
    assert (p1["evidence"], p1["going_well"], p1["development"]) == tuple(
        "'" + t for t in RISKY[:3]
    )
    assert p1["author"] == "'=cmd|' /C calc'!A0"
    assert p1["revision"] == "1"
    actions = rows_of(written[1])
    assert (actions[0]["action"], actions[0]["owner"]) == ("#N/A", "'=x")
    for path in written:
        for line in path.read_text("utf-8-sig").splitlines():
            for value in next(csv.reader([line])) if line else []:
                assert not value.startswith(("=", "+", "@", "\t")), (path.name, value)


def test_csv_keeps_unicode_line_breaks_and_numbers(filled: Store, tmp_path: Path) -> None:
    out = tmp_path / "cycle.csv"
    export.export_cycle(filled, "c1", out, "csv")
    rows = rows_of(out)
    p2 = rows[1]
    assert p2["evidence"] == "Ünïcödé\nline 2"
    assert (p2["score"], p2["normalised_score"], p2["carried_forward"]) == ("1", "0", "false")
    assert p2["saved_at_utc"] == "2020-02-10 09:30:00"
    assert rows[3]["revision"] == ""
    scale = rows_of(tmp_path / "cycle-scale.csv")
    assert [r["score"] for r in scale] == ["3", "2", "1"]


def test_the_export_command(db_url: str, filled: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cycle.data"
    result = runner.invoke(
        cli, ["export", "--db", db_url, "--cycle", "c1", "--format", "csv", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Wrote {out}",
        *(
            f"Wrote {tmp_path / f'cycle-{name}.csv'}"
            for name in (
                "actions",
                "scale",
                "tracked-actions",
                "action-history",
                "indicators",
                "audits",
                "audit-findings",
            )
        ),
        f"Wrote {tmp_path / 'cycle-contradictions.csv'}",  # the command adds them
    ]
    xlsx = tmp_path / "cycle.xlsx"
    result = runner.invoke(cli, ["export", "--db", db_url, "--cycle", "c1", "-o", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert load_workbook(xlsx)["Returns"].max_row == 7


# -- evidence (issue #14) ---------------------------------------------------------------

INDICATORS = """\
indicator,name,definition,unit,better,period,criteria,agency,value,comparator,comparator_value,source
training,Staff trained,+1 on last year,%,higher,2019/20,p-1; p-2,,62,Local target,90,Training records
training,Staff trained,+1 on last year,%,higher,2019/20,p-1; p-2,beta,1234.5,Local target,,Training records
"""
FINDINGS = """\
audit,title,date,cases_reviewed,audit_agencies,grades,finding,grade,criteria,agencies
a1,Audit of 12 cases,2020-01-15,12,alpha; beta,,@SUM(1) plans were late,red,i-1,alpha
a1,Audit of 12 cases,2020-01-15,12,alpha; beta,,Screening was used well,green,i-1; p-1,
"""
DISMISSED = "p-1|alpha|indicator:training"


@pytest.fixture
def evidenced(filled: Store) -> Store:
    """Alpha's draft rates p-1 and i-1 Green: the partnership's training figure and the
    audit's Red finding about alpha contradict them; the chair dismissed the first."""
    import_evidence(filled, "c1", INDICATORS.encode(), "indicators.csv")
    import_evidence(filled, "c1", FINDINGS.encode(), "findings.csv")
    filled.evidence.dismiss("c1", DISMISSED, reason="Target raised mid-year", author="Chair", at=T0)
    return filled


def test_the_evidence_tables(evidenced: Store) -> None:
    indicators, audits, findings = export.evidence_tables(evidenced, "c1")
    assert [
        (r["agency"], r["agency_name"], r["value"], r["comparator_value"], r["criteria"])
        for r in indicators.records()
    ] == [
        (None, "Partnership", 62.0, 90.0, "p-1; p-2"),
        ("beta", "Beta police force", 1234.5, None, "p-1; p-2"),
    ]
    assert audits.records() == [
        {
            "cycle": "c1",
            "audit": "a1",
            "title": "Audit of 12 cases",
            "date": dt.date(2020, 1, 15),
            "cases_reviewed": 12,
            "audit_agencies": "alpha; beta",
            "grades": "",
            "findings": 2,
        }
    ]
    assert [
        (r["number"], r["grade"], r["grade_label"], r["normalised_grade"], r["agencies"])
        for r in findings.records()
    ] == [(1, "red", "Red", 0.0, "alpha"), (2, "green", "Green", 1.0, "")]


def test_the_contradictions_table_keeps_the_chairs_dismissals(evidenced: Store) -> None:
    table = evidence_export.contradiction_table(evidenced, "c1")
    assert table is not None
    rows = {r["key"]: r for r in table.records()}
    kept_key = next(key for key in rows if key != DISMISSED)
    assert set(rows) == {DISMISSED, kept_key}
    assert kept_key.startswith("i-1|alpha|finding:a1:")  # the audit, and its finding's words
    dismissed = rows[DISMISSED]
    assert (dismissed["dismissed"], dismissed["reason"], dismissed["dismissed_by"]) == (
        True,
        "Target raised mid-year",
        "Chair",
    )
    assert dismissed["dismissed_at_utc"] == dt.datetime(2020, 2, 10, 9, 30)
    kept = rows[kept_key]
    assert (kept["dismissed"], kept["reason"], kept["dismissed_by"]) == (False, "", None)
    assert (kept["agency_name"], kept["status"], kept["rating_label"], kept["heading"]) == (
        "Alpha health trust",
        "draft",
        "Green",
        "identify",
    )
    assert kept["evidence"] == "Red: @SUM(1) plans were late"


def test_evidence_exports_as_xlsx_sheets_and_csv_files(evidenced: Store, tmp_path: Path) -> None:
    extra = [evidence_export.contradiction_table(evidenced, "c1")]
    xlsx = tmp_path / "cycle.xlsx"
    export.export_cycle(evidenced, "c1", xlsx, extra=extra)  # type: ignore[list-item]
    wb = load_workbook(xlsx)
    assert wb.sheetnames[5:] == ["Indicators", "Audits", "Audit findings", "Contradictions"]
    header = [c.value for c in wb["Indicators"][1]]
    assert header[:3] == ["cycle", "indicator", "name"]
    definition = wb["Indicators"].cell(row=2, column=header.index("definition") + 1)
    assert (definition.value, definition.data_type) == (
        "+1 on last year",
        "s",
    )  # text, not a formula
    assert wb["Audit findings"].max_row == 3
    assert wb["Contradictions"].max_row == 3

    out = tmp_path / "cycle.csv"
    written = export.export_cycle(evidenced, "c1", out, extra=extra)  # type: ignore[list-item]
    assert [p.name for p in written[5:]] == [
        "cycle-indicators.csv",
        "cycle-audits.csv",
        "cycle-audit-findings.csv",
        "cycle-contradictions.csv",
    ]
    indicators = rows_of(written[5])
    assert [(r["agency_name"], r["value"], r["definition"]) for r in indicators] == [
        ("Partnership", "62", "'+1 on last year"),
        ("Beta police force", "1234.5", "'+1 on last year"),
    ]
    findings = rows_of(written[7])
    assert findings[0]["finding"] == "'@SUM(1) plans were late"
    contradictions = rows_of(written[8])
    assert [(r["criterion"], r["dismissed"]) for r in contradictions] == [
        ("p-1", "true"),
        ("i-1", "false"),
    ]


def test_returns_carry_scope_and_not_applicable_with_the_reason(scoped_store: Store) -> None:
    """Issue #16: whether each criterion is asked of the agency, and why one does not apply."""
    na = Answer(not_applicable=True, na_reason="Not our service.")
    scoped_store.save("c1", "sexual-health", {"d-2": na}, author="SH", based_on=None)
    returns, _actions, _scale = export.cycle_tables(scoped_store, "c1")
    rows = {(r["agency"], r["criterion"]): r for r in returns.records()}
    assert rows[("sexual-health", "d-2")]["not_applicable"] is True
    assert rows[("sexual-health", "d-2")]["na_reason"] == "Not our service."
    assert rows[("sexual-health", "d-1")]["asked"] is False
    assert rows[("beta", "d-1")]["asked"] is True
