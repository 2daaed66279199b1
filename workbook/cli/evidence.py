"""``workbook evidence template|import|list``: indicators and case audits (issue #14)."""

from __future__ import annotations

from pathlib import Path

import click

from workbook.cli.options import DB_OPTION, open_store, refuse_file
from workbook.errors import EvidenceError
from workbook.evidence import importer
from workbook.evidence.contradictions import value_words
from workbook.evidence.template import write_template
from workbook.schema.evidence import Evidence


@click.group("evidence")
def evidence_group() -> None:
    """Data indicators and case-audit findings beside the ratings."""


@evidence_group.command("template")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@DB_OPTION
@click.option("--cycle", "cycle_id", default=None, help="List this cycle's criteria and agencies.")
@click.option(
    "--kind",
    type=click.Choice(["indicators", "findings"]),
    default="indicators",
    help="For a .csv file: which table (an .xlsx file holds both).",
)
def template_cmd(output: Path, db: str | None, cycle_id: str | None, kind: str) -> None:
    """Write an empty evidence file (.xlsx with both tables, or one table as .csv)."""
    framework, agencies = None, []
    if cycle_id is not None:
        with open_store(db) as store:
            info = store.cycle(cycle_id)
            framework = store.framework(info.framework_id, info.framework_version)
            agencies = list(zip(info.agencies, store.agency_names(info.agencies), strict=True))
    write_template(output, kind=kind, framework=framework, agencies=agencies)  # type: ignore[arg-type]
    click.echo(f"Wrote {output}")


@evidence_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DB_OPTION
@click.option("--cycle", "cycle_id", required=True)
@click.option("--check", is_flag=True, help="Report problems and what would load; save nothing.")
@click.option(
    "--despite-personal-data",
    is_flag=True,
    help="Load text that looks like personal data, having checked it is not about a person.",
)
@click.option("--as", "author", default=None, metavar="USER", help="Who loaded it.")
def import_cmd(
    file: Path,
    db: str | None,
    cycle_id: str,
    check: bool,
    despite_personal_data: bool,
    author: str | None,
) -> None:
    """Load an evidence file (CSV or xlsx) for a cycle; nothing is saved if any row is wrong."""
    with open_store(db) as store:
        try:
            loaded = importer.import_evidence(
                store,
                cycle_id,
                importer.read_file(file),
                str(file),
                check=check,
                despite_personal_data=despite_personal_data,
                author=author,
            )
        except EvidenceError as exc:
            refuse_file(file, exc)
    held = _held(loaded.evidence)
    if loaded.summary is None:
        click.echo(f"{file}: ok; holds {held}; nothing was saved (--check)")
    else:
        click.echo(f"Loaded {file} into {cycle_id}: {held}; {loaded.summary.describe()}")


def _held(evidence: Evidence) -> str:
    findings = sum(len(a.findings) for a in evidence.audits)
    return (
        f"{len(evidence.indicators)} indicator(s), {len(evidence.audits)} audit(s) "
        f"with {findings} finding(s)"
    )


@evidence_group.command("list")
@DB_OPTION
@click.option("--cycle", "cycle_id", required=True)
def list_cmd(db: str | None, cycle_id: str) -> None:
    """The cycle's current indicators and audits."""
    with open_store(db) as store:
        evidence = store.evidence.evidence(cycle_id)
        framework = store.cycle_framework(cycle_id)
    if evidence.empty:
        click.echo(f"No evidence loaded for {cycle_id}.")
        return
    for indicator in evidence.indicators:
        click.echo(f"{indicator.id}: {indicator.name} ({indicator.period}; {indicator.source})")
        for value in indicator.values:
            click.echo(f"    {value.agency or 'partnership'}: {value_words(indicator, value)}")
    for audit in evidence.audits:
        click.echo(
            f"{audit.id}: {audit.title} ({audit.date:%Y-%m-%d}, {audit.cases_reviewed} cases)"
        )
        for finding in audit.findings:
            grade = audit.grade_label(finding.grade, framework.scale)
            click.echo(f"    {grade} on {', '.join(finding.criteria)}: {finding.text}")
