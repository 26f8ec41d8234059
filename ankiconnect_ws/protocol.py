"""AnkiConnect's request/response rules, independent of transport and of Anki.

* :func:`parse_request` turns a body into a request object, or the exact error text
  AnkiConnect gives (Python's json and jsonschema messages, first line).
  :func:`parse_message` does the same for a WebSocket message (strict JSON).
* :class:`Dispatcher` checks the API key, finds the action, runs it where it must run
  and shapes the reply: bare result for ``version <= 4``, ``{result, error}`` otherwise
  and for every error.
* :func:`encode_reply` writes strict JSON (RFC 8259) whatever the value holds.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import math
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

import orjson

from . import errors
from .actions import registry
from .actions.context import SLICE_BUDGET, Environment, RequestInfo, bind
from .config import Config

__all__ = [
    "BadRequest", "parse_request", "parse_message", "validate_request", "envelope", "Dispatcher",
    "dumps", "encode_reply", "nested_too_deeply", "MAX_DEPTH",
]

DEFAULT_VERSION = 4

#: A request may nest arrays and objects this many levels deep (the request object is
#: level 1). No real client comes near it; deeper input would exhaust Python's recursion
#: (API log, error messages) and could not be echoed back as JSON.
MAX_DEPTH = 128
TOO_DEEP = f"request nested too deeply: more than {MAX_DEPTH} levels of arrays and objects"

#: A long ``multi`` lets other connections have the server loop after this many items
#: or this many seconds, whichever comes first.
MULTI_YIELD_ITEMS = 100
MULTI_YIELD_SECONDS = 0.002
#: Consecutive main-thread items of a ``multi`` share main-thread turns: at most this
#: many per submission, and each turn ends after SLICE_BUDGET seconds.
MULTI_BATCH_ITEMS = 500


class BadRequest(Exception):
    """The body is not a valid AnkiConnect request; ``str()`` is the message to send.

    ``request_id`` is the WebSocket message's ``id`` when it can be sent back."""

    def __init__(self, message: str, request_id: Any = None) -> None:
        super().__init__(message)
        self.request_id = request_id


# --- nesting depth ------------------------------------------------------------------------


def _orjson_depth_limit() -> int:
    """How many nested arrays orjson.dumps writes (254 in orjson 3.x): found once, so
    a change in a later orjson cannot silently break :func:`nested_too_deeply`."""
    low, high = 1, 4096  # low is accepted; find the largest accepted depth
    if _orjson_writes_depth(high):
        return high
    while high - low > 1:
        middle = (low + high) // 2
        if _orjson_writes_depth(middle):
            low = middle
        else:
            high = middle
    return low


def _orjson_writes_depth(depth: int) -> bool:
    try:
        orjson.dumps(_wrapped(0, depth))
    except TypeError:
        return False
    return True


def _wrapped(value: Any, levels: int) -> Any:
    for _ in range(levels):
        value = [value]
    return value


#: the deepest value orjson writes; deeper replies are written by Python's json up to
#: the same depth
WRITABLE_DEPTH = _orjson_depth_limit()


def nested_too_deeply(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True if ``value`` nests arrays/objects more than ``limit`` levels deep.

    orjson's own depth limit does the counting at C speed (a 300,000-item ``multi``
    in about a fifth of its parse time, several times faster than a Python walk); only
    values orjson cannot write anyway (integers beyond 64 bits) or a limit beyond its
    reach are walked in Python.
    """
    padding = WRITABLE_DEPTH - limit  # extra levels: orjson refuses exactly when too deep
    if padding >= 0:
        try:
            orjson.dumps(_wrapped(value, padding), option=orjson.OPT_NON_STR_KEYS)
            return False
        except TypeError:
            pass  # too deep, or something else orjson refuses: count exactly
    return _walk_too_deep(value, limit)


def _walk_too_deep(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, tuple)))
    return False


def _may_be_too_deep(body: bytes) -> bool:
    # cheap bound: a body with few brackets cannot nest deeply (most requests stop here)
    return body.count(b"[") + body.count(b"{") > MAX_DEPTH


# --- writing replies ----------------------------------------------------------------------


def dumps(value: Any) -> bytes:
    """Serialise as strict JSON (RFC 8259): integer dict keys become strings, as Python's
    json does; NaN and ±Infinity become ``null``, as orjson and JavaScript write them
    (Python's json would write the non-JSON words ``NaN``/``Infinity``)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        # orjson stops at 64-bit integers (a client may send bigger ids back to us);
        # Python's json takes them. Anything else unserialisable still raises.
        pass
    text = json.dumps(_finite(value, 1), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


def _finite(value: Any, depth: int) -> Any:
    """A copy with non-finite floats as None, for Python's json; bounded depth."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (dict, list, tuple)):
        if depth > WRITABLE_DEPTH:
            raise ValueError("nested too deeply")
        if isinstance(value, dict):
            return {key: _finite(item, depth + 1) for key, item in value.items()}
        return [_finite(item, depth + 1) for item in value]
    return value


_UNWRITABLE = (TypeError, ValueError, RecursionError)


def encode_reply(value: Any) -> bytes:
    """Serialise a reply, never raising: a result JSON cannot carry becomes an error
    reply instead, and an ``id`` that cannot be echoed becomes ``null``, so the request
    still gets its one answer."""
    try:
        return dumps(value)
    except _UNWRITABLE as exc:
        error = f"the result cannot be sent as JSON: {exc}"
    if isinstance(value, dict) and "id" in value:
        try:
            return dumps({"id": value["id"], "result": None, "error": error})
        except _UNWRITABLE:
            return dumps({"id": None, "result": None, "error": "the request id cannot be sent back as JSON"})
    return dumps(envelope(None, error))


# --- reading requests ---------------------------------------------------------------------


#: 20 digits in a row: maybe an integer beyond 64 bits, which orjson reads as a float
#: (an id sent back as 1.8446744073709552e+19 no longer matches its request)
_LONG_DIGITS = re.compile(rb"\d{20}")
#: a \uD800-\uDFFF escape: maybe half a surrogate pair, which orjson refuses
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
LONE_SURROGATE = "invalid JSON: a string holds half of a UTF-16 surrogate pair"


def _loads(body: bytes) -> Any:
    try:
        value = _loads_like_python(body) if _LONG_DIGITS.search(body) else orjson.loads(body)
    except orjson.JSONDecodeError:
        value = _loads_like_python(body)
    if _may_be_too_deep(body) and nested_too_deeply(value):
        raise BadRequest(TOO_DEEP)
    return value


def _loads_like_python(body: bytes) -> Any:
    # Slow path only for bodies orjson refuses: reproduce Python's exact messages
    # (clients and upstream tests match "can't decode" / "in double quotes"), and accept
    # what Python's json accepts (NaN, Infinity) like upstream does.
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(str(exc)) from None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    except RecursionError:  # absurdly deep nesting: refuse it, don't crash the connection
        raise BadRequest(TOO_DEEP) from None
    # Python's json accepts half a surrogate pair; such a string cannot be encoded, and
    # fails later inside Anki's windows (an error dialog) instead of here.
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(value):
        raise BadRequest(LONE_SURROGATE)
    return value


def _has_lone_surrogate(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending += item.keys()
            pending += item.values()
        elif isinstance(item, list):
            pending += item
    return False


def _is_integer(value: Any) -> bool:
    # jsonschema's "integer" accepts 6 and 6.0 but not True
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def validate_request(obj: Any) -> dict[str, Any]:
    """Apply AnkiConnect's request schema; messages are jsonschema's first line."""
    if not isinstance(obj, dict):
        raise BadRequest(f"{obj!r} is not of type 'object'")
    if "action" in obj:
        act = obj["action"]
        if not isinstance(act, str):
            raise BadRequest(f"{act!r} is not of type 'string'")
        if not act:
            raise BadRequest("'' should be non-empty")
    if "version" in obj and not _is_integer(obj["version"]):
        raise BadRequest(f"{obj['version']!r} is not of type 'integer'")
    if "params" in obj and not isinstance(obj["params"], dict):
        raise BadRequest(f"{obj['params']!r} is not of type 'object'")
    if "action" not in obj:
        raise BadRequest("'action' is a required property")
    return obj


def parse_request(body: bytes) -> dict[str, Any]:
    return validate_request(_loads(body))


def parse_message(payload: bytes) -> dict[str, Any]:
    """One WebSocket request: strict JSON (no NaN/Infinity), then the same depth limit
    and schema as HTTP. The BadRequest carries the message's ``id`` whenever it can be
    echoed, so the client can match the error to its request."""
    try:
        obj = _strict_loads_exact(payload) if _LONG_DIGITS.search(payload) else orjson.loads(payload)
    except (orjson.JSONDecodeError, ValueError, RecursionError) as exc:
        raise BadRequest(f"invalid JSON: {exc}") from None
    request_id = obj.get("id") if isinstance(obj, dict) else None
    if _may_be_too_deep(payload) and nested_too_deeply(obj):
        if nested_too_deeply(request_id, MAX_DEPTH - 1):  # {"id": ...} adds one level
            raise BadRequest(f"{TOO_DEEP} (in its id, which is therefore not sent back)")
        raise BadRequest(TOO_DEEP, request_id)
    try:
        return validate_request(obj)
    except BadRequest as exc:
        exc.request_id = request_id
        raise


def _strict_loads_exact(payload: bytes) -> Any:
    """Strict JSON with integers of any size kept exact (Python's json)."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    value = json.loads(payload.decode("utf-8"), parse_constant=refuse)
    if _SURROGATE_ESCAPE.search(payload) and _has_lone_surrogate(value):
        raise ValueError("a string holds half of a UTF-16 surrogate pair")
    return value


def envelope(result: Any = None, error: str | None = None) -> dict[str, Any]:
    return {"result": result, "error": error}


def _bare_allowed(version: Any) -> bool:
    try:
        return version <= 4
    except TypeError:
        return False


def _shape(result: Any, version: Any, always_envelope: bool) -> Any:
    if _bare_allowed(version) and not always_envelope:
        return result
    return envelope(result)


def _failure(exc: Exception) -> dict[str, Any]:
    # every failure becomes the error string, as upstream (an exception without a
    # message still needs a truthy error for clients)
    return envelope(None, str(exc) or type(exc).__name__)


MainSubmit = Callable[[Callable[[], Any]], Awaitable[Any]]
#: consecutive main-thread items of a ``multi``, with their actions
_Batch = list[tuple[dict[str, Any], registry.ActionSpec]]


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

    ``submit_main`` runs a job on Anki's main thread (the runner); None runs it inline,
    which is what unit tests on a bare Collection want.
    """

    def __init__(
        self,
        environment: Environment,
        config: Callable[[], Config],
        submit_main: MainSubmit | None = None,
    ) -> None:
        self.environment = environment
        self.config = config
        self.submit_main = submit_main
        environment.services["dispatcher"] = self
        if environment.run_on_main is None and submit_main is not None:
            environment.run_on_main = submit_main

    def key_ok(self, key: Any) -> bool:
        expected = self.config().apiKey
        if expected is None:
            # upstream compares key != apiKey: with no key set only a missing/null key passes
            return key is None
        if not isinstance(key, str):
            return False
        return hmac.compare_digest(key.encode("utf-8"), expected.encode("utf-8"))

    def resolve(self, request: dict[str, Any], info: RequestInfo) -> registry.ActionSpec:
        """The action a request may run; ActionError for a bad key or an unknown name."""
        name = request.get("action", "")
        if name != "requestPermission" and not info.authenticated and not self.key_ok(request.get("key")):
            raise errors.ActionError(errors.INVALID_API_KEY)
        spec = registry.lookup(name)
        if spec is None:
            raise errors.ActionError(errors.UNSUPPORTED_ACTION)
        return spec

    async def handle(
        self, request: dict[str, Any], info: RequestInfo, always_envelope: bool = False
    ) -> Any:
        """One request (or one ``multi`` item) -> its reply value, never raises.

        ``always_envelope`` is for WebSocket replies, which are ``{result, error}``
        whatever ``version`` says (items inside ``multi`` still follow their own).
        """
        try:
            spec = self.resolve(request, info)
        except Exception as exc:
            return _failure(exc)
        return await self._answer(spec, request, info, always_envelope)

    async def _answer(
        self, spec: registry.ActionSpec, request: dict[str, Any], info: RequestInfo, always_envelope: bool
    ) -> Any:
        try:
            result = await self.call(spec, request.get("params", {}), info)
        except Exception as exc:
            return _failure(exc)
        return _shape(result, request.get("version", DEFAULT_VERSION), always_envelope)

    async def call(self, spec: registry.ActionSpec, params: Any, info: RequestInfo) -> Any:
        environment = self.environment
        if spec.is_async:
            with bind(environment, info):
                return await spec.func(**params)
        if not spec.main_thread:
            with bind(environment, info):
                return spec.func(**params)

        def job() -> Any:
            with bind(environment, info):
                return self._run_here(spec, params)

        return await self._on_main(job)

    async def _on_main(self, job: Callable[[], Any]) -> Any:
        if self.submit_main is None:
            return job()
        return await self.submit_main(job)

    def _run_here(self, spec: registry.ActionSpec, params: Any) -> Any:
        """Call a main-thread action (on the main thread, environment bound)."""
        if spec.needs_collection and self.environment.collection() is None:
            raise errors.CollectionUnavailable()
        return spec.func(**params)

    # --- multi ------------------------------------------------------------------------

    async def handle_many(self, items: Any, info: RequestInfo) -> list[Any]:
        """``multi``: every item through the full handler (its own key, version and
        errors), in order.

        Two things keep a huge ``multi`` from hurting anyone else: the server loop is let
        go every few items, so other connections are served meanwhile; and consecutive
        main-thread items share main-thread turns (bounded like any batch), instead of
        one round trip each.
        """
        replies: list[Any] = []
        pacer = _Pacer()
        for step in self._steps(items, info):
            if isinstance(step, list):
                replies += await self._run_batch(step, info)
                done = len(step)
            else:
                item, resolved = step
                # Not validated, as upstream: a non-object item fails the whole call
                # ("'int' object has no attribute 'get'"), after the items before it ran.
                item.get("action")
                if isinstance(resolved, Exception):
                    replies.append(_failure(resolved))
                else:
                    replies.append(await self._answer(resolved, item, info, False))
                done = 1
            if pacer.due(done):
                await asyncio.sleep(0)  # one turn of the event loop: sockets, other requests
        return replies

    def _steps(self, items: Any, info: RequestInfo) -> Iterator[Any]:
        """The items with their actions: runs of main-thread actions grouped into
        batches (lists), any other item alone as ``(item, spec or the error)``."""
        batch: _Batch = []
        for item in items:
            resolved: Any = None  # stays None for a non-object: it fails when its turn comes
            if isinstance(item, dict):
                try:
                    resolved = self.resolve(item, info)
                except Exception as exc:
                    resolved = exc
            if isinstance(resolved, registry.ActionSpec) and resolved.main_thread:
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

    async def _run_batch(self, batch: _Batch, info: RequestInfo) -> list[Any]:
        """Main-thread items in as few main-thread turns as their cost allows."""
        replies: list[Any] = []
        while len(replies) < len(batch):
            rest = batch[len(replies):]
            replies += await self._on_main(lambda rest=rest: self._run_slice(rest, info))
        return replies

    def _run_slice(self, batch: _Batch, info: RequestInfo) -> list[Any]:
        """Main thread: items from the start of ``batch`` until SLICE_BUDGET is spent
        (at least one), each answered as :meth:`handle` would."""
        replies = []
        deadline = time.perf_counter() + SLICE_BUDGET
        with bind(self.environment, info):
            for item, spec in batch:
                try:
                    result = self._run_here(spec, item.get("params", {}))
                except Exception as exc:
                    replies.append(_failure(exc))
                else:
                    replies.append(_shape(result, item.get("version", DEFAULT_VERSION), False))
                if time.perf_counter() >= deadline:
                    break
        return replies
