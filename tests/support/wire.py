"""What every reply must look like, and clients that never wait forever.

* :func:`strict_json` parses a reply as standard JSON only: valid UTF-8, and none of
  the ``NaN`` / ``Infinity`` literals Python's json would accept.
* :func:`envelope_problem` says what is wrong with a version-6 reply, or None.
* :class:`HttpClient` sends bodies over one keep-alive connection with a timeout and
  reconnects after a failure; :class:`WsWindow` keeps several requests in flight on one
  WebSocket and checks that each gets exactly one reply, with its id, in time.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from websockets.exceptions import ConnectionClosed

#: keys a version-6 reply may carry besides result and error (a machine-readable code)
EXTRA_KEYS = {"code"}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def strict_json(body: bytes | str) -> Any:
    """The parsed reply; ValueError if it is not strict JSON."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body  # UnicodeDecodeError is a ValueError
    return json.loads(text, parse_constant=_refuse_constant)


def envelope_problem(reply: Any, request_id: Any = ...) -> str | None:
    """What is wrong with ``{"result": ..., "error": ...}`` (plus ``id`` on WebSocket)."""
    if not isinstance(reply, dict):
        return f"reply is not an object: {type(reply).__name__}"
    required = {"result", "error"} | ({"id"} if request_id is not ... else set())
    missing = required - set(reply)
    if missing:
        return f"reply lacks {sorted(missing)}"
    extra = set(reply) - required - EXTRA_KEYS
    if extra:
        return f"reply has unexpected keys {sorted(extra)}"
    error = reply["error"]
    if error is not None:
        if not isinstance(error, str) or not error:
            return f"error is not a non-empty string: {error!r}"
        if reply["result"] is not None:
            return "reply has both an error and a result"
    if request_id is not ... and not same_id(reply["id"], request_id):
        return f"reply id {reply['id']!r} is not the request's {request_id!r}"
    return None


def same_id(got: Any, sent: Any) -> bool:
    if type(got) is bool or type(sent) is bool:
        return got is sent
    if isinstance(sent, float) and isinstance(got, float) and math.isnan(sent):
        return math.isnan(got)
    return got == sent and type(got) in (type(sent), int, float)


def encode(request: dict[str, Any] | bytes) -> bytes:
    """A request body; Python's json writes NaN/Infinity for such floats on purpose (junk)."""
    if isinstance(request, bytes):
        return request
    return json.dumps(request).encode()


def describe(request: dict[str, Any] | bytes, limit: int | None = 600) -> str:
    """The exact request (shortened to ``limit`` characters for a message)."""
    text = encode(request).decode("utf-8", "backslashreplace")
    return text if limit is None or len(text) <= limit else f"{text[:limit]}... ({len(text)} bytes)"


class HttpClient:
    """One keep-alive connection; a timeout or broken connection is returned as a
    problem and the next request starts on a new connection."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def send(self, body: bytes) -> tuple[int, bytes] | str:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
            response = self.conn.getresponse()
            data = response.read()
            if response.will_close:
                self.close()
            return response.status, data
        except TimeoutError:
            self.close()
            return f"no reply within {self.timeout:.0f} s"
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return f"connection failed: {type(exc).__name__}: {exc}"

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class Sent:
    request: dict[str, Any] | bytes
    request_id: Any
    at: float
    #: the frame is not strict JSON, so the server cannot know the id: null is fine too
    lenient: bool = False
    #: the id is an integer beyond 64 bits: it must come back exactly (JSON numbers have
    #: no size limit), but a null id is matched to it (and reported), not waited for
    big_id: bool = False

    @property
    def solo(self) -> bool:
        """Sent alone on its connection, so that a reply with a null or changed id can
        only be its own."""
        return self.lenient or self.big_id or self.request_id is None


def has_big_integer(value: Any, depth: int = 0) -> bool:
    """Any integer outside what orjson and most parsers keep exactly (int64/uint64)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not -(2**63) <= value < 2**64
    if depth > 50:
        return False
    if isinstance(value, list):
        return any(has_big_integer(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(has_big_integer(v, depth + 1) for v in value.values())
    return False


def is_strict_request(body: bytes) -> bool:
    """Strict JSON whose strings are all valid Unicode (no lone surrogate escapes) and
    whose numbers, the id apart, fit 64 bits (RFC 8259 lets a parser limit their range):
    the server must be able to read the id of such a request."""
    try:
        value = strict_json(body)
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):
        return False
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "id"}
    return not has_big_integer(value)


class WsWindow:
    """Sends ``cases`` on one WebSocket with up to ``window`` in flight.

    ``problem(request, text)`` is called for every violation: a reply that is not strict
    JSON or not a well-formed envelope, a reply for an id not in flight (a duplicate), a
    request without reply by its deadline, a connection closed under us.
    Messages with an ``event`` key are pushed events (a case may subscribe): they must be
    strict JSON objects without an id.
    """

    def __init__(self, connect: Callable[[], Any], window: int, timeout: float,
                 problem: Callable[[dict[str, Any] | bytes, str], None]) -> None:
        self.connect = connect
        self.window = window
        self.timeout = timeout
        self.problem = problem
        self.replies = 0
        self.events = 0

    def run(self, cases: list[tuple[Any, dict[str, Any] | bytes]]) -> None:
        """``cases``: (id, request); id None for a raw body, whose reply has id null."""
        pending = list(reversed(cases))
        in_flight: dict[str, Sent] = {}  # key: json of the id (ids of any JSON type)
        anonymous: list[Sent] = []  # raw bodies: replies come back with id null
        with contextlib.ExitStack() as connections:
            ws = connections.enter_context(self.connect())
            self._loop(ws, pending, in_flight, anonymous, connections)

    def _loop(self, ws: Any, pending: list[tuple[Any, dict[str, Any] | bytes]], in_flight: dict[str, Sent],
              anonymous: list[Sent], connections: contextlib.ExitStack) -> None:
        solo_in_flight = False
        while pending or in_flight or anonymous:
            while pending and len(in_flight) + len(anonymous) < self.window and not solo_in_flight:
                request_id, request = pending[-1]
                body = encode(request)
                sent = Sent(request, request_id, 0.0, lenient=not is_strict_request(body),
                            big_id=has_big_integer(request_id))
                if sent.solo and (in_flight or anonymous):
                    break  # wait until the connection is quiet
                pending.pop()
                solo_in_flight = sent.solo
                sent.at = time.monotonic()
                if request_id is None:
                    anonymous.append(sent)
                else:
                    in_flight[json.dumps(request_id)] = sent
                try:
                    ws.send(body.decode("utf-8") if _is_utf8(body) else body)
                except ConnectionClosed as exc:
                    self._lost(in_flight, anonymous, f"connection closed while sending: {exc}")
                    ws = connections.enter_context(self.connect())
            oldest = min(s.at for s in [*in_flight.values(), *anonymous])
            wait = oldest + self.timeout - time.monotonic()
            try:
                message = ws.recv(timeout=max(wait, 0.001))
            except TimeoutError:
                self._expire(in_flight, anonymous)
                solo_in_flight = solo_in_flight and bool(in_flight or anonymous)
                continue
            except ConnectionClosed as exc:
                self._lost(in_flight, anonymous, f"connection closed with the request in flight: {exc}")
                solo_in_flight = False
                ws = connections.enter_context(self.connect())
                continue
            self._receive(message, in_flight, anonymous)
            if not in_flight and not anonymous:
                solo_in_flight = False

    def _receive(self, message: str | bytes, in_flight: dict[str, Sent], anonymous: list[Sent]) -> None:
        try:
            reply = strict_json(message)
        except ValueError as exc:
            self.problem(b"(unknown: reply not parsed)", f"reply is not strict JSON ({exc}): {message[:300]!r}")
            return
        if isinstance(reply, dict) and "event" in reply:
            self.events += 1
            if "id" in reply:
                self.problem(b"(event)", f"a pushed event carries an id: {str(reply)[:300]}")
            return
        self.replies += 1
        if not isinstance(reply, dict) or "id" not in reply:
            self.problem(b"(unknown)", f"reply without id: {str(reply)[:300]}")
            return
        key = json.dumps(reply["id"])
        solo = [k for k, s in in_flight.items() if s.solo]
        if reply["id"] is None and anonymous:
            sent = anonymous.pop(0)
        elif key in in_flight:
            sent = in_flight.pop(key)
        elif reply["id"] is None and solo:
            sent = in_flight.pop(solo[0])  # alone in flight: this is its reply
            if sent.lenient:
                sent.request_id = None  # the server could not read the id
        elif (near := _numeric_match(reply["id"], in_flight)) is not None:
            sent = in_flight.pop(near)  # the id came back changed (e.g. a big integer as a float)
        else:
            self.problem(b"(unknown)", f"reply for id {reply['id']!r} that is not in flight (duplicate?): {str(reply)[:300]}")
            return
        problem = envelope_problem(reply, sent.request_id)
        if problem:
            self.problem(sent.request, f"{problem}: {str(reply)[:300]}")

    def _expire(self, in_flight: dict[str, Sent], anonymous: list[Sent]) -> None:
        deadline = time.monotonic() - self.timeout
        for key, sent in list(in_flight.items()):
            if sent.at <= deadline:
                del in_flight[key]
                self.problem(sent.request, f"no reply within {self.timeout:.0f} s (id {sent.request_id!r})")
        while anonymous and anonymous[0].at <= deadline:
            self.problem(anonymous.pop(0).request, f"no reply within {self.timeout:.0f} s")

    def _lost(self, in_flight: dict[str, Sent], anonymous: list[Sent], why: str) -> None:
        for sent in [*in_flight.values(), *anonymous]:
            self.problem(sent.request, why)
        in_flight.clear()
        anonymous.clear()


def _numeric_match(got: Any, in_flight: dict[str, Sent]) -> str | None:
    """The in-flight request whose numeric id equals ``got`` as a float, if any."""
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        return None
    for key, sent in in_flight.items():
        sent_id = sent.request_id
        if isinstance(sent_id, (int, float)) and not isinstance(sent_id, bool) and float(sent_id) == float(got):
            return key
    return None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
