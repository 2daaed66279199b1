"""The dashboard's first view run once on a small synthetic store, before the request.

A preheated dashboard kernel has imported everything before anyone asks for the page,
yet its first overview still took about 0.25 s against 0.14 s for the next one: pandas,
Altair and the templates each do work on their first call (issue #19). :func:`warm`
pays for that while the kernel waits in its pool. It makes no widget (a pooled kernel has
no page to show one on) and never reads the configured store: it builds its own, in
memory, from :mod:`workbook.store.generate`, and closes it.
"""

from __future__ import annotations

import logging

from widgets.dashboard.model import DashboardModel
from widgets.dashboard.overview import completion_html, glance_html
from workbook.access import Identity
from workbook.store import Store, generate

SIZE = generate.Size(agencies=3, criteria=4, cycles=2)
"""Big enough for every part of the overview (several agencies, headings and cycles)."""


def warm() -> str:
    """Build the overview's HTML once on a synthetic store, and return it ("" if it failed).

    Only time is at stake, so a failure is logged and the page goes on: the visitor's
    overview is then merely the kernel's first.
    """
    try:
        # its own store, so its own administrator: a pooled kernel has no visitor yet
        with Store.open("sqlite://") as opened:
            store = opened.as_identity(Identity.local("warm-up"))
            generate.generate(store, SIZE)
            model = DashboardModel(store)
            return completion_html(model) + glance_html(model)
    except Exception:  # noqa: BLE001 - never the page's end, whatever went wrong
        logging.getLogger(__name__).warning("dashboard warm-up failed", exc_info=True)
        return ""
