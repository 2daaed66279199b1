"""The store: frameworks, partnerships, cycles and append-only return revisions.

Callers use :class:`Store` (a facade acting for one identity) and the types it returns;
``moderation``, ``backup``, ``generate`` and ``provision`` are imported as modules.
"""

from workbook.store.catalog import CycleInfo
from workbook.store.engine import SQLITE_TIMEOUT, Database, normalise_url
from workbook.store.facade import Store
from workbook.store.hub_users import HubUser, HubUsers
from workbook.store.revisions import ReturnState, RevisionInfo

__all__ = [
    "SQLITE_TIMEOUT",
    "CycleInfo",
    "Database",
    "HubUser",
    "HubUsers",
    "ReturnState",
    "RevisionInfo",
    "Store",
    "normalise_url",
]
