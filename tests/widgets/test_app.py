"""How the pages are served: the thin notebooks, ``widgets.app`` and the Voila settings.

The browser journeys (tests/browser/test_form_journeys.py) check the behaviour; these
check the checked-in files, so a change to them fails fast and says why.
"""

from __future__ import annotations

import ast
import gc
import json
import os
from collections.abc import Iterator

import nbformat
import pytest

from widgets import app
from workbook import config, overview
from workbook.store import Store

NOTEBOOK = config.ROOT / "notebooks" / "form.ipynb"


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    """A pooled ``preload`` freezes what the process holds: not the test session's."""
    yield
    gc.unfreeze()


def settings() -> dict:
    return json.loads((config.ROOT / "voila.json").read_text(encoding="utf-8"))


def python(code: str, **env: str) -> str:
    """What ``code`` prints in a new interpreter (nothing imported yet) with ``env`` added."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=config.ROOT,
        env={**os.environ, **env},
    )
    return out.stdout.strip()


def test_the_landing_page_lists_the_form() -> None:
    apps = overview.apps(config.ROOT / "notebooks")
    assert {"href": "form.ipynb", "title": "Agency return form"} in apps
    # a visitor's personal link goes along, or the form would refuse them (issue #7)
    signed = overview.apps(config.ROOT / "notebooks", token="Abc-123_xyz")
    assert {"href": "form.ipynb?token=Abc-123_xyz", "title": "Agency return form"} in signed


def test_the_notebook_is_thin_and_ends_in_the_form() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.cells[0].cell_type == "markdown"
    assert nb.cells[0].source.startswith("# Agency return form\n")
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    for source in code:
        assert len(source.splitlines()) <= 5
        tree = ast.parse(source)
        assert not any(isinstance(n, ast.FunctionDef | ast.ClassDef) for n in ast.walk(tree))
    assert code[-1] == "app.form(store)"  # widgets.app.form reads the query after the request
    # with preheated kernels, every cell before the request is waited for must not depend
    # on the request or on the store's contents (it runs long before the page is asked for)
    assert all(
        "page_query()" not in source and "open_form(" not in source and "app.form(" not in source
        for source in code[:-1]
    )


def test_form_and_dashboard_kernels_are_preheated_and_other_pages_are_not() -> None:
    voila = settings()
    assert voila["VoilaConfiguration"]["preheat_kernel"] is True
    pools = voila["VoilaKernelManager"]["kernel_pools_config"]
    assert pools["form.ipynb"]["pool_size"] >= 1
    assert pools["dashboard.ipynb"]["pool_size"] >= 1
    # other pages (the landing page, analysts' notebooks) read the store in their first
    # cells, so they must not run ahead of the request
    assert pools["default"]["pool_size"] == 0


def test_the_preheated_dashboard_reads_nothing_before_the_request() -> None:
    """A pooled kernel runs the cells long before the page is asked for: only imports,
    opening the store and the chart loader may run then; the link and the data come after."""
    nb = nbformat.read(NOTEBOOK.with_name("dashboard.ipynb"), as_version=4)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    assert code[-1] == "app.dashboard(store)"  # its default query waits for the request
    assert all(
        "Store" not in source and "open_dashboard(" not in source and "app.dashboard(" not in source
        for source in code[:-1]
    )


def test_idle_kernels_of_closed_pages_are_culled() -> None:
    # Voila 0.5 leaves a page's kernel running when the page closes (voila#1458)
    culling = settings()["MappingKernelManager"]
    assert 60 <= culling["cull_idle_timeout"] <= 3600
    assert 0 < culling["cull_interval"] <= culling["cull_idle_timeout"]
    assert culling.get("cull_connected", False) is False  # never a page someone has open


def test_every_voila_notebook_ends_in_one_call_to_widgets_app() -> None:
    """The notebooks are thin: one entry module, no logic of their own (issue #13)."""
    ends = {"form.ipynb": "app.form(store)", "dashboard.ipynb": "app.dashboard(store)"}
    ends["index.ipynb"] = "app.landing()"
    for name, last in ends.items():
        nb = nbformat.read(NOTEBOOK.with_name(name), as_version=4)
        code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
        assert code[-1].splitlines()[-1] == last
        assert "from widgets import app" in code[0]
        for source in code:
            assert len(source.splitlines()) <= 5
            tree = ast.parse(source)
            assert not any(isinstance(n, ast.FunctionDef | ast.ClassDef) for n in ast.walk(tree))


def test_preload_imports_each_page_and_gives_the_dashboard_its_chart_loader() -> None:
    from altair.utils import schemapi

    from widgets import app, templating
    from workbook.charts import offline

    templating._module.cache_clear()
    assert app.preload("form") is None
    compiled = templating._module.cache_info().currsize
    assert compiled == len(app.TEMPLATES["form"])  # before the request, not at its render
    assert schemapi.DEBUG_MODE  # the form draws no chart: Altair is left alone
    try:
        assert isinstance(app.preload("dashboard"), offline.Loader)
        assert templating._module.cache_info().currsize == compiled + 1
        assert not schemapi.DEBUG_MODE  # charts are built unchecked in the page's kernel
    finally:
        schemapi.enable_debug_mode()
    assert set(app.PAGES) == set(app.TEMPLATES) == {"form", "dashboard", "landing"}


def test_a_pooled_kernel_freezes_what_it_imported_and_a_waited_for_one_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first dashboard in a kernel took 0.29 s where the next took 0.13 s: a full
    collection walking every import (issue #19). A pooled kernel freezes them before the
    request; under JupyterHub's servers the visitor is waiting, and nothing is added."""
    from altair.utils import schemapi

    try:
        monkeypatch.delenv("VOILA_PREHEAT", raising=False)
        app.preload("dashboard")
        assert gc.get_freeze_count() == 0
        monkeypatch.setenv("VOILA_PREHEAT", "True")
        app.preload("dashboard")
        assert gc.get_freeze_count() > 100_000  # pandas, Altair, ipywidgets, the workbook
    finally:
        schemapi.enable_debug_mode()


def test_a_pooled_dashboard_kernel_draws_a_sample_overview_before_its_request(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new kernel's first drawing took 143 ms where the next took 110 (#19): a pooled
    kernel pays for it before the request, over the throwaway sample. It makes no widget
    (its state would go to the visitor's page) and shows nothing; a kernel started for
    its request (the visitor waiting) and the form's pooled kernels do not."""
    import ipywidgets as ipw
    from altair.utils import schemapi

    from widgets.dashboard import overview

    drawn: list[str] = []
    glance = overview.glance_html
    monkeypatch.setattr(
        overview, "glance_html", lambda m: drawn.append(m.store.identity.name) or glance(m)
    )
    widgets = len(ipw.widgets.widget._instances)
    try:
        monkeypatch.delenv("VOILA_PREHEAT", raising=False)
        app.preload("dashboard")
        monkeypatch.setenv("VOILA_PREHEAT", "True")
        app.preload("form")
        assert drawn == []
        app.preload("dashboard")
    finally:
        schemapi.enable_debug_mode()
    assert drawn == ["Sample chair"]
    assert len(ipw.widgets.widget._instances) == widgets
    assert capsys.readouterr() == ("", "")


def test_preparing_the_pages_makes_no_widget() -> None:
    """A kernel template prepares pages with no kernel running (widgets/forkserver/): a
    widget made then (a module's constant, say) would have no comm in the kernels forked
    from it, and the front end no model when a page came to use it."""
    code = (
        "from widgets import app\nfor page in app.PAGES:\n    app.prepare(page)\n"
        "from ipywidgets.widgets.widget import _instances\nprint(len(_instances))"
    )
    assert python(code) == "0"


def test_the_templates_a_page_prepares_are_the_ones_it_renders_as_it_opens(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A template missing from ``TEMPLATES`` is compiled at the visitor's request; one there
    but never rendered costs each pooled kernel for nothing."""
    from widgets import templating
    from widgets.dashboard import open_dashboard
    from widgets.form import open_form

    loaded: list[str] = []
    get_template = templating._ENV.get_template
    monkeypatch.setattr(
        templating._ENV, "get_template", lambda name: loaded.append(name) or get_template(name)
    )
    query = {"cycle": "cse-2017-18", "agency": "police"}
    for page, open_page in (("form", open_form), ("dashboard", open_dashboard)):
        templating._module.cache_clear()
        loaded.clear()
        open_page(demo_store, query)
        assert sorted(loaded) == sorted(f"{area}.html.j2" for area in app.TEMPLATES[page])


def test_the_form_page_never_imports_pandas_altair_or_openpyxl(demo_copy: str) -> None:
    """A preheated form kernel stays small (#19): pandas and Altair are the dashboard's,
    openpyxl (and numpy with it) an upload's, Alembic a schema change's, and PostgreSQL's
    dialect (2.2 MiB) a PostgreSQL store's."""
    code = (
        "import sys\nfrom widgets import app\napp.preload('form')\nstore = app.open_store()\n"
        "HEAVY = ('pandas', 'altair', 'numpy', 'openpyxl', 'alembic',"
        " 'sqlalchemy.dialects.postgresql')\n"
        "print(store is not None, sorted(m for m in HEAVY if m in sys.modules))"
    )
    assert python(code, WORKBOOK_DB=demo_copy) == "True []"


def test_every_page_says_demo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    import ipywidgets as ipw

    page = ipw.HTML("the page")
    assert app.marked(page) is page
    monkeypatch.setenv("WORKBOOK_DEMO", "1")
    shown = app.marked(page)
    assert isinstance(shown, ipw.VBox)
    assert "Demo mode." in shown.children[0].value
    assert shown.children[1] is page
