"""Where the workbook finds its store and templates: one place, one precedence.

An explicit value (``--db``) beats the environment (``WORKBOOK_DB``), which beats the
packaged default. Paths are relative to the project root, not the working directory,
so notebooks run from ``notebooks/`` find the same store as the CLI. The store's default
home is ``data/`` in a checkout and the user's data folder for an installed wheel
(``WORKBOOK_HOME`` overrides both, issue #18).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent
"""Where a git checkout would be: the folder holding the package."""

IN_CHECKOUT = (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "notebooks").is_dir()
"""Run from a checkout (or an editable install of one), not an installed wheel."""

ROOT = CHECKOUT if IN_CHECKOUT else PACKAGE / "bundled"
"""Where the pages, frameworks and demo are: the checkout, or the copy a wheel carries
(``workbook/bundled``, made by setup.py's build step). Both hold templates/, data/,
notebooks/, parameters/, share/ and voila.json."""


def _default_home() -> str:
    """``data/`` in a checkout; otherwise the user's data folder, never site-packages."""
    if IN_CHECKOUT:
        return str(CHECKOUT / "data")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "workbook")


DEFAULTS: dict[str, str] = {
    # Where the store lives when no --db or WORKBOOK_DB says otherwise (issue #18).
    "home": _default_home(),
    # SQLAlchemy URL of the store; SQLite file in the home folder unless told otherwise.
    "db": "",
    # Folder of framework templates (*.yaml).
    "templates": str(ROOT / "templates" / "frameworks"),
    # Partnership file used by `workbook demo`.
    "demo_partnership": str(ROOT / "data" / "demo" / "partnership.yaml"),
    # The neighbouring partnership `workbook demo` adds after it, sharing three of its
    # agencies: a cycle of each framework shipped in 2026 (issue #17).
    "demo_neighbour": str(ROOT / "data" / "demo-neighbour" / "partnership.yaml"),
    # Evidence files loaded by `workbook demo`: CYCLE-ID-*.csv or .xlsx (issue #14).
    "demo_evidence": str(ROOT / "data" / "demo" / "evidence"),
    # Demo mode (issue #18): pages say so, and the landing page hands out demo links to
    # whoever opens it, over the demo partnership only. For Binder and trying it out.
    "demo_mode": "",
    # The browser `workbook report --pdf` prints with (issue #16): Debian's package.
    "chromium": "/usr/bin/chromium",
}

ENVIRONMENT = {
    "demo_mode": "WORKBOOK_DEMO",
    "home": "WORKBOOK_HOME",
    "db": "WORKBOOK_DB",
    "templates": "WORKBOOK_TEMPLATES",
    "chromium": "WORKBOOK_CHROMIUM",
}


def setting(
    name: str, explicit: str | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """Resolve one setting: explicit value, else its environment variable, else the default.

    >>> setting("db", environ={"WORKBOOK_DB": "sqlite:///env.db"})
    'sqlite:///env.db'
    >>> setting("db", "sqlite:///cli.db", environ={"WORKBOOK_DB": "sqlite:///env.db"})
    'sqlite:///cli.db'
    >>> setting("db", environ={}).endswith("data/workbook.db")
    True
    """
    if explicit:
        return explicit
    env = os.environ if environ is None else environ
    variable = ENVIRONMENT.get(name)
    if variable and env.get(variable):
        return env[variable]
    if name == "db":  # the home folder's store, wherever WORKBOOK_HOME puts it
        return f"sqlite:///{Path(setting('home', environ=env)) / 'workbook.db'}"
    return DEFAULTS[name]


def db_url(explicit: str | None = None) -> str:
    """The store's SQLAlchemy URL."""
    return setting("db", explicit)


def templates_dir(explicit: str | None = None) -> Path:
    """The folder of framework templates."""
    return Path(setting("templates", explicit))


def demo_mode(environ: Mapping[str, str] | None = None) -> bool:
    """Whether demo mode is on (``WORKBOOK_DEMO`` set to 1, true or yes).

    >>> demo_mode({"WORKBOOK_DEMO": "1"}), demo_mode({})
    (True, False)
    """
    return setting("demo_mode", environ=environ).strip().lower() in {"1", "true", "yes", "on"}


def jupyter_data() -> Path:
    """The folder to put on ``JUPYTER_PATH`` so Voila finds the ``workbook`` page template.

    No copy into the environment is needed: ``workbook serve`` (and the hub's spawner)
    hand Voila this folder, in a checkout, a wheel install, conda or Binder alike.
    """
    return ROOT / "share" / "jupyter"


def voila_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` with :func:`jupyter_data` first on ``JUPYTER_PATH``, for starting Voila.

    >>> voila_environment({"JUPYTER_PATH": "/x"})["JUPYTER_PATH"] == f"{jupyter_data()}:/x"
    True
    """
    found = [str(jupyter_data()), environ.get("JUPYTER_PATH", "")]
    return {**environ, "JUPYTER_PATH": os.pathsep.join(p for p in found if p)}


def chromium(explicit: str | None = None) -> Path:
    """The Chromium executable that prints PDFs."""
    return Path(setting("chromium", explicit))
