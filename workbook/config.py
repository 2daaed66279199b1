"""Where the workbook finds its store and templates: one place, one precedence.

An explicit value (``--db``) beats the environment (``WORKBOOK_DB``), which beats the
packaged default. Paths are relative to the project root, not the working directory,
so notebooks run from ``notebooks/`` find the same store as the CLI.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The project checkout (holds templates/, data/, notebooks/)."""

DEFAULTS: dict[str, str] = {
    # SQLAlchemy URL of the store; SQLite file in data/ unless told otherwise.
    "db": f"sqlite:///{ROOT / 'data' / 'workbook.db'}",
    # Folder of framework templates (*.yaml).
    "templates": str(ROOT / "templates" / "frameworks"),
    # Partnership file used by `workbook demo`.
    "demo_partnership": str(ROOT / "data" / "demo" / "partnership.yaml"),
    # The neighbouring partnership `workbook demo` adds after it, sharing three of its
    # agencies: a cycle of each framework shipped in 2026 (issue #17).
    "demo_neighbour": str(ROOT / "data" / "demo-neighbour" / "partnership.yaml"),
    # Evidence files loaded by `workbook demo`: CYCLE-ID-*.csv or .xlsx (issue #14).
    "demo_evidence": str(ROOT / "data" / "demo" / "evidence"),
    # The browser `workbook report --pdf` prints with (issue #16): Debian's package.
    "chromium": "/usr/bin/chromium",
}

ENVIRONMENT = {
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
    return DEFAULTS[name]


def db_url(explicit: str | None = None) -> str:
    """The store's SQLAlchemy URL."""
    return setting("db", explicit)


def templates_dir(explicit: str | None = None) -> Path:
    """The folder of framework templates."""
    return Path(setting("templates", explicit))


def chromium(explicit: str | None = None) -> Path:
    """The Chromium executable that prints PDFs."""
    return Path(setting("chromium", explicit))
