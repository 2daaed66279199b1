"""The core package never imports ipywidgets or IPython (house style rule 2).

Each module is imported in a process of its own, so one module cannot hide another's
imports. A spy on ``sys.meta_path`` records which module first asked for a UI package,
so a failure names the culprit, not only the module under test.

To keep this fast on two cores (it took two minutes on a loaded machine), one fresh
interpreter first imports the heavy third-party packages and then every module under
test, and forks a child per module. Whatever pulls in a UI package while being
preloaded is unloaded again, with everything it brought, so its child imports it anew
and the spy sees it; whatever stays loaded provably pulls in none, so a child finds the
same UI imports as a fresh interpreter would.
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
import importlib, json, os, sys
BAD = {bad!r}
PRELOAD = {preload!r}
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

def pulled():
    return {{b: culprits.get(b, "?") for b in BAD if b in sys.modules}}

for name in [*PRELOAD, *{modules!r}]:
    before = set(sys.modules)
    try:
        importlib.import_module(name)
        clean = not pulled()
    except BaseException:
        clean = False  # its child imports it again and reports the error
    if not clean:  # unload it and what it brought, so each child imports it anew
        for added in set(sys.modules) - before:
            del sys.modules[added]
            parent, _, child = added.rpartition(".")
            if parent in sys.modules:  # else "from parent import child" finds it still
                sys.modules[parent].__dict__.pop(child, None)
        culprits.clear()

sys.meta_path.insert(0, Spy())
results = {{}}
for module in {modules!r}:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(module)
            found = {{"pulled": pulled()}}
        except BaseException as exc:
            found = {{"error": f"{{type(exc).__name__}}: {{exc}}"}}
        os.write(write, json.dumps(found).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        results[module] = json.loads(pipe.read() or b'{{"error": "the child died"}}')
    os.waitpid(pid, 0)
print(json.dumps(results))
"""
# Imported once before forking, then the modules under test; a package that pulls in a UI
# package is unloaded again by the probe, so listing one here cannot hide anything.
PRELOAD = ("pandas", "altair", "sqlalchemy", "pydantic", "ruamel.yaml", "openpyxl", "jinja2")

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(workbook.__path__, prefix="workbook.")
)


def _probe(modules: list[str]) -> dict[str, dict[str, str]]:
    """UI packages each module pulls in, by module, each with the module that imported it."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE.format(bad=UI_PACKAGES, preload=PRELOAD, modules=modules),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,  # on a loaded machine (the full suite on two workers) it takes minutes
        check=False,
    )
    assert done.returncode == 0, f"the import probe failed:\n{done.stderr}"
    results = json.loads(done.stdout.strip().splitlines()[-1])
    failed = {module: found["error"] for module, found in results.items() if "error" in found}
    assert not failed, f"importing failed: {failed}"
    return {module: found["pulled"] for module, found in results.items()}


@pytest.fixture(scope="module")
def imported() -> dict[str, dict[str, str]]:
    """UI packages each core module pulls in, with the module that imported each."""
    return _probe(["workbook", *MODULES])


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
    found = _probe(["ipywidgets"])["ipywidgets"]
    assert set(found) == set(UI_PACKAGES)
    assert found["IPython"].startswith("ipywidgets")
