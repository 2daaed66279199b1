"""Reading and checking evidence files (issue #14): what analysts and auditors type.

Evidence comes from whoever holds the figures, in CSV or Excel, typed by hand: the reader
must take the spellings people use (``1,234``, ``24%``, ``2017-18``, ``Green``) and refuse
the rest at the row and column to fix, in the words the CLI and the dashboard show.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from tests.support import data
from tests.support.evidence import csv_bytes, finding, indicator, problems, read, xlsx_bytes
from workbook.evidence import contradictions
from workbook.evidence.files import SHEETS
from workbook.evidence.importer import import_evidence
from workbook.evidence.template import write_template
from workbook.schema.framework import Framework
from workbook.store import Store, provision


@pytest.fixture
def fw(make_framework: Callable[..., Framework]) -> Framework:
    return make_framework()


# -- the same evidence, typed in CSV or in Excel -----------------------------------------


def test_a_csv_file_and_an_xlsx_file_of_the_same_rows_read_alike(fw: Framework) -> None:
    rows = [indicator(agency="alpha", value="1,234"), indicator(agency="", value="24%")]
    findings = [finding(), finding(finding="Plans rarely named a lead.", grade="Red")]
    typed = [indicator(agency="alpha", value=1234), indicator(agency="", value=24)]
    both = read(xlsx_bytes({"Indicators": typed, "Audit findings": findings}), "e.xlsx", fw)
    assert both.indicators == read(csv_bytes(*rows), "i.csv", fw).indicators
    assert both.audits == read(csv_bytes(*findings), "f.csv", fw).audits
    (ind,) = both.indicators
    assert [(v.agency, v.value) for v in ind.values] == [("alpha", 1234), (None, 24)]
    assert [f.grade for f in both.audits[0].findings] == ["green", "red"]


def test_a_percentage_cell_reads_as_the_percentage_typed(fw: Framework) -> None:
    # Excel holds 24% as 0.24; the CSV of the same sheet says 24%, read as 24
    source = load_workbook(io.BytesIO(xlsx_bytes({"Indicators": [indicator(value=0.24)]})))
    source["Indicators"]["H2"].number_format = "0%"
    source["Indicators"]["J2"].value, source["Indicators"]["J2"].number_format = 0.29, "0.0%"
    out = io.BytesIO()
    source.save(out)
    (value,) = read(out.getvalue(), "e.xlsx", fw).indicators[0].values
    assert (value.value, value.comparator_value) == (24, 29)


def test_headers_are_read_whatever_their_case_spacing_and_punctuation(fw: Framework) -> None:
    row = indicator(comparator_value="20")
    typed = [" INDICATOR ", *(n.replace("_", " ").title() for n in list(row)[1:-2])]
    header = [*typed, "Comparator-Value", "source:"]
    ev = read(csv_bytes(row, header=header), "i.csv", fw)
    assert ev.indicators[0].values[0].comparator_value == 20


def test_a_semicolon_separated_file_reads_like_a_comma_separated_one(fw: Framework) -> None:
    row = indicator(criteria="p-1, p-2")
    semicolons = read(csv_bytes(row, delimiter=";"), "i.csv", fw)
    assert semicolons == read(csv_bytes(row), "i.csv", fw)
    assert semicolons.indicators[0].criteria == ("p-1", "p-2")


@pytest.mark.parametrize("typed", ["p-1;p-2", "p-1, p-2", "p-1\np-2", " p-1 ;; p-2 ; "])
def test_lists_of_ids_take_semicolons_commas_or_new_lines(fw: Framework, typed: str) -> None:
    agencies = typed.replace("p-1", "alpha").replace("p-2", "beta")
    ev = read(csv_bytes(finding(criteria=typed, agencies=agencies)), "f.csv", fw)
    assert ev.audits[0].findings[0].criteria == ("p-1", "p-2")
    assert ev.audits[0].findings[0].agencies == ("alpha", "beta")


@pytest.mark.parametrize(
    ("typed", "number"), [("1,234", 1234), ("24%", 24), (" 7 ", 7), ("-3.5", -3.5), ("0", 0)]
)
def test_numbers_are_read_as_people_write_them(fw: Framework, typed: str, number: float) -> None:
    ev = read(csv_bytes(indicator(value=typed)), "i.csv", fw)
    assert ev.indicators[0].values[0].value == number


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("about 20", "expected a number"),
        ("1.2.3", "expected a number"),
        ("nan", "input should be a finite number"),
        ("-inf", "input should be a finite number"),
    ],
)
def test_text_in_a_number_column_is_refused(fw: Framework, typed: str, message: str) -> None:
    assert problems(csv_bytes(indicator(value=typed)), "i.csv", fw) == [
        f"i.csv:2: value: {message}"
    ]


@pytest.mark.parametrize(
    ("typed", "period"),
    [
        ("2017-18", "2017/18"),
        ("2017/18", "2017/18"),
        ("2017 - 18", "2017/18"),
        ("Q1 2018", "2018 Q1"),
        ("2018q1", "2018 Q1"),
        ("2018-03", "2018-03"),
        ("2018", "2018"),
        (2018, "2018"),  # an Excel cell holding the number
        (dt.datetime(2018, 3, 1), "2018-03"),  # Excel turned 2018-03 into a date
    ],
)
def test_periods_take_one_spelling(fw: Framework, typed: object, period: str) -> None:
    ev = read(xlsx_bytes({"Indicators": [indicator(period=typed)]}), "e.xlsx", fw)
    assert ev.indicators[0].period == period


@pytest.mark.parametrize(
    "typed", ["2017-19", "2018-13", "18/19", "FY2018", "Q5 2018", "1899", dt.datetime(2018, 3, 14)]
)
def test_a_period_that_is_none_of_them_is_refused(fw: Framework, typed: object) -> None:
    (message,) = problems(xlsx_bytes({"Indicators": [indicator(period=typed)]}), "e.xlsx", fw)
    assert message.startswith("e.xlsx:Indicators:2: period: expected a period such as 2017/18")


# -- rows of one indicator or one audit ----------------------------------------------


def test_rows_of_one_indicator_must_agree_on_what_it_is(fw: Framework) -> None:
    rows = [
        indicator(agency="alpha"),
        indicator(agency="beta"),
        indicator(agency="", unit="per 10k", better="higher"),
    ]
    assert problems(csv_bytes(*rows), "i.csv", fw) == [
        "i.csv:4: unit: differs from row 2, the same indicator",
        "i.csv:4: better: differs from row 2, the same indicator",
    ]


def test_rows_of_one_audit_must_agree_on_what_it_was(fw: Framework) -> None:
    rows = [finding(), finding(grade="red"), finding(date="15/03/2018", cases_reviewed="13")]
    assert problems(csv_bytes(*rows), "f.csv", fw) == [
        "f.csv:4: date: differs from row 2, the same audit",
        "f.csv:4: cases_reviewed: differs from row 2, the same audit",
    ]


def test_one_indicator_twice_for_one_agency_is_refused(fw: Framework) -> None:
    rows = [
        indicator(agency="alpha"),
        indicator(agency=""),
        indicator(agency="alpha", value="30"),
        indicator(agency="Partnership", value="31"),  # the partnership, spelt out
    ]
    assert problems(csv_bytes(*rows), "i.csv", fw) == [
        "i.csv:4: indicator: the same indicator twice: 're-referrals' for alpha is also on row 2",
        "i.csv:5: indicator: the same indicator twice: 're-referrals' for the partnership "
        "is also on row 3",
    ]


def test_one_indicator_in_two_sheets_is_refused(fw: Framework) -> None:
    sheets = {"Indicators": [indicator()], "More": [indicator(agency="alpha")]}
    assert problems(xlsx_bytes(sheets), "e.xlsx", fw) == [
        "e.xlsx:More: indicator: indicator 're-referrals' is also in another table of this file"
    ]


# -- grades ------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["amber", "Amber", "AMBER", " amber "])
def test_a_grade_is_a_level_key_or_label_in_any_case(fw: Framework, typed: str) -> None:
    ev = read(csv_bytes(finding(grade=typed)), "f.csv", fw)
    assert ev.audits[0].findings[0].grade == "amber"


def test_an_audit_may_grade_on_a_list_of_its_own(fw: Framework) -> None:
    own = "Good; Requires improvement; Inadequate"
    rows = [finding(grades=own, grade="requires IMPROVEMENT"), finding(grades=own, grade="Good")]
    (audit,) = read(csv_bytes(*rows), "f.csv", fw).audits
    assert audit.grades == ("Good", "Requires improvement", "Inadequate")
    assert [f.grade for f in audit.findings] == ["Requires improvement", "Good"]
    assert [audit.position(f.grade, fw.scale) for f in audit.findings] == [0.5, 1.0]


def test_unknown_grades_are_refused_naming_what_is_allowed(fw: Framework) -> None:
    rows = [
        finding(grade="Gren"),
        finding(audit="audit-2", grades="Good; Poor", grade="Amber"),
        finding(audit="audit-3", grades="Good", grade="Good"),
        finding(audit="audit-4", grades="Good; good", grade="Good"),
    ]
    assert problems(csv_bytes(*rows), "f.csv", fw) == [
        "f.csv:2: grade: unknown grade 'Gren'; expected one of the scale 'RAG': Red, Amber, Green",
        "f.csv:3: grade: unknown grade 'Amber'; expected one of the audit's grades: Good, Poor",
        "f.csv:4: grades: an audit's own grade list needs at least 2 grades",
        "f.csv:5: grades: the same grade twice",
    ]


# -- problems, located as users see them -------------------------------------------------


def test_every_problem_is_located_at_its_row_and_column(fw: Framework) -> None:
    rows = [
        indicator(indicator="a"),
        indicator(indicator="b", value="n/a"),
        indicator(indicator="c", criteria="p-1; p-9"),
        indicator(indicator="d", agency="gamma", better="up"),
        indicator(indicator="e", comparator=""),
        indicator(indicator="f", source=""),
    ]
    assert problems(csv_bytes(*rows), "i.csv", fw) == [
        "i.csv:3: value: expected a number",
        "i.csv:4: criteria: unknown criterion 'p-9'; test-fw 1.0 has criteria: i-1, p-1, p-2",
        "i.csv:5: better: input should be 'higher' or 'lower'",
        "i.csv:6: comparator: say what the comparator value is (e.g. 'England average')",
        "i.csv:7: source: this cell is empty; a value is required",
    ]
    sheet = xlsx_bytes({"Indicators": rows[:2]})
    assert problems(sheet, "e.xlsx", fw) == ["e.xlsx:Indicators:3: value: expected a number"]
    unknown = indicator(agency="gamma")
    assert problems(csv_bytes(unknown), "i.csv", fw) == [
        "i.csv:2: agency: unknown agency 'gamma'; the cycle's agencies are: alpha, beta"
    ]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/02/2018", "'31/02/2018' is not a real date (day is out of range for month)"),
        ("2018-02-30", "'2018-02-30' is not a real date (day is out of range for month)"),
        ("March 2018", "expected a date such as 2018-03-14 or 14/03/2018"),
    ],
)
def test_a_bad_audit_date_says_why(fw: Framework, typed: str, message: str) -> None:
    assert problems(csv_bytes(finding(date=typed)), "f.csv", fw) == [f"f.csv:2: date: {message}"]


def test_dates_are_read_iso_english_or_as_excel_holds_them(fw: Framework) -> None:
    rows = [finding(date="14/03/2018"), finding(date=" 2018-3-14 ")]
    assert read(csv_bytes(*rows), "f.csv", fw).audits[0].date == dt.date(2018, 3, 14)
    held = xlsx_bytes({"Audit findings": [finding(date=dt.datetime(2018, 3, 14))]})
    assert read(held, "e.xlsx", fw).audits[0].date == dt.date(2018, 3, 14)


def test_formulas_are_refused_in_csv_and_in_excel(fw: Framework) -> None:
    typed = csv_bytes(indicator(value="=20+4", name=' =HYPERLINK("http://x")'))
    assert problems(typed, "i.csv", fw) == [
        "i.csv:2: name: is a formula; type or paste the value itself (Paste Special > Values)",
        "i.csv:2: value: is a formula; type or paste the value itself (Paste Special > Values)",
    ]
    book = load_workbook(io.BytesIO(xlsx_bytes({"Indicators": [indicator(value="=20+4")]})))
    book["Indicators"]["J2"] = ArrayFormula("J2", "=SUM(1,2)")  # no str in openpyxl
    out = io.BytesIO()
    book.save(out)
    found = problems(out.getvalue(), "e.xlsx", fw)
    assert [m.split(": is a formula")[0] for m in found] == [
        "e.xlsx:Indicators:2: value",
        "e.xlsx:Indicators:2: comparator_value",
    ]


def test_text_from_excel_is_decoded_as_a_returns_cells_are(fw: Framework) -> None:
    # LibreOffice keeps a pasted Windows line end as _x000D_; a return reads it as one
    typed = finding(finding="Plans were late._x000D_\nRisk was not reviewed.")
    (read_back,) = read(xlsx_bytes({"Audit findings": [typed]}), "e.xlsx", fw).audits[0].findings
    assert read_back.text == "Plans were late.\nRisk was not reviewed."


def test_personal_data_in_free_text_is_refused_unless_the_loader_says_it_is_not(
    fw: Framework,
) -> None:
    row = finding(finding="Jo Bloggs (DOB 01/02/2009) was seen twice.")
    (message,) = problems(csv_bytes(row), "f.csv", fw)
    assert message.startswith("f.csv:2: finding: looks like ")
    assert message.endswith("load with --despite-personal-data if it is not")
    ev = read(csv_bytes(row), "f.csv", fw, despite_personal_data=True)
    assert ev.audits[0].findings[0].text == row["finding"]


# -- the template and the reader agree ---------------------------------------------------


def test_the_template_filled_in_loads_and_left_blank_is_refused(
    fw: Framework, tmp_path: Path
) -> None:
    path = write_template(tmp_path / "evidence.xlsx", framework=fw, agencies=[("alpha", "A")])
    assert problems(path.read_bytes(), "evidence.xlsx", fw) == [
        "evidence.xlsx: no rows under the headers of its sheets; nothing to load"
    ]
    book = load_workbook(path)
    sheet = book[SHEETS["findings"]]  # its 'Indicators' sheet stays empty
    header = [c.value for c in sheet[1]]
    sheet.append([finding()[name] or None for name in header])
    book.save(path)
    ev = read(path.read_bytes(), "evidence.xlsx", fw)
    assert (len(ev.indicators), len(ev.audits)) == (0, 1)
    csv_path = write_template(tmp_path / "i.csv", kind="indicators")
    header_only = problems(csv_path.read_bytes(), "i.csv", fw)
    assert header_only == ["i.csv: no rows under the header; nothing to load (indicators)"]


# -- a framework's own rules, in its YAML ------------------------------------------------

OWN_FRAMEWORK = """\
id: health-audit
title: Health safeguarding audit
version: "2019.1"
scale:
  name: Ofsted-style
  best: lowest
  levels:
    - {key: outstanding, label: Outstanding, score: 1, colour: "#1a9641"}
    - {key: good, label: Good, score: 2, colour: "#a6d96a"}
    - {key: ri, label: Requires improvement, score: 3, colour: "#fdae61"}
    - {key: inadequate, label: Inadequate, score: 4, colour: "#d7191c"}
headings:
  - {id: lead, title: Leadership}
criteria:
  - {id: lead-1, heading: lead, prompt: Is there a named safeguarding lead?}
  - {id: lead-2, heading: lead, prompt: Is supervision recorded?}
  - {id: lead-3, heading: lead, prompt: Are staff trained?}
contradictions:
  top_levels: 2
  finding_below: 0.4
  indicator_margin: 0.25
"""


def test_a_framework_of_its_own_brings_its_scale_grades_and_rules(tmp_path: Path) -> None:
    """Nothing in the code knows this framework: its rules are data, and are followed."""
    cycle = data.cycle("h1", "Health 2019", framework_id="health-audit")
    partnership, templates = data.write_partnership(tmp_path, data.partnership([cycle]))
    (templates / "health-audit.yaml").write_text(OWN_FRAMEWORK, "utf-8")
    rows = [
        indicator(indicator="on-time", criteria="lead-1", value="12", comparator_value="10"),
        indicator(
            indicator="late", name="Late", criteria="lead-2", value="13", comparator_value="10"
        ),
        indicator(indicator="trained", criteria="lead-3", value="99", comparator_value="10"),
    ]
    own = "Strong; Adequate; Weak; Poor"  # positions 1, 2/3, 1/3 and 0
    audit = [
        finding(audit="own", grades=own, grade="adequate", criteria="lead-1", audit_agencies=""),
        finding(audit="own", grades=own, grade="Weak", criteria="lead-2", audit_agencies=""),
        finding(audit="scale", grade="Requires improvement", criteria="lead-1", audit_agencies=""),
        finding(audit="scale", grade="Inadequate", criteria="lead-3", audit_agencies=""),
    ]
    with Store.open(f"sqlite:///{tmp_path}/s.db") as store:
        provision.install(store, partnership, templates)
        import_evidence(store, "h1", csv_bytes(*rows), "i.csv")
        import_evidence(store, "h1", csv_bytes(*audit), "f.csv")
        framework = store.cycle_framework("h1")
        evidence = store.evidence.evidence("h1")
    assert framework.contradictions.top_levels == 2
    ratings = {("alpha", "lead-1"): "good", ("alpha", "lead-2"): "outstanding"}
    ratings[("alpha", "lead-3")] = "ri"  # not among the top two: nothing contradicts it
    found = contradictions.find(framework, ratings, evidence)
    assert [(c.criterion_id, c.rating, c.source, c.evidence.split(":")[0]) for c in found] == [
        ("lead-1", "Good", "finding", "Requires improvement"),  # at 1/3, below 0.4
        ("lead-2", "Outstanding", "finding", "Weak"),  # at 1/3; Adequate, at 2/3, is not
        ("lead-2", "Outstanding", "indicator", "Late (partnership)"),  # 30% worse; 20% is not
    ]
