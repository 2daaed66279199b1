"""One exception hierarchy for the workbook.

Every error carries its facts as attributes and builds its message from a
module-level template, so the CLI, the widgets and the notebooks can show the
same words. Constructors have no side effects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

MAX_PROBLEMS = 3
"""Problems an error's message shows before "... and N more problems" (house style #5):
enough to act on where a refusal interrupts something else (a load, an import)."""

MAX_VALIDATE_PROBLEMS = 20
"""Problems ``workbook validate`` lists per file: checking a template is the author's
whole task, so it names its independent problems in one run (issue #17)."""


@dataclass(frozen=True)
class Problem:
    """One located problem in a user-supplied file or value.

    ``where`` is a human location (``file.yaml:12`` or ``Prevent!C4``); ``field`` is the
    dotted path to the offending field; ``message`` says what was expected.
    """

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        parts = [p for p in (self.where, self.field) if p]
        return ": ".join([*parts, self.message])


from workbook.errors.base import WorkbookError as WorkbookError  # noqa: E402


def format_problems(
    problems: Sequence[Problem], limit: int = MAX_PROBLEMS, source: str = ""
) -> str:
    """The first ``limit`` problems, one a line, then how many more there are.

    Every list of problems shown to a user is worded here. ``source`` (a file) starts the
    last line, where several files' problems are listed one after another.

    >>> print(format_problems([Problem(f"f.yaml:{n}", "id", "bad") for n in (1, 2, 3)], 2))
    f.yaml:1: id: bad
    f.yaml:2: id: bad
    ... and 1 more problem
    """
    lines = [str(p) for p in problems[:limit]]
    hidden = len(problems) - limit
    if hidden > 0:
        more = f"... and {hidden} more problem{'s' if hidden > 1 else ''}"
        lines.append(f"{source}: {more}" if source else more)
    return "\n".join(lines)


class ValidationProblems(WorkbookError):
    """A file or value failed validation; holds every problem found."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__(format_problems(self.problems))


class TemplateError(ValidationProblems):
    """A framework or partnership template is not valid."""


class ParameterError(ValidationProblems):
    """A parameters file does not match its notebook."""


class ResponseError(ValidationProblems):
    """Answers do not fit the framework they claim to answer."""


class EvidenceError(ValidationProblems):
    """An evidence file (indicators or audit findings) cannot be loaded; nothing was saved.

    Each problem's ``where`` is ``file:row`` (``indicators.csv:4``, or
    ``evidence.xlsx:Indicators:4`` for a workbook's sheet) and its ``field`` the column.
    """


class SpreadsheetError(ValidationProblems):
    """A spreadsheet return cannot be imported; nothing was saved.

    Each problem's ``where`` is a cell (``Prevent!D4``), a sheet, or the file itself.
    """


STORAGE_MESSAGES = {
    "newer_schema": (
        "The store at {url} was written by a newer version of the workbook "
        "(schema {found}, this version understands up to {supported}). "
        "Upgrade the workbook before opening it."
    ),
    "older_schema": (
        "The store at {url} was written by an earlier version of the workbook (schema "
        "{found}; this version uses {supported}). An administrator upgrades it once with "
        "`workbook migrate` (after `workbook backup`); until then it is left as it is."
    ),
    "read_only": (
        "The return for {agency!r} in cycle {cycle!r} is {status}; "
        "it must be reopened by the chair before it can be changed."
    ),
    "bad_transition": "A return cannot go from {old} to {new}. {hint}",
    "busy_evidence": (
        "The evidence for cycle {cycle} was being loaded by someone else at the same time, "
        "three times over; nothing was saved. Load the file again."
    ),
    "framework_changed": (
        "Framework {framework!r} version {version!r} is already in the store with different "
        "content. Give the changed template a new version number."
    ),
    "database": "The store at {url} could not be used: {reason}",
    "missing_store": (
        "There is no store at {url} ({reason}); nothing was created. Create one with "
        "`workbook demo` (the demo partnership) or `workbook load FILE` (your partnership), "
        "or give the store's address with --db or WORKBOOK_DB."
    ),
    "backup": "The store at {url} was not backed up, and no backup file was written: {reason}",
    "restore": "{file} was not restored into the store at {url}: {reason}",
}
"""Messages of the store's refusals that have no type of their own, by kind."""

NOT_FOUND_MESSAGE = "No {what} named {key!r} in the store. {hint}"
CONFLICT_MESSAGE = (
    "The return for {agency!r} in cycle {cycle!r} has changed since revision {based_on}: "
    "the latest is revision {latest}. Reload it, then save again."
)
UNAVAILABLE_MESSAGES = {
    # issue #7: conditions of the store, not of the save
    "store_busy": (
        "The store at {url} could not be used: it is busy with other saves ({reason}). "
        "Nothing was written and the last saved revision is intact; try again in a moment."
    ),
    "store_read_only": (
        "The store at {url} could not be used: it can only be read at the moment ({reason}). "
        "Nothing was written and the last saved revision is intact; whoever runs the "
        "workbook needs to make the store writable again."
    ),
    "store_full": (
        "The store at {url} could not be used: it has run out of space ({reason}). "
        "Nothing was written and the last saved revision is intact; whoever runs the "
        "workbook needs to free some disk space."
    ),
    "store_unreachable": (
        "The store at {url} could not be used: it cannot be reached ({reason}). "
        "The last saved revision is intact; try again when the store is back."
    ),
}
"""Why the store cannot be used at the moment, by :attr:`StoreUnavailable.kind`."""


class StorageError(WorkbookError):
    """The store refused or failed an operation; the last good revision is intact.

    ``kind`` names the refusal (a key of ``STORAGE_MESSAGES``) and its facts are
    attributes. The refusals callers tell apart have types of their own below, so that
    nobody catches this to mean "not found" or "busy".
    """

    def __init__(self, kind: str, **facts: object) -> None:
        self._setup(kind, facts, STORAGE_MESSAGES[kind])

    def _setup(self, kind: str, facts: dict[str, object], template: str) -> None:
        self.kind = kind
        self.facts = facts
        for key, value in facts.items():
            setattr(self, key, value)
        WorkbookError.__init__(self, template.format(**facts))

    @property
    def transient(self) -> bool:
        """Whether the same call may succeed later: only when the store is unavailable."""
        return isinstance(self, StoreUnavailable)


class NotFound(StorageError):
    """The store holds no such thing (``what`` named ``key``); ``hint`` says where to look."""

    def __init__(self, *, what: str, key: object, hint: str = "") -> None:
        self._setup("unknown", {"what": what, "key": key, "hint": hint}, NOT_FOUND_MESSAGE)


class Conflict(StorageError):
    """A save was based on a revision that is no longer the latest."""

    def __init__(self, *, cycle: str, agency: str, based_on: int | None, latest: int) -> None:
        facts: dict[str, object] = {
            "cycle": cycle,
            "agency": agency,
            "based_on": based_on,
            "latest": latest,
        }
        self._setup("conflict", facts, CONFLICT_MESSAGE)


UnavailableKind = Literal["store_busy", "store_read_only", "store_full", "store_unreachable"]


class StoreUnavailable(StorageError):
    """The store cannot be used now: busy, read-only, full or unreachable (issue #7).

    These describe the store rather than the request: the same call can succeed unchanged
    once the condition clears (the lock is released, space is freed, the store is
    writable or reachable again), so the form keeps what was typed and tries again.
    Nothing may read this as "nothing there": whoever asked gets the message.
    """

    kind: UnavailableKind

    def __init__(self, kind: UnavailableKind, *, url: str, reason: str) -> None:
        self._setup(kind, {"url": url, "reason": reason}, UNAVAILABLE_MESSAGES[kind])


ACCESS_MESSAGES = {
    "no_token": (
        "This page needs your personal link. Open the link the partnership's administrator "
        "sent you, or ask them for one."
    ),
    "bad_token": (
        "This link is not recognised. Check that you copied the whole link, or ask the "
        "partnership's administrator for a new one."
    ),
    "expired": "This link expired on {when}. Ask the partnership's administrator for a new one.",
    "revoked": (
        "This link was withdrawn on {when}. Ask the partnership's administrator for a new one."
    ),
    "forbidden": "Your link ({who}) does not allow you to {action}.",
    "not_found": "There is no {what} {key!r} that your link ({who}) can open.",
    "bad_link": "No link was made: {reason}.",
    # signing in through JupyterHub (issue #9)
    "hub_unknown": (
        "You are signed in as {user}, but the workbook has not been opened to you. Ask the "
        "partnership's administrator to add you."
    ),
    "hub_removed": (
        "You are signed in as {user}, whose access to the workbook was withdrawn on {when}. "
        "Ask the partnership's administrator if you still need it."
    ),
    "bad_user": "No user was added: {reason}.",
}


class AccessDenied(WorkbookError):
    """The identity may not do this; nothing was read or written.

    Beside :class:`StorageError`, not under it: a refusal is not a failure of the store,
    and every place that tells the user why the store refused something catches both.
    Messages say what the person can do next, never what exists beyond their reach.
    """

    def __init__(self, kind: str, **facts: object) -> None:
        self.kind = kind
        self.facts = facts
        for key, value in facts.items():
            setattr(self, key, value)
        super().__init__(ACCESS_MESSAGES[kind].format(**facts))


MODERATION_MESSAGES = {
    "unknown": "No {what} {key!r} in cycle {cycle!r}. {hint}",
    "empty": "A moderation needs a moderated rating or a challenge comment (or both).",
    "author": "A moderation needs an author.",
    "dismiss_reason": "Say why the contradiction is dismissed; the reason is kept with it.",
    "reason_too_long": "The reason is {length} characters; at most {limit} are kept.",
    "bad_text": "The {what} {problem}.",
    "too_long": "The challenge comment is {length} characters; at most {limit} are kept.",
    "too_many": (
        "{scope_words} already has {limit} top actions marked. Unmark one before marking another."
    ),
}


class ModerationError(WorkbookError):
    """A moderation or action mark that cannot be recorded; the message says what to do."""

    def __init__(self, reason: str, **facts: object) -> None:
        self.reason = reason
        self.facts = facts
        for name, value in facts.items():
            setattr(self, name, value)
        super().__init__(MODERATION_MESSAGES[reason].format(**facts))


ACTION_MESSAGES = {
    "no_text": "An action needs words saying what will be done.",
    "drop_reason": "Say why the action is dropped; the reason is kept with it.",
    "bad_text": "The action's {what} {problem}.",
    "too_long": "The action's {what} is {length} characters; at most {limit} are kept.",
    "empty": "Nothing to change: give a new status, owner, due date or a progress note.",
    "stale": (
        "Action {action} changed since you opened it (now revision {latest}, you had "
        "{based_on}). Look at its latest state and make your change again."
    ),
    "unknown_criterion": "There is no criterion {criterion!r} in {framework}.",
    "not_agency": "{agency!r} is not an agency of partnership {partnership!r}.",
    "chair_only": "Only the chair may {what}.",
    "too_many": (
        "{scope_words} already has {limit} top actions. Take one off before adding another."
    ),
    "other_cycle": "Action {action} is not part of cycle {cycle!r}.",
    "taken": "There is already an action {action}; choose another id.",
    "bad_status": "There is no action status {status!r}; choose one of: {choices}.",
}


HIGHLIGHT_MESSAGES = {
    "stale": (
        "The highlights of {cycle!r} changed since you opened them (now revision {latest}, "
        "you had {based_on}). Look at the latest and make your change again."
    ),
    "bad_text": "The highlights' {where} {problem}.",
    "wrong": "The highlights cannot be saved: {where}: {problem}.",
}


class HighlightsError(WorkbookError):
    """The chair's highlights that cannot be saved (issue #16); nothing was saved.

    ``reason`` is a key of ``HIGHLIGHT_MESSAGES`` and its facts are attributes.
    """

    def __init__(self, reason: str, **facts: object) -> None:
        self.reason = reason
        self.facts = facts
        for name, value in facts.items():
            setattr(self, name, value)
        super().__init__(HIGHLIGHT_MESSAGES[reason].format(**facts))


class ActionError(WorkbookError):
    """A change to a tracked action that cannot be recorded (issue #15); nothing was saved.

    ``reason`` is a key of ``ACTION_MESSAGES`` and its facts are attributes, as for
    :class:`ModerationError`.
    """

    def __init__(self, reason: str, **facts: object) -> None:
        self.reason = reason
        self.facts = facts
        for name, value in facts.items():
            setattr(self, name, value)
        super().__init__(ACTION_MESSAGES[reason].format(**facts))


# Errors of running a report notebook live beside, in workbook/errors/running.py; they
# belong to this hierarchy and are imported from here like every other error.
from workbook.errors.running import (  # noqa: E402
    NotebookRunError as NotebookRunError,
)
from workbook.errors.running import (  # noqa: E402
    PacksFailed as PacksFailed,
)
from workbook.errors.running import (  # noqa: E402
    PdfError as PdfError,
)
from workbook.errors.running import (  # noqa: E402
    PersonalDataError as PersonalDataError,
)
