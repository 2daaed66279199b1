"""One exception hierarchy for the workbook.

Every error carries its facts as attributes and builds its message from a
module-level template, so the CLI, the widgets and the notebooks can show the
same words. Constructors have no side effects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_PROBLEMS = 3


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


class WorkbookError(Exception):
    """Base of every error the workbook raises on purpose."""


def _format_problems(problems: Sequence[Problem], limit: int = MAX_PROBLEMS) -> str:
    lines = [str(p) for p in problems[:limit]]
    hidden = len(problems) - limit
    if hidden > 0:
        lines.append(f"... and {hidden} more problem{'s' if hidden > 1 else ''}")
    return "\n".join(lines)


class ValidationProblems(WorkbookError):
    """A file or value failed validation; holds every problem found."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__(_format_problems(self.problems))


class TemplateError(ValidationProblems):
    """A framework or partnership template is not valid."""


class ParameterError(ValidationProblems):
    """A parameters file does not match its notebook."""


class ResponseError(ValidationProblems):
    """Answers do not fit the framework they claim to answer."""


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
    "unknown": "No {what} named {key!r} in the store. {hint}",
    "conflict": (
        "The return for {agency!r} in cycle {cycle!r} has changed since revision {based_on}: "
        "the latest is revision {latest}. Reload it, then save again."
    ),
    "read_only": (
        "The return for {agency!r} in cycle {cycle!r} is {status}; "
        "it must be reopened by the chair before it can be changed."
    ),
    "bad_transition": "A return cannot go from {old} to {new}. {hint}",
    "framework_changed": (
        "Framework {framework!r} version {version!r} is already in the store with different "
        "content. Give the changed template a new version number."
    ),
    "database": "The store at {url} could not be used: {reason}",
}


class StorageError(WorkbookError):
    """The store refused or failed an operation; the last good revision is intact."""

    def __init__(self, kind: str, **facts: object) -> None:
        self.kind = kind
        self.facts = facts
        for key, value in facts.items():
            setattr(self, key, value)
        super().__init__(STORAGE_MESSAGES[kind].format(**facts))


class ConflictError(StorageError):
    """A save was based on a revision that is no longer the latest."""

    def __init__(self, *, cycle: str, agency: str, based_on: int | None, latest: int) -> None:
        super().__init__("conflict", cycle=cycle, agency=agency, based_on=based_on, latest=latest)


NOTEBOOK_RUN_MESSAGE = "Running {notebook} failed{where}: {reason}"
NOTEBOOK_KEPT_MESSAGE = (
    "The executed notebook is kept at {output}: open it in JupyterLab to see the full "
    "traceback, fix the parameters or the data, and run again."
)


class NotebookRunError(WorkbookError):
    """A papermill run failed; says which cell and why, and where the output notebook is.

    ``cell`` is the cell's 1-based position in the executed notebook (which has the
    injected parameters cell), ``source`` its first line, ``output`` the kept notebook.
    """

    def __init__(
        self,
        notebook: str,
        cell: int | None,
        reason: str,
        *,
        source: str = "",
        output: str | None = None,
    ) -> None:
        self.notebook = notebook
        self.cell = cell
        self.reason = reason
        self.source = source
        self.output = output
        where = f" in cell {cell}" if cell is not None else ""
        lines = [NOTEBOOK_RUN_MESSAGE.format(notebook=notebook, where=where, reason=reason)]
        if source:
            lines.append(f"    {source}")
        if output:
            lines.append(NOTEBOOK_KEPT_MESSAGE.format(output=output))
        super().__init__("\n".join(lines))
