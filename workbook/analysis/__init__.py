"""The chair's analysis (issue #4): pure pandas functions over a tidy frame of responses.

:mod:`~workbook.analysis.frame` reads the store into the tidy frame once; every other
module here is a pure function of that frame (and the cycle's scale), so the report, the
dashboard and the profile compute each figure the same way. Callers import from this
package, never from its modules.
"""

from workbook.analysis.actions import actions
from workbook.analysis.applicability import not_applicable
from workbook.analysis.compare import (
    divergence,
    drilldown,
    heatmap_table,
    rating_counts,
    spread,
)
from workbook.analysis.completion import completion
from workbook.analysis.frame import (
    COLUMNS,
    NA_CELL,
    NOT_ASKED,
    NOT_RATED,
    counted,
    filter_frame,
    levels,
    load,
    responses_frame,
    same_framework,
)
from workbook.analysis.moderation import gap_by_agency, moderation_frame, optimism_gap
from workbook.analysis.tracker import (
    done_this_quarter,
    overdue_actions,
    owner_counts,
    quarter,
    status_counts,
    stuck_actions,
    tracker,
    tracker_table,
)
from workbook.analysis.trend import criterion_trend, trend

__all__ = [
    "COLUMNS",
    "NA_CELL",
    "NOT_ASKED",
    "NOT_RATED",
    "actions",
    "completion",
    "counted",
    "criterion_trend",
    "divergence",
    "done_this_quarter",
    "drilldown",
    "filter_frame",
    "gap_by_agency",
    "heatmap_table",
    "levels",
    "load",
    "moderation_frame",
    "not_applicable",
    "optimism_gap",
    "overdue_actions",
    "owner_counts",
    "quarter",
    "rating_counts",
    "responses_frame",
    "same_framework",
    "spread",
    "status_counts",
    "stuck_actions",
    "tracker",
    "tracker_table",
    "trend",
]
