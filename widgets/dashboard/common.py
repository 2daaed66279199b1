"""What every dashboard tab uses: small HTML widgets, a chart with its table, downloads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as ipw
import pandas as pd

from workbook.charts import offline
from workbook.charts import tables as htmltable


def html_widget(value: str = "") -> ipw.HTML:
    """An HTML widget; tabs redraw by setting its ``value``."""
    return ipw.HTML(value=value)


def shown(visible: bool) -> str | None:
    """A layout's ``display`` that shows or hides a widget (the chair's controls)."""
    return None if visible else "none"


def chart_with_table(chart: Any, table_html: str, summary: str) -> str:
    """A chart with its table just below it, folded, so no reader depends on the picture."""
    return offline.chart_html(chart) + htmltable.details(summary, table_html)


class ExportView(ipw.VBox):  # type: ignore[misc]
    """A button that makes CSV and Excel links for whatever table ``source`` gives now."""

    def __init__(self, source: Callable[[], tuple[pd.DataFrame, Mapping[str, str], str]]) -> None:
        self.source = source
        self.button = ipw.Button(description="Prepare downloads of this table", icon="download")
        self.button.layout.width = "auto"
        self.links = html_widget()
        self.button.on_click(self._make)
        super().__init__(children=[self.button, self.links])

    def _make(self, _: Any = None) -> None:
        frame, columns, stem = self.source()
        self.links.value = htmltable.download_links(frame, columns, stem)
