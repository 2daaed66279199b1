"""Personal links to try the demo with, one per role (issues #7 and #18).

``workbook serve --demo`` prints them; in demo mode (``WORKBOOK_DEMO``, which Binder's
start script switches on) the landing page offers them to whoever opens it, since
nobody there can issue a link. They are for the demo partnership only (Demo Borough,
not its neighbour), on its latest cycle, and expire in a few hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from workbook import config
from workbook.access import Role, link_urls
from workbook.errors import TemplateError
from workbook.schema import loader
from workbook.store import Store

DEMO_LINK_HOURS = 8


@dataclass(frozen=True)
class DemoLink:
    """One issued link: for whom, what it reaches in words, and the pages it opens."""

    name: str
    reach: str
    urls: dict[str, str]


def demo_partnership_id() -> str | None:
    """The id the configured demo partnership file gives (None if it cannot be read)."""
    try:
        return loader.load_partnership(Path(config.setting("demo_partnership"))).id
    except (TemplateError, OSError):
        return None


def is_demo(store: Store) -> bool:
    """Whether the store holds the demo partnership."""
    wanted = demo_partnership_id()
    return wanted is not None and wanted in {pid for pid, _ in store.partnerships()}


def issue(
    store: Store,
    base_url: str,
    *,
    administrator: bool = False,
    roles: tuple[Role, ...] = (Role.CHAIR, Role.MEMBER),
    hours: int = DEMO_LINK_HOURS,
) -> list[DemoLink]:
    """Issue links to the demo partnership's latest cycle, one per role (and, if asked, an
    administrator's), through ``store``, which must act for an administrator.
    """
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)
    wanted: list[tuple[str, Role, str | None, tuple[str, ...]]] = []
    if administrator:
        wanted.append(("Administrator", Role.ADMIN, None, ()))
    partnership = demo_partnership_id()
    cycles = [c for c in store.cycles(partnership) if c.agencies] if partnership else []
    if cycles and is_demo(store):
        cycle = cycles[-1]  # the latest: the one a newcomer should see first
        names = {Role.CHAIR: "Demo chair", Role.ANALYST: "Demo analyst"}
        for role in roles:
            if role == Role.MEMBER:
                member = cycle.agencies[:1]
                wanted.append((f"Demo member ({member[0]})", role, cycle.id, member))
            else:
                wanted.append((names.get(role, f"Demo {role.label}"), role, cycle.id, ()))
    found = []
    for name, role, cycle_id, agencies in wanted:
        link, token = store.issue_link(
            name, role, cycle_id=cycle_id, agencies=agencies, expires_at=expires
        )
        urls = link_urls(base_url, token, role, cycle_id=cycle_id, agencies=agencies)
        found.append(DemoLink(name, link.identity().describe(), urls))
    return found
