"""Keeping tests independent of the hour they run at."""

from __future__ import annotations

from datetime import datetime


def far_day_start() -> int:
    """An hour for the collection's "next day starts at" 12 hours from now.

    Anki turns a learning step that ends past the next day's start (4 am by default)
    into a whole day, and counts "today" from that start: tests that answer cards would
    pass or fail by the hour they run. Set as ``col.set_config("rollover", hour)``."""
    return (datetime.now().hour + 12) % 24
