"""The ``workbook`` command: validate templates, create and inspect the store."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from workbook import config, demo, personal_data
from workbook.cli import access as cli_access
from workbook.cli import users as cli_users
from workbook.cli.access import DB_OPTION
from workbook.errors import MAX_PROBLEMS, SpreadsheetError, WorkbookError
from workbook.schema import loader as templates
from workbook.spreadsheets import export
from workbook.spreadsheets import importer as xlsx_import
from workbook.spreadsheets import write as xlsx_template
from workbook.store import Store, backup, generate, provision


def _open(db: str | None) -> Store:
    return Store.open(db)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Safeguarding Self-Assessment Workbook."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check framework and partnership templates; exit 1 with located problems if any fail."""
    report = templates.validate_paths(paths)
    failed = 0
    for path, problems in report.items():
        if problems:
            failed += 1
            for problem in problems[:3]:
                click.echo(str(problem), err=True)
            if len(problems) > 3:
                click.echo(f"{path}: ... and {len(problems) - 3} more", err=True)
        else:
            click.echo(f"{path}: ok")
    if failed:
        click.echo(f"{failed} of {len(report)} file(s) invalid", err=True)
        sys.exit(1)


@cli.command()
@DB_OPTION
@click.option("--seed", default=2017, show_default=True, help="Seed for the synthetic returns.")
@click.option("--if-missing", is_flag=True, help="Do nothing if the store already has data.")
def demo_cmd(db: str | None, seed: int, if_missing: bool) -> None:
    """Create the demo partnership with synthetic returns."""
    with _open(db) as store:
        if if_missing and demo.has_data(store):
            click.echo(f"{store.url} already has data; left as it is.")
            return
        demo.create(store, seed=seed)
        click.echo(f"Demo data written to {store.url}")
        _print_summary(store)


cli.add_command(demo_cmd, name="demo")


@cli.command(name="generate")
@DB_OPTION
@click.option("--agencies", default=20, show_default=True, help="Agencies per partnership.")
@click.option("--criteria", default=40, show_default=True, help="Criteria per framework.")
@click.option("--cycles", default=10, show_default=True, help="Number of yearly cycles.")
@click.option("--partnerships", default=1, show_default=True, help="Number of partnerships.")
@click.option(
    "--scale",
    is_flag=True,
    help="The 1,000,000-response benchmark store: 150 partnerships x 15 x 45 x 10.",
)
@click.option("--seed", default=7, show_default=True, help="Seed for the synthetic returns.")
def generate_cmd(
    db: str | None,
    agencies: int,
    criteria: int,
    cycles: int,
    partnerships: int,
    scale: bool,
    seed: int,
) -> None:
    """Fill a store with large synthetic partnerships (for benchmarks)."""
    size = generate.SCALE if scale else generate.Size(agencies, criteria, cycles, partnerships)

    def progress(done: int, total: int) -> None:
        if total > 1 and (done == total or done % max(1, total // 10) == 0):
            click.echo(f"  {done} of {total} partnerships written", err=True)

    with _open(db) as store:
        generate.generate(store, size, seed=seed, progress=progress)
        click.echo(f"Generated {size.describe()} in {store.url}")


@cli.command()
@click.argument("partnership_file", type=click.Path(path_type=Path))
@DB_OPTION
@click.option(
    "--templates",
    "templates_dir",
    default=None,
    metavar="DIR",
    help="Folder of framework templates (default: templates/frameworks).",
)
def load(partnership_file: Path, db: str | None, templates_dir: str | None) -> None:
    """Load a partnership file (agencies, cycles) and the frameworks its cycles run."""
    with _open(db) as store:
        partnership = provision.install(
            store, partnership_file, config.templates_dir(templates_dir)
        )
        click.echo(f"Loaded {partnership.name} into {store.url}")


def _print_summary(store: Store) -> None:
    for partnership_id, name in store.partnerships():
        agencies = store.agencies(partnership_id)
        click.echo(f"{name} [{partnership_id}]: {len(agencies)} agencies")
        for cycle in store.cycles(partnership_id):
            counts = Counter(s.label for s in store.statuses(cycle.id).values())
            summary = ", ".join(f"{n} {label.lower()}" for label, n in sorted(counts.items()))
            click.echo(
                f"  {cycle.id}: {cycle.title} ({cycle.framework_id} {cycle.framework_version}),"
                f" due {cycle.timetable.returns_due}: {summary}"
            )


@cli.command()
@DB_OPTION
def summary(db: str | None) -> None:
    """Partnerships, agencies, cycles and how far each cycle's returns have got."""
    with _open(db) as store:
        if not store.partnerships():
            click.echo(f"{store.url} is empty. Run `workbook demo` or `workbook load FILE`.")
        _print_summary(store)


@cli.command()
@DB_OPTION
@click.option("--cycle", "cycle_id", required=True)
@click.option("--agency", "agency_id", required=True)
def history(db: str | None, cycle_id: str, agency_id: str) -> None:
    """Every revision of one agency's return: who, when, status and what changed."""
    with _open(db) as store:
        store.cycle(cycle_id)
        store.agency(agency_id)
        revisions = store.history(cycle_id, agency_id)
        if not revisions:
            click.echo(f"{agency_id} has not started its return for {cycle_id}.")
        for rev in revisions:
            when = rev.saved_at.strftime("%Y-%m-%d %H:%M UTC")
            changes = ", ".join(
                f"{criterion} ({'/'.join(fields)})" for criterion, fields in rev.changes.items()
            )
            identity = f" [{rev.saved_by}]" if rev.saved_by else ""
            click.echo(f"#{rev.number} {when} {rev.status.label} by {rev.author}{identity}")
            if rev.note:
                click.echo(f"    note: {rev.note}")
            click.echo(f"    changed: {changes or 'status only'}")


# -- backups (issue #7) -------------------------------------------------------------------


@cli.command("backup")
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


@cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DB_OPTION
def restore_cmd(file: Path, db: str | None) -> None:
    """Restore a backup into an empty store: a new SQLite file or an empty PostgreSQL database."""
    held = backup.restore(file, db)
    click.echo(f"Restored {file} into {held.url}: {held}")


# -- spreadsheets (issue #6) -------------------------------------------------------------

OUTPUT_OPTION = click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write.",
)


@cli.command()
@DB_OPTION
@click.option("--cycle", "cycle_id", required=True)
@click.option("--agency", "agency_id", required=True)
@OUTPUT_OPTION
@click.option("--blank", is_flag=True, help="Leave the answers empty (default: current answers).")
def template(db: str | None, cycle_id: str, agency_id: str, output: Path, blank: bool) -> None:
    """Write one agency's return as an Excel workbook to fill in and import."""
    with _open(db) as store:
        facts = xlsx_template.write_template(store, cycle_id, agency_id, output, blank=blank)
    made = f"pre-filled from revision {facts.revision}" if facts.revision else "blank"
    click.echo(
        f"Wrote {output}: {facts.agency_name}, {facts.cycle_title} "
        f"({facts.framework.id} {facts.framework.version}), {made}"
    )


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DB_OPTION
@click.option(
    "--as", "author", default=None, metavar="USER", help="Author of the revision (default: file)."
)
@click.option("--check", is_flag=True, help="Report problems and changes; save nothing.")
@click.option("--submit", is_flag=True, help="Submit the return (refused unless complete).")
@click.option(
    "--despite-personal-data",
    is_flag=True,
    help="Submit even if some text looks like personal data (it is still listed).",
)
def import_cmd(
    file: Path,
    db: str | None,
    author: str | None,
    check: bool,
    submit: bool,
    despite_personal_data: bool,
) -> None:
    """Import a filled return workbook as a new revision of that agency's return."""
    with _open(db) as store:
        try:
            result = xlsx_import.import_return(
                store,
                file,
                author=author,
                check=check,
                submit=submit,
                despite_personal_data=despite_personal_data,
            )
        except SpreadsheetError as exc:
            for problem in exc.problems[:MAX_PROBLEMS]:
                click.echo(str(problem), err=True)
            hidden = len(exc.problems) - MAX_PROBLEMS
            if hidden > 0:
                click.echo(f"... and {hidden} more", err=True)
            click.echo(f"{file}: {len(exc.problems)} problem(s); nothing was saved", err=True)
            sys.exit(1)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    which = f"the return of {result.agency_id} for {result.cycle_id}"
    changed = f"{len(result.changed)} criteria changed" + (
        f" ({', '.join(result.changed)})" if 0 < len(result.changed) <= 10 else ""
    )
    if check:
        click.echo(f"{file}: ok; importing would save {which} as {result.status.label.lower()}")
        click.echo(f"    {changed}")
    elif result.revision is None:
        click.echo(f"{file}: holds no answers and {which} is not started; nothing was saved")
    elif result.saved:
        click.echo(
            f"Imported {file} as revision {result.revision} of {which} "
            f"({result.status.label.lower()}); {changed}"
        )
    else:
        click.echo(f"{file}: no changes; {which} stays at revision {result.revision}")


@cli.command("export")
@DB_OPTION
@click.option("--cycle", "cycle_id", required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv"]),
    default=None,
    help="Default: csv for a .csv file name, else xlsx.",
)
@OUTPUT_OPTION
def export_cmd(db: str | None, cycle_id: str, fmt: export.Format | None, output: Path) -> None:
    """Every return in a cycle as tidy tables (returns, actions, scale) for analysis."""
    with _open(db) as store:
        _warn_personal_data(store, cycle_id)
        for path in export.export_cycle(store, cycle_id, output, fmt):
            click.echo(f"Wrote {path}")


def _warn_personal_data(store: Store, cycle_id: str) -> None:
    """List passages that look like personal data (issue #7); the export goes on.

    An export is a working file for the partnership's analysts, not a report to the
    board, so it is made anyway; the warning says where to look before the board report.
    """
    framework, found = personal_data.scan_cycle(store, cycle_id)
    if not found:
        return
    heading, *items = personal_data.describe(framework, found, f"the returns for {cycle_id}")
    click.echo(f"warning: {heading}", err=True)
    for item in items:
        click.echo(item, err=True)
    click.echo(
        "warning: exported anyway (a working file for analysts). Returns should describe "
        "services, not people: ask the agencies to edit these before the board's report, "
        "which stops until they are.",
        err=True,
    )


# -- reports (issue #5) ------------------------------------------------------------------


@cli.command()
@click.argument("parameters_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HTML file to write (default: the parameters file's name with .html, here).",
)
@DB_OPTION
@click.option(
    "--keep-notebook",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="PATH",
    help="Keep the executed notebook here (default: kept only if the run fails).",
)
@click.option(
    "--despite-personal-data",
    is_flag=True,
    help="Make a board (final) report although passages in the returns look like personal "
    "data (after checking that none is about a person).",
)
def report(
    parameters_file: Path,
    output: Path | None,
    db: str | None,
    keep_notebook: Path | None,
    despite_personal_data: bool,
) -> None:
    """Run the notebook a parameters file names; write the board snapshot as one HTML file.

    First lists passages in the returns that look like personal data; a board report
    (stage: final) then stops unless --despite-personal-data is given.
    """
    from workbook.reports import run  # papermill and nbconvert load only for this command

    made = run.report(
        parameters_file,
        output,
        db=db,
        keep_notebook=keep_notebook,
        despite_personal_data=despite_personal_data,
        warn=lambda line: click.echo(line, err=True),
    )
    click.echo(f"Wrote {made.html} in {made.seconds:.1f} s")
    if made.notebook:
        click.echo(f"Executed notebook kept at {made.notebook}")


for _command in (
    cli_access.invite,
    cli_access.links,
    cli_access.revoke,
    cli_access.share,
    cli_access.serve,
    cli_users.users_group,
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
