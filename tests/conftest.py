"""Shared fixtures. Time is frozen where it matters; the network is a map."""

from __future__ import annotations
