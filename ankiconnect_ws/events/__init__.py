"""Live events: Anki's callbacks (hooks.py) and change detection (changes.py) feed the
bus (bus.py), which numbers, buffers and queues them for the WebSocket subscribers."""

from .bus import TOPICS, EventBus, Subscriber, Subscription

__all__ = ["EventBus", "Subscriber", "Subscription", "TOPICS"]
