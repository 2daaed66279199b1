"""The dashboard's table columns in words, and the filter values that mean "all".

Each mapping turns an analysis table's column names into the headers users read, in the
order shown; the tables' CSV and Excel downloads use the same headers.
"""

CHAIR = "MASE chair"
"""Who moderations are recorded as when no personal link names the chair (JupyterLab)."""
ALL = ""
KEEP = "__keep__"

COMPLETION = {
    "agency": "Agency",
    "sector": "Sector",
    "state": "Return",
    "answered": "Criteria answered",
    "criteria": "Criteria",
    "not_applicable": "Not applicable",
    "due": "Due",
    "saved_at": "Last saved (UTC)",
}
HEATMAP = {
    "agency": "Agency",
    "heading": "Heading",
    "label": "Median rating",
    "distribution": "Ratings",
    "rated": "Rated",
    "criteria": "Criteria",
    "not_applicable": "Not applicable",
}
DIVERGENCE = {
    "criterion": "Criterion",
    "heading": "Heading",
    "why": "Why it is listed",
    "lowest": "Lowest",
    "median": "Median",
    "highest": "Highest",
    "rated": "Rated",
}
DRILL = {
    "agency": "Agency",
    "label": "Self-rating",
    "moderated_label": "Moderated",
    "comment": "Challenge",
    "going_well": "What is going well",
    "development": "Areas for development",
    "evidence": "Evidence",
    "actions_text": "Actions",
    "status_label": "Return",
}
SHARED_DRILL = {
    "note": "Note for this partnership",
    "shared_with": "Return shared with",
}
"""Added to the drill-down when a return in the cycle is shared with another partnership."""
TREND = {
    "name": "Name",
    "cycle": "Cycle",
    "mean_normalised": "Mean rating (0-1)",
    "rated": "Ratings",
}
CHANGES = {
    "prompt": "Criterion",
    "heading": "Heading",
    "change": "Change",
    "mean_before": "Before (0-1)",
    "mean_now": "Now (0-1)",
    "delta": "Difference",
}
GAP = {
    "agency": "Agency",
    "moderated": "Criteria moderated",
    "self_mean": "Mean self level",
    "moderated_mean": "Mean moderated level",
    "mean_gap": "Mean gap (levels)",
}
NOT_APPLICABLE = {
    "agency": "Agency",
    "criterion": "Criterion",
    "heading": "Heading",
    "na_reason": "Why it does not apply",
    "comment": "Chair's challenge",
}
"""The chair's list of answers marked not applicable (issue #16)."""
TRACKER = {
    "action_id": "ID",
    "agency": "Agency",
    "involves": "Involves",
    "text": "Action",
    "owner": "Owner",
    "due": "Due",
    "status_label": "Status",
    "last_note": "Last progress note",
    "partnership_top": "Partnership top 5",
    "agency_top": "Agency top 3",
}
TRACKER_STATUS = {"status": "Status", "actions": "Actions"}
TRACKER_OWNERS = {
    "owner": "Owner",
    "actions": "Actions",
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "dropped": "Dropped",
    "overdue": "Overdue",
}
HISTORY = {"saved_at": "When (UTC)", "author": "Who", "rating": "Moderated", "comment": "Challenge"}
BESIDE = {
    "agency": "Agency",
    "label": "Self-rating",
    "lines": "Data and audit findings",
    "contradictions": "Contradictions",
}
CONTRADICTIONS = {
    "agency": "Agency",
    "criterion_text": "Criterion",
    "rating": "Self-rating",
    "evidence": "Evidence",
    "reference": "Source",
}
DISMISSED = {
    **CONTRADICTIONS,
    "reason": "Why it was dismissed",
    "dismissed_by": "Dismissed by",
    "dismissed_at": "When (UTC)",
}
CONTRADICTION_EXPORT = {
    "heading": "Heading",
    "criterion_id": "Criterion id",
    "criterion": "Criterion",
    **{k: v for k, v in CONTRADICTIONS.items() if k != "criterion_text"},
    "source": "Kind of evidence",
    "dismissed": "Dismissed",
    **{k: v for k, v in DISMISSED.items() if k not in CONTRADICTIONS},
}
