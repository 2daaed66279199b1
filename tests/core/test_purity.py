"""The core package never imports ipywidgets or IPython (house style rule 2).

Each module is imported in a fresh interpreter, so one module cannot hide another's
imports. A spy on ``sys.meta_path`` records which module first asked for a UI package,
so a failure names the culprit, not only the module under test. The interpreters run
in parallel to keep this fast.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import workbook

ROOT = Path(__file__).resolve().parents[2]
UI_PACKAGES = ("ipywidgets", "IPython")

PROBE = """
import importlib, json, sys
BAD = {bad!r}
culprits = {{}}

class Spy:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in BAD and top not in culprits:
            frame = sys._getframe(1)
            while frame is not None and frame.f_globals.get("__name__", "").startswith(
                ("importlib", "__main__")
            ):
                frame = frame.f_back
            culprits[top] = frame.f_globals.get("__name__", "?") if frame else "?"
        return None

sys.meta_path.insert(0, Spy())
importlib.import_module({module!r})
print(json.dumps({{b: culprits.get(b, "?") for b in BAD if b in sys.modules}}))
"""

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(workbook.__path__, prefix="workbook.")
)


def _start(module: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", PROBE.format(bad=UI_PACKAGES, module=module)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str], module: str) -> dict[str, str]:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, f"importing {module} failed:\n{err}"
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def imported() -> dict[str, dict[str, str]]:
    """UI packages each core module pulls in, with the module that imported each."""
    procs = {module: _start(module) for module in ["workbook", *MODULES]}
    return {module: _finish(proc, module) for module, proc in procs.items()}


def test_every_core_module_is_discovered() -> None:
    expected = {
        "workbook.cli",
        "workbook.schema.framework",
        "workbook.store",
        "workbook.schema.loader",
    }
    assert expected <= set(MODULES)


@pytest.mark.parametrize("module", ["workbook", *MODULES])
def test_module_imports_no_ui_packages(module: str, imported: dict[str, dict[str, str]]) -> None:
    pulled = imported[module]
    assert not pulled, f"importing {module} imports " + ", ".join(
        f"{package} (via {via})" for package, via in pulled.items()
    )


def test_the_probe_names_the_module_that_imports_a_ui_package() -> None:
    # ipywidgets imports IPython itself, so the spy must blame ipywidgets, not the probe
    found = _finish(_start("ipywidgets"), "ipywidgets")
    assert set(found) == set(UI_PACKAGES)
    assert found["IPython"].startswith("ipywidgets")
