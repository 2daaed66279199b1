"""What every ``workbook`` command shares: the store option, the output option, the store opened.

Defined once so that ``--db`` means the same in every command group.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import NoReturn

import click

from workbook.access import Role
from workbook.errors import ValidationProblems, format_problems
from workbook.store import Store

DB_OPTION = click.option(
    "--db",
    "db",
    default=None,
    metavar="URL",
    help="SQLAlchemy URL of the store (default: $WORKBOOK_DB, else sqlite file data/workbook.db).",
)
OUTPUT_OPTION = click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write.",
)
ROLE_CHOICE = click.Choice([r.value for r in Role])


def refuse_file(file: Path, error: ValidationProblems) -> NoReturn:
    """A refused file's first problems, each at its place, then exit 1: nothing was saved."""
    click.echo(format_problems(error.problems), err=True)
    click.echo(f"{file}: {len(error.problems)} problem(s); nothing was saved", err=True)
    sys.exit(1)


def open_store(db: str | None, *, create: bool = False) -> Store:
    """The store ``--db`` names (else ``WORKBOOK_DB``, else the default), as the local user.

    Only the commands that fill a store create one (``create``): any other refuses a
    missing store in words and makes nothing. None upgrades a store an earlier version
    wrote: that is ``workbook migrate``'s alone (issue #18).
    """
    return Store.open(db, create=create, migrate=False)


def when(moment: dt.datetime | None) -> str:
    """A moment as the commands print it, in UTC; ``never`` for none."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"
