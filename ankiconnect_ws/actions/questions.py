"""Open questions to the user, one per key: whoever asks while one is open waits for
the same answer instead of asking again (requestPermission: one prompt per origin)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = ["OpenQuestions"]

T = TypeVar("T")


@dataclass
class _Question(Generic[T]):
    answer: "asyncio.Future[T]"
    since: float
    waiting: int = 0


class OpenQuestions:
    """At most one open question per key (server loop only)."""

    def __init__(self) -> None:
        self._open: dict[str, _Question[Any]] = {}

    async def ask(self, key: str, question: Callable[[], Awaitable[T]]) -> T:
        entry = self._open.get(key)
        if entry is None or entry.answer.done():
            entry = _Question(asyncio.ensure_future(question()), time.time())
            self._open[key] = entry
            entry.answer.add_done_callback(lambda _answer, entry=entry: self._forget(key, entry))
        entry.waiting += 1
        try:
            # shielded: one asker giving up (its connection closed) must not withdraw
            # the question from the others
            return await asyncio.shield(entry.answer)
        finally:
            entry.waiting -= 1

    def _forget(self, key: str, entry: _Question[Any]) -> None:
        if self._open.get(key) is entry:
            del self._open[key]

    def snapshot(self) -> list[dict[str, Any]]:
        """The open questions, for serverStatus."""
        return [
            {"origin": key, "waiting": entry.waiting, "since": int(entry.since * 1000)}
            for key, entry in self._open.items()
            if not entry.answer.done()
        ]
