"""The pages' own kernel (:mod:`widgets.kernel`, kernelspec ``workbook-page``), issue #19.

The pages' notebooks name it, Voila finds it on ``JUPYTER_PATH`` beside the page
template, and a kernel started from it runs code without the debugger or the input
history; the analysts' notebooks keep ``python3``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

from tests.support.kernels import run_code
from workbook import config

NAME = "workbook-page"
PAGES = ("form.ipynb", "dashboard.ipynb", "index.ipynb")


def _kernel_name(notebook: str) -> str:
    nb = nbformat.read(config.ROOT / "notebooks" / notebook, as_version=4)
    return str(nb.metadata["kernelspec"]["name"])


def test_the_pages_name_the_page_kernel_and_the_analysts_notebooks_do_not() -> None:
    assert {_kernel_name(page) for page in PAGES} == {NAME}
    others = sorted(p.name for p in (config.ROOT / "notebooks").glob("*.ipynb"))
    assert {_kernel_name(name) for name in others if name not in PAGES} == {"python3"}


def test_voila_finds_the_kernelspec_where_it_finds_the_page_template() -> None:
    env = config.voila_environment({})
    specs = KernelSpecManager(kernel_dirs=[str(Path(env["JUPYTER_PATH"]) / "kernels")])
    spec = specs.get_kernel_spec(NAME)
    assert spec.argv[:3] == ["python", "-m", "widgets.kernel"]  # the server's own Python
    assert "{connection_file}" in spec.argv
    assert spec.metadata["debugger"] is False  # JupyterLab must not offer to debug it


@pytest.fixture(scope="module")
def page_kernel() -> Iterator[KernelManager]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", config.voila_environment(os.environ)["JUPYTER_PATH"])
        manager = KernelManager(kernel_name=NAME)
        manager.start_kernel(cwd=str(config.ROOT / "notebooks"))
    try:
        yield manager
    finally:
        manager.shutdown_kernel(now=True)


def test_a_page_kernel_runs_without_the_debugger_or_input_history(
    page_kernel: KernelManager,
) -> None:
    code = (
        "import json, sys\n"
        "print(json.dumps({'debugpy': 'debugpy' in sys.modules and sys.modules['debugpy'] "
        "is not None, 'history': get_ipython().history_manager.enabled, "
        "'debugger': hasattr(get_ipython().kernel, 'debugger'), 'sum': 20 + 22}))"
    )
    seen = json.loads(run_code(page_kernel, code))
    assert seen == {"debugpy": False, "history": False, "debugger": False, "sum": 42}


def test_the_form_page_imports_in_the_page_kernel(page_kernel: KernelManager) -> None:
    # what a preheated form kernel runs before its request (notebooks/form.ipynb)
    out = run_code(page_kernel, "from widgets import app\nprint(app.preload('form'))")
    assert out.strip() == "None"


@pytest.mark.parametrize(
    "setup",
    [
        "from widgets import kernel; kernel.print_stacks_on_signal()",
        "from widgets.server import KernelManager; KernelManager()",
    ],
    ids=["page kernel", "server"],
)
def test_kill_usr1_prints_every_threads_stack_and_the_process_goes_on(setup: str) -> None:
    """How a stuck page is diagnosed (tests/support/servers.dump_stacks does it when a
    browser test fails): without the handler, SIGUSR1 would end the process."""
    import subprocess
    import sys

    code = f"{setup}\nimport os, signal\nos.kill(os.getpid(), signal.SIGUSR1)\nprint('alive')"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=config.ROOT, timeout=60
    )
    assert out.stdout.strip() == "alive"
    assert "Current thread" in out.stderr
    assert 'File "<string>"' in out.stderr  # where it was
