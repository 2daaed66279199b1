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

# -- the chair's highlights (issue #16) -------------------------------------------------
POINTS = {
    GOING_WELL[0]: "Staff know how to raise a concern and follow the agreed pathway.",
    GOING_WELL[1]: "Named leads attend the MASE regularly and take its decisions back to managers.",
    GOING_WELL[2]: "Joint working has improved since last year's self-assessment.",
    GOING_WELL[3]: "Audits find most plans are reviewed on time.",
    GOING_WELL[4]: "Awareness sessions were well attended, and staff rated them highly.",
    GOING_WELL[5]: "Information is shared quickly once a risk is identified.",
    DEVELOPMENT[0]: "Practice varies between teams, and agencies cannot yet show its impact.",
    DEVELOPMENT[1]: "Records do not always hold the child's own words.",
    DEVELOPMENT[2]: "Data is collected but not yet analysed or reported to agencies' own boards.",
    DEVELOPMENT[3]: "Not every newer member of staff has had training for their role.",
    DEVELOPMENT[4]: "Referrers are not routinely told what happened to their referral.",
    DEVELOPMENT[
        5
    ]: "Some agencies rely on one or two people, with little cover when they are away.",
}
"""A statement from the returns as the chair words it for the board."""
KEY_MESSAGES = [
    "{submitted} of the {invited} invited agencies have submitted their return.",
    "Agencies rate themselves highest under {best} and lowest under {worst}.",
    "Most returns say what is going well; fewer say how the agency knows it makes a difference.",
]
RECOMMENDATIONS = [
    "Each agency sets out how it will show the impact of its practice in next year's return.",
    "The partnership agrees one data set on exploitation, reported to the MASE each quarter.",
]
TO_NOTE = [
    "The returns' ratings and the chair's moderation of them.",
    "The actions brought forward from last year and where each stands.",
]
TO_AGREE = [
    "The two recommendations above.",
    "That each agency reports its progress on the recommendations to the MASE in the autumn.",
]
