"""Three-way comparison of one return saved from two pages at once (issue #7); pure.

When a save is refused because someone else saved the return first, the form compares,
criterion by criterion and field by field, three versions of the answers:

* **base**: the revision the page was based on;
* **mine**: what the page shows now;
* **theirs**: the latest revision in the store.

A field only one side changed needs no decision: mine is kept, or theirs is taken into
the page. A field both sides changed to different values is a :class:`FieldConflict` the
user decides ("mine" or "theirs"). Actions are compared as whole lists, so two people's
edits to one list are never interleaved. The carried-forward mark is not something
anyone types: it stays only while the merged answer is exactly a carried one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from workbook.schema.framework import Framework
from workbook.schema.responses import NOT_APPLICABLE, Action, Answer, Answers

Side = Literal["mine", "theirs"]
"""Whose value a decided conflict keeps."""
FIELDS: tuple[str, ...] = (
    "rating",
    "not_applicable",
    "na_reason",
    "evidence",
    "going_well",
    "development",
    "actions",
)
"""The fields people type, compared one by one (``carried_forward`` follows them)."""
EXCLUSIVE = ("rating", "not_applicable")
"""A rating and "not applicable" never stand together (issue #16): one side rating while
the other marks it not applicable is a conflict on both, for the user to decide."""
EMPTY = Answer()


@dataclass(frozen=True)
class FieldConflict:
    """One field both sides changed, to different values."""

    criterion: str
    field: str
    base: Any
    mine: Any
    theirs: Any

    @property
    def key(self) -> tuple[str, str]:
        """``(criterion, field)``, the key of a decision."""
        return (self.criterion, self.field)


@dataclass(frozen=True)
class Comparison:
    """The outcome of :func:`compare`.

    ``merged`` holds mine where only I changed a field, theirs where only they did, and
    mine for every conflict until the user decides it: what the page shows once theirs
    is taken in. ``taken`` and ``kept`` name the fields taken from theirs and the fields
    only mine changed, by criterion, in order.
    """

    base: dict[str, Answer]
    mine: dict[str, Answer]
    theirs: dict[str, Answer]
    merged: dict[str, Answer]
    conflicts: tuple[FieldConflict, ...]
    taken: dict[str, list[str]] = field(default_factory=dict)
    kept: dict[str, list[str]] = field(default_factory=dict)

    def mine_changed(self) -> dict[str, list[str]]:
        """Fields mine changed from the base (decided or not), by criterion."""
        return {
            cid: names
            for cid in _order(self.base, self.mine, self.theirs, ())
            if (names := _differ(self.base.get(cid), self.mine.get(cid)))
        }


def _content(answer: Answer) -> tuple[Any, ...]:
    return tuple(getattr(answer, name) for name in FIELDS)


def _differ(before: Answer | None, after: Answer | None) -> list[str]:
    a, b = before or EMPTY, after or EMPTY
    return [name for name in FIELDS if getattr(a, name) != getattr(b, name)]


def _with_mark(answer: Answer, *sides: Answer | None) -> Answer:
    """``answer`` marked carried forward only if it equals a side that is so marked."""
    carried = any(
        side is not None and side.carried_forward and _content(side) == _content(answer)
        for side in sides
    )
    return (
        answer
        if answer.carried_forward == carried
        else answer.model_copy(update={"carried_forward": carried})
    )


def _put(answers: dict[str, Answer], criterion: str, answer: Answer) -> None:
    if answer.is_empty:
        answers.pop(criterion, None)
    else:
        answers[criterion] = answer


def _order(base: Answers, mine: Answers, theirs: Answers, order: Sequence[str]) -> list[str]:
    known = dict.fromkeys(order)
    rest = sorted((set(base) | set(mine) | set(theirs)) - set(known))
    return [cid for cid in [*known, *rest] if cid in base or cid in mine or cid in theirs]


def compare(base: Answers, mine: Answers, theirs: Answers, order: Sequence[str] = ()) -> Comparison:
    """Compare mine and theirs with the base they both started from, field by field.

    Parameters
    ----------
    base
        Answers of the revision the page was based on ({} for a return not yet saved).
    mine
        Answers the page shows.
    theirs
        Answers of the latest revision.
    order
        Criterion ids in the order to report them (the framework's); others follow sorted.
    """
    merged: dict[str, Answer] = {}
    conflicts: list[FieldConflict] = []
    taken: dict[str, list[str]] = {}
    kept: dict[str, list[str]] = {}
    for cid in _order(base, mine, theirs, order):
        b, m, t = base.get(cid, EMPTY), mine.get(cid, EMPTY), theirs.get(cid, EMPTY)
        values: dict[str, Any] = {}
        for name in FIELDS:
            was, my, their = getattr(b, name), getattr(m, name), getattr(t, name)
            values[name] = my
            if my == their or their == was:
                if my != was:
                    kept.setdefault(cid, []).append(name)
            elif my == was:
                values[name] = their
                taken.setdefault(cid, []).append(name)
            else:
                conflicts.append(FieldConflict(cid, name, was, my, their))
        if values["rating"] is not None and values["not_applicable"]:
            decided = {c.field for c in conflicts if c.criterion == cid}
            for name in EXCLUSIVE:
                for sides in (taken, kept):
                    if name in sides.get(cid, []):
                        sides[cid].remove(name)
                values[name] = getattr(m, name)  # mine until decided, as for any conflict
                if name not in decided:
                    conflicts.append(
                        FieldConflict(
                            cid, name, getattr(b, name), getattr(m, name), getattr(t, name)
                        )
                    )
            for sides in (taken, kept):
                if sides.get(cid) == []:
                    del sides[cid]
        answer = _with_mark(Answer.model_construct(**values, carried_forward=False), m, t)
        _put(merged, cid, answer)
    return Comparison(
        base=dict(base),
        mine=dict(mine),
        theirs=dict(theirs),
        merged=merged,
        conflicts=tuple(conflicts),
        taken=taken,
        kept=kept,
    )


def _action_words(number: int, action: Action) -> str:
    details = [f"owner: {action.owner}" if action.owner.strip() else "no owner"]
    if action.due is not None:
        details.append(f"due {action.due.day} {action.due:%b %Y}")
    else:
        details.append("no due date")
    return f"{number}. {action.text} ({'; '.join(details)})"


def in_words(framework: Framework, name: str, value: Any) -> str:
    """A field's value as a person reads it: a rating's label, a text, a list of actions.

    Parameters
    ----------
    framework
        The framework answered (for the rating labels).
    name
        The field (``rating``, ``evidence``, ..., ``actions``).
    value
        Its value, as in :class:`~workbook.schema.responses.Answer`.
    """
    if name == "rating":
        if value is None:
            return "Not rated"
        try:
            return framework.scale.level(value).label
        except KeyError:  # a key the scale no longer has: show it as stored
            return str(value)
    if name == "not_applicable":
        return NOT_APPLICABLE if value else "Applies (not marked not applicable)"
    if name == "actions":
        actions: Sequence[Action] = value or ()
        if not actions:
            return "No actions"
        return "\n".join(_action_words(n, a) for n, a in enumerate(actions, 1))
    text = str(value or "")
    return text if text.strip() else "Left empty"
