"""The agency return form (issue #3): models that hold the return, views that draw it.

Callers import from here (``from widgets.form import FormModel, FormView``); the modules
inside import each other directly. The layers, bottom up: :mod:`~widgets.form.autosave`
(timing), :mod:`~widgets.form.criterion` and :mod:`~widgets.form.history` (one criterion,
the revision table), :mod:`~widgets.form.merge_model` (someone else saved first), the
form's model in three layers (:mod:`~widgets.form.opening`, :mod:`~widgets.form.saving`,
:mod:`~widgets.form.model`) with the agency's tracked actions beside it
(:mod:`~widgets.form.tracked`, model and view), then the views
(:mod:`~widgets.form.merge_view`, :mod:`~widgets.form.upload`, :mod:`~widgets.form.view`).
"""

from widgets.form.autosave import Backoff, Debouncer, Schedule, ioloop_schedule
from widgets.form.criterion import (
    ActionModel,
    ActionsView,
    CriterionModel,
    CriterionView,
    Look,
    anchor,
)
from widgets.form.history import describe_changes, field_name, history_html
from widgets.form.merge_model import DECIDING, LOCKED, MERGED, MergeModel, start_merge
from widgets.form.merge_view import MergeView
from widgets.form.messages import clock_time
from widgets.form.model import FormModel, HeadingModel
from widgets.form.tracked import TrackedActionsModel, TrackedActionsView
from widgets.form.upload import UploadModel, UploadView
from widgets.form.view import (
    FormView,
    HeadingView,
    HistoryView,
    open_form,
    personal_html,
    problems_html,
    scale_html,
)

__all__ = [
    "DECIDING",
    "LOCKED",
    "MERGED",
    "ActionModel",
    "ActionsView",
    "Backoff",
    "CriterionModel",
    "CriterionView",
    "Debouncer",
    "FormModel",
    "FormView",
    "HeadingModel",
    "HeadingView",
    "HistoryView",
    "Look",
    "MergeModel",
    "MergeView",
    "Schedule",
    "TrackedActionsModel",
    "TrackedActionsView",
    "UploadModel",
    "UploadView",
    "anchor",
    "clock_time",
    "describe_changes",
    "field_name",
    "history_html",
    "ioloop_schedule",
    "open_form",
    "personal_html",
    "problems_html",
    "scale_html",
    "start_merge",
]
