"""The ``workbook`` command: validate templates, create and inspect the store.

One module per command group; this one only gathers them and turns a
:class:`~workbook.errors.WorkbookError` into a plain message and exit status 1.
"""

from __future__ import annotations

import sys

import click

from workbook.cli import access, actions, backups, data, evidence, reports, spreadsheets, users
from workbook.errors import WorkbookError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Safeguarding Self-Assessment Workbook."""


for _command in (
    data.validate,
    data.load,
    data.demo_cmd,
    data.generate_cmd,
    data.summary,
    data.history,
    backups.backup_cmd,
    backups.restore_cmd,
    backups.migrate_cmd,
    spreadsheets.template,
    spreadsheets.import_cmd,
    spreadsheets.export_cmd,
    reports.report,
    access.invite,
    access.links,
    access.revoke,
    access.share,
    access.serve,
    users.users_group,
    evidence.evidence_group,
    actions.actions_group,
):
    cli.add_command(_command)


def main() -> None:
    """Entry point: run the CLI and turn workbook errors into plain messages, exit 1."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except WorkbookError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
