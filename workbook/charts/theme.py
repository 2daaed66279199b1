"""The workbook's Altair theme, registered once on import (house style rule 8).

Readable sizes and dark text; rating colours come from each framework's scale (see
:mod:`workbook.charts.builders`), never from the theme, and are always paired with labels.
"""

from __future__ import annotations

import altair as alt

NAME = "workbook"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
INK = "#1f1f1f"
MUTED = "#595959"  # 7:1 on white
NOT_RATED_FILL = "#f0f0f0"
NA_FILL = "#c4c4c4"
"""A heatmap cell where nothing counts ("N/A", issue #16): a neutral grey, none of a scale's
colours, darker than "not rated"; its INK text has 9:1 contrast."""
SERIES = ("#0b4f8a", "#b35806", "#1b7837", "#762a83", "#8c510a", "#01665e", "#4d4d4d")
"""Series colours for lines (dark enough for 3:1 against white); labels name each line."""


@alt.theme.register(NAME, enable=True)
def workbook_theme() -> alt.theme.ThemeConfig:
    """Theme: system font, 12-13px text with 7:1 contrast, no chart border, SVG-friendly."""
    axis: alt.theme.AxisConfigKwds = {
        "labelFont": FONT,
        "titleFont": FONT,
        "labelFontSize": 12,
        "titleFontSize": 13,
        "labelColor": INK,
        "titleColor": INK,
        "domainColor": MUTED,
        "tickColor": MUTED,
        "gridColor": "#e0e0e0",
    }
    return {
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": axis,
            "legend": {
                "labelFont": FONT,
                "titleFont": FONT,
                "labelFontSize": 12,
                "titleFontSize": 13,
                "labelColor": INK,
                "titleColor": INK,
                "labelLimit": 320,
            },
            "title": {"font": FONT, "fontSize": 15, "color": INK, "anchor": "start"},
            "header": {"labelFont": FONT, "titleFont": FONT, "labelColor": INK},
            "text": {"font": FONT, "fontSize": 12},
            "range": {"category": list(SERIES)},
        }
    }


def enable() -> None:
    """Make the workbook theme the active one (it is on import; this undoes a change)."""
    alt.theme.enable(NAME)
