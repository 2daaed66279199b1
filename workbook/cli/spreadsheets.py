"""``workbook template|import|export``: returns as Excel workbooks, cycles as tables (issue #6)."""

from __future__ import annotations

from pathlib import Path

import click

from workbook import personal_data, personal_data_records
from workbook.cli.options import DB_OPTION, OUTPUT_OPTION, open_store, refuse_file
from workbook.errors import SpreadsheetError
from workbook.evidence import export as evidence_export
from workbook.spreadsheets import export
from workbook.spreadsheets import importer as xlsx_import
from workbook.spreadsheets import write as xlsx_template
from workbook.store import Store


@click.command()
@DB_OPTION
@click.option("--cycle", "cycle_id", required=True)
@click.option("--agency", "agency_id", required=True)
@OUTPUT_OPTION
@click.option("--blank", is_flag=True, help="Leave the answers empty (default: current answers).")
def template(db: str | None, cycle_id: str, agency_id: str, output: Path, blank: bool) -> None:
    """Write one agency's return as an Excel workbook to fill in and import."""
    with open_store(db) as store:
        facts = xlsx_template.write_template(store, cycle_id, agency_id, output, blank=blank)
    made = f"pre-filled from revision {facts.revision}" if facts.revision else "blank"
    click.echo(
        f"Wrote {output}: {facts.agency_name}, {facts.cycle_title} "
        f"({facts.framework.id} {facts.framework.version}), {made}"
    )


@click.command("import")
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
    with open_store(db) as store:
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
            refuse_file(file, exc)
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


@click.command("export")
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
    """A cycle's returns (returns, actions, scale) and evidence (indicators, audits, audit
    findings, contradictions) as tidy tables for analysis."""
    with open_store(db) as store:
        _warn_personal_data(store, cycle_id)
        contradictions = evidence_export.contradiction_table(store, cycle_id)
        extra = [contradictions] if contradictions is not None else []
        for path in export.export_cycle(store, cycle_id, output, fmt, extra=extra):
            click.echo(f"Wrote {path}")


def _warn_personal_data(store: Store, cycle_id: str) -> None:
    """List passages that look like personal data (issues #7, #14); the export goes on.

    An export is a working file for the partnership's analysts, not a report to the
    board, so it is made anyway; the warning says where to look before the board report.
    """
    blocks = []
    framework, found = personal_data.scan_cycle(store, cycle_id)
    if found:
        blocks.append(personal_data.describe(framework, found, f"the returns for {cycle_id}"))
    in_evidence = personal_data_records.scan_evidence(store.evidence.evidence(cycle_id))
    if in_evidence:
        where = f"the evidence for {cycle_id}"
        blocks.append(personal_data_records.describe_evidence(in_evidence, where))
    in_actions = personal_data_records.scan_cycle_actions(store, cycle_id)
    if in_actions:
        blocks.append(
            personal_data_records.describe_evidence(in_actions, f"the actions of {cycle_id}")
        )
    if not blocks:
        return
    for heading, *items in blocks:
        click.echo(f"warning: {heading}", err=True)
        for item in items:
            click.echo(item, err=True)
    what = "Returns" if not in_evidence else "Evidence" if not found else "Returns and evidence"
    fix = (
        "ask the agencies to edit these"
        if not in_evidence
        else "load a corrected evidence file"
        if not found
        else "ask the agencies to edit their returns and load a corrected evidence file"
    )
    click.echo(
        f"warning: exported anyway (a working file for analysts). {what} should describe "
        f"services, not people: {fix} before the board's report, which stops until they are.",
        err=True,
    )
