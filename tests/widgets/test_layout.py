"""The widget layer's shape (issue #13): small modules, no import cycles, packaged templates."""

from __future__ import annotations

import ast
from pathlib import Path

from workbook import config

WIDGETS = config.ROOT / "widgets"
LIMIT = 450
"""Hard maximum of lines per module (the aim is about 400)."""


def _name(path: Path) -> str:
    parts = path.relative_to(config.ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each widgets module's imports of other widgets modules, at any depth of the code
    (inside functions and under TYPE_CHECKING too: those count as cycles as well)."""
    modules = {_name(p): p for p in WIDGETS.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in modules else node.module)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def test_no_module_is_over_the_limit() -> None:
    sizes = {
        str(p.relative_to(config.ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for p in WIDGETS.rglob("*.py")
    }
    assert {path: n for path, n in sizes.items() if n > LIMIT} == {}


def test_there_are_no_import_cycles() -> None:
    graph = _imports()
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        assert name not in path, " -> ".join([*path, name])
        if name in done:
            return
        for dep in sorted(graph[name]):
            visit(dep, [*path, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


def test_modules_inside_a_package_never_import_it_through_its_init() -> None:
    graph = _imports()
    for name, deps in graph.items():
        package = name.rsplit(".", 1)[0]
        if package in ("widgets", name):  # top-level modules and the __init__ itself
            continue
        assert package not in deps, f"{name} imports {package} (its own __init__)"


def test_every_template_is_packaged_and_renders() -> None:
    """pyproject's package-data ("*.j2" for every package) takes widgets/templates along."""
    import tomllib

    from widgets import templating

    pyproject = tomllib.loads((config.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "*.j2" in pyproject["tool"]["setuptools"]["package-data"]["*"]
    assert "widgets.*" in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    names = sorted(p.name for p in (WIDGETS / "templates").glob("*.html.j2"))
    assert names == sorted(
        f"{a}.html.j2"
        for a in (
            "criterion",
            "dashboard",
            "form",
            "highlights",
            "history",
            "merge",
            "page",
            "tracked",
            "upload",
        )
    )
    assert templating.render("page", "refusal", "<b>", "'x' & \"y\"") == (
        '<div class="wb-refusal" role="alert" lang="en-GB"><h2>&lt;b&gt;</h2>'
        "<p>&#x27;x&#x27; &amp; &quot;y&quot;</p></div>"
    )
