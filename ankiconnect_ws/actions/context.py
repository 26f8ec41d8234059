"""What an action may reach: the collection, Anki's window, the settings, the caller.

Actions call :func:`col` / :func:`gui` instead of importing ``aqt.mw`` so that the same
action code runs inside Anki (bound by the runner on the main thread) and in unit tests
on a real :class:`anki.collection.Collection` in a temp folder (bound by the fixture).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import ActionError, CollectionUnavailable

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection

    from ..config import Config

__all__ = [
    "Environment",
    "RequestInfo",
    "bind",
    "col",
    "gui",
    "env",
    "request_info",
    "on_main",
    "on_main_sliced",
    "wait_for_anki",
    "SLICE_BUDGET",
]

#: target duration of one main-thread slice of a long batch (seconds): short enough
#: that Anki repaints and answers input between slices
SLICE_BUDGET = 0.010

T = TypeVar("T")


@dataclass
class RequestInfo:
    """Facts about the caller that some actions need (requestPermission, logging)."""

    origin: str = ""
    trusted: bool = True
    protocol: str = "http"  # "http" or "ws"
    #: the WebSocket connection already proved the API key (``?key=`` on the handshake)
    authenticated: bool = False
    #: the WebSocket session (for subscribe/unsubscribe); None over HTTP
    session: Any = None


@dataclass
class Environment:
    """Where actions run. Inside Anki ``mw`` is the main window; in unit tests it is None."""

    collection: Callable[[], "Collection | None"]
    mw: Any = None
    config: "Config | None" = None
    #: runs a callable on Anki's main thread and gives its result (awaitable)
    run_on_main: Callable[[Callable[[], Any]], Awaitable[Any]] | None = None
    #: add-on services (event bus, stats, config writer ...) by name
    services: dict[str, Any] = field(default_factory=dict)


_env: contextvars.ContextVar[Environment | None] = contextvars.ContextVar("env", default=None)
_request: contextvars.ContextVar[RequestInfo] = contextvars.ContextVar(
    "request", default=RequestInfo()
)


@contextlib.contextmanager
def bind(environment: Environment, request: RequestInfo | None = None) -> Iterator[None]:
    token = _env.set(environment)
    rtoken = _request.set(request or RequestInfo())
    try:
        yield
    finally:
        _request.reset(rtoken)
        _env.reset(token)


def env() -> Environment:
    current = _env.get()
    if current is None:
        raise CollectionUnavailable()
    return current


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
    return _request.get()


def _bound(fn: Callable[[], Any], environment: Environment, info: RequestInfo) -> Callable[[], Any]:
    """``fn`` run inside the environment; a Continue it returns stays inside it too."""
    from ..runner import Continue

    def job() -> Any:
        with bind(environment, info):
            out = fn()
        if isinstance(out, Continue):
            return Continue(_bound(out.fn, environment, info))
        return out

    return job


async def on_main(fn: Callable[[], T]) -> T:
    """From an ``async`` action: run ``fn`` on Anki's main thread and return its result.

    ``fn`` sees the same environment and caller as the action that called it. It may
    return :class:`~ankiconnect_ws.runner.Continue` to go on in a later turn.
    """
    from ..runner import Continue

    environment = env()
    job = _bound(fn, environment, request_info())
    if environment.run_on_main is None:  # unit tests: there is only one thread
        out = job()
        while isinstance(out, Continue):
            out = out.fn()
        return out
    return await environment.run_on_main(job)


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
