"""AnkiConnect's request rules, independent of transport and of Anki.

* :func:`admit` says whether a caller may make a request at all (an untrusted origin
  may only ask for permission) and fills in who asks for ``requestPermission``.
* :class:`Dispatcher` checks the API key, finds the action, runs it where it must run
  and shapes the :class:`Reply`: a bare result for ``version <= 4``, ``{result, error}``
  otherwise and for every error.

The server's one entry for requests, ``App.answer`` (server/app.py), uses both; the
wire format (JSON in and out) is in wire.py.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, Union

from . import errors, validation
from .actions import registry
from .actions.context import SLICE_BUDGET, Environment, RequestInfo, bind, reading
from .wire import JsonObject, JsonValue, Request

__all__ = ["Reply", "admit", "key_matches", "Dispatcher", "PERMISSION_ACTION", "DEFAULT_VERSION"]

DEFAULT_VERSION = 4
#: The one action an untrusted origin may call, and the one that needs no API key
#: (upstream's rules): a page asks for access with it.
PERMISSION_ACTION = "requestPermission"

#: A long ``multi`` lets other connections have the server loop after this many items
#: or this many seconds, whichever comes first.
MULTI_YIELD_ITEMS = 100
MULTI_YIELD_SECONDS = 0.002
#: Consecutive main-thread items of a ``multi`` share main-thread turns: at most this
#: many per submission, and each turn ends after SLICE_BUDGET seconds.
MULTI_BATCH_ITEMS = 500

T = TypeVar("T")

#: a request read by the transport (checked against the schema), or a ``multi`` item
#: (any JSON object: upstream checks items no further)
Asked = Union[Request, JsonObject]


@dataclass(frozen=True)
class Reply:
    """The answer to one request, before any transport shapes it."""

    result: JsonValue = None
    #: AnkiConnect's error text; None on success
    error: str | None = None
    #: a success for ``version <= 4``: sent as the bare result where the version decides
    #: (HTTP, and ``multi`` items); a WebSocket reply is always ``{id, result, error}``
    bare: bool = False
    #: not run: the caller's origin is not trusted (HTTP answers 403)
    refused: bool = False

    def value(self) -> JsonValue:
        """The reply as the request's version wants it."""
        return self.result if self.bare else self.envelope()

    def envelope(self) -> dict[str, JsonValue]:
        return {"result": self.result, "error": self.error}


REFUSED = Reply(refused=True)


def _shaped(result: JsonValue, version: JsonValue) -> Reply:
    bare = isinstance(version, (int, float)) and version <= 4  # any other value: enveloped
    return Reply(result, bare=bare)


def _invoke(spec: registry.ActionSpec, params: JsonValue) -> Any:
    """``func(**params)``: the action's own call (a coroutine for an async action).
    ``params`` is unchecked in ``multi`` items: anything but an object fails with
    Python's own TypeError, as upstream. A missing or unknown parameter gets upstream's
    text on every Python (see registry.py)."""
    if isinstance(params, Mapping):
        message = spec.binding_error(params)
        if message is not None:
            raise TypeError(message)
    return spec.func(**params)  # type: ignore[arg-type]


def _failure(exc: Exception) -> Reply:
    # every failure becomes the error string, as upstream (an exception without a
    # message still needs a truthy error for clients)
    return Reply(error=str(exc) or type(exc).__name__)


def admit(request: Request, caller: RequestInfo) -> Request | None:
    """The request as its action will see it, or None: an untrusted origin may only ask
    for permission. For that action the server, not the client, says who asks and
    whether it is trusted (upstream injects ``origin`` and ``allowed``; the action
    reads the same facts from the caller)."""
    if request["action"] == PERMISSION_ACTION:
        params: JsonObject = {**request.get("params", {}), "allowed": caller.trusted, "origin": caller.origin}
        return {**request, "params": params}
    return request if caller.trusted else None


def key_matches(key: object, expected: str | None) -> bool:
    """AnkiConnect's API key rule, compared in constant time. Upstream compares
    ``key != apiKey``: with no key configured only a missing (null) key passes."""
    if expected is None:
        return key is None
    if not isinstance(key, str):
        return False
    return hmac.compare_digest(key.encode("utf-8"), expected.encode("utf-8"))


#: consecutive main-thread items of a ``multi``, with their actions
_Batch = list[tuple[JsonObject, registry.ActionSpec]]


class _Pacer:
    """Tells a long loop on the server thread when to let other connections in."""

    def __init__(self) -> None:
        self._items = 0
        self._deadline = time.perf_counter() + MULTI_YIELD_SECONDS

    def due(self, items: int) -> bool:
        """Count ``items`` done; True (and start counting afresh) when it is time to yield."""
        self._items += items
        if self._items < MULTI_YIELD_ITEMS and time.perf_counter() < self._deadline:
            return False
        self._items = 0
        self._deadline = time.perf_counter() + MULTI_YIELD_SECONDS
        return True


class Dispatcher:
    """Runs requests: key check, lookup, execution on the right thread, reply shape.

    Main-thread work goes through ``environment.run_on_main`` (the runner); without it
    it runs inline, which is what unit tests on a bare Collection want.
    """

    def __init__(self, environment: Environment) -> None:
        self.environment = environment

    def resolve(self, request: Asked, info: RequestInfo) -> registry.ActionSpec:
        """The action a request may run; ActionError for a bad key, an unknown name or
        params its schema refuses (validation.py)."""
        name = request.get("action", "")
        if (name != PERMISSION_ACTION and not info.authenticated
                and not key_matches(request.get("key"), self.environment.config.apiKey)):
            raise errors.ActionError(errors.INVALID_API_KEY)
        spec = registry.lookup(name)
        if spec is None:
            raise errors.ActionError(errors.UNSUPPORTED_ACTION)
        if self.environment.config.validateParams:
            validation.check_params(spec.name, request.get("params", {}))
        return spec

    async def reply(self, request: Asked, info: RequestInfo) -> Reply:
        """One request -> its reply; never raises. Anki's screens hear of what it
        changed before the reply goes (once, however many notes a batch changed)."""
        try:
            spec = self.resolve(request, info)
        except Exception as exc:
            return _failure(exc)
        try:
            return await self._answer(spec, request, info)
        finally:
            await self._refresh_screens()

    async def _refresh_screens(self) -> None:
        screens = self.environment.screens
        if not screens.pending:
            return
        try:
            await self._on_main(screens.flush)
        except Exception:  # noqa: BLE001 - Anki is closing: no screen to refresh
            pass

    async def handle(self, request: Asked, info: RequestInfo) -> JsonValue:
        """One request -> its reply as its version wants it (bare or ``{result, error}``)."""
        return (await self.reply(request, info)).value()

    async def _answer(self, spec: registry.ActionSpec, request: Asked, info: RequestInfo) -> Reply:
        try:
            result = await self.call(spec, request.get("params", {}), info)
        except Exception as exc:
            return _failure(exc)
        return _shaped(result, request.get("version", DEFAULT_VERSION))

    async def call(self, spec: registry.ActionSpec, params: JsonValue, info: RequestInfo) -> JsonValue:
        environment = self.environment
        if spec.is_async:
            with bind(environment, info, self):
                return await _invoke(spec, params)
        if not spec.main_thread:
            with bind(environment, info, self):
                return _invoke(spec, params)

        def job() -> JsonValue:
            with bind(environment, info, self):
                return self._run_here(spec, params)

        if spec.reads and environment.run_reading is not None:
            return await self._read(job)
        return await self._on_main(job)

    async def _read(self, job: Callable[[], T]) -> T:
        """A reading action's job on the reader thread (see context.reading)."""
        with bind(self.environment):
            return await reading(job)

    async def _on_main(self, job: Callable[[], T]) -> T:
        run_on_main = self.environment.run_on_main
        if run_on_main is None:
            return job()
        return await run_on_main(job)

    def _run_here(self, spec: registry.ActionSpec, params: JsonValue) -> JsonValue:
        """Call a main-thread action (on the main thread, environment bound)."""
        if spec.needs_collection and self.environment.collection() is None:
            raise errors.CollectionUnavailable()
        return _invoke(spec, params)

    # --- multi ------------------------------------------------------------------------

    async def handle_many(self, items: Iterable[JsonValue], info: RequestInfo) -> list[JsonValue]:
        """``multi``: every item through the full handler (its own key, version and
        errors), in order.

        Two things keep a huge ``multi`` from hurting anyone else: the server loop is let
        go every few items, so other connections are served meanwhile; and consecutive
        main-thread items share main-thread turns (bounded like any batch), instead of
        one round trip each.
        """
        replies: list[JsonValue] = []
        pacer = _Pacer()
        for step in self._steps(items, info):
            if isinstance(step, list):
                replies += await self._run_batch(step, info)
                done = len(step)
            else:
                item, resolved = step
                if isinstance(resolved, Exception):
                    replies.append(_failure(resolved).value())
                else:
                    replies.append((await self._answer(resolved, item, info)).value())
                done = 1
            if pacer.due(done):
                await asyncio.sleep(0)  # one turn of the event loop: sockets, other requests
        return replies

    def _steps(self, items: Iterable[JsonValue], info: RequestInfo
               ) -> Iterator[_Batch | tuple[JsonObject, registry.ActionSpec | Exception]]:
        """The items with their actions: runs of main-thread actions grouped into
        batches (lists), any other item alone as ``(item, spec or the error)``."""
        batch: _Batch = []
        for item in items:
            if not isinstance(item, dict):
                if batch:
                    yield batch
                    batch = []
                # Not validated, as upstream: a non-object item fails the whole call
                # ("'int' object has no attribute 'get'"), after the items before it ran.
                item.get("action")  # type: ignore[union-attr]
                continue
            resolved: registry.ActionSpec | Exception
            try:
                resolved = self.resolve(item, info)
            except Exception as exc:
                resolved = exc
            # reading actions go alone, to the reader: not into Anki's main thread
            if isinstance(resolved, registry.ActionSpec) and resolved.main_thread and not resolved.reads:
                batch.append((item, resolved))
                if len(batch) >= MULTI_BATCH_ITEMS:
                    yield batch
                    batch = []
                continue
            if batch:
                yield batch
                batch = []
            yield item, resolved
        if batch:
            yield batch

    async def _run_batch(self, batch: _Batch, info: RequestInfo) -> list[JsonValue]:
        """Main-thread items in as few main-thread turns as their cost allows."""
        replies: list[JsonValue] = []
        while len(replies) < len(batch):
            rest = batch[len(replies):]
            replies += await self._on_main(functools.partial(self._run_slice, rest, info))
        return replies

    def _run_slice(self, batch: _Batch, info: RequestInfo) -> list[JsonValue]:
        """Main thread: items from the start of ``batch`` until SLICE_BUDGET is spent
        (at least one), each answered as :meth:`handle` would."""
        replies: list[JsonValue] = []
        deadline = time.perf_counter() + SLICE_BUDGET
        with bind(self.environment, info, self):
            for item, spec in batch:
                try:
                    result = self._run_here(spec, item.get("params", {}))
                except Exception as exc:
                    replies.append(_failure(exc).value())
                else:
                    replies.append(_shaped(result, item.get("version", DEFAULT_VERSION)).value())
                if time.perf_counter() >= deadline:
                    break
        return replies
