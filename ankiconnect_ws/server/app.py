"""What the transports share: the one way a request is answered (:meth:`App.answer`),
the live settings, the open WebSocket sessions, the traffic figures and the API log.

The transports (http.py + http_api.py, websocket.py) only frame bytes and call
:meth:`App.answer`; the add-on (or a test) builds the App and hands it to the server
thread. Nothing here knows Anki.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..actions.context import RequestInfo, Transport
from ..config import Config
from ..protocol import REFUSED, Dispatcher, Reply, admit
from ..wire import JsonObject, JsonValue, Request
from .apilog import ApiLog
from .stats import TrafficStats

if TYPE_CHECKING:  # pragma: no cover
    from ..events import EventBus
    from .websocket import Session

__all__ = ["App"]

_log = logging.getLogger("ankiconnect_ws.server")


class App:
    def __init__(self, dispatcher: Dispatcher, settings: Callable[[], Config], *,
                 stats: TrafficStats | None = None, events: EventBus | None = None,
                 web_root: Path | None = None) -> None:
        self.dispatcher = dispatcher
        self.settings = settings
        self.stats = stats if stats is not None else TrafficStats()
        #: the bus a closing WebSocket session leaves; None serves no events
        self.events = events
        #: folder of the status page (web/); None serves no static files
        self.web_root = web_root
        self.started = time.time()
        #: open WebSocket sessions (server thread only)
        self.sessions: set[Session] = set()
        self._api_log: ApiLog | None = None

    # --- requests --------------------------------------------------------------------

    async def answer(self, request: Request, caller: RequestInfo) -> Reply:
        """Answer one parsed request, over HTTP or WebSocket alike: admission (an
        untrusted origin may only ask for permission), the API log, the dispatcher (API
        key, the action, the reply's shape) and the traffic figures. Never raises."""
        started = time.perf_counter()
        admitted = admit(request, caller)
        if admitted is None:
            self.refused(caller.protocol, "origin", caller.origin, request["action"])
            return REFUSED
        self._log("request", admitted)
        reply = await self.dispatcher.reply(admitted, caller)
        # logged as sent: a WebSocket reply is always {result, error} (its id aside)
        self._log("reply", reply.envelope() if caller.protocol == "ws" else reply.value())
        self._record(caller, request["action"], started, reply.error)
        return reply

    def invalid(self, caller: RequestInfo, message: str) -> Reply:
        """A request that could not be read (bad JSON, wrong schema): its error reply,
        counted as a failed request."""
        self._record(caller, None, time.perf_counter(), message)
        return Reply(error=message)

    def refused(self, protocol: Transport, reason: str, value: str, action: str | None = None) -> None:
        """A request turned away before any action ran (origin, Host, API key)."""
        self.stats.refusal(protocol, reason, value, action)

    def _record(self, caller: RequestInfo, action: str | None, started: float, error: str | None) -> None:
        ms = round((time.perf_counter() - started) * 1000, 3)
        self.stats.request(caller.protocol, action, caller.origin, ms, error)

    # --- the API log (apiLogPath) ----------------------------------------------------

    def log_to(self, path: str | None) -> None:
        """Log every request and reply to ``path`` from now on; None stops logging.
        Raises OSError when the file cannot be opened (then nothing is logged)."""
        current = self._api_log
        if current is not None and current.path == path:
            return
        self._api_log = None
        if current is not None:
            current.close()
        if path:
            self._api_log = ApiLog(path)

    def _log(self, kind: str, value: Request | JsonValue) -> None:
        api_log = self._api_log
        if api_log is not None:
            try:
                api_log.write(kind, value)
            except Exception:  # a full disk or absurd nesting must not cost the request its answer
                _log.warning("apiLogPath: could not log a %s", kind, exc_info=True)

    # --- WebSocket sessions ----------------------------------------------------------

    def session_opened(self, session: Session) -> None:
        self.sessions.add(session)

    def session_closed(self, session: Session) -> None:
        self.sessions.discard(session)
        if self.events is not None:
            self.events.drop(session)

    def clients(self) -> list[JsonObject]:
        """The open WebSocket connections, for serverStatus."""
        return [session.figures() for session in self.sessions]
