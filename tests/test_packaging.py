"""The install story stays consistent: pins agree across files, the README documents it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent


def _normalise(name: str) -> str:
    """PEP 503 name normalisation: case and runs of ``-``, ``_``, ``.`` are equivalent."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(specs: list[str], source: str) -> dict[str, tuple[str, frozenset[str]]]:
    """Map normalised name -> (exact version, extras); every spec must be ``name==X``."""
    pins: dict[str, tuple[str, frozenset[str]]] = {}
    for spec in specs:
        req = Requirement(spec)
        specifiers = list(req.specifier)
        exact = len(specifiers) == 1 and specifiers[0].operator == "=="
        assert exact, f"{source}: {spec!r} must be pinned exactly with '=='"
        name = _normalise(req.name)
        assert name not in pins, f"{source}: {req.name} is listed twice"
        pins[name] = (specifiers[0].version, frozenset(req.extras))
    return pins


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _pyproject_pins(*, extras: bool = True) -> dict[str, tuple[str, frozenset[str]]]:
    project = _pyproject()["project"]
    optional = project["optional-dependencies"] if extras else {}
    specs = [*project["dependencies"], *(s for name in sorted(optional) for s in optional[name])]
    return _pins(specs, "pyproject.toml")


def _environment() -> dict:
    return YAML(typ="safe").load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def _environment_pip_section() -> list[str]:
    sections = [d["pip"] for d in _environment()["dependencies"] if isinstance(d, dict)]
    assert len(sections) == 1, "environment.yml: expected exactly one 'pip:' section"
    return [str(item) for item in sections[0]]


def test_pyproject_and_environment_pin_the_same_packages() -> None:
    """environment.yml is the runtime alone (issue #18): no test, hub, PDF or analysis tool."""
    pyproject = _pyproject_pins(extras=False)
    pip_specs = [s for s in _environment_pip_section() if not s.startswith("-")]
    environment = _pins(pip_specs, "environment.yml")

    problems = []
    for name in sorted(pyproject.keys() | environment.keys()):
        if name not in environment:
            problems.append(f"{name}: in pyproject.toml but not in environment.yml")
        elif name not in pyproject:
            problems.append(f"{name}: in environment.yml but not in pyproject.toml")
        elif pyproject[name] != environment[name]:
            (pv, pe), (ev, ee) = pyproject[name], environment[name]
            problems.append(
                f"{name}: pyproject.toml has =={pv} extras {sorted(pe)}, "
                f"environment.yml has =={ev} extras {sorted(ee)}"
            )
    assert not problems, "pins differ:\n" + "\n".join(problems)


def test_environment_installs_python_311_pip_and_the_project() -> None:
    conda = [d for d in _environment()["dependencies"] if isinstance(d, str)]
    assert "python=3.11" in conda
    assert "pip" in conda
    assert "-e ." in _environment_pip_section()
    assert _environment()["name"] == "safeguarding-workbook"


def test_pyproject_metadata() -> None:
    project = _pyproject()["project"]
    assert project["name"] == "safeguarding-workbook"
    assert project["requires-python"] == ">=3.11"
    assert project["scripts"] == {"workbook": "workbook.cli:main"}


def test_readme_documents_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make serve" in readme
    assert "make test" in readme


def _runtime_names() -> set[str]:
    return {_normalise(Requirement(s).name) for s in _pyproject()["project"]["dependencies"]}


def test_openpyxl_reads_uploads_through_defusedxml() -> None:
    # uploaded return files are untrusted XML; openpyxl only defuses it when defusedxml is
    # importable, so it is declared rather than left to arrive with nbconvert (issue #18)
    import openpyxl.xml

    assert "defusedxml" in _runtime_names()
    assert openpyxl.xml.DEFUSEDXML is True


def test_test_tools_are_not_runtime_dependencies() -> None:
    # a deployment installs the runtime dependencies only; nbval would bring pytest with it
    test_extra = {
        _normalise(Requirement(s).name)
        for s in _pyproject()["project"]["optional-dependencies"]["test"]
    }
    assert {"nbval", "pytest"} <= test_extra
    assert not (_runtime_names() & test_extra)


def test_the_licence_is_declared_and_shipped() -> None:
    project = _pyproject()["project"]
    assert project["license"] == "MIT"  # PEP 639: an SPDX expression
    assert project["license-files"] == ["LICENSE"]
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    assert "The Safeguarding Self-Assessment Workbook contributors" in licence
    (backend,) = (Requirement(r) for r in _pyproject()["build-system"]["requires"])
    (pin,) = backend.specifier
    assert backend.name == "setuptools"
    assert int(pin.version.split(".")[0]) >= 77, "PEP 639's license fields need setuptools 77+"


def _locked(path: Path) -> dict[str, str]:
    """A lock file's exact versions, by package, each entry checked to carry its hashes."""
    text = path.read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 4)[-1].strip())
    locked: dict[str, str] = {}
    for entry in entries:
        requirement = Requirement(entry.split("\\")[0].strip())
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", entry
        assert "--hash=sha256:" in entry, f"{path.name}: {requirement.name} has no hash"
        locked[_normalise(requirement.name)] = specifier.version
    return locked


def test_the_lock_file_pins_every_pin_with_hashes() -> None:
    """requirements.lock (issue #18): what `make venv` installs, with --require-hashes."""
    locked = _locked(ROOT / "requirements.lock")
    problems = [
        f"{name}: pyproject.toml =={version}, requirements.lock {locked.get(name)}"
        for name, (version, _extras) in _pyproject_pins().items()
        if locked.get(name) != version
    ]
    assert not problems, "\n".join(problems)
    assert "psycopg-binary" in locked  # an extra's packages are locked too


def test_the_image_lock_is_the_runtime_and_the_hub_at_the_same_versions() -> None:
    """deploy/z2jh/requirements.lock: what the user servers' image installs, a subset of
    requirements.lock (the versions the tests ran), without the test or analysis tools."""
    image = _locked(ROOT / "deploy" / "z2jh" / "requirements.lock")
    everything = _locked(ROOT / "requirements.lock")
    project = _pyproject()["project"]
    wanted = _pins([*project["dependencies"], *project["optional-dependencies"]["hub"]], "hub")
    assert {n: image.get(n) for n in wanted} == {n: v for n, (v, _) in wanted.items()}
    assert {n: v for n, v in image.items() if everything.get(n) != v} == {}
    assert not {"pytest", "nbval", "playwright", "jupyterlab"} & image.keys()


def test_make_venv_installs_the_lock_with_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install --require-hashes -r requirements.lock" in makefile
    assert "pip install --no-deps -e" in makefile
