"""Import a filled return workbook as a new revision of the agency's return (issue #6).

The file is read and checked completely by :mod:`workbook.spreadsheets.read` before anything is
written; with any problem, nothing is saved. A good file becomes a new revision based on
the latest one: an upload deliberately replaces the answers, and the return's history
keeps the earlier revisions. If the return was saved after the template was made, the
result carries a warning saying so. A submitted return must be reopened first.

What a file cannot say is kept from the stored return (issue #16): answers to criteria
the agency's sector is not asked, and "Not applicable" with its reason where a file made
before those columns leaves the criterion unrated
(:func:`workbook.spreadsheets.not_applicable.keep_stored`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from workbook import collector
from workbook.errors import (
    STORAGE_MESSAGES,
    AccessDenied,
    NotFound,
    Problem,
    SpreadsheetError,
)
from workbook.personal_data import passages, scan_answers
from workbook.schema.actions import assign_ids
from workbook.schema.framework import Framework
from workbook.schema.responses import Answer, Status, missing_for_submission
from workbook.spreadsheets import action_updates
from workbook.spreadsheets import layout as L
from workbook.spreadsheets import not_applicable as NA
from workbook.spreadsheets.read import (
    Collector,
    FileFacts,
    ParsedReturn,
    open_workbook,
    parse_return,
    read_facts,
)
from workbook.store import ReturnState, Store

NEW_TEMPLATE = "make a new one with `workbook template --cycle {cycle} --agency {agency}`"


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, with ``check``, would do)."""

    cycle_id: str
    agency_id: str
    saved: bool
    revision: int | None
    """The revision the return is at afterwards; ``None`` for a check."""
    status: Status
    changed: tuple[str, ...]
    """Criteria whose answers the file changes."""
    warnings: tuple[str, ...]
    answers: dict[str, Answer]
    actions_updated: tuple[str, ...] = ()
    """Actions whose status or progress the file recorded (issue #15)."""


# -- importing into the store ------------------------------------------------------------


def _submission_problems(
    framework: Framework, parsed: ParsedReturn, source: str, sector: str | None
) -> list[Problem]:
    problems = []
    columns = {"owner": "C", "due date": "D"}
    # only the criteria the agency's sector is asked (issue #16)
    for problem in missing_for_submission(framework, parsed.answers, sector):
        where = parsed.cells.get((problem.where, problem.field), source)
        found = re.match(r"action (\d+) has no (owner|due date)", problem.message)
        rows = parsed.action_rows.get(problem.where, [])
        if found and int(found[1]) <= len(rows):
            where = f"{L.ACTIONS_SHEET}!{columns[found[2]]}{rows[int(found[1]) - 1]}"
        problems.append(Problem(where, problem.field, f"{problem.where}: {problem.message}"))
    return problems


def _check_target(
    store: Store, facts: FileFacts, expect: tuple[str | None, str | None], out: Collector
) -> Framework | None:
    """The framework the file's cycle runs, if the file fits this store and this return."""
    cycle_cell, agency_cell = facts.cells["cycle"], facts.cells["agency"]
    expect_cycle, expect_agency = expect
    if expect_cycle not in (None, facts.cycle_id):
        out.add(
            cycle_cell, "cycle", f"this file is for cycle {facts.cycle_id!r}, not {expect_cycle!r}"
        )
    if expect_agency not in (None, facts.agency_id):
        out.add(
            agency_cell,
            "agency",
            f"this file is for agency {facts.agency_id!r}, not {expect_agency!r}",
        )
    try:
        info = store.cycle(facts.cycle_id)
    except (NotFound, AccessDenied):  # one beyond the identity's reach is not there either
        out.add(cycle_cell, "cycle", f"there is no cycle {facts.cycle_id!r} in this store")
        return None
    if facts.agency_id not in info.agencies:
        out.add(
            agency_cell,
            "agency",
            f"agency {facts.agency_id!r} is not invited to {facts.cycle_id!r}",
        )
    if (facts.framework_id, facts.framework_version) != (info.framework_id, info.framework_version):
        out.add(
            facts.cells["framework_version"],
            "framework",
            f"this file is for {facts.framework_id} version {facts.framework_version}, but "
            f"cycle {facts.cycle_id!r} runs {info.framework_id} version "
            f"{info.framework_version}; "
            + NEW_TEMPLATE.format(cycle=facts.cycle_id, agency=facts.agency_id),
        )
        return None
    return store.framework(info.framework_id, info.framework_version)


def _warnings(facts: FileFacts, current: ReturnState | None) -> tuple[str, ...]:
    latest = current.revision if current else 0
    if facts.revision == latest:
        return ()
    made = "blank" if facts.revision == 0 else f"from revision {facts.revision}"
    return (
        f"this file was made {made}, but the return is now at revision {latest}: importing "
        f"replaces the answers of revision {latest} with the file's (history keeps both)",
    )


def _sector(store: Store, agency_id: str) -> str | None:
    """The agency's sector (issue #16); None, so every criterion counts, if it is unknown."""
    try:
        return store.agency(agency_id).sector
    except (NotFound, AccessDenied):  # the file's agency is refused by _check_target
        return None


def _personal_data(framework: Framework, answers: dict[str, Answer]) -> tuple[str, ...]:
    """One masked line per passage that looks like personal data about a person."""
    return tuple(
        f"{f.criterion}, {f.field_label(framework)}: looks like {f.finding.kind.phrase}: "
        f'"{f.finding.excerpt}"'
        for f in scan_answers(framework, answers)
    )


def _keep_carried_forward(
    answers: dict[str, Answer], current: ReturnState | None
) -> dict[str, Answer]:
    """An answer copied from last cycle and left as it was stays marked as carried forward."""
    if current is None:
        return answers
    kept = dict(answers)
    for cid, answer in answers.items():
        before = current.answers.get(cid)
        unmarked = before.model_copy(update={"carried_forward": False}) if before else None
        if before and before.carried_forward and unmarked == answer:
            kept[cid] = before
    return kept


@collector.paused()  # a file's cells are thousands of new objects (issue #19)
def import_return(
    store: Store,
    data: bytes | Path,
    *,
    filename: str | None = None,
    author: str | None = None,
    check: bool = False,
    submit: bool = False,
    expect_cycle: str | None = None,
    expect_agency: str | None = None,
    despite_personal_data: bool = False,
) -> ImportResult:
    """Check a filled return workbook and save it as a new revision of its return.

    Parameters
    ----------
    store
        The store holding the cycle the file was made for.
    data
        The file's bytes, or its path.
    filename
        Name used in messages and the default author (defaults to the path's name).
    author
        Who is importing; default ``Spreadsheet import (<filename>)``.
    check
        Only check: report problems and what would change, save nothing.
    submit
        Submit the return (refused, with located problems, unless it is complete).
    expect_cycle, expect_agency
        Refuse a file made for another cycle or agency (the form's upload sets these).
    despite_personal_data
        Submit even though some text looks like personal data (it is still warned about),
        as the form's "Submit anyway" does.

    Raises
    ------
    SpreadsheetError
        With every problem found; nothing was saved.
    """
    if isinstance(data, Path):
        filename = filename or data.name
        data = data.read_bytes()
    source = filename or "upload.xlsx"
    wb = open_workbook(data, source)
    facts = read_facts(wb, source)
    # the checks read one state of the store, and look the cycle up once (issue #19)
    with store.snapshot():
        out = Collector()
        framework = _check_target(store, facts, (expect_cycle, expect_agency), out)
        if framework is None:
            raise SpreadsheetError(source, out.problems)
        sector = _sector(store, facts.agency_id)
        try:
            parsed = parse_return(wb, facts, framework, source, sector)
        except SpreadsheetError as exc:
            raise SpreadsheetError(source, [*out.problems, *exc.problems]) from None
        current = store.latest(facts.cycle_id, facts.agency_id)
        kept, lost_na = NA.keep_stored(
            framework, parsed.answers, current.answers if current else {}, sector, parsed.without_na
        )
        parsed = replace(parsed, answers=kept)
        if current is not None and not current.status.editable:
            message = STORAGE_MESSAGES["read_only"].format(
                agency=facts.agency_id, cycle=facts.cycle_id, status=current.status.value
            )
            out.add(source, "status", message)
        if submit:
            out.problems += _submission_problems(framework, parsed, source, sector)
        action_updates.check(store, facts.agency_id, parsed, out)
    if out.problems:
        raise SpreadsheetError(source, out.problems)
    # the file's actions have no ids: they take those of the actions they are (issue #15)
    parsed_answers = assign_ids(current.answers if current else {}, parsed.answers)
    answers = _keep_carried_forward(parsed_answers, current)
    personal = _personal_data(framework, answers)
    if submit and personal and not despite_personal_data:
        raise SpreadsheetError(
            source,
            [
                Problem(
                    source,
                    "personal data",
                    f"not submitted: {passages(len(personal))} like personal data about a "
                    "person; returns should describe services, not people. Edit them, or "
                    "import with --despite-personal-data",
                ),
                *(Problem(source, "personal data", line) for line in personal),
            ],
        )
    before = current.answers if current else {}
    changed = tuple(
        c.id
        for c in framework.criteria
        if before.get(c.id, Answer()) != answers.get(c.id, Answer())
    )
    if submit:
        status = Status.SUBMITTED
    else:
        status = Status.REOPENED if current and current.status == Status.REOPENED else Status.DRAFT
    result = ImportResult(
        cycle_id=facts.cycle_id,
        agency_id=facts.agency_id,
        saved=False,
        revision=None,
        status=status,
        changed=changed,
        warnings=_warnings(facts, current) + lost_na + personal,
        answers=answers,
    )
    if check or (current is None and not submit and all(a.is_empty for a in answers.values())):
        return result  # a blank file for a return not yet started adds no empty revision
    author = author or f"Spreadsheet import ({source})"
    state = store.save(
        facts.cycle_id,
        facts.agency_id,
        answers,
        author=author,
        based_on=current.revision if current else None,
        status=status,
    )
    updated = action_updates.apply(store, parsed, state, author)
    saved = current is None or state.revision != current.revision
    return replace(result, saved=saved, revision=state.revision, actions_updated=tuple(updated))
