"""The ipywidgets layer: views and their view-models over the pure core in ``workbook``.

Widgets never talk SQL; they call :mod:`workbook` and link traits. The rooms:
:mod:`widgets.base` (model/view base classes, the page's query), :mod:`widgets.templating`
(HTML from ``templates/*.html.j2``), :mod:`widgets.form` (the agency return form),
:mod:`widgets.dashboard` (the chair's dashboard) and :mod:`widgets.app`, the one entry the
Voila notebooks call.
"""
