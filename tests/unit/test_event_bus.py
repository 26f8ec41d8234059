"""The event bus on its own: numbering, replay, overflow, and the subscribe action's
checks. The subscriber is a small in-memory stand-in for a WebSocket session: the bus
only queues frames on its subscription and says so (events_ready)."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
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
        subscription = self.subscription
        while subscription.queue:
            self.frames.append(json.loads(subscription.take()))


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


def big_event(i: int) -> dict[str, Any]:
    """One note.added of a 1,000-note batch: about 14 KB of JSON."""
    return {"noteIds": list(range(1_764_000_000_000 + i * 1000, 1_764_000_001_000 + i * 1000))}


def test_replay_buffer_is_bounded_in_bytes() -> None:
    budget = 200_000
    bus = EventBus(lambda: Config(eventBufferBytes=budget))
    for i in range(100):
        bus.publish("note.added", big_event(i))
        assert bus.buffered_bytes == sum(len(frame) for _, _, frame in bus.buffer) <= budget
    assert 10 <= len(bus.buffer) < 100  # only the newest fit
    assert [seq for seq, _, _ in bus.buffer] == list(range(101 - len(bus.buffer), 101))
    # a client that saw everything still buffered is replayed; one that saw less is reset
    oldest = bus.buffer[0][0]
    caught_up, behind = RecordingSession(), RecordingSession()
    bus.subscribe(caught_up, frozenset({"note"}), since=oldest - 1)
    bus.subscribe(behind, frozenset({"note"}), since=oldest - 2)
    assert [f["seq"] for f in caught_up.frames] == list(range(oldest, 101))
    assert [f["event"] for f in behind.frames] == ["reset"]


def test_an_event_bigger_than_the_budget_is_still_kept_alone() -> None:
    bus = EventBus(lambda: Config(eventBufferBytes=100))
    bus.publish("note.added", big_event(0))
    bus.publish("note.added", big_event(1))
    assert [seq for seq, _, _ in bus.buffer] == [2]


def test_slow_subscriber_is_reset_when_its_unread_bytes_pass_the_budget() -> None:
    bus = EventBus(lambda: Config(eventBufferBytes=100_000, subscriberQueueSize=1000))
    slow = RecordingSession()
    slow.reading = False
    bus.subscribe(slow, frozenset({"note"}))
    for i in range(30):
        bus.publish("note.added", big_event(i))
        assert slow.subscription.queued_bytes == sum(map(len, slow.subscription.queue)) <= 100_000
    assert slow.subscription.resets >= 1
    slow.read()
    assert slow.subscription.queued_bytes == 0 and slow.frames[0]["event"] == "reset"


def test_kept_frames_own_no_more_memory_than_their_length() -> None:
    """orjson hands over its whole worst-case buffer (about 260 KB for a 14 KB frame of
    1,000 ids). Measured with tracemalloc: what the buffered frames hold must be close
    to their length, or a full replay buffer holds twenty times its size."""
    bus = EventBus(lambda: Config(eventBufferSize=1000))
    events = [big_event(i) for i in range(50)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for data in events:
            bus.publish("note.added", data)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert bus.buffered_bytes > 50 * 10_000
    assert held < 2 * bus.buffered_bytes, f"{held:,} bytes held for {bus.buffered_bytes:,} bytes of frames"


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
