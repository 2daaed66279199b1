"""The demo's neighbouring partnership, Demo Riverside (issue #17), for the tests of its cycles.

``workbook demo`` adds it after the demo borough: a cycle of each framework shipped in
2026.1, eight agencies of which three (police, Oxleas, probation) are the borough's too.
The core and widget tests show each cycle renders in the form, the dashboard, a report
and a spreadsheet; these say which cycles, and which of their returns to open.
"""

from __future__ import annotations

from workbook.schema.responses import Status
from workbook.store import Store

NEIGHBOUR = "demo-neighbour"
CYCLES = {
    "ce-2026": "child-exploitation",
    "s11-2026": "section-11",
    "missing-2026": "missing-children",
}
"""Cycle id -> the framework it runs (version 2026.1), in the order of their due dates."""
SHARED = ("oxleas", "police", "probation")
"""The agencies both demo partnerships have."""


def marked_agency(store: Store, cycle_id: str) -> str:
    """The first agency (by id) whose return marks a criterion not applicable."""
    return next(
        agency
        for agency, state in sorted(store.returns(cycle_id).items())
        if any(answer.not_applicable for answer in state.answers.values())
    )


def draft_agency(store: Store, cycle_id: str) -> str:
    """The first agency (by id) whose return is a draft."""
    return next(
        agency
        for agency, status in sorted(store.statuses(cycle_id).items())
        if status is Status.DRAFT
    )
