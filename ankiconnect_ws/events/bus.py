"""The event bus: sequence numbers, a replay buffer, and bounded per-subscriber queues.

Everything here runs on the server thread (Anki's hooks hand their events over with
``ServerThread.call``). The bus knows no sockets: a subscriber is anything with a
:class:`Subscription` (plain data) and an :meth:`Subscriber.events_ready` method; the
WebSocket session is one, and it writes the queued frames itself.

Each event gets a strictly increasing ``seq`` for this Anki run and is serialised once.
A subscriber that falls behind never slows Anki or other subscribers: its queue is
bounded, and when it overflows the queue is replaced by one ``reset`` event telling the
client to refetch.

Memory is bounded in bytes, not only in events: one ``note.added`` of a 5,000-note
batch is 70 KB, so 10,000 of them would be 700 MB. The replay buffer keeps at most
``eventBufferBytes`` of frames (the oldest go first) and a subscriber whose unread frames
pass that size is reset like one whose queue is full.
"""

from __future__ import annotations

import collections
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from ..config import Config
from ..wire import JsonObject, compact, dumps

__all__ = ["EventBus", "Subscription", "Subscriber", "TOPICS", "ALL", "now_ms"]

TOPICS = ("review", "state", "note", "card", "deck", "model", "collection", "sync")
ALL = "*"


def topic_of(name: str) -> str:
    return name.split(".", 1)[0]


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(eq=False)
class Subscription:
    """What one client subscribed to and the frames waiting for it."""

    topics: set[str] = field(default_factory=set)
    #: serialised event frames, oldest first; never longer than the bus's queue size
    queue: collections.deque[bytes] = field(default_factory=collections.deque)
    #: the total length of the frames in ``queue``
    queued_bytes: int = 0
    #: how often the queue overflowed and was replaced by a ``reset`` event
    resets: int = 0

    def wants(self, name: str) -> bool:
        return ALL in self.topics or topic_of(name) in self.topics

    def put(self, frame: bytes) -> None:
        self.queue.append(frame)
        self.queued_bytes += len(frame)

    def take(self) -> bytes:
        """The oldest frame (the queue must not be empty)."""
        frame = self.queue.popleft()
        self.queued_bytes -= len(frame)
        return frame

    def clear(self) -> None:
        self.queue.clear()
        self.queued_bytes = 0


class Subscriber(Protocol):
    """A client that receives events (the WebSocket session)."""

    @property
    def subscription(self) -> Subscription: ...

    def events_ready(self) -> None:
        """Frames were added to the subscription's queue (server thread): send them."""
        ...


class EventBus:
    def __init__(self, settings: Callable[[], Config] = Config,
                 on_first_subscriber: Callable[[], object] | None = None) -> None:
        """``settings`` gives the buffer's size in events (read once), and its size in
        bytes and the subscriber queue size (read at each event); ``on_first_subscriber``
        is called once, at the first subscription of this run (it switches change
        detection on)."""
        self.settings = settings
        self.buffer: collections.deque[tuple[int, str, bytes]] = collections.deque(
            maxlen=max(1, settings().eventBufferSize))
        #: the total length of the frames in ``buffer``
        self.buffered_bytes = 0
        self.seq = 0
        #: identifies this Anki run: a ``since`` from another run cannot be replayed
        self.run = secrets.token_hex(4)
        self.subscribers: set[Subscriber] = set()
        self._on_first_subscriber = on_first_subscriber
        self._ever_subscribed = False

    @property
    def queue_size(self) -> int:
        return max(1, self.settings().subscriberQueueSize)

    @property
    def byte_budget(self) -> int:
        return max(1, self.settings().eventBufferBytes)

    def publish(self, name: str, data: JsonObject | None = None, stamp: int | None = None) -> None:
        """Number, buffer and fan out one event; ``stamp`` (ms) is when it happened."""
        self.seq += 1
        # kept for replay: a compact copy (see wire.compact)
        frame = compact(dumps({"event": name, "seq": self.seq, "time": now_ms() if stamp is None else stamp,
                               "data": data or {}}))
        self._buffer(name, frame)
        for subscriber in self.subscribers:
            if subscriber.subscription.wants(name):
                self._offer(subscriber, frame)

    def _buffer(self, name: str, frame: bytes) -> None:
        """Keep ``frame`` for replay; drop the oldest frames past either bound (the
        newest stays, even alone over the byte budget: a reconnecting client still
        gets the last event rather than a reset)."""
        if len(self.buffer) == self.buffer.maxlen:
            self.buffered_bytes -= len(self.buffer[0][2])
        self.buffer.append((self.seq, name, frame))
        self.buffered_bytes += len(frame)
        budget = self.byte_budget
        while self.buffered_bytes > budget and len(self.buffer) > 1:
            self.buffered_bytes -= len(self.buffer.popleft()[2])

    def _offer(self, subscriber: Subscriber, frame: bytes) -> None:
        sub = subscriber.subscription
        if len(sub.queue) >= self.queue_size or sub.queued_bytes + len(frame) > self.byte_budget:
            # Too slow: drop what it has not read and tell it to refetch instead.
            sub.clear()
            sub.resets += 1
            frame = self.reset_frame("subscriber queue overflowed")
        sub.put(frame)
        subscriber.events_ready()

    def reset_frame(self, reason: str) -> bytes:
        return dumps({
            "event": "reset",
            "seq": self.seq,
            "time": now_ms(),
            "data": {"reason": reason, "run": self.run},
        })

    def subscribe(self, subscriber: Subscriber, topics: frozenset[str], since: int | None = None,
                  run: object = None) -> JsonObject:
        """Add ``topics``; with ``since``, first queue the buffered events after it (of the
        topics new to this subscriber)."""
        sub = subscriber.subscription
        new_topics = topics - sub.topics
        sub.topics |= topics
        self.subscribers.add(subscriber)
        if not self._ever_subscribed:
            self._ever_subscribed = True
            if self._on_first_subscriber is not None:
                self._on_first_subscriber()
        if since is not None:
            self._replay(subscriber, since, run, new_topics or topics)
        return self._state(sub)

    def _replay(self, subscriber: Subscriber, since: int, run: object, topics: Iterable[str]) -> None:
        wanted = Subscription(set(topics))
        oldest = self.buffer[0][0] if self.buffer else self.seq + 1
        if (run is not None and run != self.run) or since > self.seq or since < oldest - 1:
            self._offer(subscriber, self.reset_frame("events since the given seq are no longer available"))
            return
        for seq, name, frame in self.buffer:
            if seq > since and wanted.wants(name):
                self._offer(subscriber, frame)

    def unsubscribe(self, subscriber: Subscriber, topics: frozenset[str]) -> JsonObject:
        sub = subscriber.subscription
        sub.topics = set() if ALL in topics else sub.topics - topics
        if not sub.topics:
            self.subscribers.discard(subscriber)
        return self._state(sub)

    def drop(self, subscriber: Subscriber) -> None:
        """The subscriber is gone (its connection closed)."""
        self.subscribers.discard(subscriber)
        subscriber.subscription.clear()

    def _state(self, sub: Subscription) -> JsonObject:
        return {"subscribed": sorted(sub.topics), "seq": self.seq, "run": self.run}

    def figures(self) -> JsonObject:
        """For serverStatus."""
        return {
            "seq": self.seq,
            "buffered": len(self.buffer),
            "bufferedBytes": self.buffered_bytes,
            "subscribers": len(self.subscribers),
            "resets": sum(s.subscription.resets for s in self.subscribers),
            "run": self.run,
            "queueSize": self.queue_size,
        }
