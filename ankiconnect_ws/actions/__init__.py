"""The API: one module per domain, each action one registered function.

Importing this package registers every action (see :mod:`.registry`).
"""

from __future__ import annotations

from . import registry
from . import misc, profiles, decks, models, notes, tags, cards, scheduling, media, gui, stats, subscriptions, status, collection  # noqa: F401

__all__ = ["registry"]
