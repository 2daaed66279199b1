"""The ``workbook`` command: validate templates, create and inspect the store."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from workbook import config, demo, provision, templates
from workbook.errors import WorkbookError
from workbook.store import Store

DB_OPTION = click.option(
    "--db",
    "db",
    default=None,
    metavar="URL",
    help="SQLAlchemy URL of the store (default: $WORKBOOK_DB, else sqlite file data/workbook.db).",
)


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
            click.echo(f"#{rev.number} {when} {rev.status.label} by {rev.author}")
            if rev.note:
                click.echo(f"    note: {rev.note}")
            click.echo(f"    changed: {changes or 'status only'}")


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


if __name__ == "__main__":
    main()
