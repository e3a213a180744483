"""Bringing credentials in: one at a time (`arrival`), or a ZIP of many (`zips`)."""
