"""Evidence beside the ratings: data indicators and case-audit findings (issue #14).

``files`` reads a CSV or xlsx file into tables, ``validate`` checks them against a cycle,
``importer`` loads them into the store, ``template`` writes an empty file to fill in,
``contradictions`` finds where the evidence and a self-rating disagree, ``lines`` puts the
evidence on one criterion in words (without pandas, for the form), and ``tables`` lays
the evidence out for pages, reports and exports.
"""
