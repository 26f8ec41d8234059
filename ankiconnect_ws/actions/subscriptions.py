"""subscribe / unsubscribe: live events over the WebSocket (see docs/events.md).

The parameters are checked here; the bus (events/bus.py) only keeps the subscription.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ActionError
from ..events.bus import ALL, TOPICS
from ._types import Seq, SubscriptionState, Topics
from .context import Subscriptions, env, request_info
from .registry import action

if TYPE_CHECKING:  # pragma: no cover
    from ..events.bus import Subscriber

WS_ONLY = "{} is only available over a WebSocket connection"


def _bus_and_session(name: str) -> tuple[Subscriptions, Subscriber]:
    session = request_info().session
    bus = env().events
    if session is None or bus is None:
        raise ActionError(WS_ONLY.format(name))
    return bus, session


def _topics(events: Any) -> frozenset[str]:
    if isinstance(events, str):
        events = [events]
    if not isinstance(events, list) or not events:
        raise ActionError("events must be a non-empty list of topics")
    for topic in events:
        if topic != ALL and topic not in TOPICS:
            raise ActionError(f"unknown event topic: {topic}")
    return frozenset(events)


def _since(since: Any) -> int | None:
    if since is not None and (isinstance(since, bool) or not isinstance(since, int) or since < 0):
        raise ActionError("since must be a sequence number (a non-negative integer)")
    return since


@action(main_thread=False)
def subscribe(events: Topics = "*", since: Seq | None = None, run: str | None = None) -> SubscriptionState:
    """Start receiving events of the given topics; with ``since``, first the missed ones."""
    bus, session = _bus_and_session("subscribe")
    return bus.subscribe(session, _topics(events), _since(since), run)  # type: ignore[return-value]


@action(main_thread=False)
def unsubscribe(events: Topics = "*") -> SubscriptionState:
    bus, session = _bus_and_session("unsubscribe")
    return bus.unsubscribe(session, _topics(events))  # type: ignore[return-value]
