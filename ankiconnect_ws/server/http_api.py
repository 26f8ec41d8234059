"""AnkiConnect's HTTP API: the banner, CORS and preflight, and 403 for untrusted origins.

Transport-free: takes the parsed request head and body, returns status, headers and
body; the request itself is answered by ``App.answer``. See
spec/ankiconnect-reference.md section 2 for the rules reproduced here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..actions.context import RequestInfo
from ..wire import BadRequest, JsonValue, dumps_like_ankiconnect, encode_reply, parse_request
from .app import App
from .security import OriginDecision, decide_origin

__all__ = ["HttpReply", "respond", "cors_headers", "forbidden", "plain"]


@dataclass
class HttpReply:
    status: int
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""


def plain(status: int, text: str) -> HttpReply:
    return HttpReply(status, [(b"Content-Type", b"text/plain; charset=utf-8")], text.encode("utf-8"))


def cors_headers(cors_origin: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"Access-Control-Allow-Origin", cors_origin.encode("latin-1", "replace")),
        (b"Access-Control-Allow-Headers", b"*"),
    ]


def _json_reply(cors_origin: str, value: JsonValue) -> HttpReply:
    return HttpReply(
        200,
        [(b"Content-Type", b"application/json"), *cors_headers(cors_origin)],
        # AnkiConnect's own bytes: clients compare reply text (docs/compatibility.md)
        encode_reply(value, dumps_like_ankiconnect),
    )


def forbidden(cors_origin: str) -> HttpReply:
    # Upstream sends no Content-Length and closes; we keep the connection alive, so
    # the empty body is framed with Content-Length: 0.
    return HttpReply(403, cors_headers(cors_origin))


def _preflight(decision: OriginDecision, headers: dict[str, str]) -> HttpReply:
    if not decision.allowed:
        # Grant nothing (upstream names http://localhost here, which a browser
        # rejects as well). A page that may only call requestPermission sends it as
        # a simple request, without a preflight.
        return HttpReply(200)
    reply = HttpReply(200, cors_headers(decision.cors_origin))
    if headers.get("access-control-request-private-network", "").lower() == "true":
        reply.headers.append((b"Access-Control-Allow-Private-Network", b"true"))
    return reply


async def respond(app: App, method: str, headers: dict[str, str], body: bytes) -> HttpReply:
    """Answer one AnkiConnect HTTP request (any method; the body is what counts)."""
    config = app.settings()
    origin = headers.get("origin")
    decision = decide_origin(origin, config)
    if method == "OPTIONS":
        return _preflight(decision, headers)

    caller = RequestInfo(origin=origin or "", trusted=decision.allowed, protocol="http")
    try:
        request = parse_request(body)
    except BadRequest as exc:
        if not decision.allowed:
            app.refused("http", "origin", origin or "")
            return forbidden(decision.cors_origin)
        if not body:
            return _json_reply(decision.cors_origin, {"apiVersion": f"AnkiConnect v.{config.apiVersion}"})
        return _json_reply(decision.cors_origin, app.invalid(caller, str(exc)).envelope())

    reply = await app.answer(request, caller)
    if reply.refused:
        return forbidden(decision.cors_origin)
    # An untrusted page that was let through (it asked for permission) must be able to
    # read its answer.
    cors_origin = decision.cors_origin if decision.allowed else origin or decision.cors_origin
    return _json_reply(cors_origin, reply.value())
