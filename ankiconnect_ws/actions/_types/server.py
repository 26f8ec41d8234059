"""Shapes of the API itself: ``multi``, permissions, event subscriptions and
``serverStatus``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict, Union

from ...events.bus import ALL, TOPICS
from ...schema.hints import NotRequired, Required, Keywords, open_keys
from .common import OWN_CHECK

#: an event topic, or "*" for all
Topic = Annotated[str, Keywords(enum=[*TOPICS, ALL])]
Topics = Annotated[Union[Topic, Annotated[list[Topic], Keywords(minItems=1)]], OWN_CHECK]
#: an event sequence number
Seq = Annotated[int, Keywords(minimum=0), OWN_CHECK]


@open_keys
class MultiItem(TypedDict, total=False):
    """A request inside ``multi``: answered as its own request (own key and version,
    errors in place)."""

    action: Required[str]
    version: int
    key: str | None
    params: dict[str, Any]


# --- results ---------------------------------------------------------------------------


class ApiReflection(TypedDict):
    scopes: list[str]
    actions: NotRequired[list[str]]


class PermissionGranted(TypedDict):
    permission: Literal["granted"]
    requireApikey: bool
    version: int


class PermissionDenied(TypedDict):
    permission: Literal["denied"]


class SubscriptionState(TypedDict):
    subscribed: list[str]
    seq: int
    run: str


# serverStatus


class ServerFigures(TypedDict):
    version: str
    apiVersion: int
    address: str | None
    startedAt: int | None
    uptime: float | None


class AnkiFigures(TypedDict, total=False):
    """Empty when no add-on runs (unit tests)."""

    version: str
    profile: str | None
    collectionOpen: bool
    state: str
    sync: Literal["idle", "syncing"]
    permissionPrompts: list[str]
    permissionPromptsShown: int


class RecentRequest(TypedDict):
    time: int
    action: str | None
    ms: float
    ok: bool
    error: str | None
    protocol: str
    origin: str


class Refusal(TypedDict):
    time: int
    protocol: str
    reason: str
    value: str
    action: str | None


class TrafficTotals(TypedDict):
    http: int
    ws: int
    errors: int
    refused: int


class Traffic(TypedDict):
    totals: TrafficTotals
    #: [second, http requests, WebSocket requests, errors] for the last 120 seconds
    perSecond: list[tuple[int, int, int, int]]
    recent: list[RecentRequest]
    refused: list[Refusal]


class ClientFigures(TypedDict):
    origin: str
    connectedAt: int
    inFlight: int
    topics: list[str]
    queued: int
    resets: int


class EventFigures(TypedDict):
    seq: int
    #: events kept for replay, and their size in bytes
    buffered: int
    bufferedBytes: int
    subscribers: int
    resets: int
    run: str
    queueSize: int


class PermissionRequest(TypedDict):
    origin: str
    waiting: int
    since: int


class ServerStatus(TypedDict):
    server: ServerFigures
    anki: AnkiFigures
    traffic: NotRequired[Traffic]
    clients: NotRequired[list[ClientFigures]]
    events: NotRequired[EventFigures]
    permissionRequests: list[PermissionRequest]
