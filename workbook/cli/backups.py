"""``workbook backup|restore``: the whole store in one file, taken while it is in use (issue #7)."""

from __future__ import annotations

from pathlib import Path

import click

from workbook.cli.options import DB_OPTION
from workbook.store import backup


@click.command("backup")
@DB_OPTION
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Backup file to write (replaced only once the new backup is complete).",
)
def backup_cmd(db: str | None, output: Path) -> None:
    """Copy the whole store to one file while it stays in use; `workbook restore` reads it."""
    held = backup.backup(output, db)
    click.echo(f"Backed up {held.url} to {output}: {held}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DB_OPTION
def restore_cmd(file: Path, db: str | None) -> None:
    """Restore a backup into an empty store: a new SQLite file or an empty PostgreSQL database."""
    held = backup.restore(file, db)
    click.echo(f"Restored {file} into {held.url}: {held}")
