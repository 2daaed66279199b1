"""Altair charts, their theme, the offline Vega bundle and the HTML tables beside them."""
