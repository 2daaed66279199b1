"""The evidence beside the ratings on the dashboard (issue #14), free of widgets.

``EvidenceModel`` turns the dashboard's cycle into what the Evidence tab and the
drill-down show: the contradictions between self-ratings and evidence (open and
dismissed), the chair's dismissing and restoring, loading an evidence file, and the
indicators and findings as tables. It reads the evidence through
:meth:`DashboardModel.evidence`, which the tabs share, so a file loaded on one tab is
what the others show; it knows no SQL and no widgets, so tests drive it without a browser.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from traitlets import Bool, List, Unicode

from widgets.base import Model
from widgets.dashboard.model import DashboardModel
from workbook.errors import AccessDenied, EvidenceError, WorkbookError
from workbook.evidence import contradictions
from workbook.evidence.lines import Line, lines_on
from workbook.evidence.tables import (
    contradiction_table,
    finding_table,
    indicator_table,
)
from workbook.schema.evidence import Evidence
from workbook.store.records import Dismissal

SHOWN_PROBLEMS = 5
"""Located problems of a file listed in full; the rest are counted ("and 12 more")."""


def line_words(line: Line) -> str:
    """One line of evidence as plain text, for a table cell or a download."""
    indicator = line.kind == "indicator"
    whose = line.agency or ("partnership" if indicator else "all agencies")
    where = ("source: " if indicator else "case audit of ") + line.reference
    return f"{line.title} ({whose}): {line.detail} ({where})"


def held(evidence: Evidence) -> str:
    """What a file holds, in words: '3 indicators and 1 case audit (4 findings)'."""
    findings = sum(len(a.findings) for a in evidence.audits)
    parts = [
        _count(len(evidence.indicators), "indicator"),
        _count(len(evidence.audits), "case audit")
        + (f" ({_count(findings, 'finding')})" if evidence.audits else ""),
    ]
    return " and ".join(parts)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


class EvidenceModel(Model):
    """Contradictions, dismissals and evidence files of the dashboard's cycle.

    ``message`` says what a dismissal or restoring did, ``failed`` whether it was refused
    (the page announces a refusal at once); ``outcome`` and ``problems`` say the same for
    the last file checked or loaded.
    """

    failed = Bool(False, help="The last dismissal or restoring was refused.")
    filename = Unicode("", help="The evidence file chosen, not yet loaded.")
    outcome = Unicode("", help="What checking or loading the file did, in words.")
    problems = List(Unicode(), help="The file's located problems: 'file:row: column: what'.")
    despite_personal_data = Bool(
        False, help="Load text that looks like personal data: the chair checked it is not."
    )

    def __init__(self, dashboard: DashboardModel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dashboard = dashboard
        self._content = b""
        dashboard.observe(self._cycle_changed, names="cycle")

    def _cycle_changed(self, _change: object) -> None:
        # a file chosen for one cycle is never loaded into the next one chosen
        self._content = b""
        self.filename = self.outcome = self.message = ""
        self.problems = []
        self.failed = False

    @property
    def may_change(self) -> bool:
        """Whether the page's identity dismisses contradictions and loads files (the chair)."""
        return self.dashboard.may_moderate

    # -- contradictions -------------------------------------------------------------------

    def dismissals(self) -> dict[str, Dismissal] | None:
        """The chair's latest word on each contradiction; None if the identity may not read it."""
        d = self.dashboard
        try:
            return d.store.evidence.dismissals(d.cycle)
        except AccessDenied:
            return None

    def contradictions(self) -> pd.DataFrame:
        """Every contradiction under the dashboard's filters, the self-rating beside the evidence.

        ``dismissed`` rows carry the chair's reason, who dismissed it and when.
        """
        d = self.dashboard
        dismissals = self.dismissals() or {}
        found = contradictions.find(
            d.framework_def,
            contradictions.ratings_from(d.filtered()),
            d.evidence(),
            {k: (v.dismissed, v.reason) for k, v in dismissals.items()},
        )
        table = contradiction_table(found, d.framework_def, d.agency_names)
        table["criterion_text"] = table["criterion_id"] + ": " + table["criterion"]
        table["dismissed_by"] = [
            dismissals[k].author if dismissed else ""
            for k, dismissed in zip(table["key"], table["dismissed"], strict=True)
        ]
        table["dismissed_at"] = [
            dismissals[k].saved_at if dismissed else None
            for k, dismissed in zip(table["key"], table["dismissed"], strict=True)
        ]
        return table

    def _find(self, key: str) -> pd.Series | None:
        rows = self.contradictions()
        rows = rows[rows["key"] == key]
        return rows.iloc[0] if len(rows) else None

    def dismiss(self, key: str, reason: str) -> bool:
        """Dismiss one contradiction, saying why (required): it moves to the dismissed list."""
        return self._decide(key, reason, dismissed=True)

    def restore(self, key: str, reason: str = "") -> bool:
        """Put a dismissed contradiction back among the open ones."""
        return self._decide(key, reason, dismissed=False)

    def _decide(self, key: str, reason: str, *, dismissed: bool) -> bool:
        d = self.dashboard
        verb = "dismissed" if dismissed else "restored"
        row = self._find(key) if key else None
        if row is None or bool(row["dismissed"]) == dismissed:
            which = "an open" if dismissed else "a dismissed"
            return self._say(f"Not {verb}: choose {which} contradiction from the list.", True)
        try:
            d.store.evidence.dismiss(
                d.cycle, key, reason=reason, dismissed=dismissed, author=d.user
            )
        except WorkbookError as exc:
            return self._say(f"Not {verb}: {exc}", True)
        what = f"{row['agency']}, {row['criterion_id']}"
        self._say(
            f"Dismissed the contradiction for {what}, by {d.user}; the reason is kept with it."
            if dismissed
            else f"Restored the contradiction for {what}: it is open again.",
            False,
        )
        d.version += 1  # every view of the contradictions redraws
        return True

    def _say(self, text: str, failed: bool) -> bool:
        self.failed = failed
        self.message = text
        return not failed

    # -- loading a file -------------------------------------------------------------------

    def choose(self, filename: str, content: bytes) -> None:
        """Take an uploaded file; nothing is read until it is checked or loaded."""
        self.filename, self._content = filename, content
        self.problems = []
        self.outcome = f"{filename} chosen: check it, or load it (it is checked first)."

    def check(self) -> bool:
        """Read and check the chosen file against the cycle; nothing is saved."""
        return self._run(check=True)

    def load(self) -> bool:
        """Check the chosen file and keep its indicators and audits; nothing if any is wrong."""
        return self._run(check=False)

    def _run(self, *, check: bool) -> bool:
        from workbook.evidence.importer import import_evidence  # openpyxl: only when used

        d = self.dashboard
        self.problems = []
        if not self._content:
            self.outcome = "Choose an evidence file (CSV or Excel .xlsx) first."
            return False
        name = self.filename
        try:
            loaded = import_evidence(
                d.store,
                d.cycle,
                self._content,
                name,
                check=check,
                despite_personal_data=self.despite_personal_data,
                author=d.user,
            )
        except EvidenceError as exc:
            count = len(exc.problems)
            self.problems = [str(p) for p in exc.problems]
            self.outcome = (
                f"{_count(count, 'problem')} in {name}; "
                f"{'nothing would be loaded' if check else 'nothing was saved'}."
            )
            return False
        except WorkbookError as exc:
            self.outcome = f"{name} was not {'checked' if check else 'loaded'}: {exc}"
            return False
        if check or loaded.summary is None:
            self.outcome = f"{name} is ready to load: it holds {held(loaded.evidence)}."
            return True
        self.outcome = f"Loaded {name} into {d.info.title}: {loaded.summary.describe()}."
        self._content = b""  # loaded: choosing it again is a new load
        d.evidence_loaded()
        return True

    # -- tables ---------------------------------------------------------------------------

    def indicators(self) -> pd.DataFrame:
        """One row per indicator value."""
        return indicator_table(self.dashboard.evidence(), self.dashboard.agency_names)

    def findings(self) -> pd.DataFrame:
        """One row per case-audit finding."""
        d = self.dashboard
        return finding_table(d.evidence(), d.scale, d.agency_names)

    def beside(self, criterion_id: str) -> pd.DataFrame:
        """Each agency's self-rating on one criterion beside the data and findings on it.

        The first row is the partnership's evidence (values for the whole partnership,
        findings naming no agency), which bears on every agency; each agency's row holds
        only its own values and the findings naming it, so nothing is repeated.
        """
        d = self.dashboard
        evidence, scale, names = d.evidence(), d.scale, d.agency_names
        found = self.contradictions()
        found = found[found["criterion_id"] == criterion_id]
        shared = [
            line for line in lines_on(evidence, criterion_id, scale, names) if not line.agency
        ]
        rows = [
            {"agency": "Partnership", "label": "", "lines": _joined(shared), "contradictions": ""}
        ]
        frame = d.filtered(heading=False)
        frame = frame[frame["criterion_id"] == criterion_id].sort_values("agency")
        for row in frame.itertuples(index=False):
            own = [
                line
                for line in lines_on(evidence, criterion_id, scale, names, row.agency_id)
                if line.agency  # the partnership's are in the first row
            ]
            mine = found[found["agency_id"] == row.agency_id]
            rows.append(
                {
                    "agency": row.agency,
                    "label": row.label,
                    "lines": _joined(own)
                    or ("Only the partnership's (first row)" if shared else ""),
                    "contradictions": _tally(mine),
                }
            )
        return pd.DataFrame(rows, columns=["agency", "label", "lines", "contradictions"])


def _joined(lines: Any) -> str:
    return "\n".join(f"\u2022 {line_words(line)}" for line in lines)


def _tally(rows: pd.DataFrame) -> str:
    dismissed = int(rows["dismissed"].sum())
    open_ = len(rows) - dismissed
    parts = [f"{n} {what}" for n, what in ((open_, "open"), (dismissed, "dismissed")) if n]
    return ", ".join(parts)
