"""``workbook validate|load|demo|generate|summary|history``: what goes into the store.

Frameworks and partnerships checked and loaded, demo and benchmark data made, and the
store described back: a cycle's progress, one return's revisions.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from workbook import config
from workbook import demo as demo_data
from workbook.cli.options import DB_OPTION, open_store
from workbook.errors import MAX_VALIDATE_PROBLEMS, format_problems
from workbook.schema import loader as templates
from workbook.store import Joined, SharedWith, Store, generate, provision


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check framework and partnership templates; exit 1 with located problems if any fail.

    Each file's problems are listed in the order of their lines, up to
    ``MAX_VALIDATE_PROBLEMS``: field errors and broken cross-field rules together.
    """
    report = templates.validate_paths(paths)
    failed = 0
    for path, problems in report.items():
        if problems:
            failed += 1
            click.echo(format_problems(problems, MAX_VALIDATE_PROBLEMS, source=path), err=True)
        else:
            click.echo(f"{path}: ok")
    if failed:
        click.echo(f"{failed} of {len(report)} file(s) invalid", err=True)
        sys.exit(1)


@click.command("demo")
@DB_OPTION
@click.option("--seed", default=2017, show_default=True, help="Seed for the synthetic returns.")
@click.option("--if-missing", is_flag=True, help="Do nothing if the store already has data.")
def demo_cmd(db: str | None, seed: int, if_missing: bool) -> None:
    """Create the demo partnership and its neighbour with synthetic returns."""
    with open_store(db, create=True) as store:
        if if_missing and demo_data.has_data(store):
            click.echo(f"{store.url} already has data; left as it is.")
            return
        demo_data.create(store, seed=seed)
        click.echo(f"Demo data written to {store.url}")
        _print_summary(store)


@click.command(name="generate")
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

    with open_store(db, create=True) as store:
        generate.generate(store, size, seed=seed, progress=progress)
        click.echo(f"Generated {size.describe()} in {store.url}")


@click.command()
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
    with open_store(db, create=True) as store:
        joined: list[Joined] = []
        partnership = provision.install(
            store, partnership_file, config.templates_dir(templates_dir), joined=joined
        )
        click.echo(f"Loaded {partnership.name} into {store.url}")
        for line in _joined_lines(store, joined):
            click.echo(line)


def _joined_lines(store: Store, joined: list[Joined]) -> list[str]:
    """What loading did about shared returns (issue #17), a line per agency and cycle."""
    lines = []
    for outcome in joined:
        name = store.agency(outcome.agency_id).name
        if outcome.apart:
            cycles = ", ".join(outcome.apart)
            lines.append(
                f"  {outcome.cycle_id}: {name} is not shared: its return was started in "
                f"{cycles} before sharing, and returns started apart are kept apart"
            )
            continue
        partners = store.shared.shares(outcome.cycle_id, outcome.agency_id)
        if partners:
            lines.append(f"  {outcome.cycle_id}: {name} answers once: {_partners(partners)}")
    return lines


def _partners(partners: list[SharedWith]) -> str:
    return "; ".join(
        f"also for {p.partnership_name} ({p.cycle_id}){', kept there' if p.home else ''}"
        for p in partners
    )


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
            for agency_id, partners in store.shared.with_whom(cycle.id).items():
                name = store.agency(agency_id).name
                click.echo(f"    shared return: {name} {_partners(partners)}")


@click.command()
@DB_OPTION
def summary(db: str | None) -> None:
    """Partnerships, agencies, cycles and how far each cycle's returns have got."""
    with open_store(db) as store:
        if not store.partnerships():
            click.echo(f"{store.url} is empty. Run `workbook demo` or `workbook load FILE`.")
        _print_summary(store)


@click.command()
@DB_OPTION
@click.option("--cycle", "cycle_id", required=True)
@click.option("--agency", "agency_id", required=True)
def history(db: str | None, cycle_id: str, agency_id: str) -> None:
    """Every revision of one agency's return: who, when, status and what changed."""
    with open_store(db) as store:
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
