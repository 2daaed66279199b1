"""An agency's answers to a framework: the pure model a return's revisions carry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum

from pydantic import Field

from workbook.errors import Problem, ResponseError
from workbook.schema.framework import Framework, Model, ResponseField

MAX_TEXT = 10_000
"""Longest free text accepted in one field (about four pages)."""


class Status(StrEnum):
    """Where a return stands in its cycle."""

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REOPENED = "reopened"

    @property
    def label(self) -> str:
        """Words for users."""
        return self.value.replace("_", " ").capitalize()

    @property
    def editable(self) -> bool:
        """Whether answers may change in this status."""
        return self in (Status.NOT_STARTED, Status.DRAFT, Status.REOPENED)


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NOT_STARTED: frozenset({Status.DRAFT, Status.SUBMITTED}),
    Status.DRAFT: frozenset({Status.DRAFT, Status.SUBMITTED}),
    Status.SUBMITTED: frozenset({Status.REOPENED}),
    Status.REOPENED: frozenset({Status.REOPENED, Status.SUBMITTED}),
}


ACTION_ID = r"^A-[A-Z0-9]{4,12}$"


class Action(Model):
    """Something the agency will do, with who and by when.

    ``id`` is the tracked action this is (issue #15): it stays the same when the words
    change and when a later cycle brings the action forward. The store gives an action
    without one an id when the return is saved (``workbook.schema.actions.assign_ids``).
    """

    text: str = Field(max_length=MAX_TEXT)
    owner: str = Field("", max_length=200)
    due: dt.date | None = None
    id: str | None = Field(None, pattern=ACTION_ID)


class Answer(Model):
    """The whole state of one criterion in one revision.

    ``not_applicable`` is the agency saying the criterion does not apply to it, with the
    reason it must give before submitting (issue #16); such an answer has no rating and
    counts in no median, spread or trend, and the chair sees the reason.
    """

    rating: str | None = None
    evidence: str = Field("", max_length=MAX_TEXT)
    going_well: str = Field("", max_length=MAX_TEXT)
    development: str = Field("", max_length=MAX_TEXT)
    actions: tuple[Action, ...] = ()
    carried_forward: bool = Field(False, description="Copied from last cycle and not yet edited.")
    not_applicable: bool = Field(False, description="The agency says it does not apply.")
    na_reason: str = Field("", max_length=MAX_TEXT, description="Why it does not apply.")

    @property
    def is_empty(self) -> bool:
        """True when nothing has been recorded."""
        return not (
            self.rating
            or self.evidence
            or self.going_well
            or self.development
            or self.actions
            or self.not_applicable
            or self.na_reason
        )

    @property
    def answered(self) -> bool:
        """Rated, or marked not applicable: either way the criterion is done."""
        return self.rating is not None or self.not_applicable


Answers = Mapping[str, Answer]

TEXT_FIELDS = (ResponseField.EVIDENCE, ResponseField.GOING_WELL, ResponseField.DEVELOPMENT)

NOT_APPLICABLE = "Not applicable"
"""What users see for an answer marked not applicable, in tables, cells and files."""

NA_REASON_LABEL = "Why it does not apply"


def text_problem(text: str) -> str | None:
    """Why a text cannot be stored, in words, or None.

    PostgreSQL refuses the NUL character in text and no database takes half of a UTF-16
    surrogate pair, so both are refused on every store alike (issue #7).

    >>> text_problem("fine"), text_problem("a\\x00b")
    (None, 'contains a NUL character (U+0000) at character 2, which cannot be stored; delete it')
    """
    position = text.find("\x00")
    if position >= 0:
        return (
            f"contains a NUL character (U+0000) at character {position + 1}, which cannot be "
            "stored; delete it"
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"contains a broken character at character {exc.start + 1} (half of an emoji or "
            "symbol, often from pasting), which cannot be stored; retype it"
        )
    return None


def check_answers(framework: Framework, answers: Answers) -> list[Problem]:
    """Answers that do not fit the framework: unknown criteria or ratings, fields not asked."""
    problems = []
    keys = {lv.key for lv in framework.scale.levels}
    seen: dict[str, str] = {}
    for criterion_id, answer in answers.items():
        try:
            criterion = framework.criterion(criterion_id)
        except KeyError:
            problems.append(
                Problem(criterion_id, "", f"no criterion {criterion_id!r} in {framework.id}")
            )
            continue
        if answer.rating is not None and answer.rating not in keys:
            problems.append(
                Problem(
                    criterion_id,
                    "rating",
                    f"unknown rating {answer.rating!r}; expected one of " + ", ".join(sorted(keys)),
                )
            )
        if answer.not_applicable and answer.rating is not None:
            problems.append(
                Problem(
                    criterion_id,
                    "rating",
                    "rated and marked not applicable; give a rating or mark it not applicable, "
                    "not both",
                )
            )
        if answer.na_reason and not answer.not_applicable:
            problems.append(
                Problem(criterion_id, "na_reason", "a reason given, but not marked not applicable")
            )
        problem = text_problem(answer.na_reason)
        if problem:
            problems.append(Problem(criterion_id, "na_reason", f"{NA_REASON_LABEL} {problem}"))
        asked = set(framework.fields_for(criterion))
        for field in ResponseField:
            value = getattr(answer, field.value)
            if value not in (None, "", ()) and field not in asked:
                problems.append(
                    Problem(criterion_id, field.value, "this criterion does not ask for it")
                )
        for field in TEXT_FIELDS:
            problem = text_problem(getattr(answer, field.value))
            if problem:
                label = framework.label(field)
                problems.append(Problem(criterion_id, field.value, f"{label} {problem}"))
        for number, action in enumerate(answer.actions, start=1):
            if action.id is not None and action.id in seen:
                where = seen[action.id]
                problems.append(
                    Problem(
                        criterion_id,
                        "actions",
                        f"action {number} has the id {action.id} of another action ({where}); "
                        "each action is listed once",
                    )
                )
            elif action.id is not None:
                seen[action.id] = f"{criterion_id} action {number}"
            for part in ("text", "owner"):
                problem = text_problem(getattr(action, part))
                if problem:
                    problems.append(
                        Problem(criterion_id, "actions", f"action {number} {part} {problem}")
                    )
    return problems


def validate_answers(framework: Framework, answers: Answers, source: str = "answers") -> None:
    """Raise ``ResponseError`` listing every answer that does not fit the framework."""
    problems = check_answers(framework, answers)
    if problems:
        raise ResponseError(source, problems)


def missing_for_submission(
    framework: Framework, answers: Answers, sector: str | None = None
) -> list[Problem]:
    """What stops a return being submitted, in words, criterion by criterion.

    Only the criteria an agency of ``sector`` is asked count (all when it is not known);
    one marked not applicable needs its reason instead of a rating.
    """
    problems = []
    best = framework.scale.best_level.key
    for criterion in framework.criteria_for(sector):
        asked = framework.fields_for(criterion)
        answer = answers.get(criterion.id, Answer())
        if answer.not_applicable:
            if not answer.na_reason.strip():
                problems.append(
                    Problem(criterion.id, "na_reason", "marked not applicable but no reason given")
                )
        elif ResponseField.RATING in asked and answer.rating is None:
            problems.append(Problem(criterion.id, "rating", "not rated"))
        if (
            answer.rating == best
            and ResponseField.EVIDENCE in asked
            and not answer.evidence.strip()
        ):
            label = framework.scale.best_level.label
            problems.append(
                Problem(criterion.id, "evidence", f"rated {label!r} but no evidence given")
            )
        for number, action in enumerate(answer.actions, start=1):
            if not action.owner.strip():
                problems.append(Problem(criterion.id, "actions", f"action {number} has no owner"))
            if action.due is None:
                problems.append(
                    Problem(criterion.id, "actions", f"action {number} has no due date")
                )
    return problems


def progress(
    framework: Framework, answers: Answers, sector: str | None = None
) -> dict[str, tuple[int, int]]:
    """Answered / total criteria per heading id (rated, or any text where no rating is asked).

    Criteria an agency of ``sector`` is not asked are not counted; one marked not
    applicable is answered.
    """
    result = {}
    for heading in framework.headings:
        criteria = [c for c in framework.criteria_under(heading.id) if c.applies(sector)]
        done = 0
        for criterion in criteria:
            answer = answers.get(criterion.id)
            if answer is None:
                continue
            if ResponseField.RATING in framework.fields_for(criterion):
                done += answer.answered
            else:
                done += not answer.is_empty
        result[heading.id] = (done, len(criteria))
    return result


def changed(before: Answers, after: Answers) -> dict[str, Answer]:
    """Criteria whose state differs between two full answer sets (what a revision stores)."""
    empty = Answer()
    return {cid: answer for cid, answer in after.items() if before.get(cid, empty) != answer} | {
        cid: empty for cid in before if cid not in after and before[cid] != empty
    }


def changed_fields(before: Answer | None, after: Answer) -> list[str]:
    """Names of the fields that differ, for revision history."""
    base = before or Answer()
    return [name for name in Answer.model_fields if getattr(base, name) != getattr(after, name)]


MAX_NOTE = 1_000
"""A note for one partnership (issue #17) is short: the return says the rest."""

NOTE_LABEL = "Note for {partnership} only"


def check_notes(framework: Framework, notes: Mapping[str, str]) -> list[Problem]:
    """Why notes for one partnership cannot be kept, criterion by criterion (none: fine).

    A note says what differs in one partnership ("in Bexley the panel meets monthly"),
    so it is on one of the framework's criteria and short.
    """
    known = {c.id for c in framework.criteria}
    problems = []
    for criterion_id, text in notes.items():
        if criterion_id not in known:
            problems.append(Problem(criterion_id, "note", "no such criterion in the framework"))
            continue
        problem = text_problem(text)
        if problem:
            problems.append(Problem(criterion_id, "note", problem))
        elif len(text) > MAX_NOTE:
            problems.append(
                Problem(
                    criterion_id,
                    "note",
                    f"is {len(text):,} characters; a note for one partnership takes at most "
                    f"{MAX_NOTE:,}",
                )
            )
    return problems
