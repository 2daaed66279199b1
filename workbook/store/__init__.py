"""The store: frameworks, partnerships, cycles and append-only return revisions.

Callers use :class:`Store` (a facade acting for one identity) and the types it returns;
``moderation``, ``backup``, ``generate``, ``provision`` and ``tables`` are imported as
modules. Inside the package, modules import each other directly, never through here.
"""

from workbook.store.catalog import CycleInfo
from workbook.store.current import CycleReturns, ReturnRows, StoredAnswer
from workbook.store.engine import normalise_url
from workbook.store.facade import Store
from workbook.store.hub_users import HubUser
from workbook.store.revisions import ReturnState, RevisionInfo
from workbook.store.shared import Joined, SharedWith

__all__ = [
    "CycleInfo",
    "CycleReturns",
    "HubUser",
    "Joined",
    "ReturnRows",
    "ReturnState",
    "RevisionInfo",
    "SharedWith",
    "StoredAnswer",
    "Store",
    "normalise_url",
]
