"""``workbook report``: run a report notebook and write the board's HTML snapshot (issue #5).

With ``--each-agency``, the agency profile of every agency the parameters file covers,
one HTML file each in a folder (issue #16); with ``--pdf``, each HTML printed to a PDF
beside it.
"""

from __future__ import annotations

from pathlib import Path

import click

from workbook.cli.options import DB_OPTION


@click.command()
@click.argument("parameters_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="HTML file to write (default: the parameters file's name with .html, here); "
    "with --each-agency, the folder for the packs (default: the name with -agencies).",
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
@click.option(
    "--each-agency",
    is_flag=True,
    help="Write the agency profile of every agency the file covers (a report's cycle: its "
    "invited agencies), one AGENCY.html each in the -o folder; a failed agency is "
    "reported and the rest are still written.",
)
@click.option(
    "--pdf",
    is_flag=True,
    help="Also print each HTML file to a PDF beside it (A4, page numbers), through "
    "headless Chromium (WORKBOOK_CHROMIUM, default /usr/bin/chromium).",
)
def report(
    parameters_file: Path,
    output: Path | None,
    db: str | None,
    keep_notebook: Path | None,
    despite_personal_data: bool,
    each_agency: bool,
    pdf: bool,
) -> None:
    """Run the notebook a parameters file names; write the board snapshot as one HTML file.

    First lists passages in the returns that look like personal data; a board report
    (stage: final) then stops unless --despite-personal-data is given.
    """
    # papermill, nbconvert (and Playwright, for --pdf) load only for this command
    from workbook.reports import packs, run
    from workbook.reports import pdf as printing

    def warn(line: str) -> None:
        click.echo(line, err=True)

    if pdf:
        printing.require()  # before any notebook runs
    if each_agency:
        if keep_notebook:
            raise click.UsageError("--keep-notebook is for one report, not --each-agency")
        made = packs.each_agency(parameters_file, output, db=db, pdf=pdf, warn=warn)
        click.echo(
            f"Wrote {len(made.written)} of {made.total} agency packs to {made.directory} "
            f"in {made.seconds:.1f} s" + (", each with its PDF" if made.pdfs else "")
        )
        made.check()
        return
    if output is not None and output.is_dir():
        raise click.UsageError(f"-o {output} is a folder: name the HTML file to write")
    done = run.report(
        parameters_file,
        output,
        db=db,
        keep_notebook=keep_notebook,
        despite_personal_data=despite_personal_data,
        warn=warn,
    )
    click.echo(f"Wrote {done.html} in {done.seconds:.1f} s")
    if pdf:
        (written,) = printing.print_pdfs([done.html])
        click.echo(f"Wrote {written}")
    if done.notebook:
        click.echo(f"Executed notebook kept at {done.notebook}")
