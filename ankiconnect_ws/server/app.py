"""What the transports share: the dispatcher, the live config, counters and hooks.

The transport layer (http.py, websocket.py) only sees this object; it knows nothing of
Anki. The add-on (or a test) builds one and hands it to the server thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from ..protocol import Dispatcher

__all__ = ["App"]

_log = logging.getLogger("ankiconnect_ws.server")


@dataclass
class App:
    dispatcher: Dispatcher
    config: Callable[[], Config]
    #: folder of the status page (web/); None serves no static files
    web_root: Path | None = None
    #: called on the server thread for each finished request (stats, status page, log)
    on_request: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)
    #: called on the server thread for each refused request (origin, host, key)
    on_refused: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)
    #: pub/sub for WebSocket events; set by the events package
    bus: Any = None
    started: float = field(default_factory=time.time)
    #: ``apiLogPath`` writer (see apilog.py), or None
    api_log: Any = None
    #: open WebSocket sessions (server thread only)
    sessions: set[Any] = field(default_factory=set)

    def note_request(self, protocol: str, action: Any, origin: str, started: float, error: Any) -> None:
        """Tell the observers a request was answered (``started``: perf_counter)."""
        if not self.on_request:
            return
        record = {
            "protocol": protocol,
            "action": action,
            "origin": origin,
            "ms": round((time.perf_counter() - started) * 1000, 3),
            "ok": error is None,
            "error": error,
        }
        for fn in self.on_request:
            fn(record)

    def log(self, kind: str, value: Any) -> None:
        if self.api_log is not None:
            try:
                self.api_log.write(kind, value)
            except Exception:  # a full disk or absurd nesting must not cost the request its answer
                _log.warning("apiLogPath: could not log a %s", kind, exc_info=True)

    def note_refused(self, record: dict[str, Any]) -> None:
        for fn in self.on_refused:
            fn(record)
