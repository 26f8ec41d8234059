"""Live events: Anki's hooks (hooks.py) and change detection (changes.py) feed the bus
(bus.py), which numbers, buffers and fans them out to WebSocket subscribers."""

from .bus import TOPICS, EventBus, Subscription

__all__ = ["EventBus", "Subscription", "TOPICS"]
