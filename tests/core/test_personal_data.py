"""Passages that look like personal data (issue #7): what warns, what must not, masking.

Every value is invented: NHS numbers from the test range 999 000 0000-999 999 9999 (with
a valid check digit), Ofcom's drama numbers (07700 900xxx, 020 7946 0xxx, 0113 496 0xxx),
example.org addresses, and National Insurance numbers of the documented example format.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from workbook import config, personal_data
from workbook.personal_data import (
    MASK,
    AnswerFinding,
    Kind,
    describe,
    mask,
    nhs_check_digit_ok,
    passages,
    scan,
    scan_answers,
    scan_cycle,
    scanned_statuses,
)
from workbook.personal_data_records import describe_evidence, scan_evidence
from workbook.schema import loader as templates
from workbook.schema.evidence import CaseAudit, Evidence, Finding, Indicator, IndicatorValue
from workbook.schema.framework import Framework
from workbook.schema.responses import Action, Answer, Status
from workbook.store import Store

DOB, NHS, PHONE, EMAIL, POSTCODE, NI = (
    Kind.DATE_OF_BIRTH,
    Kind.NHS_NUMBER,
    Kind.PHONE,
    Kind.EMAIL,
    Kind.POSTCODE,
    Kind.NI_NUMBER,
)

# (text, kind, the passage found)
TRUE_POSITIVES = [
    ("Child A, DOB: 12/03/2009, was referred", DOB, "12/03/2009"),
    ("dob 1.3.09 recorded", DOB, "1.3.09"),
    ("D.O.B. 01-02-2010", DOB, "01-02-2010"),
    ("D.O.B 2009-03-12", DOB, "2009-03-12"),
    ("date of birth 3rd May 2009", DOB, "3rd May 2009"),
    ("Date of Birth: 3 of May '09", DOB, "3 of May '09"),
    ("the young person was born on 14 Feb 2008", DOB, "14 Feb 2008"),
    ("born on March 12, 2008", DOB, "March 12, 2008"),
    ("born in September 2007", DOB, "September 2007"),
    ("DOB is 4/5/2006", DOB, "4/5/2006"),
    ("seen with her sister (12/03/2009 (DOB))", DOB, "12/03/2009"),
    ("NHS no. 999 000 0018 on the file", NHS, "999 000 0018"),
    ("NHS 9990000026", NHS, "9990000026"),
    ("999-000-0034", NHS, "999-000-0034"),
    ("ring 07700 900123 after school", PHONE, "07700 900123"),
    ("mobile 07700900456", PHONE, "07700900456"),
    ("mum on 07700-900-789", PHONE, "07700-900-789"),
    ("+44 7700 900123", PHONE, "+44 7700 900123"),
    ("+447700900123", PHONE, "+447700900123"),
    ("tel +44 (0)20 7946 0123", PHONE, "+44 (0)20 7946 0123"),
    ("home (0113) 496 0456", PHONE, "(0113) 496 0456"),
    ("landline 020 7946 0999", PHONE, "020 7946 0999"),
    ("0113-496-0000", PHONE, "0113-496-0000"),
    ("social worker line 0300 555 0123", PHONE, "0300 555 0123"),
    ("email jo.bloggs@example.org for", EMAIL, "jo.bloggs@example.org"),
    ("(j_smith+ref@mail.example.co.uk)", EMAIL, "j_smith+ref@mail.example.co.uk"),
    ("lives at SW1A 1AA with", POSTCODE, "SW1A 1AA"),
    ("M1 1AE", POSTCODE, "M1 1AE"),
    ("moved to b33 8hy last year", POSTCODE, "b33 8hy"),  # lower case too
    ("B33 8TH", POSTCODE, "B33 8TH"),  # in capitals an "ordinal" is an inward code
    ("CR2 6XH.", POSTCODE, "CR2 6XH"),
    ("EC1A1BB", POSTCODE, "EC1A1BB"),
    ("NI number AB 12 34 56 C", NI, "AB 12 34 56 C"),
    ("NINO: AB123456D", NI, "AB123456D"),
]

FALSE_POSITIVES = [
    "Training records for 2017/18 show take-up by 85% of frontline staff.",
    "Actions to be completed by 31 March 2018.",
    "Review due 01/04/2018; the last one was 12/03/2017.",
    "The period 1 April 2017 to 31 March 2018, reported in Q3 2018 and 2018/19.",
    "95% of 120 children aged 11\u201317 were seen within 5 working days.",
    "Children aged 11-17 and young adults aged 18 to 25.",
    "Our S11 audit (section 11 of the Children Act 2004) was returned.",
    "See section 4.2.1 and paragraph 3.4 of the procedure; criteria S11, P2 and KS2.",
    "Case file audit of 12 cases in March 2018, summary attached.",
    "We record the child's DOB and date of birth of siblings on every referral.",
    "DOB recorded in 96% of files by 31 March 2018.",
    "Children born in 2009 started secondary school in 2020.",
    "Call Childline on 0800 1111 or the NSPCC helpline on 0808 800 5000.",
    "Year 1 2nd term; KS2 3rd cohort; Y1 2nd half.",
    "Postcode areas SW1A, M1 and B33 are covered.",
    "Reference 2017-18-001; budget \u00a31,234,567; 1,234,567,890 records.",
    "Opening hours 09:00-17:00; 1 in 3 young people; 0-19 service.",
    "The NHS number is recorded on 999 of 1,000 records.",
    "A number failing the NHS check: 999 000 0010.",
    "Prefixes HMRC never issues: TN 12 34 56 A, ZZ123456B.",
    "Version 1.2.3 of the tool; score 2.5 out of 3.",
    "",
]


@pytest.mark.parametrize(("text", "kind", "passage"), TRUE_POSITIVES)
def test_what_looks_like_personal_data_is_found(text: str, kind: Kind, passage: str) -> None:
    found = scan(text)
    assert [(f.kind, text[f.start : f.end]) for f in found] == [(kind, passage)]


@pytest.mark.parametrize(("text", "kind", "passage"), TRUE_POSITIVES)
def test_nothing_without_a_digit_or_an_at_sign_is_found(
    text: str, kind: Kind, passage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text with neither skips the six patterns (#19): each of them needs one."""
    monkeypatch.setattr(personal_data, "_MAY_HOLD", re.compile(""))  # every text scanned
    assert [f.kind for f in scan(text)] == [kind]
    assert scan(re.sub(r"\d", "x", text).replace("@", " at ")) == []


@pytest.mark.parametrize("text", FALSE_POSITIVES)
def test_service_text_does_not_warn(text: str) -> None:
    assert scan(text) == []


@pytest.mark.parametrize(("text", "kind", "passage"), TRUE_POSITIVES)
def test_the_excerpt_never_repeats_the_passage_in_full(text: str, kind: Kind, passage: str) -> None:
    (found,) = scan(text)
    assert passage not in found.excerpt
    assert MASK in found.excerpt
    # only the last two letters or digits of the passage show
    shown = re.sub(r"[^0-9A-Za-z]", "", found.excerpt.replace(MASK, ""))
    digits = re.sub(r"\D", "", passage)
    if len(digits) >= 6:
        assert digits not in shown
        assert digits[:-2] not in re.sub(r"\D", "", found.excerpt)


def test_an_email_excerpt_hides_the_address() -> None:
    (found,) = scan("Contact jo.bloggs@example.org about the plan.")
    assert found.excerpt == "Contact \u2022\u2022.\u2022\u2022\u2022\u2022\u2022\u2022@" + (
        "\u2022" * 7 + ".\u2022rg about the plan."
    )
    assert "bloggs" not in found.excerpt
    assert "example" not in found.excerpt


def test_the_excerpt_gives_context_and_masks_every_finding_in_it() -> None:
    text = (
        "Long opening words about the service and its history. Ring 07700 900123 or "
        "email jo@example.org, then close the case and tell the team about it soon."
    )
    phone, email = scan(text)
    assert (phone.kind, email.kind) == (PHONE, EMAIL)
    assert phone.excerpt.startswith("\u2026")
    assert phone.excerpt.endswith("\u2026")
    assert "Ring \u2022\u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u202223" in phone.excerpt
    assert "jo@example.org" not in phone.excerpt  # the neighbour is masked too
    assert "900123" not in email.excerpt
    assert phone.start == text.index("07700")
    assert phone.end == phone.start + 12


def test_findings_are_in_order_and_do_not_overlap() -> None:
    text = "NHS 999 000 0018, DOB 12/03/2009, M1 1AE, 07700 900123, AB 12 34 56 C"
    found = scan(text)
    assert [f.kind for f in found] == [NHS, DOB, POSTCODE, PHONE, NI]
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))


def test_the_nhs_check_digit() -> None:
    assert nhs_check_digit_ok("9990000018")
    assert not nhs_check_digit_ok("9990000019")
    # a remainder giving 10 is never a valid number, whatever the last digit
    invalid = [d for d in (f"99900{n:04d}" for n in range(200)) if not nhs_check_digit_ok(d + "0")]
    assert any(all(not nhs_check_digit_ok(d + str(k)) for k in range(10)) for d in invalid)


@pytest.mark.parametrize(
    ("passage", "masked"),
    [("07700 900123", "\u2022" * 5 + " " + "\u2022" * 4 + "23"), ("ab", "ab"), ("M1", "M1")],
)
def test_mask_keeps_separators_and_the_last_two(passage: str, masked: str) -> None:
    assert mask(passage) == masked


def test_kinds_have_words_for_users() -> None:
    assert [k.phrase for k in Kind] == [
        "a date of birth",
        "an NHS number",
        "a phone number",
        "an email address",
        "a postcode",
        "a National Insurance number",
    ]
    assert (passages(1), passages(3)) == ("1 passage looks", "3 passages look")


# -- answers ----------------------------------------------------------------------------


def test_scan_answers_names_criterion_and_field_in_framework_order(make_framework) -> None:
    framework: Framework = make_framework(labels={"development": "Worries"})
    answers = {
        "i-1": Answer(development="Worried about the child on 07700 900123"),
        "p-1": Answer(
            evidence="Audit of 20 cases by 31 March 2018",
            going_well="See jo@example.org",
            actions=(
                Action(text="Train staff in 2018/19", owner="Head of service"),
                Action(text="Visit M1 1AE", owner="jo@example.org"),
            ),
        ),
    }
    found = scan_answers(framework, answers)
    where = [(f.criterion, f.field, f.action, f.finding.kind) for f in found]
    assert where == [
        ("p-1", "going_well", None, EMAIL),
        ("p-1", "action", 2, POSTCODE),
        ("p-1", "owner", 2, EMAIL),
        ("i-1", "development", None, PHONE),
    ]
    assert [f.field_label(framework) for f in found] == [
        "What is going well",
        "Action 2",
        "Owner of action 2",
        "Worries",
    ]


def test_scan_answers_of_clean_answers_is_empty(make_framework) -> None:
    answer = Answer(rating="green", evidence="Minutes of the MASE meeting, 12 March 2018")
    assert scan_answers(make_framework(), {"p-1": answer, "p-2": Answer()}) == []


def test_an_answer_to_an_unknown_criterion_comes_last(make_framework) -> None:
    answers = {"zz": Answer(evidence="DOB 1/2/2010"), "p-2": Answer(evidence="M1 1AE")}
    found = scan_answers(make_framework(), answers)
    assert [f.criterion for f in found] == ["p-2", "zz"]
    assert isinstance(found[0], AnswerFinding)


# -- real service text: the shipped frameworks and the demo returns ----------------------


@pytest.mark.parametrize(
    "path",
    sorted((config.ROOT / "templates" / "frameworks").glob("*.yaml")),
    ids=lambda p: Path(p).name,
)
def test_the_shipped_frameworks_own_words_do_not_warn(path: Path) -> None:
    fw = templates.load_framework(path)
    texts = [fw.description, *(h.guidance for h in fw.headings)]
    texts += [t for c in fw.criteria for t in (c.prompt, c.guidance, c.evidence)]
    assert len(texts) > 20
    assert [t for t in texts if scan(t)] == []


def test_a_cycle_is_scanned_agency_by_agency(store: Store) -> None:
    store.save(
        "c1",
        "beta",
        {"p-1": Answer(rating="red", evidence="Child seen, DOB 01/02/2010")},
        author="Lead",
        based_on=None,
    )
    store.save(
        "c1",
        "alpha",
        {"p-2": Answer(rating="red", development="Ask jo@example.org")},
        author="Lead",
        based_on=None,
    )
    framework, found = scan_cycle(store, "c1")
    assert [(f.agency, f.agency_name, f.found.criterion) for f in found] == [
        ("alpha", "Alpha health trust", "p-2"),
        ("beta", "Beta police force", "p-1"),
    ]
    assert scan_cycle(store, "c1", scanned_statuses(False))[1] == []  # none submitted
    assert len(scan_cycle(store, "c1", scanned_statuses(True))[1]) == 2
    assert [f.agency for f in scan_cycle(store, "c1", agency="beta")[1]] == ["beta"]
    lines = describe(framework, found, "the returns for c1")
    assert lines[0] == "2 passages look like personal data about a person in the returns for c1:"
    assert lines[1] == (
        "  Alpha health trust [alpha], p-2, Areas for development / worries: looks like an "
        'email address: "Ask \u2022\u2022@\u2022\u2022\u2022\u2022\u2022\u2022\u2022.\u2022rg"'
    )
    assert "01/02/2010" not in "\n".join(lines)


def test_every_free_text_of_the_evidence_is_scanned() -> None:
    """Loaded --despite-personal-data, or before the import checked: still found (#14)."""
    evidence = Evidence(
        indicators=(
            Indicator(
                id="calls",
                name="Calls to 07700 900123",
                definition="Calls from jo@example.org",
                unit="count",
                better="lower",
                period="2018",
                criteria=("p-1",),
                comparator="Seen at M1 1AE",
                source="Child A, DOB: 12/03/2009",
                values=(IndicatorValue(value=3),),
            ),
        ),
        audits=(
            CaseAudit(
                id="a1",
                title="Review of NHS 9990000026",
                date="2018-03-01",
                cases_reviewed=4,
                findings=(
                    Finding(text="Plans were good", grade="green", criteria=("p-1",)),
                    Finding(text="Ring 07700 900456", grade="red", criteria=("p-1",)),
                ),
            ),
        ),
    )
    found = scan_evidence(evidence)
    assert [(f.where(), f.found.kind) for f in found] == [
        ("indicator calls, name", PHONE),
        ("indicator calls, definition", EMAIL),
        ("indicator calls, comparator", POSTCODE),
        ("indicator calls, source", DOB),
        ("audit a1, title", NHS),
        ("audit a1, finding 2", PHONE),
    ]
    lines = describe_evidence(found[-1:], "the evidence for c1")
    assert lines == [
        "1 passage looks like personal data about a person in the evidence for c1:",
        '  audit a1, finding 2: looks like a phone number: "Ring \u2022\u2022\u2022\u2022\u2022 '
        '\u2022\u2022\u2022\u202256"',
    ]
    assert scan_evidence(Evidence()) == []


def test_scanned_statuses_follow_the_report() -> None:
    assert scanned_statuses(False) == {Status.SUBMITTED}
    assert scanned_statuses(True) == {Status.DRAFT, Status.SUBMITTED, Status.REOPENED}


def test_the_demo_returns_do_not_warn(demo_store: Store) -> None:
    cycles = demo_store.cycles()
    scanned = [scan_cycle(demo_store, c.id) for c in cycles]
    texts = sum(len(s.answers) for c in cycles for s in demo_store.returns(c.id).values())
    evidence = [demo_store.evidence.evidence(c.id) for c in cycles]
    assert len(cycles) == 6  # the demo borough's three and its neighbour's (issue #17)
    assert texts > 100
    assert [found for _, found in scanned] == [[]] * 6
    assert sum(not e.empty for e in evidence) == 2  # the demo's indicators and case audit
    assert [scan_evidence(e) for e in evidence] == [[]] * 6


def test_doctests() -> None:
    result = doctest.testmod(personal_data, verbose=False, report=False)
    assert result.attempted >= 2
    assert result.failed == 0
