"""The event bus on its own: numbering, replay, overflow, and the subscribe action's
checks. The subscriber is a small in-memory stand-in for a WebSocket session: the bus
only queues frames on its subscription and says so (events_ready)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ankiconnect_ws.actions.context import Environment, RequestInfo
from ankiconnect_ws.config import Config
from ankiconnect_ws.events import EventBus, Subscription
from ankiconnect_ws.protocol import Dispatcher


class RecordingSession:
    """Reads every frame at once, unless ``reading`` is off (a client that stopped
    reading: its frames stay queued)."""

    def __init__(self) -> None:
        self.subscription = Subscription()
        self.frames: list[dict[str, Any]] = []
        self.reading = True

    def events_ready(self) -> None:
        if self.reading:
            self.read()

    def read(self) -> None:
        queue = self.subscription.queue
        while queue:
            self.frames.append(json.loads(queue.popleft()))


def test_seq_increases_and_topics_filter() -> None:
    bus = EventBus()
    session = RecordingSession()
    assert bus.subscribe(session, frozenset({"note"}))["subscribed"] == ["note"]
    bus.publish("note.added", {"noteIds": [1]})
    bus.publish("review.question", {"cardId": 2})
    bus.publish("note.deleted", {"noteIds": [1]})
    frames = session.frames
    assert [f["event"] for f in frames] == ["note.added", "note.deleted"]
    assert [f["seq"] for f in frames] == [1, 3]
    assert all(isinstance(f["time"], int) for f in frames)


def test_since_replays_missed_events_then_live() -> None:
    bus = EventBus(lambda: Config(eventBufferSize=100))
    for i in range(10):
        bus.publish("note.added", {"i": i})
    session = RecordingSession()
    result = bus.subscribe(session, frozenset({"*"}), since=6)
    assert result["seq"] == 10
    bus.publish("note.added", {"i": 10})
    assert [f["seq"] for f in session.frames] == [7, 8, 9, 10, 11]


def test_since_older_than_buffer_or_from_another_run_gives_one_reset() -> None:
    bus = EventBus(lambda: Config(eventBufferSize=3))
    for i in range(10):
        bus.publish("note.added", {"i": i})
    old = RecordingSession()
    bus.subscribe(old, frozenset({"note"}), since=2)
    other_run = RecordingSession()
    bus.subscribe(other_run, frozenset({"note"}), since=9, run="not-this-run")
    assert [f["event"] for f in old.frames] == ["reset"]
    assert [f["event"] for f in other_run.frames] == ["reset"]


def test_slow_subscriber_gets_reset_and_bounded_queue() -> None:
    bus = EventBus(lambda: Config(subscriberQueueSize=5))
    slow, fast = RecordingSession(), RecordingSession()
    slow.reading = False  # its socket is full: nothing is read
    bus.subscribe(slow, frozenset({"note"}))
    bus.subscribe(fast, frozenset({"note"}))
    for i in range(50):
        bus.publish("note.updated", {"i": i})
        assert len(slow.subscription.queue) <= 5
    slow.read()
    assert "reset" in [f["event"] for f in slow.frames]
    assert slow.subscription.resets >= 1 and bus.figures()["resets"] == slow.subscription.resets
    assert [f["seq"] for f in fast.frames] == list(range(1, 51))  # the other subscriber missed nothing


def test_a_dropped_subscriber_gets_nothing_more() -> None:
    bus = EventBus()
    session = RecordingSession()
    bus.subscribe(session, frozenset({"note"}))
    bus.drop(session)
    bus.publish("note.added", {"noteIds": [1]})
    assert session.frames == [] and bus.figures()["subscribers"] == 0


def test_subscribe_checks_its_parameters_and_unsubscribe_removes_topics(collection: Any) -> None:
    bus = EventBus()
    dispatcher = Dispatcher(Environment(collection=lambda: collection, events=bus))
    session = RecordingSession()
    caller = RequestInfo(protocol="ws", session=session)

    def call(action: str, **params: Any) -> Any:
        return asyncio.run(dispatcher.handle({"action": action, "version": 6, "params": params}, caller))

    assert call("subscribe", events=["bogus"]) == {"result": None, "error": "unknown event topic: bogus"}
    assert call("subscribe", events=[]) == {"result": None, "error": "events must be a non-empty list of topics"}
    assert call("subscribe", events=["note"], since=-1)["error"] == (
        "since must be a sequence number (a non-negative integer)")
    assert call("subscribe", events=["note"], since=True)["error"].startswith("since must be")
    assert session.subscription.topics == set() and bus.subscribers == set()  # nothing half-done
    assert call("subscribe", events=["note", "deck"])["result"]["subscribed"] == ["deck", "note"]
    assert call("unsubscribe", events=["note"])["result"]["subscribed"] == ["deck"]
    assert call("unsubscribe", events="*")["result"]["subscribed"] == []
    assert bus.subscribers == set()
    over_http = asyncio.run(dispatcher.handle({"action": "subscribe", "version": 6}, RequestInfo()))
    assert over_http["error"] == "subscribe is only available over a WebSocket connection"
