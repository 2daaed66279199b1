"""Feedback to each agency (issue #16): which packs a parameters file makes, and making them.

Which agencies and cycles is checked on the demo store without a kernel; the packs
themselves are run by papermill in one shared kernel (marked slow), with an agency that
is not in the store among them, whose failure must be reported while the others are
written. The command's exit status and message are checked with the notebook runner
replaced, so no kernel starts.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.support.data import dump_yaml
from workbook import config
from workbook.cli import main
from workbook.errors import NotebookRunError, NotFound, PacksFailed, PdfError
from workbook.reports import packs, pdf
from workbook.schema import params
from workbook.store import Store

PARAMETERS = config.ROOT / "parameters"
DEMO_AGENCIES = {
    "ccg",
    "community-safety",
    "csc",
    "oxleas",
    "police",
    "probation",
    "schools",
    "sexual-health",
    "trading-standards",
    "voluntary",
    "yot",
}
NEIGHBOUR_AGENCIES = {  # Demo Riverside's own (issue #17); it shares three of the demo's
    "riverside-csc",
    "riverside-icb",
    "riverside-schools",
    "riverside-voluntary",
    "riverside-yjs",
}
SHARED = {"oxleas", "police", "probation"}
OFFLINE = re.compile(r"<script|<link|<iframe|@import|\bsrc=|url\(", re.IGNORECASE)


def _self_contained(page: str) -> bool:
    return not OFFLINE.search(page) and not re.search(
        r"https?://", page.replace("http://www.w3.org/", "")
    )


def test_a_report_file_covers_its_cycles_invited_agencies_as_at_the_report(
    demo_store: Store,
) -> None:
    chosen = params.load(PARAMETERS / "demo-cse-2017-18-final.yaml")
    found = packs.pack_parameters(demo_store, chosen)
    invited = demo_store.cycle("cse-2017-18").agencies
    assert [p.agency for p in found] == list(invited)
    assert set(invited) == DEMO_AGENCIES
    for pack in found:
        assert pack.notebook == "agency_profile.ipynb"
        assert pack.cycles == ["cse-2016-17", "cse-2017-18"]  # with the one compared with
        assert pack.as_of == demo_store.cycle("cse-2017-18").timetable.final_report.isoformat()


def test_a_profile_file_covers_every_agency_of_its_partnership(demo_store: Store) -> None:
    """The police serve both demo partnerships (issue #17): every agency of either is covered,
    each with the cycles it was invited to."""
    chosen = params.load(PARAMETERS / "demo-agency-police.yaml")
    found = packs.pack_parameters(demo_store, chosen)
    assert {p.agency for p in found} == DEMO_AGENCIES | NEIGHBOUR_AGENCIES
    assert all(p.as_of == "2018-03-21" for p in found)
    demo = [c.id for c in demo_store.cycles("demo")]
    neighbour = [c.id for c in demo_store.cycles("demo-neighbour")]
    cycles = {p.agency: p.cycles for p in found}
    assert all(cycles[a] == demo for a in DEMO_AGENCIES - SHARED)
    assert all(cycles[a] == neighbour for a in NEIGHBOUR_AGENCIES)
    assert cycles["police"] == cycles["oxleas"] == demo + neighbour
    assert cycles["probation"] == [*demo, "ce-2026", "s11-2026"]  # not in the missing protocol


def test_a_profile_file_naming_cycles_gives_each_agency_only_those(demo_store: Store) -> None:
    chosen = params.ProfileParameters(agency="police", cycles=["front-door-2018"])
    found = packs.pack_parameters(demo_store, chosen)
    invited = demo_store.cycle("front-door-2018").agencies
    assert [p.agency for p in found] == list(invited)
    assert all(p.cycles == ["front-door-2018"] for p in found)


def test_the_failures_message_names_each_agency_cell_and_reason() -> None:
    error = PacksFailed(
        [
            ("police", 3, "NotFound: No agency named 'police'", "out/police.ipynb"),
            ("yot", None, "E", None),
        ],
        11,
        "out",
    )
    assert str(error).splitlines() == [
        "2 of 11 agency packs failed; the other 9 are written in out:",
        "  police: cell 3: NotFound: No agency named 'police'",
        "    The executed notebook is kept at out/police.ipynb: open it in JupyterLab for the "
        "traceback.",
        "  yot: E",
    ]


def _fake_pack(failing: str) -> packs.Runner:
    """A runner that writes a stub page, and fails in cell 3 for ``failing``: no kernel."""

    def make(chosen: params.ProfileParameters, output: Path, kernel: packs.SharedKernel) -> Path:
        if chosen.agency == failing:
            raise NotebookRunError("agency_profile.ipynb", 3, "ValueError: hostile")
        output.write_text(f"<p>{chosen.agency}</p>", encoding="utf-8")
        return output

    return make


def test_the_command_writes_the_rest_and_exits_1_naming_the_failed_agency(
    demo_copy: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(packs, "run_pack", _fake_pack("police"))
    out = tmp_path / "packs"
    report = str(PARAMETERS / "demo-cse-2017-18-draft.yaml")
    argv = ["workbook", "report", report, "--db", demo_copy, "--each-agency", "-o", str(out)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    assert {p.stem for p in out.glob("*.html")} == DEMO_AGENCIES - {"police"}
    captured = capsys.readouterr()
    assert f"Wrote 10 of 11 agency packs to {out}" in captured.out
    assert captured.err.splitlines()[-2:] == [
        f"error: 1 of 11 agency packs failed; the other 10 are written in {out}:",
        "  police: cell 3: ValueError: hostile",
    ]


def test_a_progress_bar_counts_the_packs_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chosen = [params.ProfileParameters(agency=a) for a in ("csc", "police", "yot")]
    made = packs.make_packs(chosen, tmp_path, progress=True, runner=_fake_pack("police"))
    assert [p.name for p in made.written] == ["csc.html", "yot.html"]
    assert [f.agency for f in made.failures] == ["police"]
    err = capsys.readouterr().err
    assert "Agency packs" in err
    assert "3/3" in err
    packs.make_packs(chosen, tmp_path, progress=False, runner=_fake_pack("police"))
    assert capsys.readouterr().err == ""


def test_pdf_says_when_there_is_no_chromium(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(PdfError) as caught:
        pdf.print_pdfs([page], chromium=str(tmp_path / "no-chromium"))
    assert caught.value.kind == "no_chromium"
    assert str(caught.value).startswith(
        f"Printing to PDF needs Chromium, and there is none at {tmp_path / 'no-chromium'}"
    )
    assert not page.with_suffix(".pdf").exists()


def test_the_command_says_chromium_is_missing_before_any_notebook_runs(
    demo_copy: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def never(*args: object) -> Path:
        raise AssertionError("a pack ran")

    monkeypatch.setattr(packs, "run_pack", never)
    monkeypatch.setenv("WORKBOOK_CHROMIUM", str(tmp_path / "no-chromium"))
    report = str(PARAMETERS / "demo-cse-2017-18-final.yaml")
    out = tmp_path / "packs"
    argv = ["workbook", "report", report, "--db", demo_copy, "--each-agency", "--pdf", "-o"]
    monkeypatch.setattr(sys, "argv", [*argv, str(out)])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    assert capsys.readouterr().err == (
        "error: Printing to PDF needs Chromium, and there is none at "
        f"{tmp_path / 'no-chromium'}: install Debian's 'chromium' package, set "
        "WORKBOOK_CHROMIUM to where it is, or leave out --pdf.\n"
    )
    assert not out.exists()


def test_pdf_says_when_playwright_is_not_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails
    with pytest.raises(PdfError) as caught:
        pdf.print_pdfs([tmp_path / "page.html"])
    assert caught.value.kind == "no_playwright"
    assert "pip install 'safeguarding-workbook[pdf]'" in str(caught.value)


@pytest.mark.slow
def test_packs_run_in_one_kernel_and_a_failing_agency_does_not_stop_the_rest(
    demo_copy: str, tmp_path: Path
) -> None:
    wanted = ["csc", "ghost", "police"]  # an agency id the store does not hold, between two
    chosen = [params.ProfileParameters(db=demo_copy, agency=a, as_of="2018-03-21") for a in wanted]
    made = packs.make_packs(chosen, tmp_path / "out", progress=False)
    assert made.written == [tmp_path / "out" / "csc.html", tmp_path / "out" / "police.html"]
    (failure,) = made.failures
    assert (failure.agency, failure.cell) == ("ghost", 3)
    assert failure.reason.startswith("NotFound: No agency named 'ghost' in the store.")
    assert failure.output == str(tmp_path / "out" / "ghost.ipynb")
    assert Path(failure.output).exists()
    assert not (tmp_path / "out" / "ghost.html").exists()
    names = ("Children's Social Care", "Metropolitan Police Service")
    for path, name in zip(made.written, names, strict=True):
        page = path.read_text(encoding="utf-8")
        assert _self_contained(page), path
        assert f"<h1>Agency profile: {name}</h1>" in page, path
        assert "<h2>Actions</h2>" in page
    with pytest.raises(PacksFailed, match="1 of 3 agency packs failed"):
        made.check()


@pytest.mark.slow
def test_a_dead_kernel_is_replaced() -> None:
    from jupyter_core.utils import run_sync

    with packs.SharedKernel() as kernel:
        first = kernel.ready()
        assert kernel.ready() is first
        run_sync(first.shutdown_kernel)(now=True)
        second = kernel.ready()
        assert second is not first
        assert run_sync(second.is_alive)()
    assert kernel.manager is None


def test_packs_write_nothing_for_a_cycle_not_in_the_store(demo_copy: str, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        dump_yaml({"notebook": "report.ipynb", "cycle": "nope", "compare_with": ""}), "utf-8"
    )
    with pytest.raises(NotFound, match="No cycle named 'nope'"):
        packs.each_agency(wrong, tmp_path / "out", db=demo_copy, progress=False)
    assert not (tmp_path / "out").exists()
