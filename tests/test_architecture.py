"""The module map holds (issue #13): layers, no import cycles, small modules, few top-level ones.

``lint-imports`` checks the layers and forbidden imports of ``[tool.importlinter]`` in
pyproject.toml (``make lint`` runs it too); the rest are checked here on grimp's import
graph, which counts imports inside functions and under ``TYPE_CHECKING`` as well, since
either can close a cycle once the code that holds it runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("workbook", "widgets")
MAX_LINES = 450
"""A module's hard maximum; the house style aims for 150-400."""
MAX_TOP_LEVEL = 15
"""Modules directly in workbook/: more and the folder stops showing the rooms."""


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the pyproject.toml in ``root``, over the packages in ``root``."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--no-logo"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that import each other, directly or not (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a long import chain cannot hit the recursion limit.
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append(
                        (target, iter(sorted(graph.find_modules_directly_imported_by(target))))
                    )
                    break
                if target in on_stack:
                    low[module] = min(low[module], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == module:
                            break
                    groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return [group for group in groups if len(group) > 1]


def _cycle_text(graph: grimp.ImportGraph, group: list[str]) -> str:
    """One group of the cycle, with the import lines that close it."""
    members = set(group)
    lines = [" <-> ".join(group)]
    for importer in group:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            details = graph.get_import_details(importer=importer, imported=imported)
            where = ", ".join(f"line {d['line_number']}" for d in details)
            lines.append(f"    {importer} -> {imported} ({where})")
    return "\n".join(lines)


def test_lint_imports_keeps_every_contract() -> None:
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_a_core_module_importing_widgets_breaks_the_contract(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    errors = tmp_path / "workbook" / "errors" / "__init__.py"
    errors.write_text(errors.read_text("utf-8") + "\nimport widgets  # noqa\n", "utf-8")
    done = _lint_imports(tmp_path)
    assert done.returncode != 0, done.stdout
    assert "The core imports no UI (house style rule 2) BROKEN" in done.stdout
    assert "workbook.errors -> widgets" in done.stdout


def _graph(*packages: str) -> grimp.ImportGraph:
    # Function-level and TYPE_CHECKING imports count: grimp reads them unless told not to.
    return grimp.build_graph(*packages, cache_dir=None, exclude_type_checking_imports=False)


def test_the_cycle_check_sees_imports_in_functions_and_under_type_checking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "cycles"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("import cycles.b\n")
    (package / "b.py").write_text("def late():\n    import cycles.a\n")
    (package / "c.py").write_text("import cycles.d\n")
    (package / "d.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import cycles.c\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    cycles = _strongly_connected(_graph("cycles"))
    assert cycles == [["cycles.a", "cycles.b"], ["cycles.c", "cycles.d"]]


def test_no_import_cycles() -> None:
    graph = _graph(*PACKAGES)
    cycles = _strongly_connected(graph)
    assert not cycles, "modules that import each other:\n" + "\n".join(
        _cycle_text(graph, group) for group in cycles
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_over_450_lines(package: str) -> None:
    sizes = {
        path.relative_to(ROOT).as_posix(): len(path.read_text("utf-8").splitlines())
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    over = {name: lines for name, lines in sizes.items() if lines > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines: {over}"


def test_at_most_15_modules_directly_in_workbook() -> None:
    modules = sorted(p.name for p in (ROOT / "workbook").glob("*.py") if p.name != "__init__.py")
    assert len(modules) <= MAX_TOP_LEVEL, modules
