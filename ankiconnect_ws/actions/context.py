"""What an action may reach: the collection, Anki's window, the settings, the caller,
and the few services of the add-on around it.

Actions call :func:`col` / :func:`gui` instead of importing ``aqt.mw`` so that the same
action code runs inside Anki (bound by the dispatcher, on the main thread or the server
loop) and in unit tests on a real :class:`anki.collection.Collection` in a temp folder.

Everything an action may ask of the add-on is a typed field of :class:`Environment`
(the event bus as :class:`Subscriptions`, the figures of :class:`StatusSource`, the
:data:`PermissionPrompt`); each is None where there is no add-on (unit tests).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from ..config import Config
from ..errors import ActionError, CollectionUnavailable
from ..wire import JsonObject, JsonValue
from ._screens_refresh import ScreensRefresh
from .questions import OpenQuestions

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection
    from aqt.main import AnkiQt

    from ..events.bus import Subscriber

__all__ = [
    "Environment",
    "RequestInfo",
    "Transport",
    "MainThread",
    "Dispatch",
    "Subscriptions",
    "StatusFigures",
    "StatusSource",
    "PromptAnswer",
    "PermissionPrompt",
    "bind",
    "col",
    "gui",
    "env",
    "request_info",
    "dispatcher",
    "on_main",
    "on_main_sliced",
    "reading",
    "wait_for_anki",
    "SLICE_BUDGET",
]

#: target duration of one main-thread slice of a long batch (seconds): short enough
#: that Anki repaints and answers input between slices
SLICE_BUDGET = 0.010

T = TypeVar("T")
Transport = Literal["http", "ws"]


@dataclass(frozen=True)
class RequestInfo:
    """What the transport knows about the caller (requestPermission, subscribe, the
    API log and the traffic figures read it)."""

    origin: str = ""
    #: the origin may use the API (a WebSocket was refused at the handshake otherwise)
    trusted: bool = True
    protocol: Transport = "http"
    #: the WebSocket connection already proved the API key (``?key=`` on the handshake)
    authenticated: bool = False
    #: the WebSocket session (it receives the events subscribed to); None over HTTP
    session: Subscriber | None = None


class MainThread(Protocol):
    """Runs ``fn`` on Anki's main thread and gives its result (the runner's ``run``)."""

    def __call__(self, fn: Callable[[], T]) -> Awaitable[T]: ...


class Dispatch(Protocol):
    """The dispatcher running the current request, for ``multi``'s items."""

    async def handle_many(self, items: Iterable[JsonValue], info: RequestInfo) -> list[JsonValue]: ...


class Subscriptions(Protocol):
    """The event bus as subscribe/unsubscribe see it (server thread); the topics and
    ``since`` are checked by the actions."""

    def subscribe(self, subscriber: Subscriber, topics: frozenset[str], since: int | None,
                  run: object) -> JsonObject: ...

    def unsubscribe(self, subscriber: Subscriber, topics: frozenset[str]) -> JsonObject: ...


@dataclass(frozen=True)
class StatusFigures:
    """What serverStatus reports that only the add-on knows (see the README)."""

    #: address, startedAt, uptime
    server: JsonObject
    #: version, profile, collectionOpen, state, sync, permissionPrompts, permissionPromptsShown
    anki: JsonObject
    traffic: JsonObject
    clients: list[JsonObject]
    events: JsonObject


class StatusSource(Protocol):
    def status(self) -> StatusFigures:
        """A snapshot, taken on the server thread without waiting for Anki."""
        ...


@dataclass(frozen=True)
class PromptAnswer:
    """A permission prompt on screen."""

    #: the user's answer (settled on the main thread)
    answer: concurrent.futures.Future[bool]
    #: main thread: close the prompt unanswered (the caller stopped waiting)
    withdraw: Callable[[], None]


#: main thread: show a permission prompt for the origin
PermissionPrompt = Callable[[str], PromptAnswer]


@dataclass(frozen=True)
class Environment:
    """Where actions run. Inside Anki ``mw`` is the main window; in unit tests it is None."""

    #: the collection actions may use now, None while none is open (or Anki syncs)
    collection: Callable[[], Collection | None]
    #: the current settings: read at each use, so an edited config applies at once
    settings: Callable[[], Config] = Config
    mw: AnkiQt | None = None
    #: None runs main-thread work inline, which is what unit tests on a bare Collection want
    run_on_main: MainThread | None = None
    #: runs read-only collection work off the main thread (the add-on's reader);
    #: None runs it as main-thread work
    run_reading: MainThread | None = None
    events: Subscriptions | None = None
    status: StatusSource | None = None
    permission_prompt: PermissionPrompt | None = None
    #: the requestPermission prompts waiting for an answer (server loop)
    permission_questions: OpenQuestions = field(default_factory=OpenQuestions)
    #: changes Anki's screens hear of once the request is done (see _screens_refresh)
    screens: ScreensRefresh = field(default_factory=ScreensRefresh)

    @property
    def config(self) -> Config:
        return self.settings()


@dataclass(frozen=True)
class _Call:
    """What :func:`bind` binds: one request being answered."""

    environment: Environment
    caller: RequestInfo
    dispatcher: Dispatch | None


_NO_CALLER = RequestInfo()
_call: contextvars.ContextVar[_Call | None] = contextvars.ContextVar("ankiconnect_ws_call", default=None)


@contextlib.contextmanager
def bind(environment: Environment, request: RequestInfo | None = None,
         dispatcher: Dispatch | None = None) -> Iterator[None]:
    token = _call.set(_Call(environment, request or _NO_CALLER, dispatcher))
    try:
        yield
    finally:
        _call.reset(token)


def _current() -> _Call:
    current = _call.get()
    if current is None:
        raise CollectionUnavailable()
    return current


def env() -> Environment:
    return _current().environment


def col() -> "Collection":
    """The open collection, or the error ``collection is not available``."""
    collection = env().collection()
    if collection is None:
        raise CollectionUnavailable()
    return collection


def gui() -> Any:
    """Anki's main window (``aqt.mw``); an error when running without the GUI."""
    mw = env().mw
    if mw is None:
        raise ActionError("this action needs Anki's main window")
    return mw


def request_info() -> RequestInfo:
    current = _call.get()
    return current.caller if current is not None else _NO_CALLER


def dispatcher() -> Dispatch:
    """The dispatcher answering the current request (``multi`` runs its items there)."""
    current = _current().dispatcher
    if current is None:
        raise ActionError("this action runs only through the dispatcher")
    return current


def _bound(fn: Callable[[], Any], call: _Call) -> Callable[[], Any]:
    """``fn`` run inside the same call; a Continue it returns stays inside it too."""
    from ..runner import Continue

    def job() -> Any:
        with bind(call.environment, call.caller, call.dispatcher):
            out = fn()
        if isinstance(out, Continue):
            return Continue(_bound(out.fn, call))
        return out

    return job


async def on_main(fn: Callable[[], T]) -> T:
    """From an ``async`` action: run ``fn`` on Anki's main thread and return its result.

    ``fn`` sees the same environment and caller as the action that called it. It may
    return :class:`~ankiconnect_ws.runner.Continue` to go on in a later turn.
    """
    from ..runner import Continue

    call = _current()
    environment = call.environment
    job = _bound(fn, call)
    if environment.run_on_main is None:  # unit tests: there is only one thread
        out = job()
        while isinstance(out, Continue):
            out = out.fn()
        return out
    return await environment.run_on_main(job)


async def reading(fn: Callable[[], T]) -> T:
    """From an ``async`` action: run read-only collection work ``fn`` off Anki's main
    thread (see reader.py), with the same environment and caller; without a reader, as
    main-thread work.

    ``fn`` must not change the collection, nor touch Anki's windows. If the collection
    closes while it runs (a profile switch, a full sync), the answer is ``collection is
    not available``, whatever the read then ran into.
    """
    call = _current()
    environment = call.environment
    if environment.run_reading is None:
        return await on_main(fn)
    bound = _bound(fn, call)

    def job() -> T:
        collection = environment.collection()
        if collection is None:
            raise CollectionUnavailable()
        try:
            return bound()
        except Exception:
            if environment.collection() is not collection:
                raise CollectionUnavailable() from None
            raise

    return await environment.run_reading(job)


async def on_main_sliced(
    items: list[Any],
    work: Callable[[list[Any]], list[T]],
    budget: float | None = None,
    first: int = 100,
) -> list[T]:
    """Run ``work`` over ``items`` on the main thread in slices of about ``budget``
    seconds each, and return the concatenated results in order.

    Between slices Qt gets its turn (paint, input, timers), so a 10,000-note batch never
    freezes Anki; the slice size adapts to the measured cost per item. ``work`` must give
    one result per item and be correct for any split of the list.
    """
    budget = SLICE_BUDGET if budget is None else budget
    if not items:
        return []
    return await on_main(_Slicer(items, work, budget, first).step)


class _Slicer:
    """The state of one sliced batch. A method, not a closure: a closure that returns
    ``Continue(itself)`` refers to itself, and that cycle would keep the whole batch
    (input and results) alive until a full garbage collection, which Anki runs only
    every few minutes."""

    __slots__ = ("items", "work", "budget", "results", "position", "size")

    def __init__(self, items: list[Any], work: Callable[[list[Any]], list[Any]], budget: float, first: int) -> None:
        self.items = items
        self.work = work
        self.budget = budget
        self.results: list[Any] = []
        self.position = 0
        self.size = max(1, first)

    def step(self) -> Any:
        from ..runner import Continue

        part = self.items[self.position : self.position + self.size]
        began = time.perf_counter()
        self.results.extend(self.work(part))
        elapsed = time.perf_counter() - began
        self.position += len(part)
        per_item = max(elapsed / max(len(part), 1), 1e-6)
        self.size = max(1, min(self.size * 4, int(self.budget / per_item)))
        if self.position < len(self.items):
            return Continue(self.step)
        return self.results


async def wait_for_anki(future: "concurrent.futures.Future[T]", timeout: float) -> T:
    """Await something Anki settles later on its main thread (a dialog's answer, a
    background operation), for at most ``timeout`` seconds.

    Raises ``asyncio.TimeoutError``; the future is left alone (shielded), so Anki may
    still finish the step after the caller has been answered.
    """
    return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout)
