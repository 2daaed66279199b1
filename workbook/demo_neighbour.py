"""The neighbouring demo partnership's answers marked not applicable (issue #17).

Demo Riverside (``data/demo-neighbour/partnership.yaml``) runs a cycle of each framework
shipped in 2026.1, so a criterion id such as ``prevent-2`` means one thing in its child
exploitation cycle and another in its missing children cycle: its reasons are kept by
cycle, where the demo borough's (:data:`workbook.demo.NOT_APPLICABLE`) hold for every
cycle of its one framework. Each is a criterion asked of the agency's sector that does
not fit its service, so the chair's list of answers marked not applicable has entries
in every cycle. Plain data, in our own words; it names no one.
"""

from __future__ import annotations

NOT_APPLICABLE: dict[str, dict[tuple[str, str], str]] = {
    "ce-2026": {
        ("probation", "prevent-2"): (
            "We supervise adults on licence and in the community and run no awareness "
            "sessions with children; our part is in identifying and disrupting."
        ),
        ("riverside-icb", "intervene-2"): (
            "The ICB commissions health services and has no practitioners working directly "
            "with children; the trusts we commission answer this in their own returns."
        ),
        ("riverside-schools", "disrupt-3"): (
            "Schools pass what they learn about peer groups to the police and children's "
            "services; they do not map perpetrators or networks themselves."
        ),
    },
    "s11-2026": {
        ("riverside-icb", "voice-3"): (
            "As a commissioner we do not work with individual children; we check that the "
            "services we commission listen to them (see leadership 3)."
        ),
        ("probation", "voice-2"): (
            "The people we supervise are adults; we hear children's views through their "
            "families and the agencies working with them, not as users of our service."
        ),
        ("riverside-schools", "voice-1"): (
            "Schools design and commission no services of their own; how children shape "
            "school life is under voice 2."
        ),
    },
    "missing-2026": {
        ("riverside-icb", "prevent-3"): (
            "The ICB provides no early help itself; the community health services it "
            "commissions answer for their part."
        ),
        ("police", "prevent-3"): (
            "The police refer children who run away to the council's early help service "
            "and do not provide early help themselves."
        ),
        ("riverside-icb", "return-4"): (
            "The ICB holds no return conversations or records of them; the services it "
            "commissions answer for their part."
        ),
    },
}
"""Cycle id -> (agency id, criterion id) -> the agency's reason."""
