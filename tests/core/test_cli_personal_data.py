"""``workbook report`` and ``workbook export`` warn about personal data first (issue #7).

A board report (``stage: final``) stops before any kernel starts, so these tests never
run a notebook: ``run.execute`` is replaced by a stand-in that records the call and
returns an empty notebook. Values are invented (Ofcom drama numbers, example.org).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from nbformat.v4 import new_notebook

from tests.support.programs import workbook_cli
from workbook import config
from workbook.cli import cli
from workbook.errors import PersonalDataError, StoreUnavailable
from workbook.evidence.importer import import_evidence
from workbook.reports import run
from workbook.schema import params
from workbook.schema.actions import ActionChange
from workbook.schema.highlights import HeadingHighlights, Highlights, Point
from workbook.schema.responses import Answer, Status
from workbook.store import Store, provision

PHONE = "Ring the mother on 07700 900123 after school"
REFUSED = (
    "error: The board report was not made: 1 passage looks like personal data about a "
    "person (listed above). Returns should describe services, not people: ask the agencies "
    "to edit them (the chair reopens a submitted return), then run the report again; "
    "or, if you have checked that none is about a person, rerun with --despite-personal-data."
)


@pytest.fixture
def url(tmp_path: Path, partnership_files: tuple[Path, Path], make_answers) -> str:
    """Alpha submitted a return with a phone number in it; beta's draft is clean."""
    db = f"sqlite:///{tmp_path}/store.db"
    with Store.open(db) as store:
        provision.install(store, *partnership_files)
        answers: dict[str, Answer] = make_answers()
        answers["p-2"] = answers["p-2"].model_copy(update={"going_well": PHONE})
        store.save("c1", "alpha", answers, author="Lead", based_on=None, status=Status.SUBMITTED)
        store.save("c1", "beta", make_answers(), author="Lead", based_on=None)
    return db


FINDINGS = """\
audit,title,date,cases_reviewed,audit_agencies,grades,finding,grade,criteria,agencies
a1,Audit of 12 cases,2020-01-15,12,,,Plans were reviewed on time,green,p-1,
a1,Audit of 12 cases,2020-01-15,12,,,Ring the mother on 07700 900123 after school,red,p-2,
"""
MASKED = "Ring the mother on \u2022\u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u202223 after school"


def _load_findings(db: str) -> None:
    """The finding with a phone number gets in only as the chair's import allows it to."""
    with Store.open(db) as store:
        import_evidence(store, "c1", FINDINGS.encode(), "findings.csv", despite_personal_data=True)


@pytest.fixture
def evidence_url(tmp_path: Path, partnership_files: tuple[Path, Path], make_answers) -> str:
    """Clean returns, both submitted; the cycle's case audit has a phone number (#14)."""
    db = f"sqlite:///{tmp_path}/evidence.db"
    with Store.open(db) as store:
        provision.install(store, *partnership_files)
        for agency in ("alpha", "beta"):
            store.save(
                "c1", agency, make_answers(), author="Lead", based_on=None, status=Status.SUBMITTED
            )
    _load_findings(db)
    return db


@pytest.fixture
def write_params(tmp_path: Path) -> Callable[..., Path]:
    def write(stage: str = "final", include_unsubmitted: bool = False) -> Path:
        path = tmp_path / f"{stage}.yaml"
        path.write_text(
            "notebook: report.ipynb\ncycle: c1\ncompare_with: ''\n"
            f"stage: {stage}\ninclude_unsubmitted: {str(include_unsubmitted).lower()}\n",
            encoding="utf-8",
        )
        return path

    return write


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace papermill: each run's parameters are recorded; the notebook is empty."""
    calls: list[dict[str, Any]] = []

    def execute(_notebook: Path, _output: Path, parameters: Any, **_kw: Any) -> Any:
        calls.append(dict(parameters))
        return new_notebook()

    monkeypatch.setattr(run, "execute", execute)
    return calls


def _report(*args: str) -> Any:
    return CliRunner().invoke(cli, ["report", *args])


def test_a_board_report_stops_before_the_notebook_runs(
    url: str, write_params, executed: list, tmp_path: Path
) -> None:
    out = tmp_path / "board.html"
    result = _report(str(write_params("final")), "--db", url, "-o", str(out))
    assert result.exit_code == 1
    assert isinstance(result.exception, PersonalDataError)
    assert result.exception.count == 1
    assert result.stderr.splitlines() == [
        "warning: 1 passage looks like personal data about a person in the returns for c1:",
        "  Alpha health trust [alpha], p-2, What is going well: looks like a phone number: "
        '"Ring the mother on \u2022\u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u202223 after '
        'school"',
    ]
    assert "900123" not in result.stderr
    assert executed == []
    assert not out.exists()


def test_the_real_command_says_what_to_do_without_a_traceback(
    url: str, write_params, tmp_path: Path
) -> None:
    done = workbook_cli("report", str(write_params("final")), "--db", url, cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0].startswith("warning: 1 passage looks like personal data")
    assert lines[-1] == REFUSED
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "final.html").exists()


def test_despite_personal_data_makes_the_board_report(
    url: str, write_params, executed: list, tmp_path: Path
) -> None:
    out = tmp_path / "board.html"
    result = _report(
        str(write_params("final")), "--db", url, "-o", str(out), "--despite-personal-data"
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == (
        "warning: making the board report anyway, as --despite-personal-data asks."
    )
    assert len(executed) == 1
    assert out.exists()


def test_a_draft_report_warns_and_goes_on(
    url: str, write_params, executed: list, tmp_path: Path
) -> None:
    out = tmp_path / "draft.html"
    result = _report(
        str(write_params("draft", include_unsubmitted=True)), "--db", url, "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: 1 passage looks like personal data")
    assert "warning: the report is made anyway (it is not the board's final report)." in (
        result.stderr
    )
    assert len(executed) == 1
    assert out.exists()
    assert f"Wrote {out}" in result.stdout


def test_a_board_report_reads_only_submitted_returns(
    tmp_path: Path, partnership_files: tuple[Path, Path], make_answers, write_params, executed
) -> None:
    db = f"sqlite:///{tmp_path}/drafts.db"
    with Store.open(db) as store:
        provision.install(store, *partnership_files)
        answers = make_answers()
        answers["p-1"] = answers["p-1"].model_copy(update={"evidence": "Seen at M1 1AE"})
        store.save("c1", "beta", answers, author="Lead", based_on=None)  # a draft
    out = tmp_path / "board.html"
    result = _report(str(write_params("final")), "--db", db, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # the draft is not in the board's report
    assert out.exists()


def test_a_profile_warns_about_its_agency_only(url: str, tmp_path: Path) -> None:
    chosen = params.ProfileParameters(agency="beta", db=url)
    lines: list[str] = []
    assert run.screen_personal_data(chosen, warn=lines.append) == 0
    assert lines == []
    chosen = params.ProfileParameters(agency="alpha", db=url)
    assert run.screen_personal_data(chosen, warn=lines.append) == 1
    assert lines[0].startswith("warning: 1 passage looks")
    assert lines[-1].startswith("warning: the report is made anyway")


def test_an_unknown_cycle_is_left_for_the_notebook_to_report(url: str) -> None:
    chosen = params.ReportParameters(cycle="nope", compare_with="", stage="final", db=url)
    lines: list[str] = []
    assert run.screen_personal_data(chosen, warn=lines.append) == 0
    assert lines == []


def test_a_board_report_stops_for_personal_data_in_the_evidence(
    evidence_url: str, write_params, executed: list, tmp_path: Path
) -> None:
    out = tmp_path / "board.html"
    result = _report(str(write_params("final")), "--db", evidence_url, "-o", str(out))
    assert result.exit_code == 1
    assert isinstance(result.exception, PersonalDataError)
    assert (result.exception.count, result.exception.evidence) == (1, 1)
    assert result.stderr.splitlines() == [
        "warning: 1 passage looks like personal data about a person in the evidence for c1:",
        f'  audit a1, finding 2: looks like a phone number: "{MASKED}"',
    ]
    assert "900123" not in result.stderr
    assert str(result.exception).startswith(
        "The board report was not made: 1 passage looks like personal data about a person "
        "(listed above). Evidence should describe services, not people: load a corrected "
        "evidence file for the cycle (workbook evidence import;"
    )
    assert executed == []
    assert not out.exists()


def test_returns_and_evidence_are_screened_together(
    url: str, write_params, executed: list, tmp_path: Path
) -> None:
    _load_findings(url)
    lines: list[str] = []
    chosen = params.ReportParameters(cycle="c1", compare_with="", stage="final", db=url)
    with pytest.raises(PersonalDataError) as caught:
        run.screen_personal_data(chosen, warn=lines.append)
    assert (caught.value.count, caught.value.evidence) == (2, 1)
    assert "Returns and evidence should describe services, not people" in str(caught.value)
    assert [line for line in lines if line.startswith("warning")] == [
        "warning: 1 passage looks like personal data about a person in the returns for c1:",
        "warning: 1 passage looks like personal data about a person in the evidence for c1:",
    ]
    # --despite-personal-data makes it, as for returns
    assert run.screen_personal_data(chosen, despite=True, warn=lines.append) == 2
    # a profile shows no evidence, so it is not screened for one
    profile = params.ProfileParameters(agency="beta", db=url)
    assert run.screen_personal_data(profile, warn=lines.append) == 0


# -- export -------------------------------------------------------------------------------


def test_export_warns_and_still_writes_the_working_file(url: str, tmp_path: Path) -> None:
    out = tmp_path / "c1.xlsx"
    result = CliRunner().invoke(cli, ["export", "--cycle", "c1", "--db", url, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "warning: 1 passage looks like personal data about a person in the returns for c1:"
    )
    assert lines[1].startswith("  Alpha health trust [alpha], p-2, What is going well:")
    assert lines[2].startswith("warning: exported anyway (a working file for analysts).")
    assert "900123" not in result.stderr
    assert result.stdout == f"Wrote {out}\n"


def test_export_warns_about_personal_data_in_the_evidence(
    evidence_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "c1.xlsx"
    result = CliRunner().invoke(
        cli, ["export", "--cycle", "c1", "--db", evidence_url, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "warning: 1 passage looks like personal data about a person in the evidence for c1:",
        f'  audit a1, finding 2: looks like a phone number: "{MASKED}"',
        "warning: exported anyway (a working file for analysts). Evidence should describe "
        "services, not people: load a corrected evidence file before the board's report, "
        "which stops until they are.",
    ]
    assert out.exists()


def test_export_of_clean_returns_says_nothing_more(
    tmp_path: Path, partnership_files: tuple[Path, Path], make_answers
) -> None:
    db = f"sqlite:///{tmp_path}/clean.db"
    with Store.open(db) as store:
        provision.install(store, *partnership_files)
        store.save("c1", "alpha", make_answers(), author="Lead", based_on=None)
    out = tmp_path / "c1.csv"
    result = CliRunner().invoke(cli, ["export", "--cycle", "c1", "--db", db, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert out.exists()


def test_the_demo_board_parameters_name_the_final_stage() -> None:
    # the refusal keys on stage: final; the shipped board files must say so
    final = params.load(config.ROOT / "parameters" / "demo-cse-2017-18-final.yaml")
    assert isinstance(final, params.ReportParameters)
    assert final.stage == "final"


def test_a_busy_store_stops_the_report_instead_of_passing_the_screen(
    url: str, write_params, executed: list, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Returns that could not be read were not screened: say why, run nothing (#13)."""
    busy = StoreUnavailable("store_busy", url=url, reason="database is locked")

    def locked(*_args: Any, **_kw: Any) -> Any:
        raise busy

    monkeypatch.setattr(run.personal_data, "scan_cycle", locked)
    out = tmp_path / "board.html"
    for stage in ("final", "draft"):
        result = _report(str(write_params(stage)), "--db", url, "-o", str(out))
        assert result.exit_code == 1
        assert result.exception is busy  # the CLI prints it as "error: <message>"
        assert "it is busy with other saves (database is locked)" in str(busy)
    assert executed == []
    assert not out.exists()


def test_a_cycle_the_store_lacks_is_left_for_the_notebook_to_name(url: str, tmp_path: Path) -> None:
    chosen = params.ReportParameters.model_validate(
        {
            "notebook": "report.ipynb",
            "cycle": "no-such-cycle",
            "compare_with": "",
            "stage": "final",
            "db": url,
        }
    )
    assert run.screen_personal_data(chosen, warn=lambda _line: None) == 0


def test_a_progress_note_on_an_action_is_screened_for_the_board_and_the_export(
    tmp_path: Path, partnership_files: tuple[Path, Path], make_answers
) -> None:
    """A note is typed outside any return (issue #15); the board report still sees it."""
    db = f"sqlite:///{tmp_path}/actions.db"
    with Store.open(db) as store:
        provision.install(store, *partnership_files)
        for agency in ("alpha", "beta"):
            store.save(
                "c1", agency, make_answers(), author="Lead", based_on=None, status=Status.SUBMITTED
            )
        (action, *_) = store.actions.find("c1")
        store.actions.update(action.id, ActionChange(note=PHONE))
    chosen = params.ReportParameters(cycle="c1", compare_with="", stage="final", db=db)
    lines: list[str] = []
    with pytest.raises(PersonalDataError) as caught:
        run.screen_personal_data(chosen, warn=lines.append)
    assert caught.value.count == 1
    assert lines[:2] == [
        "warning: 1 passage looks like personal data about a person in the actions of c1:",
        f'  action {action.id}, progress note of revision 2: looks like a phone number: "{MASKED}"',
    ]
    with Store.open(db) as store:  # a later note puts it right for the board
        store.actions.update(action.id, ActionChange(note="Called the school's office."))
    assert run.screen_personal_data(chosen, warn=lines.append) == 0
    out = tmp_path / "c1.xlsx"
    with Store.open(db) as store:
        store.actions.update(action.id, ActionChange(owner="Ring 07700 900123"))
    result = CliRunner().invoke(cli, ["export", "--cycle", "c1", "--db", db, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "in the actions of c1:" in result.stderr
    assert "900123" not in result.stderr


def test_the_chairs_highlights_are_screened_for_the_board(
    tmp_path: Path, partnership_files: tuple[Path, Path], make_answers
) -> None:
    """The chair edits agencies' words into the highlights (issue #16): a number they
    carried stops the board paper, with the highlights named and the chair's fix given."""
    db = f"sqlite:///{tmp_path}/highlights.db"
    with Store.open(db) as store:
        provision.install(store, *partnership_files)
        for agency in ("alpha", "beta"):
            store.save(
                "c1", agency, make_answers(), author="Lead", based_on=None, status=Status.SUBMITTED
            )
        point = Point(text=PHONE, sources=("alpha",))
        store.highlights.save(
            "c1",
            Highlights(headings={"prevent": HeadingHighlights(development=(point,))}),
            based_on=None,
        )
    chosen = params.ReportParameters(cycle="c1", compare_with="", stage="final", db=db)
    lines: list[str] = []
    with pytest.raises(PersonalDataError) as caught:
        run.screen_personal_data(chosen, warn=lines.append)
    assert (caught.value.count, caught.value.highlights) == (1, 1)
    assert lines[:2] == [
        "warning: 1 passage looks like personal data about a person in the highlights of c1:",
        f'  highlights revision 1, prevent development 1: looks like a phone number: "{MASKED}"',
    ]
    assert "Edit the chair's highlights in the dashboard's Highlights tab, then run" in str(
        caught.value
    )
    assert "Returns should" not in str(caught.value)
