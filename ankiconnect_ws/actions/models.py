"""Models actions."""

from __future__ import annotations
