"""Traffic figures for the status page: recent requests, refusals, per-second rates.

Fed on the server thread from ``App.note_request`` / ``App.note_refused``; read by the
``serverStatus`` action on the same thread, so no locking is needed.
"""

from __future__ import annotations

import collections
import time
from typing import Any

__all__ = ["TrafficStats"]

HISTORY_SECONDS = 300
#: the status page polls these every second; counting them would drown real traffic
NOT_COUNTED = frozenset({"serverStatus"})


class TrafficStats:
    def __init__(self, recent: int = 50, refused: int = 50) -> None:
        self.recent: collections.deque[dict[str, Any]] = collections.deque(maxlen=recent)
        self.refused: collections.deque[dict[str, Any]] = collections.deque(maxlen=refused)
        # one bucket per second: [second, http, ws, errors]
        self.buckets: collections.deque[list[int]] = collections.deque(maxlen=HISTORY_SECONDS)
        self.totals = {"http": 0, "ws": 0, "errors": 0, "refused": 0}

    def _bucket(self, now: float) -> list[int]:
        second = int(now)
        if not self.buckets or self.buckets[-1][0] != second:
            self.buckets.append([second, 0, 0, 0])
        return self.buckets[-1]

    def request(self, record: dict[str, Any]) -> None:
        if record.get("action") in NOT_COUNTED:
            return
        now = time.time()
        entry = {"time": int(now * 1000), **record}
        self.recent.append(entry)
        bucket = self._bucket(now)
        if record.get("protocol") == "ws":
            bucket[2] += 1
            self.totals["ws"] += 1
        else:
            bucket[1] += 1
            self.totals["http"] += 1
        if not record.get("ok", True):
            bucket[3] += 1
            self.totals["errors"] += 1

    def refusal(self, record: dict[str, Any]) -> None:
        self.refused.append({"time": int(time.time() * 1000), **record})
        self.totals["refused"] += 1

    def snapshot(self) -> dict[str, Any]:
        now = int(time.time())
        by_second = {b[0]: b for b in self.buckets}
        series = []
        for second in range(now - 119, now + 1):  # the last two minutes, one point a second
            b = by_second.get(second)
            series.append([second, b[1] if b else 0, b[2] if b else 0, b[3] if b else 0])
        return {
            "totals": dict(self.totals),
            "perSecond": series,
            "recent": list(self.recent)[::-1],
            "refused": list(self.refused)[::-1],
        }
