"""AnkiConnect's HTTP API semantics: banner, CORS, preflight, 403, requestPermission.

Transport-free: takes the parsed request head and body, returns status, headers and
body. See spec/ankiconnect-reference.md section 2 for the rules reproduced here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..actions.context import RequestInfo
from ..protocol import BadRequest, encode_reply, envelope, parse_request
from .app import App
from .security import decide_origin

__all__ = ["HttpReply", "respond", "cors_headers"]


@dataclass
class HttpReply:
    status: int
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""


def cors_headers(cors_origin: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"Access-Control-Allow-Origin", cors_origin.encode("latin-1", "replace")),
        (b"Access-Control-Allow-Headers", b"*"),
    ]


def _json_reply(cors_origin: str, value: Any) -> HttpReply:
    return HttpReply(
        200,
        [(b"Content-Type", b"application/json"), *cors_headers(cors_origin)],
        encode_reply(value),
    )


def forbidden(cors_origin: str) -> HttpReply:
    # Upstream sends no Content-Length and closes; we keep the connection alive, so
    # the empty body is framed with Content-Length: 0.
    return HttpReply(403, cors_headers(cors_origin))


async def respond(app: App, method: str, headers: dict[str, str], body: bytes) -> HttpReply:
    """Answer one AnkiConnect HTTP request (any method; the body is what counts)."""
    config = app.config()
    origin = headers.get("origin")
    decision = decide_origin(origin, config)
    started = time.perf_counter()

    if method == "OPTIONS":
        if not decision.allowed:
            # Grant nothing (upstream names http://localhost here, which a browser
            # rejects as well). A page that may only call requestPermission sends it as
            # a simple request, without a preflight.
            return HttpReply(200)
        reply = HttpReply(200, cors_headers(decision.cors_origin))
        if headers.get("access-control-request-private-network", "").lower() == "true":
            reply.headers.append((b"Access-Control-Allow-Private-Network", b"true"))
        return reply

    try:
        request = parse_request(body)
    except BadRequest as exc:
        if not decision.allowed:
            _refused(app, "origin", origin)
            return forbidden(decision.cors_origin)
        if not body:
            return _json_reply(decision.cors_origin, {"apiVersion": f"AnkiConnect v.{config.apiVersion}"})
        return _json_reply(decision.cors_origin, envelope(None, str(exc)))

    cors_origin = decision.cors_origin
    action = request["action"]
    if action == "requestPermission":
        # The server, not the client, says who is asking and whether it is trusted.
        params = dict(request.get("params") or {})
        params["allowed"] = decision.allowed
        params["origin"] = origin or ""
        request = {**request, "params": params}
        if not decision.allowed:
            cors_origin = origin or cors_origin  # let the page read its answer
    elif not decision.allowed:
        _refused(app, "origin", origin, action)
        return forbidden(decision.cors_origin)

    info = RequestInfo(origin=origin or "", trusted=decision.allowed, protocol="http")
    app.log("request", request)
    result = await app.dispatcher.handle(request, info)
    app.log("reply", result)
    reply = _json_reply(cors_origin, result)
    # the envelope's error (a bare version<=4 success has none)
    error = result.get("error") if isinstance(result, dict) and result.keys() == {"result", "error"} else None
    app.note_request("http", action, origin or "", started, error)
    return reply


def _refused(app: App, reason: str, value: str | None, action: str | None = None) -> None:
    app.note_refused({"protocol": "http", "reason": reason, "value": value or "", "action": action})
