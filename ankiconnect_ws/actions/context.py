"""What an action may reach: the collection, Anki's window, the settings, the caller.

Actions call :func:`col` / :func:`gui` instead of importing ``aqt.mw`` so that the same
action code runs inside Anki (bound by the runner on the main thread) and in unit tests
on a real :class:`anki.collection.Collection` in a temp folder (bound by the fixture).
"""

from __future__ import annotations

import contextlib
import contextvars
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
]

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


async def on_main(fn: Callable[[], T]) -> T:
    """From an ``async`` action: run ``fn`` on Anki's main thread and return its result.

    ``fn`` sees the same environment and caller as the action that called it.
    """
    environment = env()
    info = request_info()

    def job() -> T:
        with bind(environment, info):
            return fn()

    if environment.run_on_main is None:  # unit tests: there is only one thread
        return job()
    return await environment.run_on_main(job)
