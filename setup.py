"""Bundle the checkout's pages, frameworks and demo into the wheel (issue #18).

The top-level folders the project keeps (``notebooks/``, ``templates/``, ``data/``,
``parameters/``, ``share/``, ``voila.json``) are where analysts and authors work, so they
stay outside the package. A wheel built from the checkout carries a copy of them as
``workbook/bundled/``, and :mod:`workbook.config` uses that copy wherever the workbook is
installed without a checkout beside it. Store files and caches are never copied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLE = ("notebooks", "templates", "data", "parameters", "share", "voila.json")
NEVER = shutil.ignore_patterns(
    "*.db", "*.db-*", "*.sqlite*", "*.backup", "__pycache__", ".ipynb_checkpoints"
)


class BuildWithBundle(build_py):  # type: ignore[misc]
    """``build_py``, then the checkout's folders copied into ``workbook/bundled``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout itself
        target = Path(self.build_lib) / "workbook" / "bundled"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in BUNDLE:
            source = HERE / name
            if source.is_dir():
                shutil.copytree(source, target / name, ignore=NEVER)
            elif source.is_file():
                shutil.copy2(source, target / name)


setup(cmdclass={"build_py": BuildWithBundle})
