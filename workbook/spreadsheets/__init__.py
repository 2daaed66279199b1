"""Returns as Excel workbooks.

The layout, the template written out, reading and importing a filled one, and the
cycle export.
"""
