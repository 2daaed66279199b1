"""The Voila template "workbook": selected by voila.json, installed where Voila finds it.

The template's source is share/jupyter/voila/templates/workbook/. Voila looks in
share/jupyter/voila/templates/ of each folder on ``JUPYTER_PATH`` before its own prefix,
and whatever starts Voila puts the workbook's ``share/jupyter`` there first (issue #18), so
no copy is made. These tests catch a template Voila would not find and a wheel that would
leave a file out; what it renders is tested against a running server in test_serve.py.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NAME = "workbook"
SOURCE = ROOT / "share" / "jupyter" / "voila" / "templates" / NAME


def _files(top: Path) -> dict[str, bytes]:
    return {p.relative_to(top).as_posix(): p.read_bytes() for p in top.rglob("*") if p.is_file()}


def test_voila_json_selects_the_template_and_forbids_overriding_it() -> None:
    config = json.loads((ROOT / "voila.json").read_text(encoding="utf-8"))["VoilaConfiguration"]
    assert config["template"] == NAME
    # Otherwise ?template=lab would bring back Voila's own template and its CDN links.
    assert config["allow_template_override"] == "NO"


def test_template_extends_voilas_lab_template() -> None:
    conf = json.loads((SOURCE / "conf.json").read_text(encoding="utf-8"))
    assert conf["base_template"] == "lab"
    assert (SOURCE / "index.html.j2").is_file()


def test_voila_finds_the_template_where_the_workbook_hands_it_with_no_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``workbook serve``, the tests, the benchmarks and the hub start Voila with
    ``config.voila_environment``: the source folder itself wins over anything installed."""
    from voila.paths import collect_template_paths

    from workbook import config

    monkeypatch.setattr(os, "environ", config.voila_environment({"PATH": os.environ["PATH"]}))
    found = Path(collect_template_paths(["voila", "nbconvert"], NAME, prune=True)[0])
    assert found == SOURCE


def test_every_template_file_is_listed_as_a_data_file() -> None:
    """A wheel (non-editable install) carries exactly what [tool.setuptools.data-files] lists."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data_files = pyproject["tool"]["setuptools"]["data-files"]
    listed: set[str] = set()
    for target, patterns in data_files.items():
        for pattern in patterns:
            for path in ROOT.glob(pattern):
                assert path.is_file(), f"data-files pattern {pattern!r} matches directory {path}"
                assert path.parent.relative_to(ROOT).as_posix() == target, (
                    f"{path.relative_to(ROOT)} would be installed into {target}"
                )
                listed.add(path.relative_to(ROOT).as_posix())
    kernel = ROOT / "share" / "jupyter" / "kernels"  # the pages' kernelspec (issue #19)
    sources = {
        p.relative_to(ROOT).as_posix()
        for d in (SOURCE, kernel)
        for p in d.rglob("*")
        if p.is_file()
    }
    assert sources - listed == set(), "add these to [tool.setuptools.data-files]"
