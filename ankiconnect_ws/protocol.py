"""AnkiConnect's request/response rules, independent of transport and of Anki.

* :func:`parse_request` turns a body into a request object, or the exact error text
  AnkiConnect gives (Python's json and jsonschema messages, first line).
* :class:`Dispatcher` checks the API key, finds the action, runs it where it must run
  and shapes the reply: bare result for ``version <= 4``, ``{result, error}`` otherwise
  and for every error.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from . import errors
from .actions import registry
from .actions.context import Environment, RequestInfo, bind
from .config import Config

__all__ = ["BadRequest", "parse_request", "validate_request", "envelope", "Dispatcher", "dumps", "encode_reply"]

DEFAULT_VERSION = 4


class BadRequest(Exception):
    """The body is not a valid AnkiConnect request; ``str()`` is the message to send."""


def dumps(value: Any) -> bytes:
    """Serialise a reply. Integer dict keys become strings, as Python's json does."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        # orjson stops at 64-bit integers (a client may send bigger ids back to us);
        # Python's json takes them. Anything else unserialisable still raises.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode_reply(value: Any) -> bytes:
    """Serialise a reply; a result JSON cannot carry becomes an error reply instead, so
    the request still gets its one answer."""
    try:
        return dumps(value)
    except (TypeError, ValueError) as exc:
        error = f"the result cannot be sent as JSON: {exc}"
        if isinstance(value, dict) and "id" in value:
            return dumps({"id": value["id"], "result": None, "error": error})
        return dumps(envelope(None, error))


def _loads(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    # Slow path only for bodies orjson refuses: reproduce Python's exact messages
    # (clients and upstream tests match "can't decode" / "in double quotes"), and accept
    # what Python's json accepts (NaN, Infinity) like upstream does.
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(str(exc)) from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    except RecursionError:  # absurdly deep nesting: refuse it, don't crash the connection
        raise BadRequest("JSON nested too deeply") from None


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


def envelope(result: Any = None, error: str | None = None) -> dict[str, Any]:
    return {"result": result, "error": error}


def _bare_allowed(version: Any) -> bool:
    try:
        return version <= 4
    except TypeError:
        return False


MainSubmit = Callable[[Callable[[], Any]], Awaitable[Any]]


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

    async def handle(
        self, request: dict[str, Any], info: RequestInfo, always_envelope: bool = False
    ) -> Any:
        """One request (or one ``multi`` item) -> its reply value, never raises.

        ``always_envelope`` is for WebSocket replies, which are ``{result, error}``
        whatever ``version`` says (items inside ``multi`` still follow their own).
        """
        name = request.get("action", "")
        version = request.get("version", DEFAULT_VERSION)
        params = request.get("params", {})
        try:
            if (
                name != "requestPermission"
                and not info.authenticated
                and not self.key_ok(request.get("key"))
            ):
                raise errors.ActionError(errors.INVALID_API_KEY)
            spec = registry.lookup(name)
            if spec is None:
                raise errors.ActionError(errors.UNSUPPORTED_ACTION)
            result = await self.call(spec, params, info)
        except Exception as exc:  # every failure becomes the error string, as upstream
            # (an exception without a message still needs a truthy error for clients)
            return envelope(None, str(exc) or type(exc).__name__)
        if _bare_allowed(version) and not always_envelope:
            return result
        return envelope(result)

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
                if spec.needs_collection and environment.collection() is None:
                    raise errors.CollectionUnavailable()
                return spec.func(**params)

        if self.submit_main is None:
            return job()
        return await self.submit_main(job)
