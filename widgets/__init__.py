"""The ipywidgets layer: views and their view-models over the pure core in ``workbook``.

Widgets never talk SQL; they call :mod:`workbook` and link traits.
"""
