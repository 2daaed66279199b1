"""The chair's dashboard (issue #4): a model over :mod:`workbook.analysis` and its views.

Callers import from here (``from widgets.dashboard import DashboardModel, DashboardView``);
the modules inside import each other directly: :mod:`~widgets.dashboard.columns` and
:mod:`~widgets.dashboard.model` at the bottom, then :mod:`~widgets.dashboard.common` and
:mod:`~widgets.dashboard.evidence_model`, :mod:`~widgets.dashboard.completion` and one
module per tab, and
:mod:`~widgets.dashboard.view` on top.
"""

from widgets.dashboard.common import ExportView
from widgets.dashboard.model import DashboardModel
from widgets.dashboard.view import DashboardView, first_chart, open_dashboard

__all__ = ["DashboardModel", "DashboardView", "ExportView", "first_chart", "open_dashboard"]
