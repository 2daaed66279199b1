"""The notebooks' reports (issue #5): the self-assessment report and the agency profile.

``notebooks/report.ipynb`` calls :func:`self_assessment` and
``notebooks/agency_profile.ipynb`` calls :func:`agency_profile`; each builds its context
as plain data (:mod:`~workbook.reports.self_assessment`, :mod:`~workbook.reports.profile`)
and returns an object whose methods each display one section
(:mod:`~workbook.reports.html`). :mod:`~workbook.reports.run` runs a notebook to HTML.
"""

# Altair first, before pandas and the store: in a Jupyter kernel (which loads debugpy)
# importing Altair after them took about 2 s longer, measured over papermill runs (its
# jsonschema builds an IRI grammar with lark at import); first, it takes the usual time.
import altair  # noqa: F401

from workbook.reports.common import names
from workbook.reports.profile import agency_profile
from workbook.reports.self_assessment import report_context, self_assessment

__all__ = ["agency_profile", "names", "report_context", "self_assessment"]
