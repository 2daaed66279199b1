"""Demo links (issues #7 and #18): for the demo partnership only, and in demo mode on the
landing page for a visitor who has none (Binder, where nobody could issue one)."""

from __future__ import annotations

import re
from html import unescape

from workbook import demo_links, overview
from workbook.access import ANONYMOUS, Role
from workbook.store import Store


def test_the_landing_page_offers_demo_links_in_demo_mode(demo_store: Store) -> None:
    visitor = demo_store.as_identity(ANONYMOUS)
    refused = overview.page(visitor, {})
    assert "wb-refusal" in refused  # not in demo mode: no link, no page
    shown = overview.page(visitor, {}, demo_mode=True)
    assert "Try the workbook" in shown
    names = re.findall(r"<strong>([^<]+)</strong>", shown)
    assert names[0] == "Demo chair"
    assert names[1].startswith("Demo member (")
    assert names[2] == "Demo analyst"
    hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', shown)]
    assert hrefs
    assert all(re.match(r"^(index|form|dashboard)\.ipynb\?", h) for h in hrefs), hrefs
    roles = set()
    for href in hrefs:
        token = re.search(r"token=([^&]+)", href).group(1)  # type: ignore[union-attr]
        identity = demo_store.identify(token).identity
        roles.add(identity.role)
        assert identity.partnership_id == "demo"  # the demo's, never its neighbour's
    assert roles == {Role.CHAIR, Role.MEMBER, Role.ANALYST}


def test_serve_links_are_for_the_demo_partnerships_latest_cycle(demo_store: Store) -> None:
    issued = demo_links.issue(demo_store, "http://127.0.0.1:8866", administrator=True)
    assert [link.name for link in issued][:2] == ["Administrator", "Demo chair"]
    latest = demo_store.cycles("demo")[-1].id
    assert f"cycle {latest}" in issued[1].reach
    assert all("demo-neighbour" not in link.reach for link in issued)


def test_a_store_without_the_demo_offers_no_links(store: Store) -> None:
    visitor = store.as_identity(ANONYMOUS)
    assert "wb-refusal" in overview.page(visitor, {}, demo_mode=True)
    assert [link.name for link in demo_links.issue(store, "", administrator=True)] == [
        "Administrator"
    ]
