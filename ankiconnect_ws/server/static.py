"""The status page: the files of web/ under ``/status``; and the API's own description,
``/openapi.json`` and ``/asyncapi.json`` (GET and HEAD)."""

from __future__ import annotations

import asyncio
import mimetypes
from pathlib import Path
from urllib.parse import unquote

from .http_api import HttpReply, cors_headers, plain

__all__ = ["STATIC_PREFIX", "DOCUMENT_PATHS", "is_static", "static_reply", "document_reply"]

STATIC_PREFIX = "/status"
#: the API's description documents (ankiconnect_ws.schema), by path
DOCUMENT_PATHS = {"/openapi.json": "openapi.json", "/asyncapi.json": "asyncapi.json"}


#: types the platform's table gets wrong or lacks: ankiconnect-ws.d.ts is TypeScript source
#: (Python's table says Qt Linguist, others MPEG transport stream)
_CONTENT_TYPES = {".ts": "text/plain"}


def is_static(path: str) -> bool:
    return path == STATIC_PREFIX or path.startswith(STATIC_PREFIX + "/")


def static_reply(root: Path, path: str) -> HttpReply:
    rel = unquote(path[len(STATIC_PREFIX):]).lstrip("/") or "index.html"
    try:
        base = root.resolve()
        file = (base / rel).resolve()
        if base not in file.parents or not file.is_file():
            return plain(404, "not found\n")
        content = file.read_bytes()
    except (OSError, ValueError):  # a NUL byte, a name too long, an unreadable file
        return plain(404, "not found\n")
    ctype = _CONTENT_TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/javascript", "text/javascript"):
        ctype += "; charset=utf-8"
    headers = [
        (b"Content-Type", ctype.encode()),
        (b"Cache-Control", b"no-cache"),
        (b"X-Content-Type-Options", b"nosniff"),
        # frame-ancestors / X-Frame-Options: no other page may frame the status page and
        # steer clicks into its API explorer (clickjacking)
        (b"Content-Security-Policy",
         b"default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'"),
        (b"X-Frame-Options", b"DENY"),
    ]
    return HttpReply(200, headers, content)


async def document_reply(path: str, cors_origin: str | None) -> HttpReply:
    """The document at ``path`` (one of DOCUMENT_PATHS). Built from the actions on first
    use (tens of ms), in a worker thread so the server loop keeps serving meanwhile.
    ``cors_origin``: a trusted page's origin may read it, as it may read API replies."""
    from .. import schema

    content = await asyncio.to_thread(schema.document_bytes, DOCUMENT_PATHS[path])
    headers = [
        (b"Content-Type", b"application/json"),
        (b"Cache-Control", b"no-cache"),
        (b"X-Content-Type-Options", b"nosniff"),
        *(cors_headers(cors_origin) if cors_origin is not None else []),
    ]
    return HttpReply(200, headers, content)
