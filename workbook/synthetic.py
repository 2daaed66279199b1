"""Neutral phrases the synthetic returns are assembled from: the demo's and the generator's.

Plain data with no imports, so that the benchmark generator in ``workbook.store`` and the
demo (which also loads evidence, a higher layer) share them without the store importing
the demo. Everything here is invented and never names people.
"""

EVIDENCE = [
    "Training records for {year} show take-up by {pct}% of frontline staff.",
    "Quarterly performance report to the agency's safeguarding committee.",
    "Case file audit of {n} cases in {month}, summary attached to the return.",
    "Minutes of the MASE meeting and the agency's action log.",
    "Policy and procedure reviewed in {month}; staff briefing notes.",
    "Data extract for the partnership problem profile ({month}).",
    "Feedback from young people gathered by the participation team.",
]
GOING_WELL = [
    "Staff know how to raise concerns and use the agreed pathway.",
    "A named lead attends the MASE consistently and reports back to managers.",
    "Joint work with partners has improved since the last self-assessment.",
    "Audits show plans are reviewed on time in most cases.",
    "Awareness sessions were well attended and evaluated positively.",
    "Information is shared promptly when risk is identified.",
]
DEVELOPMENT = [
    "Practice is inconsistent across teams; we cannot yet show impact.",
    "Recording does not always capture the child's own words.",
    "Data is collected but not yet analysed or reported to our board.",
    "Newer staff have not all completed role-specific training.",
    "Feedback to referrers is not routinely given.",
    "We rely on one or two individuals; cover arrangements are weak.",
]
ACTIONS = [
    "Deliver refresher training to all frontline teams",
    "Audit a sample of cases and report findings to the MASE",
    "Add the screening tool to the case recording system",
    "Agree a data set with the partnership analyst",
    "Review the policy with partners and relaunch it",
]
OWNERS = [
    "Named safeguarding lead",
    "Head of service",
    "Service manager",
    "Designated professional",
    "Training coordinator",
    "Performance manager",
]

# -- following actions up (issue #15) ----------------------------------------------------
PROGRESS_NOTES = [
    "Work has started; the plan is agreed with team managers.",
    "Half of the teams have completed this; the rest are booked in.",
    "A draft is shared with partners for comment.",
    "Delayed by staff changes; a new start date is agreed.",
    "Progress reported to the MASE; on track.",
    "Data for the first quarter collected; analysis under way.",
]
DONE_NOTES = [
    "Completed and reported to the MASE.",
    "Completed; the summary is on the agency's action log.",
    "Done; the evidence will be attached to the next return.",
]
DROP_REASON = (
    "Superseded by the partnership's multi-agency audit programme, "
    "which covers the same cases; no longer needed."
)
PARTNERSHIP_ACTIONS = [
    ("Run a multi-agency audit of cases open to three or more agencies", "MASE chair"),
    (
        "Refresh the partnership problem profile and share it with every agency",
        "Partnership analyst",
    ),
    (
        "Agree one training offer on exploitation for all partner agencies",
        "Partnership business manager",
    ),
]
CHALLENGE = "The evidence points elsewhere: consider the audit action as a top 3 instead."
