"""Traffic figures for the status page: recent requests, refusals, per-second rates.

Fed on the server thread by ``App`` (each answered and each refused request); read for
``serverStatus`` on the same thread, so no locking is needed.
"""

from __future__ import annotations

import collections
import time

from ..wire import JsonObject

__all__ = ["TrafficStats"]

HISTORY_SECONDS = 300
#: the status page polls these every second; counting them would drown real traffic
NOT_COUNTED = frozenset({"serverStatus"})


class TrafficStats:
    def __init__(self, recent: int = 50, refused: int = 50) -> None:
        self.recent: collections.deque[JsonObject] = collections.deque(maxlen=recent)
        self.refused: collections.deque[JsonObject] = collections.deque(maxlen=refused)
        # one bucket per second: [second, http, ws, errors]
        self.buckets: collections.deque[list[int]] = collections.deque(maxlen=HISTORY_SECONDS)
        self.totals = {"http": 0, "ws": 0, "errors": 0, "refused": 0}

    def _bucket(self, now: float) -> list[int]:
        second = int(now)
        if not self.buckets or self.buckets[-1][0] != second:
            self.buckets.append([second, 0, 0, 0])
        return self.buckets[-1]

    def request(self, protocol: str, action: str | None, origin: str, ms: float, error: str | None) -> None:
        """One answered request (``error`` None: it succeeded)."""
        if action in NOT_COUNTED:
            return
        now = time.time()
        self.recent.append({
            "time": int(now * 1000), "action": action, "ms": ms, "ok": error is None, "error": error,
            "protocol": protocol, "origin": origin,
        })
        bucket = self._bucket(now)
        if protocol == "ws":
            bucket[2] += 1
            self.totals["ws"] += 1
        else:
            bucket[1] += 1
            self.totals["http"] += 1
        if error is not None:
            bucket[3] += 1
            self.totals["errors"] += 1

    def refusal(self, protocol: str, reason: str, value: str, action: str | None) -> None:
        """One request turned away (origin, Host, API key on the handshake)."""
        self.refused.append({"time": int(time.time() * 1000), "protocol": protocol, "reason": reason,
                             "value": value, "action": action})
        self.totals["refused"] += 1

    def snapshot(self) -> JsonObject:
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
