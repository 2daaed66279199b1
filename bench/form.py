"""Benchmark: how fast the agency return form becomes usable, against a bare Voila page.

Serves, from one Voila server started as ``make serve`` starts it (the checked-in
voila.json, preheated kernels included), a copy of ``notebooks/form.ipynb`` and a bare
notebook showing one button, over a fresh demo store (its CSE cycle given 50 indicators
and 5 case audits, issue #14). Times each page from request to
interactive in Debian's Chromium (median of N runs after a warm-up), and prints the
form's ratio to the bare page. Goal (issue #3): at most 1.3 times the bare page.

    .venv/bin/python -m bench.form [--runs 7] [--pause 8] [--cold]

Runs are ``--pause`` seconds apart so that each finds the kernel pool refilled (voila.json
refills it 5 s after a page takes a kernel), as a user arriving a little after the last
one would. ``--cold`` also measures both pages with preheating turned off.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

import nbformat

from bench.common import (
    ROOT,
    Result,
    Row,
    Timing,
    page_kernel,
    personal_link,
    print_table,
    report,
    samples_of,
    take_turns,
    voila,
)
from workbook import demo
from workbook.access import page_url
from workbook.schema.responses import Status
from workbook.store import Store
from workbook.store.generate_evidence import synthetic_evidence

GOAL = 1.3
CYCLE = "cse-2017-18"
FORM_READY = ".wb-form .wb-heading-toggle"  # the headings' buttons: the form is drawn
BARE_READY = ".widget-button"


def bare_notebook() -> nbformat.NotebookNode:
    """A notebook that shows one widget, and nothing else."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Bare page"),
        nbformat.v4.new_code_cell('import ipywidgets\n\nipywidgets.Button(description="Ready")'),
    ]
    nb.metadata["kernelspec"] = page_kernel()
    return nb


def setup(tmp: Path) -> tuple[str, str, str]:
    """Store, notebooks and voila.json in ``tmp``; returns the store URL, agency and token.

    The form opens with the agency member's personal link, as people open it (issue #7).
    """
    url = f"sqlite:///{tmp}/bench.db"
    with Store.open(url) as store:
        demo.create(store)
        statuses = store.statuses(CYCLE)
        # the evidence a busy cycle carries (issue #14): 50 indicators and 5 case audits
        info = store.cycle(CYCLE)
        framework = store.cycle_framework(CYCLE)
        evidence = synthetic_evidence(
            CYCLE,
            [c.id for c in framework.criteria],
            list(info.agencies),
            [level.key for level in framework.scale.levels],
            info.timetable.returns_due,
            (50, 5),
            seed=7,
        )
        store.evidence.load(CYCLE, evidence, source="bench")
    # a return in progress, as when someone comes back to finish it
    agency = next(a for a, s in sorted(statuses.items()) if s == Status.DRAFT)
    notebooks = tmp / "notebooks"
    notebooks.mkdir()
    shutil.copy(ROOT / "notebooks" / "form.ipynb", notebooks / "form.ipynb")
    nbformat.write(bare_notebook(), notebooks / "bare.ipynb")
    # the shipped settings, with the bare page given the same kernel pool as the form
    settings = json.loads((ROOT / "voila.json").read_text(encoding="utf-8"))
    pools = settings.get("VoilaKernelManager", {}).get("kernel_pools_config", {})
    if "form.ipynb" in pools:
        pools["bare.ipynb"] = dict(pools["form.ipynb"])
    (tmp / "voila.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
    token = personal_link(url, "Benchmark", "member", cycle_id=CYCLE, agencies=(agency,))
    return url, agency, token


def measure(
    tmp: Path,
    env: dict[str, str],
    form: tuple[str, str],
    runs: int,
    pause: float,
    extra: tuple[str, ...],
) -> tuple[Timing, Timing]:
    """Time the bare page and the form on one server, taking turns run by run.

    Taking turns spreads any change in the machine's load over both pages. ``form`` is
    the agency and the token of its member's personal link.
    """
    log = tmp / f"voila{'-'.join(extra)[:20]}.log"
    agency, token = form
    with voila(tmp / "notebooks", cwd=tmp, env=env, extra_args=extra, log=log, settle=8) as base:
        pages = {
            "bare": (f"{base}/voila/render/bare.ipynb", BARE_READY),
            "form": (
                page_url(base, "form.ipynb", token, cycle_id=CYCLE, agency_id=agency),
                FORM_READY,
            ),
        }
        timings = take_turns(pages, runs, pause=pause)
    return timings["bare"], timings["form"]


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark and print its table; returns the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs per page")
    parser.add_argument("--pause", type=float, default=8.0, help="seconds between runs")
    parser.add_argument("--cold", action="store_true", help="also measure without preheating")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-form-") as name:
        tmp = Path(os.environ.get("BENCH_KEEP", name))
        tmp.mkdir(exist_ok=True)
        url, agency, token = setup(tmp)
        env = {**os.environ, "WORKBOOK_DB": url}
        bare, form = measure(tmp, env, (agency, token), args.runs, args.pause, ())
        rows: list[Row] = [
            ("bare page, one widget (preheated)", bare, None, None),
            ("agency return form, CSE (preheated)", form, bare, GOAL),
        ]
        if args.cold:
            off = ("--VoilaConfiguration.preheat_kernel=False",)
            cold_bare, cold_form = measure(tmp, env, (agency, token), args.runs, args.pause, off)
            rows += [
                ("bare page, one widget (cold kernel)", cold_bare, None, None),
                ("agency return form, CSE (cold kernel)", cold_form, cold_bare, GOAL),
            ]
    print(
        f"request to interactive, {args.runs} runs after 1 warm-up, Chromium "
        f"?cycle={CYCLE}&agency={agency} (member's personal link)"
    )
    print_table(rows)
    report(
        [
            Result(
                f"form: request -> interactive, CSE ({kind})",
                samples_of(timing),
                floor=f"form: Voila page with one widget ({kind})",
                floor_samples=samples_of(baseline),
                goal=GOAL,
            )
            for (_, timing, baseline, _goal), kind in zip(
                rows[1::2], ("preheated", "cold kernel"), strict=False
            )
            if baseline is not None
        ],
        table=False,
    )
    return {figure: t.median / b.median for figure, t, b, _ in rows if b is not None}


if __name__ == "__main__":
    main()
