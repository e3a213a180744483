"""Writes to the record: typed, keyword-only, transactional services (see STYLE.md)."""
