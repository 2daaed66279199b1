"""Safeguarding Self-Assessment Workbook: the pure core (no ipywidgets, no IPython)."""

import sys

__version__ = "0.1.0"

# jsonschema (under Altair, nbformat and papermill) imports rfc3987_syntax for its "iri"
# format check, which builds some 35 Lark parsers when imported: 1.8 s of every dashboard
# kernel's and report kernel's start on this machine (python-jsonschema/jsonschema#1428;
# issue #19). No schema the workbook validates uses that format, and without the module
# jsonschema leaves it unchecked. Where something imported it already, it stays.
if "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
