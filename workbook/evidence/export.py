"""The contradictions of a cycle as a tidy table for ``workbook export`` (issue #14).

Finding them needs :mod:`workbook.evidence.contradictions`, a layer above
:mod:`workbook.spreadsheets.export`, so the command builds this table and hands it to
``export_cycle`` as an extra one. Every saved return is read, drafts too, as the export's
returns table does; each row names the return's status so an analyst can keep to
submitted ones. Dismissed contradictions are kept with the chair's reason: the export is
the working record, where the board report leaves them out.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from workbook.errors import AccessDenied
from workbook.evidence.contradictions import find
from workbook.spreadsheets.tidy import Table

if TYPE_CHECKING:
    from workbook.store import Store

CONTRADICTION_COLUMNS = (
    "cycle",
    "key",
    "heading",
    "criterion",
    "prompt",
    "agency",
    "agency_name",
    "status",
    "rating_label",
    "source",
    "evidence",
    "reference",
    "dismissed",
    "reason",
    "dismissed_by",
    "dismissed_at_utc",
)


def contradiction_table(store: Store, cycle_id: str) -> Table | None:
    """Every contradiction of the cycle's saved self-ratings, dismissed or not.

    None for a reader who may not see the chair's dismissals (an agency member): without
    them a dismissed contradiction would read as an open one.
    """
    try:
        dismissals = store.evidence.dismissals(cycle_id)
    except AccessDenied:
        return None
    info = store.cycle(cycle_id)
    framework = store.framework(info.framework_id, info.framework_version)
    names = {a.id: a.name for a in store.agencies(info.partnership_id)}
    states = store.returns(cycle_id)
    asked = {c.id for c in framework.criteria}
    ratings = {
        (agency_id, criterion_id): answer.rating
        for agency_id, state in states.items()
        for criterion_id, answer in state.answers.items()
        if answer.rating is not None and criterion_id in asked
    }
    found = find(
        framework,
        ratings,
        store.evidence.evidence(cycle_id),
        {key: (d.dismissed, d.reason) for key, d in dismissals.items()},
    )
    rows = []
    for c in found:
        criterion = framework.criterion(c.criterion_id)
        dismissal = dismissals.get(c.key) if c.dismissed else None
        rows.append(
            (
                cycle_id,
                c.key,
                criterion.heading,
                c.criterion_id,
                criterion.prompt,
                c.agency_id,
                names.get(c.agency_id, c.agency_id),
                states[c.agency_id].status.value,
                c.rating,
                c.source,
                c.evidence,
                c.reference,
                c.dismissed,
                c.reason,
                dismissal.author if dismissal else None,
                dismissal.saved_at.astimezone(dt.UTC).replace(tzinfo=None) if dismissal else None,
            )
        )
    return Table("contradictions", CONTRADICTION_COLUMNS, rows)
