"""subscribe / unsubscribe: live events over the WebSocket (see docs/events.md)."""

from __future__ import annotations

from typing import Any

from ..errors import ActionError
from .context import env, request_info
from .registry import action

WS_ONLY = "{} is only available over a WebSocket connection"


def _bus_and_session(name: str) -> tuple[Any, Any]:
    session = request_info().session
    bus = env().services.get("bus")
    if session is None or bus is None:
        raise ActionError(WS_ONLY.format(name))
    return bus, session


@action(main_thread=False)
def subscribe(events: Any = "*", since: Any = None, run: Any = None) -> dict[str, Any]:
    """Start receiving events of the given topics; with ``since``, first the missed ones."""
    bus, session = _bus_and_session("subscribe")
    return bus.subscribe(session, events, since, run)


@action(main_thread=False)
def unsubscribe(events: Any = "*") -> dict[str, Any]:
    bus, session = _bus_and_session("unsubscribe")
    return bus.unsubscribe(session, events)
