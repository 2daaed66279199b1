"""Feedback to each agency (issue #16): an agency profile per invited agency, in one go.

``workbook report PARAMS --each-agency -o DIR`` is :func:`each_agency`. Which agencies,
and which cycles each pack covers, follow from the parameters file
(:func:`pack_parameters`):

* a report's parameters (``report.ipynb``): every agency invited to its ``cycle``; each
  pack covers that cycle and, when the agency was invited to it, ``compare_with``, with
  figures as at the report's date (``as_of``, else the cycle's draft or final report
  date, as the report itself counts);
* an agency profile's parameters (``agency_profile.ipynb``): every agency invited to the
  cycles the file covers (its ``cycles``, or when empty every cycle of the partnerships
  its agency took part in), each pack covering those of them the agency was invited to.

Each pack is ``notebooks/agency_profile.ipynb`` run by papermill and exported by
:func:`workbook.reports.run.write`, the same path as one report: ``DIR/<agency id>.html``,
self-contained. The packs share one kernel (:class:`SharedKernel`): a kernel's start
and the imports of pandas, Altair and the store are most of one profile's time, so
paying them once made the demo's eleven packs take 1.65 times one board report, against
7.4 times with a kernel each (``bench/report.py``; bench/README.md). A pack that fails
does not stop the others: the failure is kept (agency, cell, reason, and the executed
notebook at ``DIR/<agency id>.ipynb``) and the next agency runs; if the failure took the
kernel down, a new one starts.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from workbook.errors import NotebookRunError, PacksFailed
from workbook.reports import run
from workbook.schema import params
from workbook.store import CycleInfo, Store

PROFILE = "agency_profile.ipynb"


@dataclass(frozen=True)
class PackFailure:
    """One agency whose pack was not made: the failing cell (or None), why, the kept notebook."""

    agency: str
    cell: int | None
    reason: str
    output: str | None = None


@dataclass
class PacksRun:
    """What :func:`each_agency` made: the HTML (and PDF) files, the failures, seconds taken."""

    directory: Path
    total: int
    written: list[Path] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    failures: list[PackFailure] = field(default_factory=list)
    seconds: float = 0.0

    def check(self) -> None:
        """Raise :class:`~workbook.errors.PacksFailed` naming each failure, if any."""
        if self.failures:
            raise PacksFailed(
                [(f.agency, f.cell, f.reason, f.output) for f in self.failures],
                self.total,
                str(self.directory),
            )


def _covered(store: Store, chosen: params.NotebookParameters) -> tuple[list[CycleInfo], str]:
    """The cycles a parameters file covers, oldest first, and the date figures are as at."""
    every = store.cycles()
    if isinstance(chosen, params.ReportParameters):
        cycle = store.cycle(chosen.cycle)  # NotFound names a cycle that is not there
        wanted = {cycle.id}
        if chosen.compare_with:
            wanted.add(store.cycle(chosen.compare_with).id)
        timetable = cycle.timetable
        date = timetable.draft_report if chosen.stage == "draft" else timetable.final_report
        return [c for c in every if c.id in wanted], chosen.as_of or (
            date.isoformat() if date else ""
        )
    if not isinstance(chosen, params.ProfileParameters):  # pragma: no cover - two schemas
        raise TypeError(chosen)
    if chosen.cycles:
        wanted = {store.cycle(c).id for c in chosen.cycles}
        return [c for c in every if c.id in wanted], chosen.as_of
    store.agency(chosen.agency)  # NotFound names an agency that is not there
    partnerships = {c.partnership_id for c in every if chosen.agency in c.agencies}
    return [c for c in every if c.partnership_id in partnerships], chosen.as_of


def pack_parameters(
    store: Store, chosen: params.NotebookParameters
) -> list[params.ProfileParameters]:
    """The agency profile's parameters for each agency a parameters file covers.

    The agencies come in the order of the cycle's invitation list (the latest cycle
    first when several are covered); each pack lists its cycles explicitly, so it
    never reaches a cycle the file does not cover.
    """
    cycles, as_of = _covered(store, chosen)
    agencies = dict.fromkeys(a for c in reversed(cycles) for a in c.agencies)
    return [
        params.ProfileParameters(
            db=chosen.db,
            as_of=as_of,
            agency=agency,
            cycles=[c.id for c in cycles if agency in c.agencies],
        )
        for agency in agencies
    ]


@functools.cache
def _manager_class() -> Any:
    """A kernel manager that remembers the clients it hands out, so they can be closed.

    nbclient closes its client only for a kernel it started itself; with a kernel it is
    given, each run would leave a client's sockets open.
    """
    from jupyter_client.manager import AsyncKernelManager

    class Manager(AsyncKernelManager):
        def client(self, **kwargs: Any) -> Any:
            made = super().client(**kwargs)
            self.__dict__.setdefault("handed_out", []).append(made)
            return made

    return Manager


class SharedKernel:
    """One Python kernel, started on first use and kept for every pack; a dead one is replaced.

    The notebook is thin and every run sets all its parameters again, so a pack sees
    nothing of the one before but what is cached on purpose (imports, drawn charts).
    """

    def __init__(self, kernel_name: str = "python3") -> None:
        self.kernel_name = kernel_name
        self.manager: Any = None

    def __enter__(self) -> SharedKernel:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def ready(self) -> Any:
        """The running kernel's manager, started (again) when there is none alive."""
        from jupyter_core.utils import run_sync

        if self.manager is not None and run_sync(self.manager.is_alive)():
            return self.manager
        self.close()
        manager = _manager_class()(kernel_name=self.kernel_name)
        run_sync(manager.start_kernel)(
            cwd=str(params.NOTEBOOKS_DIR), extra_arguments=run.KERNEL_ARGUMENTS
        )
        self.manager = manager
        return manager

    def release(self) -> None:
        """Close the clients the last run talked to the kernel through (it keeps running)."""
        handed_out = self.manager.__dict__.pop("handed_out", []) if self.manager else []
        for client in handed_out:
            client.stop_channels()

    def close(self) -> None:
        """Shut the kernel down (nothing if none was started)."""
        if self.manager is None:
            return
        from jupyter_core.utils import run_sync

        self.release()
        manager, self.manager = self.manager, None
        if run_sync(manager.is_alive)():
            run_sync(manager.shutdown_kernel)(now=True)
        else:
            run_sync(manager.cleanup_resources)()


Runner = Callable[[params.ProfileParameters, Path, SharedKernel], Path]
"""Makes one pack: (parameters, HTML file, the shared kernel) -> the HTML file."""


def run_pack(chosen: params.ProfileParameters, output: Path, kernel: SharedKernel) -> Path:
    """One agency's pack through papermill in the shared kernel (the default runner)."""
    return run.write(chosen, output, name=output.stem, progress=False, kernel=kernel.ready())


def _bar(total: int, progress: bool | None) -> Any:
    from tqdm.auto import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    return tqdm(total=total, desc="Agency packs", unit="pack", disable=not show, file=sys.stderr)


def make_packs(
    packs: Sequence[params.ProfileParameters],
    directory: Path,
    *,
    progress: bool | None = None,
    runner: Runner | None = None,
) -> PacksRun:
    """Run the profile for each of ``packs`` into ``directory``/<agency>.html; go on past failures.

    Parameters
    ----------
    progress
        A progress bar over the agencies (default: when stderr is a terminal).
    runner
        Makes one pack (default :func:`run_pack`).
    """
    started = time.perf_counter()
    runner = runner or run_pack
    made = PacksRun(directory, len(packs))
    directory.mkdir(parents=True, exist_ok=True)
    with SharedKernel() as kernel, _bar(len(packs), progress) as bar:
        for chosen in packs:
            bar.set_postfix_str(chosen.agency, refresh=True)
            output = directory / f"{chosen.agency}.html"
            try:
                made.written.append(runner(chosen, output, kernel))
            except NotebookRunError as exc:
                made.failures.append(PackFailure(chosen.agency, exc.cell, exc.reason, exc.output))
            except Exception as exc:  # e.g. the export: still only this agency's pack is lost
                made.failures.append(
                    PackFailure(chosen.agency, None, run.error_reason(type(exc).__name__, str(exc)))
                )
            finally:
                kernel.release()
            bar.update()
    made.seconds = time.perf_counter() - started
    return made


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def each_agency(
    parameters_file: Path,
    directory: Path | None = None,
    *,
    db: str | None = None,
    pdf: bool = False,
    progress: bool | None = None,
    warn: Callable[[str], None] = _stderr,
) -> PacksRun:
    """Write the agency pack of every agency a parameters file covers (see the module).

    Parameters
    ----------
    directory
        Where the packs go (default: the parameters file's name with ``-agencies``, here).
    db
        Store URL overriding the file's ``db``.
    pdf
        Also print each pack to a PDF beside it (:mod:`workbook.reports.pdf`).
    warn
        Where warnings about personal data in each agency's returns go
        (:func:`workbook.reports.run.screen_personal_data`, which only warns for a profile).

    Raises
    ------
    ParameterError, StorageError
        Before any kernel starts: the file is wrong, or its cycle or agency is not there.
    PdfError
        The HTML packs are written, but they could not be printed.
    """
    started = time.perf_counter()
    chosen = run.with_store(params.load(parameters_file), db)
    directory = directory or Path(f"{parameters_file.stem}-agencies")
    with Store.open(chosen.db or None, create=False, migrate=False) as store:
        packs = pack_parameters(store, chosen)
    for pack in packs:
        run.screen_personal_data(pack, warn=warn)
    made = make_packs(packs, directory, progress=progress)
    if pdf and made.written:
        from workbook.reports.pdf import print_pdfs  # Playwright loads only for --pdf

        made.pdfs = print_pdfs(made.written)
    made.seconds = time.perf_counter() - started
    return made
