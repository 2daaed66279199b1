"""``workbook backup|restore|migrate``: the store as a whole, looked after by its administrator.

A backup is the whole store in one file, taken while it is in use (issue #7); ``migrate``
upgrades a store an earlier version wrote, once, which no page or other command does by
itself (issue #18).
"""

from __future__ import annotations

from pathlib import Path

import click

from workbook.cli.options import DB_OPTION
from workbook.store import Store, backup


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


@click.command("migrate")
@DB_OPTION
def migrate_cmd(db: str | None) -> None:
    """Upgrade a store an earlier version of the workbook wrote to this version's schema.

    Run once after upgrading the workbook (take a backup first); pages and other commands
    refuse the old store until then. On PostgreSQL it holds a lock, so two started at
    once upgrade it once.
    """
    with Store.open(db, create=False) as store:
        found, now = store.database.found_version, store.schema_version()
        if found == now:
            click.echo(f"{store.url} is already at schema {now}; nothing to do.")
        else:
            click.echo(f"Upgraded {store.url} from schema {found} to {now}; every row kept.")
