"""Free text that looks like personal data about a person (issue #7).

Returns and evidence should describe services, not people, so the form warns before
submission, an evidence file is refused, and ``workbook report``/``workbook export`` warn
(a board report stops) when an answer, an evidence text (issue #14) or an action's words
or progress note (issue #15; :mod:`workbook.personal_data_records`) holds something
that looks like a date of birth, an NHS number, a phone number, an email address, a full
postcode or a National Insurance number. This is a warning, not a
filter: the patterns are kept narrow so that ordinary service text (years such as
2017/18, deadlines, percentages, counts, ages of cohorts, reference codes, helpline
numbers) does not warn, and a user may go on after checking.

A finding's excerpt masks what was found (letters and digits become ``•`` except the
last two), so the warning never repeats the data in full.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from workbook.schema.framework import Framework, ResponseField
from workbook.schema.responses import NA_REASON_LABEL, Answer, Answers, Status

if TYPE_CHECKING:  # the store loads SQLAlchemy; only scan_cycle needs it, and is given one
    from workbook.store import Store


class Kind(StrEnum):
    """What a passage looks like."""

    DATE_OF_BIRTH = "date_of_birth"
    NHS_NUMBER = "nhs_number"
    PHONE = "phone"
    EMAIL = "email"
    POSTCODE = "postcode"
    NI_NUMBER = "ni_number"

    @property
    def label(self) -> str:
        """Words for users."""
        return KIND_LABELS[self]

    @property
    def phrase(self) -> str:
        """The label after "a" or "an"."""
        return ("an " if self in (Kind.NHS_NUMBER, Kind.EMAIL) else "a ") + self.label


KIND_LABELS = {
    Kind.DATE_OF_BIRTH: "date of birth",
    Kind.NHS_NUMBER: "NHS number",
    Kind.PHONE: "phone number",
    Kind.EMAIL: "email address",
    Kind.POSTCODE: "postcode",
    Kind.NI_NUMBER: "National Insurance number",
}

MASK = "\u2022"  # •
KEPT = 2
"""Letters and digits left showing at the end of a masked passage."""
CONTEXT = 30
"""Characters of context either side of a finding in its excerpt."""

# -- patterns ---------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?![\d/.-]\d)"  # 12/03/2009, 1.3.09
    r"|\d{4}-\d{2}-\d{2}(?!\d)"  # 2009-03-12
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(?:\d{{4}}|'?\d{{2}})(?!\d)"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}(?!\d)"  # March 12, 2009
    rf"|{_MONTH}\s+\d{{4}}(?!\d))"  # March 2009
)
# A date counts only beside words that say it is a birth date: "by 31 March 2018" is a
# deadline, "DOB: 31/03/2009" is a person.
_BIRTH = r"(?:\bd\.?o\.?b\b\.?|\bdate\s+of\s+birth\b|\bborn\s+(?:on|in)\b)"
_DATE_OF_BIRTH = re.compile(
    rf"{_BIRTH}[\s:=(,\u2013\u2014-]*(?:(?:is|was|of)\s+)?(?P<date>{_DATE})"
    rf"|(?<![\w/.-])(?P<before>{_DATE})\s*[(\[]\s*{_BIRTH}",  # 12/03/2009 (DOB)
    re.IGNORECASE,
)
# 3-3-4 with the same separator (or none); the check digit is tested afterwards. NHS
# numbers never start with 0, which keeps UK phone numbers (0...) apart.
_NHS = re.compile(r"(?<![\d.,/])([1-9]\d{2})([ -]?)(\d{3})\2(\d{4})(?![\d]|[.,/]\d)")
# Geographic (01, 02), non-geographic (03) and mobile (07) numbers; 08 and 09 are left
# out: they are helplines and services (0808 800 5000), not people.
_PHONE = re.compile(
    r"(?<![\w+/.,])(?:\+44[ -]?(?:\(0\)[ -]?)?|\(0(?=\d)|0)[1237](?:[ ()-]{0,2}\d){8,9}"
    r"(?!\d|[.,/]\d)"
)
_EMAIL = re.compile(
    r"(?<![\w.%+'-])[A-Za-z0-9][\w.%+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
    r"(?![\w-])"
)
# A full postcode: an outward code ("SW1A", "M1") is an area, not an address.
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?(?P<inward>\d[ABD-HJLNP-UW-Z]{2})"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_ORDINALS = {"st", "nd", "rd", "th"}
# HMRC's format: two prefix letters (D, F, I, Q, U, V never; O not second; some pairs
# never issued), six digits, a suffix A-D. Capitals only, as it is printed.
_NI = re.compile(
    r"(?<![A-Za-z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r" ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])"
)


def nhs_check_digit_ok(digits: str) -> bool:
    """Whether ten digits pass the NHS number's modulus 11 check.

    >>> nhs_check_digit_ok("9990000018"), nhs_check_digit_ok("9990000010")
    (True, False)
    """
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(digits[9])


_MAY_HOLD = re.compile(r"[\d@]")
"""What every kind holds: a digit, or an email address's "@"."""


def _spans(text: str) -> Iterator[tuple[Kind, int, int]]:
    """Every candidate, most specific kind first (the order settles overlaps)."""
    if _MAY_HOLD.search(text) is None:  # most text: one pass instead of six (issue #19)
        return
    for m in _EMAIL.finditer(text):
        yield Kind.EMAIL, m.start(), m.end()
    for m in _NI.finditer(text):
        yield Kind.NI_NUMBER, m.start(), m.end()
    for m in _NHS.finditer(text):
        if nhs_check_digit_ok(m[1] + m[3] + m[4]):
            yield Kind.NHS_NUMBER, m.start(), m.end()
    for m in _PHONE.finditer(text):
        yield Kind.PHONE, m.start(), m.end()
    for m in _DATE_OF_BIRTH.finditer(text):
        group = "date" if m["date"] else "before"
        yield Kind.DATE_OF_BIRTH, m.start(group), m.end(group)
    for m in _POSTCODE.finditer(text):
        whole = m[0]
        if whole.isupper() or m["inward"][1:].lower() not in _ORDINALS:  # not "Y1 2nd"
            yield Kind.POSTCODE, m.start(), m.end()


# -- findings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One passage that looks like personal data: its kind, where, and a masked excerpt.

    ``start`` and ``end`` index the scanned text; ``excerpt`` is the passage with some
    context, every finding in it masked.
    """

    kind: Kind
    start: int
    end: int
    excerpt: str


def mask(passage: str, kept: int = KEPT) -> str:
    """Letters and digits as ``•`` except the last ``kept``; separators stay.

    >>> mask("07700 900123")
    '••••• ••••23'
    """
    alnum = sum(ch.isalnum() for ch in passage)
    shown = alnum - kept
    out = []
    for ch in passage:
        if ch.isalnum():
            out.append(MASK if shown > 0 else ch)
            shown -= 1
        else:
            out.append(ch)
    return "".join(out)


def _excerpt(masked: str, start: int, end: int, context: int = CONTEXT) -> str:
    left = max(0, start - context)
    right = min(len(masked), end + context)
    if left > 0 and " " in masked[left:start]:  # begin and end on a word
        left = masked.index(" ", left, start) + 1
    if right < len(masked) and " " in masked[end:right]:
        right = masked.rindex(" ", end, right)
    text = " ".join(masked[left:right].split())
    return ("\u2026" if left > 0 else "") + text + ("\u2026" if right < len(masked) else "")


def scan(text: str) -> list[Finding]:
    """What in ``text`` looks like personal data about a person, in order of position.

    Parameters
    ----------
    text
        Free text as typed (an answer's evidence, an action's owner, ...).
    """
    kept: list[tuple[Kind, int, int]] = []
    for kind, start, end in _spans(text):
        if all(end <= s or start >= e for _, s, e in kept):
            kept.append((kind, start, end))
    kept.sort(key=lambda span: span[1])
    masked = text
    for _, start, end in kept:  # same length, so positions still hold
        masked = masked[:start] + mask(text[start:end]) + masked[end:]
    return [Finding(kind, start, end, _excerpt(masked, start, end)) for kind, start, end in kept]


@dataclass(frozen=True)
class AnswerFinding:
    """A finding in one field of one criterion's answer.

    ``field`` is ``evidence``, ``going_well``, ``development`` or ``na_reason`` (why it
    does not apply, issue #16), or ``action`` or ``owner`` with ``action`` the action's
    1-based number.
    """

    criterion: str
    field: str
    finding: Finding
    action: int | None = None

    def field_label(self, framework: Framework) -> str:
        """The field in the framework's words ("Evidence", "Owner of action 2")."""
        if self.field == "action":
            return f"Action {self.action}"
        if self.field == "owner":
            return f"Owner of action {self.action}"
        if self.field == "na_reason":
            return NA_REASON_LABEL
        if self.field == "note":
            return "Note for this partnership only"
        return framework.label(ResponseField(self.field))


def _answer_texts(answer: Answer) -> Iterator[tuple[str, str, int | None]]:
    for field in (ResponseField.EVIDENCE, ResponseField.GOING_WELL, ResponseField.DEVELOPMENT):
        yield field.value, getattr(answer, field.value), None
    yield "na_reason", answer.na_reason, None
    for number, action in enumerate(answer.actions, start=1):
        yield "action", action.text, number
        yield "owner", action.owner, number


def scan_answers(framework: Framework, answers: Answers) -> list[AnswerFinding]:
    """Findings in every free-text field, criteria in the framework's order.

    Parameters
    ----------
    framework
        Orders the criteria; answers to criteria it lacks come last, by id.
    answers
        Answer by criterion id.
    """
    order = [c.id for c in framework.criteria if c.id in answers]
    order += sorted(set(answers) - set(order))
    found = []
    for criterion_id in order:
        for field, text, number in _answer_texts(answers[criterion_id]):
            found += [AnswerFinding(criterion_id, field, f, number) for f in scan(text)]
    return found


def scan_notes(framework: Framework, notes: Mapping[str, str]) -> list[AnswerFinding]:
    """Findings in a return's notes for one partnership (issue #17), criteria in order."""
    order = [c.id for c in framework.criteria if c.id in notes]
    order += sorted(set(notes) - set(order))
    return [AnswerFinding(cid, "note", f) for cid in order for f in scan(notes[cid])]


# -- a cycle's returns (the command line) -----------------------------------------------


@dataclass(frozen=True)
class ReturnFinding:
    """A finding in one agency's return."""

    agency: str
    agency_name: str
    found: AnswerFinding


def scanned_statuses(include_unsubmitted: bool) -> frozenset[Status]:
    """The returns a report reads (as :func:`workbook.reports.common.analysis_rows` chooses)."""
    if include_unsubmitted:
        return frozenset(Status) - {Status.NOT_STARTED}
    return frozenset({Status.SUBMITTED})


def scan_cycle(
    store: Store,
    cycle_id: str,
    statuses: Collection[Status] | None = None,
    agency: str | None = None,
) -> tuple[Framework, list[ReturnFinding]]:
    """The cycle's framework and the findings in its latest returns, agency by agency.

    Parameters
    ----------
    statuses
        Only returns in these statuses (a board report reads submitted ones); default all.
    agency
        Only this agency's return; default every agency's.
    """
    info = store.cycle(cycle_id)
    framework = store.framework(info.framework_id, info.framework_version)
    names = {a.id: a.name for a in store.agencies(info.partnership_id)}
    found = []
    notes = store.notes.for_cycle(cycle_id)  # what this partnership alone reads (#17)
    for agency_id, state in sorted(store.returns(cycle_id).items()):
        if (statuses is None or state.status in statuses) and agency in (None, agency_id):
            name = names.get(agency_id, agency_id)
            texts = scan_answers(framework, state.answers)
            texts += scan_notes(framework, notes.get(agency_id, {}))
            found += [ReturnFinding(agency_id, name, f) for f in texts]
    return framework, found


def passages(count: int) -> str:
    """ "1 passage looks" or "2 passages look", agreeing with ``count``."""
    return f"{count} passage looks" if count == 1 else f"{count} passages look"


def describe(framework: Framework, found: Iterable[ReturnFinding], where: str) -> list[str]:
    """A heading line, then one indented line per finding (agency, criterion, field, kind).

    Parameters
    ----------
    where
        What was scanned, for the heading ("the returns for cse-2017-18").
    """
    found = list(found)
    lines = [f"{passages(len(found))} like personal data about a person in {where}:"]
    for f in found:
        lines.append(
            f"  {f.agency_name} [{f.agency}], {f.found.criterion}, "
            f"{f.found.field_label(framework)}: looks like {f.found.finding.kind.phrase}: "
            f'"{f.found.finding.excerpt}"'
        )
    return lines
