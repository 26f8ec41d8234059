"""The event bus on its own: numbering, replay, overflow. The session is a small
in-memory stand-in for a WebSocket connection (the bus only needs send + drain)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from ankiconnect_ws.errors import ActionError
from ankiconnect_ws.events import EventBus


class FakeWriter:
    def __init__(self) -> None:
        self.blocked = asyncio.Event()
        self.blocked.set()

    async def drain(self) -> None:
        await self.blocked.wait()


class RecordingSession:
    def __init__(self) -> None:
        self.open = True
        self.subscription: Any = None
        self.frames: list[dict[str, Any]] = []
        self.writer = FakeWriter()

    def send_text_bytes(self, payload: bytes) -> None:
        self.frames.append(json.loads(payload))


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_seq_increases_and_topics_filter() -> None:
    async def scenario() -> list[dict[str, Any]]:
        bus = EventBus()
        session = RecordingSession()
        assert bus.subscribe(session, ["note"])["subscribed"] == ["note"]
        bus.publish("note.added", {"noteIds": [1]})
        bus.publish("review.question", {"cardId": 2})
        bus.publish("note.deleted", {"noteIds": [1]})
        await settle()
        return session.frames

    frames = run(scenario())
    assert [f["event"] for f in frames] == ["note.added", "note.deleted"]
    assert [f["seq"] for f in frames] == [1, 3]
    assert all(isinstance(f["time"], int) for f in frames)


def test_since_replays_missed_events_then_live() -> None:
    async def scenario() -> list[int]:
        bus = EventBus(buffer_size=100)
        for i in range(10):
            bus.publish("note.added", {"i": i})
        session = RecordingSession()
        result = bus.subscribe(session, ["*"], since=6)
        assert result["seq"] == 10
        bus.publish("note.added", {"i": 10})
        await settle()
        return [f["seq"] for f in session.frames]

    assert run(scenario()) == [7, 8, 9, 10, 11]


def test_since_older_than_buffer_or_from_another_run_gives_one_reset() -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        bus = EventBus(buffer_size=3)
        for i in range(10):
            bus.publish("note.added", {"i": i})
        old = RecordingSession()
        bus.subscribe(old, ["note"], since=2)
        other_run = RecordingSession()
        bus.subscribe(other_run, ["note"], since=9, run="not-this-run")
        await settle()
        return [f["event"] for f in old.frames], [f["event"] for f in other_run.frames]

    old, other = run(scenario())
    assert old == ["reset"] and other == ["reset"]


def test_slow_subscriber_gets_reset_and_bounded_queue() -> None:
    async def scenario() -> tuple[int, list[str], list[int]]:
        bus = EventBus(queue_size=5)
        slow, fast = RecordingSession(), RecordingSession()
        slow.writer.blocked.clear()  # its socket is full: drain never returns
        bus.subscribe(slow, ["note"])
        bus.subscribe(fast, ["note"])
        for i in range(50):
            bus.publish("note.updated", {"i": i})
            await settle()
        queued = len(slow.subscription.queue)
        slow.writer.blocked.set()
        await settle()
        return queued, [f["event"] for f in slow.frames], [f["seq"] for f in fast.frames]

    queued, slow_events, fast_seqs = run(scenario())
    assert queued <= 5
    assert "reset" in slow_events
    assert fast_seqs == list(range(1, 51))  # the other subscriber missed nothing


def test_bad_subscriptions_are_refused() -> None:
    async def scenario() -> None:
        bus = EventBus()
        session = RecordingSession()
        with pytest.raises(ActionError, match="unknown event topic: bogus"):
            bus.subscribe(session, ["bogus"])
        with pytest.raises(ActionError, match="since must be"):
            bus.subscribe(session, ["note"], since=-1)
        bus.subscribe(session, ["note", "deck"])
        assert bus.unsubscribe(session, ["note"])["subscribed"] == ["deck"]
        assert bus.unsubscribe(session, "*")["subscribed"] == []

    run(scenario())
