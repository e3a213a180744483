"""Writes to the record: typed, keyword-only, transactional services (docs/conventions.md, 2)."""
