"""AnkiConnect's wire format: requests read from JSON, replies written as strict JSON.

* :func:`parse_request` turns an HTTP body into a request object, or the exact error text
  AnkiConnect gives (Python's json and jsonschema messages, first line).
  :func:`parse_message` does the same for a WebSocket message (strict JSON).
* :func:`encode_reply` writes strict JSON (RFC 8259) whatever the value holds: compact
  for WebSocket frames, as AnkiConnect writes it (:func:`dumps_like_ankiconnect`) for HTTP.
* :func:`nested_too_deeply` bounds how deep a request may nest.
* :data:`JsonValue` and :data:`JsonObject` name the JSON values that cross between the
  transports, the dispatcher, the actions and the events.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NoReturn, TypedDict, Union

import orjson

from .schema.hints import Required

__all__ = [
    "JsonValue", "JsonObject", "Request", "BadRequest", "parse_request", "parse_message", "validate_request",
    "dumps", "dumps_like_ankiconnect", "compact", "encode_reply", "nested_too_deeply", "MAX_DEPTH", "TOO_DEEP",
]

#: A request may nest arrays and objects this many levels deep (the request object is
#: level 1). No real client comes near it; deeper input would exhaust Python's recursion
#: (API log, error messages) and could not be echoed back as JSON.
MAX_DEPTH = 128
TOO_DEEP = f"request nested too deeply: more than {MAX_DEPTH} levels of arrays and objects"


#: A value JSON can carry. Read-only (Sequence, Mapping), so that a ``list[int]`` or a
#: ``dict[str, str]`` is one too; the parsers below return lists and dicts.
JsonValue = Union[None, bool, int, float, str, Sequence["JsonValue"], Mapping[str, "JsonValue"]]
#: A JSON object: an action's parameters, a ``multi`` item, an event's data, a figure.
JsonObject = dict[str, JsonValue]


class Request(TypedDict, total=False):
    """A request object as the schema allows it (any other key is kept, and ignored)."""

    action: Required[str]
    version: int | float
    params: JsonObject
    key: str | None
    #: WebSocket only: echoed in the reply
    id: JsonValue


class BadRequest(Exception):
    """The body is not a valid AnkiConnect request; ``str()`` is the message to send.

    ``request_id`` is the WebSocket message's ``id`` when it can be sent back."""

    def __init__(self, message: str, request_id: JsonValue = None) -> None:
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


def _wrapped(value: JsonValue, levels: int) -> JsonValue:
    for _ in range(levels):
        value = [value]
    return value


#: the deepest value orjson writes; deeper replies are written by Python's json up to
#: the same depth
WRITABLE_DEPTH = _orjson_depth_limit()


def nested_too_deeply(value: JsonValue, limit: int = MAX_DEPTH) -> bool:
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


def _walk_too_deep(value: JsonValue, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Iterable[JsonValue] = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, tuple)))
    return False


def may_be_too_deep(body: bytes) -> bool:
    # cheap bound: a body with few brackets cannot nest deeply (most requests stop here)
    return body.count(b"[") + body.count(b"{") > MAX_DEPTH


# --- writing replies ----------------------------------------------------------------------


def dumps(value: JsonValue) -> bytes:
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


def dumps_like_ankiconnect(value: JsonValue) -> bytes:
    """Serialise byte for byte as AnkiConnect writes its HTTP replies: Python's
    ``json.dumps`` defaults, ", " and ": " separators and non-ASCII as ``\\uXXXX``.
    Clients compare the text: trrc (PyPI) takes a sync as done only if the reply is
    exactly ``{"result": null, "error": null}``.
    Still strict JSON: NaN and ±Infinity become ``null``, as in :func:`dumps`."""
    try:
        text = json.dumps(value, allow_nan=False)
    except ValueError as exc:
        if "Out of range float" not in str(exc):
            raise
        text = json.dumps(_finite(value, 1), allow_nan=False)
    return text.encode("ascii")


def compact(data: bytes) -> bytes:
    """A copy of ``data`` that owns no more memory than its length.

    orjson writes into a buffer sized for the worst case and hands that whole buffer
    over as the ``bytes`` object: a 14 KB frame of 1,000 note ids holds about 260 KB,
    a 15-byte one 4 KB. That is harmless for a reply, freed once sent, but a frame kept
    for later (the event replay buffer) must be copied, or a full buffer holds up to
    twenty times what it says."""
    return memoryview(data).tobytes()


def _finite(value: JsonValue, depth: int) -> JsonValue:
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


#: a reply whose result is a list longer than this is written a slice at a time
PIECEWISE_ITEMS = 1000
#: items per slice: a slice of cardsInfo is about 0.25 MB, written in about 2 ms
PIECE = 200


def _in_pieces(value: JsonValue, write: Callable[[JsonValue], bytes]) -> bytes | None:
    """``write(value)``'s bytes, written a slice of a list at a time; None if ``value``
    is not an envelope holding a long list.

    One ``write`` call of a 120 MB ``cardsInfo`` reply held the GIL for over a second
    (Python's json and orjson never release it), and Anki's main thread with it. Between
    two slices the interpreter hands the GIL over, so the window stays live. The bytes
    are the same: ``write``'s separators, found from a small sample.
    """
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        return None
    if not any(isinstance(item, list) and len(item) > PIECEWISE_ITEMS for item in value.values()):
        return None
    sample = write({"a": [0, 0]})  # b'{"a":[0,0]}' or b'{"a": [0, 0]}'
    colon = sample[len(b'{"a"'):sample.index(b"[")]
    comma = sample[sample.index(b"0") + 1:sample.rindex(b"0")]
    parts: list[bytes] = []
    for key, item in value.items():
        if isinstance(item, list) and len(item) > PIECEWISE_ITEMS:
            # slices, not single items: a call per id made findNotes' 100,000 ids 3x slower
            slices = [write(item[start:start + PIECE]) for start in range(0, len(item), PIECE)]
            written = b"[" + comma.join([piece[1:-1] for piece in slices]) + b"]"
        else:
            written = write(item)
        parts.append(write(key) + colon + written)
    return b"{" + comma.join(parts) + b"}"


def encode_reply(value: JsonValue, write: Callable[[JsonValue], bytes] = dumps) -> bytes:
    """Serialise a reply with ``write``, never raising: a result JSON cannot carry becomes
    an error reply instead, and an ``id`` that cannot be echoed becomes ``null``, so the
    request still gets its one answer."""
    try:
        pieces = _in_pieces(value, write)
        return pieces if pieces is not None else write(value)
    except _UNWRITABLE as exc:
        error = f"the result cannot be sent as JSON: {exc}"
    if isinstance(value, dict) and "id" in value:
        try:
            return write({"id": value["id"], "result": None, "error": error})
        except _UNWRITABLE:
            return write({"id": None, "result": None, "error": "the request id cannot be sent back as JSON"})
    return write({"result": None, "error": error})


# --- reading requests ---------------------------------------------------------------------


#: 20 digits in a row: maybe an integer beyond 64 bits, which orjson reads as a float
#: (an id sent back as 1.8446744073709552e+19 no longer matches its request)
_LONG_DIGITS = re.compile(rb"\d{20}")
#: a \uD800-\uDFFF escape: maybe half a surrogate pair, which orjson refuses
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_HALF_PAIR = "a string holds half of a UTF-16 surrogate pair"
#: the error over HTTP; over the WebSocket it reads the same ("invalid JSON: ...")
LONE_SURROGATE = f"invalid JSON: {_HALF_PAIR}"


def _loads(body: bytes) -> JsonValue:
    try:
        value = _loads_like_python(body) if _LONG_DIGITS.search(body) else orjson.loads(body)
    except orjson.JSONDecodeError:
        value = _loads_like_python(body)
    if may_be_too_deep(body) and nested_too_deeply(value):
        raise BadRequest(TOO_DEEP)
    return value


def _loads_like_python(body: bytes) -> JsonValue:
    # For bodies orjson refuses or would read inexactly: reproduce Python's exact
    # messages (clients and upstream tests match "can't decode" / "in double quotes"),
    # and accept what Python's json accepts (NaN, Infinity) like upstream does.
    try:
        return _python_loads(body, strict=False)
    except _HalfSurrogatePair:
        raise BadRequest(LONE_SURROGATE) from None
    except ValueError as exc:  # UnicodeDecodeError included
        raise BadRequest(str(exc)) from None
    except RecursionError:  # absurdly deep nesting: refuse it, don't crash the connection
        raise BadRequest(TOO_DEEP) from None


class _HalfSurrogatePair(ValueError):
    def __init__(self) -> None:
        super().__init__(_HALF_PAIR)


def _refuse_constant(constant: str) -> NoReturn:
    raise ValueError(f"{constant} is not JSON")


def _python_loads(body: bytes, strict: bool) -> JsonValue:
    """Python's json, which keeps integers of any size exact; ``strict`` refuses NaN and
    Infinity. Half a surrogate pair, which it accepts, is refused: such a string cannot
    be encoded, and would fail later inside Anki's windows (an error dialog)."""
    value = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant if strict else None)
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(value):
        raise _HalfSurrogatePair()
    return value


def _has_lone_surrogate(value: JsonValue) -> bool:
    pending: list[JsonValue] = [value]
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


def _is_integer(value: JsonValue) -> bool:
    # jsonschema's "integer" accepts 6 and 6.0 but not True
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def validate_request(obj: JsonValue) -> Request:
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
    return obj  # type: ignore[return-value]  # checked above: a Request


def parse_request(body: bytes) -> Request:
    return validate_request(_loads(body))


def parse_message(payload: bytes) -> Request:
    """One WebSocket request: strict JSON (no NaN/Infinity), then the same depth limit
    and schema as HTTP. The BadRequest carries the message's ``id`` whenever it can be
    echoed, so the client can match the error to its request."""
    try:
        obj = _python_loads(payload, strict=True) if _LONG_DIGITS.search(payload) else orjson.loads(payload)
    except (orjson.JSONDecodeError, ValueError, RecursionError) as exc:
        raise BadRequest(f"invalid JSON: {exc}") from None
    request_id = obj.get("id") if isinstance(obj, dict) else None
    if may_be_too_deep(payload) and nested_too_deeply(obj):
        if nested_too_deeply(request_id, MAX_DEPTH - 1):  # {"id": ...} adds one level
            raise BadRequest(f"{TOO_DEEP} (in its id, which is therefore not sent back)")
        raise BadRequest(TOO_DEEP, request_id)
    try:
        return validate_request(obj)
    except BadRequest as exc:
        exc.request_id = request_id
        raise

