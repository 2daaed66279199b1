"""Time to the first chart of the chair's dashboard against a bare one-chart Voila page.

Generates a store of 20 agencies x 40 criteria x 10 cycles (``workbook generate``),
serves a folder holding the dashboard notebook and notebooks with one Altair chart each
from one Voila server (same voila.json), and times each page from request to the first
chart's SVG being visible, the pages taking turns run by run. Prints the
ratio of medians; the goal is at most 1.2x the bare page drawn the same offline way.

    .venv/bin/python bench/dashboard.py [--runs 5] [--agencies 20 --criteria 40 --cycles 10]
        [--inline]

Baselines: ``bare-workbook`` draws its chart with the workbook's offline loader (the
only offline way that is not slower); ``widget-chart`` draws the same chart inside one
ipywidgets ``HTML``, as the dashboard draws every chart, which shows what Voila's widget
manager alone adds (reported beside the goal, without one of its own); with
``--inline`` also ``bare-inline``, drawn by Altair's own ``html``/``inline`` renderer,
for comparison (left out of ``make bench`` to keep it under 12 minutes). Voila
preheats the dashboard (voila.json); the other pages get the same pool, and runs wait
for the pool to refill.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    ROOT,
    Result,
    page_kernel,
    personal_link,
    print_table,
    report,
    samples_of,
    take_turns,
    voila,
)
from workbook.access import page_url  # noqa: E402
from workbook.store import (
    Store,  # noqa: E402
    generate,  # noqa: E402
)

CHART = ".wb-chart svg, .vega-embed svg"
GOAL = 1.2  # issue #19 (1.5 before)
PAUSE = 12.0
"""Seconds between runs with preheated pages: voila.json's fill_delay and a kernel start."""
CHART_EXPRESSION = (
    "alt.Chart(pd.DataFrame({'a': list('abcdefgh'), 'b': range(8)}))"
    ".mark_bar().encode(x='a:N', y='b:Q', tooltip=['a', 'b'])"
)
BARE_CHART = "import altair as alt, pandas as pd\n" + CHART_EXPRESSION
WIDGET_CHART = (
    "import altair as alt, ipywidgets as w, pandas as pd\n"
    f"w.HTML(offline.chart_html({CHART_EXPRESSION}))"
)
"""The same chart inside one ipywidgets ``HTML``, as every dashboard chart is drawn."""


def _notebook(path: Path, title: str, cells: list[str]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": page_kernel()}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}")] + [
        nbformat.v4.new_code_cell(c) for c in cells
    ]
    nbformat.write(nb, path)


def main() -> int:
    """Run the benchmark; exit 1 if the dashboard misses the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--agencies", type=int, default=20)
    parser.add_argument("--criteria", type=int, default=40)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument(
        "--inline",
        action="store_true",
        help="Also time a bare page drawn by Altair's own inline renderer (for comparison).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wb-bench-dash-") as tmp:
        folder = Path(tmp)
        db = f"sqlite:///{folder}/bench.db"
        size = generate.Size(args.agencies, args.criteria, args.cycles)
        with Store.open(db) as store:
            generate.generate(store, size)
        # the dashboard opens only with a personal link (issue #7): the chair's
        chair = personal_link(
            db, "Benchmark chair", "chair", partnership_id=generate.PARTNERSHIP_ID
        )
        pages = folder / "pages"
        pages.mkdir()
        shutil.copy(ROOT / "notebooks" / "dashboard.ipynb", pages / "dashboard.ipynb")
        _notebook(
            pages / "bare-workbook.ipynb",
            "Bare chart",
            ["from workbook.charts import offline\noffline.enable()", BARE_CHART],
        )
        _notebook(
            pages / "widget-chart.ipynb",
            "One widget holding the chart",
            ["from workbook.charts import offline\noffline.loader()", WIDGET_CHART],
        )
        _notebook(
            pages / "bare-inline.ipynb",
            "Bare chart (Altair inline)",
            ["import altair as alt\nalt.renderers.enable('html', template='inline')", BARE_CHART],
        )
        # the shipped settings, with the bare pages given the dashboard's kernel pool
        settings = json.loads((ROOT / "voila.json").read_text(encoding="utf-8"))
        pools = settings.get("VoilaKernelManager", {}).get("kernel_pools_config", {})
        if "dashboard.ipynb" in pools:
            for bare_page in ("bare-workbook.ipynb", "widget-chart.ipynb", "bare-inline.ipynb"):
                pools[bare_page] = dict(pools["dashboard.ipynb"])
        (folder / "voila.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
        env = {**os.environ, "WORKBOOK_DB": db}
        print(
            f"store: {args.agencies} agencies x {args.criteria} criteria x {args.cycles} cycles; "
            f"{args.runs} runs per page after one warm-up"
        )
        pause = PAUSE if pools.get("dashboard.ipynb", {}).get("pool_size") else 0.0
        with voila(pages, cwd=folder, env=env, log=folder / "voila.log", settle=pause) as base:
            names: tuple[str, ...] = ("bare-workbook", "widget-chart", "dashboard")
            names += ("bare-inline",) if args.inline else ()
            urls = {name: f"{base}/voila/render/{name}.ipynb" for name in names}
            urls["dashboard"] = page_url(base, "dashboard.ipynb", chair)
            # between runs the pool refills (fill_delay, then a kernel's imports)
            timings = take_turns({n: (u, CHART) for n, u in urls.items()}, args.runs, pause=pause)
    bare, widget = timings["bare-workbook"], timings["widget-chart"]
    inline = timings.get("bare-inline")
    rows: list[tuple[str, Any, Any, float | None]] = [
        ("bare page, one chart (workbook loader)", bare, None, None),
        ("one widget holding the chart", widget, bare, None),
    ]
    if inline is not None:
        rows.append(("bare page, one chart (Altair inline)", inline, bare, None))
    print_table(
        [
            *rows,
            ("dashboard, first chart", timings["dashboard"], bare, GOAL),
            ("dashboard, against the one-widget chart", timings["dashboard"], widget, None),
        ]
    )
    shape = f"{args.agencies} x {args.criteria} x {args.cycles}"
    report(
        [
            Result(
                f"dashboard: request -> first chart ({shape} store)",
                samples_of(timings["dashboard"]),
                floor="dashboard: Voila page with one Altair chart (workbook's offline loader)",
                floor_samples=samples_of(bare),
                goal=GOAL,
                extra={"altair_inline_median_s": inline.median} if inline else {},
            ),
            Result(
                "dashboard: a page whose one chart is in one widget, against the bare page",
                samples_of(widget),
                floor="dashboard: Voila page with one Altair chart (workbook's offline loader)",
                floor_samples=samples_of(bare),
                note="what any page drawing its chart in a widget costs (no goal)",
            ),
        ],
        table=False,
    )
    ratio = timings["dashboard"].median / bare.median
    print(f"ratio dashboard / bare page: {ratio:.2f}x (goal <= {GOAL}x)")
    if inline is not None:
        ratio_inline = timings["dashboard"].median / inline.median
        print(f"ratio dashboard / Altair-inline bare page: {ratio_inline:.2f}x")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
