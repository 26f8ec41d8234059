"""The status page: the files of web/ under ``/status`` (GET and HEAD)."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote

from .http_api import HttpReply, plain

__all__ = ["STATIC_PREFIX", "is_static", "static_reply"]

STATIC_PREFIX = "/status"


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
    ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/javascript", "text/javascript"):
        ctype += "; charset=utf-8"
    headers = [
        (b"Content-Type", ctype.encode()),
        (b"Cache-Control", b"no-cache"),
        (b"X-Content-Type-Options", b"nosniff"),
        (b"Content-Security-Policy", b"default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:"),
    ]
    return HttpReply(200, headers, content)
