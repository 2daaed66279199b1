"""``workbook actions list|update|history|create|mark|carry``: actions followed to done (#15).

The chair's and the administrator's way to the tracked actions outside the pages: to
review every agency's actions at once, to record progress reported by email or in a
meeting, and to bring a new cycle's actions forward. The CLI acts as the local
administrator, so it may change any action and type any author's name.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from workbook.cli.options import DB_OPTION, open_store, when
from workbook.errors import ActionError, NotFound
from workbook.schema.actions import (
    ActionChange,
    ActionStatus,
    TopMark,
    TopScope,
    TopState,
    TrackedAction,
)
from workbook.spreadsheets.layout import neutralise

COLUMNS = ("id", "agency", "status", "due", "owner", "text", "cycles", "last_note", "overdue")
"""The columns of ``actions list`` in CSV and JSON, in order."""

FIELD_WORDS = {"text": "words", "owner": "owner", "reason": "reason", "note": "progress note"}
"""How an ``ActionChange`` field is named in a message, as the store names it."""

DATE = click.DateTime(formats=["%Y-%m-%d"])


def parse_status(text: str) -> ActionStatus:
    """A status typed as its key or its label; a word that is neither names the choices."""
    try:
        return ActionStatus.parse(text)
    except ValueError:
        choices = ", ".join(s.value for s in ActionStatus)
        raise ActionError("bad_status", status=text, choices=choices) from None


def _day(moment: dt.datetime | None) -> dt.date | None:
    return moment.date() if moment is not None else None


def _row(action: TrackedAction, today: dt.date) -> dict[str, Any]:
    """One action as plain values: JSON takes them as they are, CSV and the table as words."""
    return {
        "id": action.id,
        "agency": action.agency_id or "partnership",
        "status": action.status.label,
        "due": action.due.isoformat() if action.due else None,
        "owner": action.owner,
        "text": action.text,
        "cycles": list(action.cycles),
        "last_note": d.isoformat() if (d := _day(action.last_note_at)) else None,
        "overdue": action.overdue(today),
    }


def _csv(rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        cells = {
            **row,
            "due": row["due"] or "",
            "cycles": ";".join(row["cycles"]),
            "last_note": row["last_note"] or "",
            "overdue": "yes" if row["overdue"] else "no",
        }
        # a spreadsheet opening the file must not run typed text as a formula
        writer.writerow([neutralise(str(cells[c])) for c in COLUMNS])
    return out.getvalue()


def _json(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(rows), indent=2, ensure_ascii=False) + "\n"


def _table(rows: Sequence[dict[str, Any]]) -> str:
    """Fixed-width columns, the text last: it is the one column of no set width.

    A line break in the text or the owner becomes a space, so each action stays one line.
    """
    heads = ("ID", "AGENCY", "STATUS", "DUE", "OWNER", "CYCLES", "LAST NOTE", "OVERDUE", "TEXT")
    lines = [
        (
            row["id"],
            row["agency"],
            row["status"],
            row["due"] or "-",
            " ".join(row["owner"].split()) or "-",
            ",".join(row["cycles"]),
            row["last_note"] or "never",
            "overdue" if row["overdue"] else "",
            " ".join(row["text"].split()),
        )
        for row in rows
    ]
    widths = [max(len(str(cells[n])) for cells in [heads, *lines]) for n in range(len(heads))]
    out = []
    for cells in [heads, *lines]:
        padded = (str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True))
        out.append("  ".join(padded).rstrip() + "\n")
    return "".join(out)


FORMATS: dict[str, Callable[[Sequence[dict[str, Any]]], str]] = {
    "table": _table,
    "csv": _csv,
    "json": _json,
}


def _change(**fields: Any) -> ActionChange:
    """An ``ActionChange``, a value too long for it refused in the store's own words."""
    try:
        return ActionChange(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0])
        limit = (error.get("ctx") or {}).get("max_length")
        value = fields.get(field)
        if limit is None or not isinstance(value, str):
            raise
        what = FIELD_WORDS.get(field, field)
        raise ActionError("too_long", what=what, length=len(value), limit=limit) from None


def _whose(action: TrackedAction) -> str:
    return "the partnership" if action.agency_id is None else action.agency_id


def _place(mark: TopMark, action: TrackedAction) -> str:
    if mark.scope is TopScope.PARTNERSHIP:
        return f"the partnership's top {mark.scope.limit}"
    return f"{action.agency_id}'s top {mark.scope.limit}"


@click.group("actions")
def actions_group() -> None:
    """Actions followed to done: their status, progress notes and the top 5 and top 3."""


@actions_group.command("list")
@DB_OPTION
@click.option("--cycle", "cycle_id", default=None, help="Only this cycle's actions.")
@click.option("--partnership", "partnership_id", default=None, help="Every cycle's actions.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    metavar="STATUS",
    help="open, in_progress, done or dropped (repeat for several).",
)
@click.option("--agency", "agency_id", default=None, help="One agency's actions.")
@click.option("--overdue", is_flag=True, help="Only unfinished actions past their due date.")
@click.option(
    "--format",
    "form",
    type=click.Choice(list(FORMATS)),
    default="table",
    show_default=True,
    help="A table to read, or CSV or JSON for a script or a spreadsheet.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: the screen).",
)
def list_cmd(
    db: str | None,
    cycle_id: str | None,
    partnership_id: str | None,
    statuses: tuple[str, ...],
    agency_id: str | None,
    overdue: bool,
    form: str,
    output: Path | None,
) -> None:
    """One line per action: whose, where it stands, when due, and when progress was noted."""
    wanted = {parse_status(s) for s in statuses}
    today = dt.date.today()
    with open_store(db) as store:
        if partnership_id is not None and partnership_id not in dict(store.partnerships()):
            raise NotFound(what="partnership", key=partnership_id, hint="See `workbook summary`.")
        if agency_id is not None:
            store.agency(agency_id)
        found = store.actions.find(cycle_id, partnership_id=partnership_id)
    chosen = [
        a
        for a in found
        if (not wanted or a.status in wanted)
        and (agency_id is None or a.agency_id == agency_id)
        and (not overdue or a.overdue(today))
    ]
    text = FORMATS[form]([_row(a, today) for a in chosen])
    if output is not None:
        output.write_text(text, "utf-8", newline="")
        click.echo(f"Wrote {len(chosen)} action(s) to {output}")
    elif form == "table" and not chosen:
        click.echo("No actions match.")
    else:
        click.echo(text, nl=False)


@actions_group.command("update")
@DB_OPTION
@click.argument("action_id", metavar="ID")
@click.option("--status", default=None, help="open, in_progress (or 'In progress'), done, dropped.")
@click.option("--note", default="", help="A progress note, kept in the action's history.")
@click.option("--owner", default=None, help="Who sees it done.")
@click.option("--due", type=DATE, default=None, metavar="YYYY-MM-DD", help="A new due date.")
@click.option("--no-due", is_flag=True, help="Take the due date off.")
@click.option("--text", default=None, help="New words for the action.")
@click.option("--reason", default=None, help="Why it is dropped (needed with --status dropped).")
@click.option("--author", default=None, metavar="NAME", help="Who reported it (default: you).")
@click.option(
    "--based-on",
    type=int,
    default=None,
    metavar="N",
    help="The revision you looked at: refuse the change if it has changed since.",
)
def update_cmd(
    db: str | None,
    action_id: str,
    status: str | None,
    note: str,
    owner: str | None,
    due: dt.datetime | None,
    no_due: bool,
    text: str | None,
    reason: str | None,
    author: str | None,
    based_on: int | None,
) -> None:
    """Record progress on action ID, or change its status, owner, due date or words."""
    if due is not None and no_due:
        raise click.UsageError("Give either --due or --no-due, not both.")
    change = _change(
        text=text,
        owner=owner,
        due=due.date() if due else None,
        clear_due=no_due,
        status=parse_status(status) if status is not None else None,
        reason=reason,
        note=note,
    )
    with open_store(db) as store:
        before = store.actions.get(action_id)
        after = store.actions.update(action_id, change, based_on=based_on, author=author)
    if after.revision == before.revision:
        click.echo(
            f"{after.id} is unchanged: still {after.status.label} (revision {after.revision})"
        )
    else:
        click.echo(f"{after.id} is now {after.status.label} (revision {after.revision})")


@actions_group.command("history")
@DB_OPTION
@click.argument("action_id", metavar="ID")
def history_cmd(db: str | None, action_id: str) -> None:
    """Every revision of action ID: who, when, where it stood, and each progress note."""
    with open_store(db) as store:
        action = store.actions.get(action_id)
        revisions = store.actions.history(action_id)
    click.echo(f"{action.id} ({_whose(action)}): {' '.join(action.text.split())}")
    for rev in revisions:
        identity = f" [{rev.saved_by}]" if rev.saved_by else ""
        click.echo(
            f"#{rev.number} {when(rev.saved_at)} {rev.status.label} by {rev.author}{identity}"
        )
        if rev.note:
            click.echo("    note: " + rev.note.replace("\n", "\n          "))
        if rev.status is ActionStatus.DROPPED and rev.reason:
            click.echo("    reason: " + rev.reason.replace("\n", "\n            "))


@actions_group.command("create")
@DB_OPTION
@click.argument("cycle_id", metavar="CYCLE")
@click.argument("text")
@click.option("--owner", default="", help="Who sees it done.")
@click.option("--due", type=DATE, default=None, metavar="YYYY-MM-DD", help="When it is due.")
@click.option("--criterion", "criteria", multiple=True, help="A criterion it answers (repeat).")
@click.option(
    "--agency", "agency_id", default=None, help="The agency's (default: the partnership's)."
)
@click.option(
    "--involves", multiple=True, metavar="AGENCY", help="An agency a partnership action involves."
)
@click.option("--author", default=None, metavar="NAME", help="Who set it (default: you).")
def create_cmd(
    db: str | None,
    cycle_id: str,
    text: str,
    owner: str,
    due: dt.datetime | None,
    criteria: tuple[str, ...],
    agency_id: str | None,
    involves: tuple[str, ...],
    author: str | None,
) -> None:
    """Add an action to CYCLE: an agency's, or without --agency the partnership's own."""
    with open_store(db) as store:
        made = store.actions.create(
            cycle_id,
            text,
            owner=owner,
            due=due.date() if due else None,
            criteria=criteria,
            involves=involves,
            agency_id=agency_id,
            author=author,
        )
    click.echo(f"Created {made.id} in {cycle_id} for {_whose(made)}")


@actions_group.command("mark")
@DB_OPTION
@click.argument("cycle_id", metavar="CYCLE")
@click.argument("action_id", metavar="ID")
@click.option(
    "--scope",
    type=click.Choice([s.value for s in TopScope]),
    required=True,
    help="The partnership's top 5 or the action's agency's top 3.",
)
@click.option(
    "--state",
    type=click.Choice([s.value for s in TopState]),
    required=True,
    help="Nominate, confirm or challenge it there, or take it off (removed).",
)
@click.option("--comment", default="", help="Why, kept with the mark (say it for a challenge).")
@click.option("--author", default=None, metavar="NAME", help="Whose word it is (default: you).")
def mark_cmd(
    db: str | None,
    cycle_id: str,
    action_id: str,
    scope: str,
    state: str,
    comment: str,
    author: str | None,
) -> None:
    """Put action ID in CYCLE's top 5 (the partnership's) or its agency's top 3, or take it off."""
    with open_store(db) as store:
        action = store.actions.get(action_id)
        mark = store.actions.mark(
            cycle_id, action_id, TopScope(scope), TopState(state), comment=comment, author=author
        )
    where = f"{_place(mark, action)} for {cycle_id}"
    if mark.state is TopState.REMOVED:
        click.echo(f"{mark.action_id} is off {where}")
    else:
        click.echo(f"{mark.action_id} is {mark.state.label.lower()} in {where}")


@actions_group.command("carry")
@DB_OPTION
@click.argument("cycle_id", metavar="CYCLE")
def carry_cmd(db: str | None, cycle_id: str) -> None:
    """Bring the previous cycle's unfinished actions into CYCLE, history and all.

    Safe to run again: it brings only what is not there yet.
    """
    with open_store(db) as store:
        brought = store.actions.bring_forward(cycle_id)
    if not brought:
        click.echo(f"No actions to bring forward into {cycle_id}.")
        return
    click.echo(f"Brought {len(brought)} action(s) forward into {cycle_id}: {', '.join(brought)}")
