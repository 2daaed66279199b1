"""The base of the hierarchy, on its own so that every errors module can build on it."""

from __future__ import annotations


class WorkbookError(Exception):
    """Base of every error the workbook raises on purpose."""
