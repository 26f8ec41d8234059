"""The event bus: sequence numbers, a replay buffer, and bounded per-subscriber queues.

``publish`` may be called from any thread (Anki's hooks run on the main thread); it only
hands a small dict to the server thread. Everything else runs on the server thread.

Each event gets a strictly increasing ``seq`` for this Anki run and is serialised once.
A subscriber that falls behind never slows Anki or other subscribers: its queue is
bounded, and when it overflows the queue is replaced by one ``reset`` event telling the
client to refetch.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import ActionError
from ..protocol import dumps

__all__ = ["EventBus", "Subscription", "TOPICS"]

TOPICS = ("review", "state", "note", "card", "deck", "model", "collection", "sync")
ALL = "*"


def topic_of(name: str) -> str:
    return name.split(".", 1)[0]


class Subscription:
    """One WebSocket session's subscription: topics, queue and the task that writes it."""

    def __init__(self, bus: "EventBus", session: Any) -> None:
        self.bus = bus
        self.session = session
        self.topics: set[str] = set()
        self.queue: collections.deque[bytes] = collections.deque()
        self.wake = asyncio.Event()
        self.resets = 0
        self.task = asyncio.get_running_loop().create_task(self._pump())

    def wants(self, name: str) -> bool:
        return ALL in self.topics or topic_of(name) in self.topics

    def offer(self, frame: bytes) -> None:
        if len(self.queue) >= self.bus.queue_size:
            # Too slow: drop what it has not read and tell it to refetch instead.
            self.queue.clear()
            self.resets += 1
            frame = self.bus.reset_frame("subscriber queue overflowed")
        self.queue.append(frame)
        self.wake.set()

    async def _pump(self) -> None:
        session = self.session
        try:
            while session.open:
                if not self.queue:
                    self.wake.clear()
                    await self.wake.wait()
                    continue
                session.send_text_bytes(self.queue.popleft())
                await session.writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass

    def detach(self) -> None:
        self.bus.subscribers.discard(self)
        self.task.cancel()
        self.queue.clear()


class EventBus:
    def __init__(
        self,
        buffer_size: int = 10000,
        queue_size: int = 1000,
        call_soon_threadsafe: Callable[..., Any] | None = None,
    ) -> None:
        self.buffer: collections.deque[tuple[int, str, bytes]] = collections.deque(maxlen=max(1, buffer_size))
        self.queue_size = max(1, queue_size)
        self.seq = 0
        #: identifies this Anki run: a ``since`` from another run cannot be replayed
        self.run = secrets.token_hex(4)
        self.subscribers: set[Subscription] = set()
        self._call = call_soon_threadsafe
        #: called (on the server thread) after the first subscription of this run
        self.on_first_subscriber: list[Callable[[], None]] = []
        self.ever_subscribed = False

    # --- any thread --------------------------------------------------------------------

    def publish(self, name: str, data: dict[str, Any] | None = None) -> None:
        stamp = int(time.time() * 1000)
        if self._call is None:
            self._deliver(name, data or {}, stamp)
        else:
            with contextlib.suppress(RuntimeError):  # loop closed: Anki is exiting
                self._call(self._deliver, name, data or {}, stamp)

    # --- server thread -----------------------------------------------------------------

    def _deliver(self, name: str, data: dict[str, Any], stamp: int) -> None:
        self.seq += 1
        frame = dumps({"event": name, "seq": self.seq, "time": stamp, "data": data})
        self.buffer.append((self.seq, name, frame))
        for sub in self.subscribers:
            if sub.wants(name):
                sub.offer(frame)

    def reset_frame(self, reason: str) -> bytes:
        return dumps({
            "event": "reset",
            "seq": self.seq,
            "time": int(time.time() * 1000),
            "data": {"reason": reason, "run": self.run},
        })

    @staticmethod
    def _topics(events: Any) -> set[str]:
        if isinstance(events, str):
            events = [events]
        if not isinstance(events, list) or not events:
            raise ActionError("events must be a non-empty list of topics")
        topics = set()
        for topic in events:
            if topic != ALL and topic not in TOPICS:
                raise ActionError(f"unknown event topic: {topic}")
            topics.add(topic)
        return topics

    def subscribe(self, session: Any, events: Any, since: Any = None, run: Any = None) -> dict[str, Any]:
        topics = self._topics(events)
        if since is not None and (isinstance(since, bool) or not isinstance(since, int) or since < 0):
            raise ActionError("since must be a sequence number (a non-negative integer)")
        sub = session.subscription
        if sub is None:
            sub = session.subscription = Subscription(self, session)
        new_topics = topics - sub.topics
        sub.topics |= topics
        self.subscribers.add(sub)
        if not self.ever_subscribed:
            self.ever_subscribed = True
            for fn in self.on_first_subscriber:
                fn()
        if since is not None:
            self._replay(sub, since, run, new_topics if new_topics else topics)
        return {"subscribed": sorted(sub.topics), "seq": self.seq, "run": self.run}

    def _replay(self, sub: Subscription, since: int, run: Any, topics: Iterable[str]) -> None:
        wanted = set(topics)

        def match(name: str) -> bool:
            return ALL in wanted or topic_of(name) in wanted

        oldest = self.buffer[0][0] if self.buffer else self.seq + 1
        if (run is not None and run != self.run) or since > self.seq or since < oldest - 1:
            sub.offer(self.reset_frame("events since the given seq are no longer available"))
            return
        for seq, name, frame in self.buffer:
            if seq > since and match(name):
                sub.offer(frame)

    def unsubscribe(self, session: Any, events: Any) -> dict[str, Any]:
        topics = self._topics(events)
        sub = session.subscription
        if sub is None:
            return {"subscribed": [], "seq": self.seq, "run": self.run}
        sub.topics = set() if ALL in topics else sub.topics - topics
        if not sub.topics:
            self.subscribers.discard(sub)
        return {"subscribed": sorted(sub.topics), "seq": self.seq, "run": self.run}

    def stats(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "buffered": len(self.buffer),
            "subscribers": len(self.subscribers),
            "resets": sum(s.resets for s in self.subscribers),
        }
