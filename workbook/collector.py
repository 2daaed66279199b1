"""Python's cycle collector, held off while one piece of bulk work makes many objects.

The collector runs every few hundred new objects, and every so often walks every object
the process holds. A page's kernel or an import holds many (SQLAlchemy, the models, a
framework), so work that makes tens of thousands of short-lived objects, a dashboard's
frame or a spreadsheet's cells, paid for walking them all again and again: a fifth of
the dashboard's data time, and a sixth of a spreadsheet import (bench/scale.py,
bench/import_returns.py, issue #19). Nothing escapes collection: it runs as usual once
the work is done.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector off inside the block, and back on after it, even on an error."""
    if not gc.isenabled():  # someone else holds it off: theirs to turn back on
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def freeze() -> None:
    """Collect once, then leave every object alive now out of all later collections.

    A pooled page kernel imports what its page needs before the request: about 240,000
    objects for the form, 320,000 with pandas and Altair for the dashboard. Left in the
    collector's care, the request's first burst of new objects set off a full collection
    that walked them all: half of the dashboard's first open (0.29 s against 0.13 s once
    frozen, issue #19). What is frozen is still
    freed by reference counting; only cycles among it wait for :func:`gc.unfreeze`.
    """
    gc.collect()
    gc.freeze()
