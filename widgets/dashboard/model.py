"""The chair's dashboard (issue #4): filters and data for one cycle, free of widgets.

``DashboardModel`` holds the filters and calls the pure analysis functions and
:mod:`workbook.store.moderation`; it knows no SQL and no widgets, so tests drive it
without a browser. :mod:`widgets.dashboard.view` draws it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
from traitlets import Int, Unicode, observe

from widgets.base import Model
from widgets.dashboard.columns import ALL, CHAIR, DRILL, HISTORY, SHARED_DRILL
from workbook import analysis
from workbook.errors import WorkbookError
from workbook.schema.evidence import Evidence
from workbook.schema.framework import ResponseField
from workbook.store import Store, moderation


class DashboardModel(Model):
    """Filters and data of the chair's dashboard for one cycle."""

    cycle = Unicode(ALL, help="Cycle id shown.")
    framework = Unicode(ALL, help="Framework id restricting the cycle choice ('' all).")
    agency = Unicode(ALL, help="Agency id filter ('' all).")
    sector = Unicode(ALL, help="Sector filter ('' all).")
    heading = Unicode(ALL, help="Heading id filter ('' all).")
    criterion = Unicode(ALL, help="Criterion id for the drill-down ('' the whole heading).")
    user = Unicode(CHAIR, help="Author recorded with moderations and marks.")
    version = Int(0, help="Bumped whenever what is shown changes; views redraw on it.")

    def __init__(self, store: Store, *, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.today = today or dt.date.today()
        if not store.identity.trusted_local:
            self.user = store.identity.name
        with store.snapshot():  # each cycle looked up once, not again for each check
            # members see a cycle's comparisons only once the chair has shared it
            self.cycles = [c for c in store.cycles() if store.may_compare(c.id)]
            self.agencies = {a.id: a for a in store.agencies()}
        self._frame: pd.DataFrame | None = None
        self._history: pd.DataFrame | None = None
        self._moderations: pd.DataFrame | None = None
        self._evidence: Evidence | None = None
        if not self.cycle and self.cycles:
            self.cycle = self.cycles[-1].id  # the latest cycle

    # -- choices ----------------------------------------------------------------------

    def framework_options(self) -> list[tuple[str, str]]:
        """(label, id) of frameworks with cycles, and "All frameworks"."""
        seen = {c.framework_id: c for c in self.cycles}
        names = {
            fid: self.store.framework(c.framework_id, c.framework_version).title
            for fid, c in seen.items()
        }
        return [("All frameworks", ALL), *sorted((v, k) for k, v in names.items())]

    def cycle_options(self) -> list[tuple[str, str]]:
        """(title, id) of the cycles of the chosen framework, newest first."""
        chosen = [c for c in self.cycles if not self.framework or c.framework_id == self.framework]
        return [(c.title, c.id) for c in reversed(chosen)]

    def agency_options(self) -> list[tuple[str, str]]:
        """(name, id) of the agencies invited to the cycle."""
        invited = self.info.agencies if self.cycle else ()
        names = sorted((self.agencies[a].name if a in self.agencies else a, a) for a in invited)
        return [("All agencies", ALL), *names]

    def sector_options(self) -> list[tuple[str, str]]:
        """Sectors of the invited agencies."""
        sectors = sorted(
            {self.agencies[a].sector for a in self.info.agencies if a in self.agencies}
        )
        return [("All sectors", ALL), *((s.capitalize(), s) for s in sectors)]

    def heading_options(self) -> list[tuple[str, str]]:
        """Headings of the cycle's framework, in template order."""
        return [("All headings", ALL), *((h.title, h.id) for h in self.framework_def.headings)]

    def criterion_options(self) -> list[tuple[str, str]]:
        """Criteria under the heading filter, where agencies disagree most or rate lowest first."""
        table = self.divergence()
        return [
            (f"{row.criterion} ({row.criterion_id}; {row.why})", row.criterion_id)
            for row in table.itertuples()
        ]

    @property
    def info(self) -> Any:
        """The chosen cycle."""
        return next(c for c in self.cycles if c.id == self.cycle)

    @property
    def framework_def(self) -> Any:
        """The chosen cycle's framework version."""
        return self.store.cycle_framework(self.cycle)

    def drill_columns(self) -> dict[str, str]:
        """The drill-down's column names, the framework's own labels for what agencies wrote."""
        framework = self.framework_def
        named = {
            "label": framework.label(ResponseField.RATING),
            "going_well": framework.label(ResponseField.GOING_WELL),
            "development": framework.label(ResponseField.DEVELOPMENT),
            "evidence": framework.label(ResponseField.EVIDENCE),
        }
        columns = {key: named.get(key, title) for key, title in DRILL.items()}
        if (self.frame["shared_with"] != "").any():  # one return, several partnerships (#17)
            columns |= SHARED_DRILL
        return columns

    @property
    def scale(self) -> Any:
        """The chosen cycle's rating scale."""
        return self.framework_def.scale

    # -- loading ----------------------------------------------------------------------

    @observe("cycle")
    def _cycle_changed(self, change: Mapping[str, Any]) -> None:
        self.agency = self.sector = self.heading = self.criterion = ALL
        self._load()

    @observe("framework")
    def _framework_changed(self, change: Mapping[str, Any]) -> None:
        options = [cid for _, cid in self.cycle_options()]
        if options and self.cycle not in options:
            self.cycle = options[0]

    @observe("agency", "sector", "heading", "criterion")
    def _filter_changed(self, change: Mapping[str, Any]) -> None:
        if change["name"] == "heading":
            self.criterion = ALL
        self.version += 1

    def _load(self) -> None:
        self._frame = self._history = self._moderations = self._evidence = None
        self.version += 1

    @property
    def frame(self) -> pd.DataFrame:
        """The chosen cycle's rows, read when first asked for after the cycle is chosen.

        Not when the page opens: its first render then only makes the widgets, and the
        overview reads the rows after the page's HTML has gone (:mod:`widgets.later`).
        """
        if self._frame is None:
            if not self.cycle:
                return pd.DataFrame(columns=analysis.COLUMNS)
            self._frame = analysis.load(self.store, [self.cycle])
        return self._frame

    @property
    def moderations(self) -> pd.DataFrame:
        """The chair's current moderations of the chosen cycle (read when first asked for)."""
        if self._moderations is None:
            if not self.cycle:
                return pd.DataFrame()
            self._moderations = analysis.moderation_frame(
                moderation.current(self.store, self.cycle).values(), self.scale
            )
        return self._moderations

    def filtered(self, *, heading: bool = True) -> pd.DataFrame:
        """The cycle's rows under the agency, sector (and heading) filters."""
        return analysis.filter_frame(
            self.frame,
            agency=self.agency or None,
            sector=self.sector or None,
            heading=(self.heading or None) if heading else None,
        )

    def history(self) -> pd.DataFrame:
        """Rows of every cycle of this framework up to the chosen one (loaded when first asked)."""
        if self._history is None:
            ids = analysis.same_framework(self.cycles, self.cycle)
            ids = ids[: ids.index(self.cycle) + 1]
            self._history = analysis.load(self.store, ids)
        return analysis.filter_frame(
            self._history,
            agency=self.agency or None,
            sector=self.sector or None,
            heading=self.heading or None,
        )

    # -- tables -----------------------------------------------------------------------

    def completion(self) -> pd.DataFrame:
        """Returns against the due date (agency and sector filters apply).

        A past cycle's are counted as at its own last date (``Timetable.as_at``).
        """
        return analysis.completion(self.filtered(heading=False), self.as_at)

    @property
    def as_at(self) -> dt.date:
        """The day the shown cycle's figures speak for (its own last date, once history)."""
        info = next((c for c in self.cycles if c.id == self.cycle), None)
        return info.timetable.as_at(self.today) if info else self.today

    def heatmap(self) -> pd.DataFrame:
        """Agencies x headings."""
        return analysis.heatmap_table(self.filtered(), self.scale)

    def counts(self) -> pd.DataFrame:
        """Ratings per agency, heading and level (for the spread chart)."""
        return analysis.rating_counts(self.filtered(), self.scale)

    def divergence(self) -> pd.DataFrame:
        """Criteria, most disputed and lowest rated first."""
        return analysis.divergence(self.filtered(), self.scale)

    def drilldown(self) -> pd.DataFrame:
        """Every agency's rating and texts for the chosen criterion (or heading)."""
        return analysis.drilldown(
            self.filtered(heading=False),
            criterion_id=self.criterion or None,
            heading_id=self.heading or None,
            moderation=self.moderations,
        )

    def trend(self, by: str) -> pd.DataFrame:
        """Mean rating per cycle, criteria matched by id with this cycle's."""
        current = {c.id for c in self.framework_def.criteria}
        return analysis.trend(self.history(), by, criteria=current)  # type: ignore[arg-type]

    def criterion_changes(self) -> pd.DataFrame:
        """This cycle against the previous one of the framework: kept, new, dropped."""
        ids = analysis.same_framework(self.cycles, self.cycle)
        position = ids.index(self.cycle)
        previous = ids[position - 1] if position else None
        return analysis.criterion_trend(self.history(), self.cycle, previous)

    def not_applicable(self) -> pd.DataFrame:
        """The answers marked not applicable, with reasons and the chair's challenges (#16)."""
        return analysis.not_applicable(self.filtered(), self.moderations)

    def gap(self) -> pd.DataFrame:
        """Per agency, self-rating against moderated rating."""
        return analysis.gap_by_agency(self.filtered(), self.moderations)

    # -- evidence (issue #14) ----------------------------------------------------------

    @property
    def agency_names(self) -> dict[str, str]:
        """Agency id -> name, as evidence lines and tables name whose a value is."""
        return {a: agency.name for a, agency in self.agencies.items()}

    def evidence(self) -> Evidence:
        """The cycle's indicators and audit findings as the identity may read them.

        Read once per cycle, and again after a file is loaded (:meth:`evidence_loaded`),
        not at every redraw. Evidence the store cannot give is said in words and shown
        as none: the ratings are still worth reading without it.
        """
        if self._evidence is None:
            try:
                self._evidence = self.store.evidence.evidence(self.cycle)
            except WorkbookError as exc:
                self.message = f"The evidence cannot be shown: {exc}"
                self._evidence = Evidence()
        return self._evidence

    def evidence_loaded(self) -> None:
        """Read the evidence afresh and redraw every tab that shows it."""
        self._evidence = None
        self.version += 1

    # -- the chair's changes ----------------------------------------------------------

    @property
    def may_moderate(self) -> bool:
        """Whether the page's identity moderates the chosen cycle (the chair)."""
        return bool(self.cycle) and self.store.identity.can_moderate(
            self.info.partnership_id, self.cycle
        )

    @property
    def shared(self) -> bool:
        """Whether the chosen cycle's submitted returns are shared with the partnership."""
        return bool(self.cycle) and self.store.is_shared(self.cycle)

    def share(self, shared: bool = True) -> bool:
        """Share the cycle's submitted returns with every agency member (or stop sharing)."""
        try:
            self.store.share(self.cycle, shared=shared, author=self.user)
        except WorkbookError as exc:
            self.message = f"Not changed: {exc}"
            return False
        title = self.info.title
        self.message = (
            f"Shared the submitted returns of {title} with every agency in the partnership."
            if shared
            else f"Stopped sharing {title}: agency members see only their own returns again."
        )
        self.version += 1
        return True

    def moderate(self, agency_id: str, criterion_id: str, rating: str | None, comment: str) -> bool:
        """Record a moderated rating and challenge; says in ``message`` what happened."""
        try:
            moderation.record(
                self.store,
                self.cycle,
                agency_id,
                criterion_id,
                rating=rating,
                comment=comment,
                author=self.user,
            )
        except WorkbookError as exc:
            self.message = f"Not saved: {exc}"
            return False
        name = self.agencies[agency_id].name if agency_id in self.agencies else agency_id
        self.message = f"Saved the moderation of {name}, {criterion_id}, by {self.user}."
        self._moderations = None
        self.version += 1
        return True

    def moderation_history(self, agency_id: str, criterion_id: str) -> pd.DataFrame:
        """Every moderation of one agency's criterion, newest first, with level labels."""
        labels = {lv.key: lv.label for lv in self.scale.levels}
        rows = [
            {
                "saved_at": m.saved_at,
                "author": m.author,
                "rating": labels.get(m.rating or "", "(self-rating kept)"),
                "comment": m.comment,
            }
            for m in moderation.history(self.store, self.cycle, agency_id, criterion_id)
        ]
        return pd.DataFrame(rows, columns=list(HISTORY)).iloc[::-1]
