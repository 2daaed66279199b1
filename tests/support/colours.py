"""Colour checks shared by the tests: WCAG contrast between two ``#rrggbb`` colours."""

from __future__ import annotations


def luminance(colour: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` colour: 0 for black, 1 for white."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two colours: 1 for none, 21 for black on white."""
    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)
