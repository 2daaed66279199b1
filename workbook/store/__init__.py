"""The store: frameworks, partnerships, cycles and append-only return revisions.

Callers use :class:`Store` (a facade acting for one identity) and the types it returns;
``moderation``, ``backup``, ``generate``, ``provision`` and ``tables`` are imported as
modules. Inside the package, modules import each other directly, never through here.

The records come from :mod:`workbook.store.records` at once; :class:`Store` and
``normalise_url``, which bring SQLAlchemy, only when first asked for (PEP 562): a
page's kernel that reads the store through the store service
(:mod:`workbook.store.remote`) imports this package without them (issue #19).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from workbook.store.records import (
    CycleInfo,
    CycleReturns,
    HubUser,
    Joined,
    ReturnRows,
    ReturnState,
    RevisionInfo,
    SharedWith,
    StoredAnswer,
)

if TYPE_CHECKING:
    from workbook.store.engine import normalise_url
    from workbook.store.facade import Store

_LAZY = {"Store": "workbook.store.facade", "normalise_url": "workbook.store.engine"}

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


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
