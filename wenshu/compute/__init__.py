"""Indicators, totals and comparisons: pure functions over a loaded :class:`Snapshot`."""
