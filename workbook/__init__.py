"""Safeguarding Self-Assessment Workbook: the pure core (no ipywidgets, no IPython)."""

__version__ = "0.1.0"
