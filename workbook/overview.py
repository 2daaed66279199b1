"""The landing page: what is in the store and where to go next, as plain HTML.

Kept in the core (no IPython): the notebook wraps the string in ``HTML(...)``.
All text from the store is escaped by Jinja's autoescape. What it lists depends on who
asks (:mod:`workbook.access`): an agency member sees their own returns, the chair and
analysts every return and the dashboard, and someone without a valid link only why not.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape

from workbook import config
from workbook.access import Role
from workbook.errors import AccessDenied
from workbook.schema.responses import Status

if TYPE_CHECKING:
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


def parameterised(path: Path) -> bool:
    """Notebooks with a papermill ``parameters`` cell are analysts' reports, not pages."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return False
    return any("parameters" in c.get("metadata", {}).get("tags", []) for c in cells)


def apps(
    notebooks_dir: Path, exclude: str = "index.ipynb", token: str | None = None
) -> list[dict[str, str]]:
    """Pages a user can open (not the parameterised reports), with titles, by file name."""
    suffix = f"?{urlencode({'token': token})}" if token else ""
    return [
        {"href": path.name + suffix, "title": notebook_title(path)}
        for path in sorted(notebooks_dir.glob("*.ipynb"))
        if path.name != exclude and not parameterised(path)
    ]


def href(page: str, token: str | None, **query: str) -> str:
    """A link to another page that carries the visitor's token along."""
    if token:
        query["token"] = token
    return f"{page}?{urlencode(query)}" if query else page


def context(store: Store, today: dt.date | None = None, token: str | None = None) -> dict[str, Any]:
    """Everything the landing page shows to the store's identity, as plain data."""
    today = today or dt.date.today()
    who = store.identity
    partnerships = []
    for partnership_id, name in store.partnerships():
        if who.partnership_id not in (None, partnership_id):
            continue
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
                    "returns": [
                        {
                            "name": agencies[a].name if a in agencies else a,
                            "status": s.label,
                            "href": href("form.ipynb", token, cycle=cycle.id, agency=a),
                        }
                        for a, s in sorted(
                            statuses.items(),
                            key=lambda i: agencies[i[0]].name.lower() if i[0] in agencies else i[0],
                        )
                        if who.role != Role.MEMBER or who.owns(a)
                    ],
                    "dashboard": (
                        href("dashboard.ipynb", token, cycle=cycle.id)
                        if store.may_compare(cycle.id)
                        else ""
                    ),
                }
            )
        partnerships.append(
            {"id": partnership_id, "name": name, "agencies": len(agencies), "cycles": cycles}
        )
    return {
        "store": store.url if who.administers else "",
        "who": "" if who.trusted_local else f"{who.name} ({who.describe()})",
        "signed_in": who.signed_in,
        "partnerships": partnerships,
        "today": today,
    }


def render(
    store: Store,
    notebooks_dir: Path | None = None,
    today: dt.date | None = None,
    token: str | None = None,
) -> str:
    """The landing page as an HTML fragment, for the store's identity."""
    folder = notebooks_dir or config.ROOT / "notebooks"
    return _ENV.get_template("overview.html.j2").render(
        **context(store, today, token), apps=apps(folder, token=token)
    )


def page(
    store: Store,
    query: Mapping[str, str],
    notebooks_dir: Path | None = None,
    today: dt.date | None = None,
    *,
    demo_mode: bool = False,
) -> str:
    """The landing page for whoever opened it: the token in ``query`` says who.

    In demo mode, over the demo partnership, someone with no link is offered one per
    role instead of a refusal: nobody on Binder could issue them one (issue #18).
    """
    token = query.get("token")
    if demo_mode and not token:
        offered = demo_page(store)
        if offered:
            return offered
    try:
        store = store.for_visitor(token)
    except AccessDenied as exc:
        return _ENV.get_template("refusal.html.j2").render(message=str(exc))
    return render(store, notebooks_dir, today, token=token)


def demo_page(store: Store) -> str | None:
    """Demo links for a visitor with none (None unless the store is the demo's).

    The links are made relative to the landing page (``form.ipynb?...``), so they work
    under whatever prefix the server sits behind (Binder's ``/user/NAME/``).
    """
    from workbook import demo_links
    from workbook.access import Identity

    issuer = store.as_identity(Identity.local("demo mode"))
    if not demo_links.is_demo(issuer):
        return None
    roles = (Role.CHAIR, Role.MEMBER, Role.ANALYST)
    issued = demo_links.issue(issuer, "", roles=roles)
    relative = [
        demo_links.DemoLink(
            link.name,
            link.reach,
            {k: url.split("/voila/render/", 1)[1] for k, url in link.urls.items()},
        )
        for link in issued
    ]
    return _ENV.get_template("demo.html.j2").render(
        links=relative, hours=demo_links.DEMO_LINK_HOURS
    )
