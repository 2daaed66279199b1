"""The landing page: what is in the store and where to go next, as plain HTML.

Kept in the core (no IPython): the notebook wraps the string in ``HTML(...)``.
All text from the store is escaped by Jinja's autoescape.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from workbook import config
from workbook.responses import Status
from workbook.store import Store

_ENV = Environment(
    loader=PackageLoader("workbook", "html"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def notebook_title(path: Path) -> str:
    """First Markdown heading of a notebook, else its file name."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return path.stem
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        for line in "".join(cell.get("source", "")).splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
    return path.stem.replace("_", " ")


def apps(notebooks_dir: Path, exclude: str = "index.ipynb") -> list[dict[str, str]]:
    """Notebooks a user can open, with their titles, in file-name order."""
    return [
        {"href": path.name, "title": notebook_title(path)}
        for path in sorted(notebooks_dir.glob("*.ipynb"))
        if path.name != exclude
    ]


def context(store: Store, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the landing page shows, as plain data."""
    today = today or dt.date.today()
    partnerships = []
    for partnership_id, name in store.partnerships():
        agencies = {a.id: a for a in store.agencies(partnership_id)}
        cycles = []
        for cycle in reversed(store.cycles(partnership_id)):
            statuses = store.statuses(cycle.id)
            counts = Counter(statuses.values())
            due = cycle.timetable.returns_due
            cycles.append(
                {
                    "id": cycle.id,
                    "title": cycle.title,
                    "framework": store.framework(cycle.framework_id, cycle.framework_version).title,
                    "version": cycle.framework_version,
                    "due": due,
                    "overdue": [
                        agencies[a].name if a in agencies else a
                        for a, s in statuses.items()
                        if s in (Status.NOT_STARTED, Status.DRAFT, Status.REOPENED) and due < today
                    ],
                    "counts": [(s.label, counts.get(s, 0)) for s in Status],
                    "invited": len(statuses),
                }
            )
        partnerships.append(
            {"id": partnership_id, "name": name, "agencies": len(agencies), "cycles": cycles}
        )
    return {"store": store.url, "partnerships": partnerships, "today": today}


def render(store: Store, notebooks_dir: Path | None = None, today: dt.date | None = None) -> str:
    """The landing page as an HTML fragment."""
    folder = notebooks_dir or config.ROOT / "notebooks"
    return _ENV.get_template("overview.html.j2").render(**context(store, today), apps=apps(folder))
