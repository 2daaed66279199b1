"""``workbook report``: run a report notebook and write the board's HTML snapshot (issue #5)."""

from __future__ import annotations

from pathlib import Path

import click

from workbook.cli.options import DB_OPTION


@click.command()
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
