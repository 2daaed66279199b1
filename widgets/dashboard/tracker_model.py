"""The chair's action tracker (issue #15): what the Actions tab shows and records.

A plain model over the dashboard's store and cycle, so it is tested without a browser:
the tracker's tables come from :mod:`workbook.analysis.tracker`, the changes go through
``store.actions``, whose access rules decide who may create, mark, confirm or challenge;
a refusal becomes a sentence in the dashboard's status line, never an exception.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from widgets.dashboard.model import DashboardModel
from workbook.analysis.tracker import (
    done_this_quarter,
    overdue_actions,
    status_counts,
    stuck_actions,
    tracker,
)
from workbook.errors import WorkbookError
from workbook.schema.actions import TopScope, TopState

MARKS: dict[str, tuple[TopScope, TopState, str]] = {
    "top5": (TopScope.PARTNERSHIP, TopState.CONFIRMED, "put in the partnership's top 5"),
    "off5": (TopScope.PARTNERSHIP, TopState.REMOVED, "taken off the partnership's top 5"),
    "confirm3": (TopScope.AGENCY, TopState.CONFIRMED, "confirmed in its agency's top 3"),
    "challenge3": (TopScope.AGENCY, TopState.CHALLENGED, "challenged as one of its agency's top 3"),
    "off3": (TopScope.AGENCY, TopState.REMOVED, "taken off its agency's top 3"),
}
"""The chair's marks, as the tab offers them: key -> (list, state, what it did in words)."""

MARK_CHOICES = [
    ("Put in the partnership's top 5", "top5"),
    ("Take off the partnership's top 5", "off5"),
    ("Confirm as one of its agency's top 3", "confirm3"),
    ("Challenge as one of its agency's top 3", "challenge3"),
    ("Take off its agency's top 3", "off3"),
]


class TrackerModel:
    """The tracker of the dashboard's cycle, as the dashboard's identity may see and change it.

    Parameters
    ----------
    dashboard
        The dashboard's model: its store, cycle, ``today``, ``user`` and status line.
    """

    def __init__(self, dashboard: DashboardModel) -> None:
        self.dashboard = dashboard
        self._table: tuple[tuple[str, int], pd.DataFrame] | None = None
        self.changes = 0

    @property
    def today(self) -> dt.date:
        return self.dashboard.as_at  # a past cycle's tracker as its timetable left it

    def table(self) -> pd.DataFrame:
        """Every action of the cycle, most overdue first (read again after each change)."""
        d = self.dashboard
        key = (d.cycle, self.changes)
        if self._table is None or self._table[0] != key:
            self._table = (key, tracker(d.store, d.cycle, self.today))
        return self._table[1]

    @property
    def may_chair(self) -> bool:
        """Creating partnership actions and marking the top 5: the chair's work."""
        d = self.dashboard
        return d.store.identity.can_moderate(d.info.partnership_id, d.cycle)

    def summary(self) -> str:
        """The tracker in one sentence, for the top of the tab and screen readers."""
        table = self.table()
        if table.empty:
            return "No actions are tracked in this cycle yet."
        counts = dict(status_counts(table).itertuples(index=False))
        quarter = len(done_this_quarter(table, self.today))
        return (
            f"{len(table)} actions: {counts['Open']} open, {counts['In progress']} in progress, "
            f"{counts['Done']} done, {counts['Dropped']} dropped. "
            f"{len(overdue_actions(table))} overdue, {quarter} done this quarter, "
            f"{len(stuck_actions(table))} with no progress noted for {90} days or more."
        )

    def action_options(self) -> list[tuple[str, str]]:
        """(label, id) of every action, for the mark controls."""
        return [
            (f"{r.action_id}: {r.agency}: {r.text[:70]}", r.action_id)
            for r in self.table().itertuples()
        ]

    def criteria_options(self) -> list[tuple[str, str]]:
        """(label, id) of the cycle's criteria, for a new partnership action."""
        framework = self.dashboard.framework_def
        return [(f"{c.id}: {c.prompt[:70]}", c.id) for c in framework.criteria]

    # -- the chair's changes ----------------------------------------------------------------

    def agency_options(self) -> list[tuple[str, str]]:
        """(name, id) of the cycle's agencies, for the agencies a partnership action involves."""
        return [(n, a) for n, a in self.dashboard.agency_options() if a]

    def create(
        self,
        text: str,
        owner: str,
        due: dt.date | None,
        criteria: tuple[str, ...],
        involves: tuple[str, ...] = (),
    ) -> str | None:
        """A new partnership action; its id, or None with the reason in the status line."""
        d = self.dashboard
        try:
            made = d.store.actions.create(
                d.cycle,
                text,
                owner=owner,
                due=due,
                criteria=criteria,
                involves=involves,
                author=d.user,
            )
        except WorkbookError as exc:
            d.message = f"Not created: {exc}"
            return None
        self.changes += 1
        d.message = f"Created the partnership action {made.id}: {made.text}"
        return made.id

    def mark(self, action_id: str, choice: str, comment: str = "") -> bool:
        """Record one of :data:`MARKS` on an action; says in the status line what happened."""
        d = self.dashboard
        scope, state, words = MARKS[choice]
        try:
            d.store.actions.mark(d.cycle, action_id, scope, state, comment=comment, author=d.user)
        except WorkbookError as exc:
            d.message = f"Not recorded: {exc}"
            return False
        self.changes += 1
        d.message = f"{action_id} is {words}."
        return True
