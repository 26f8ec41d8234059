"""Downloading a media file from a client-given URL (http and https only).

The transfer runs in a worker thread; the server loop keeps its deadline (the caller
gives ``webTimeout``), so a server that trickles bytes cannot hold a download, or the
request waiting for it, any longer.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from .. import errors
from ..errors import ActionError

__all__ = ["fetch_url"]

#: bytes read from a download at a time
_READ_CHUNK = 64 * 1024


async def fetch_url(url: str, timeout_ms: int, limit: int) -> bytes:
    """The body of ``url``, at most ``limit`` bytes, within ``timeout_ms`` in all."""
    if not url.lower().startswith(("http://", "https://")):
        raise ActionError(errors.DOWNLOAD_SCHEME.format(url))
    deadline = _Deadline(timeout_ms / 1000)
    timer = asyncio.get_running_loop().call_later(timeout_ms / 1000, deadline.expire)
    try:
        return await asyncio.to_thread(_download, url, timeout_ms, limit, deadline)
    finally:
        timer.cancel()
        deadline.close()  # also ends the worker's download if this request was cancelled


def _percent_encoded(url: str) -> str:
    """``url`` with non-ASCII characters and spaces percent-encoded (urllib cannot send
    them; clients such as Yomitan send URLs like ``...?kanji=猫``). Existing ``%XX``
    escapes and URL delimiters are kept as they are."""
    return urllib.parse.quote(url, safe="!#$%&'()*+,/:;=?@[]~")


class _Deadline:
    """Ends a download when its time is up, wherever it is.

    A socket timeout bounds each read only: a server sending one byte a second would
    keep a download going for ever. When time is up, :meth:`expire` (called from the
    server loop) shuts the download's sockets down, which wakes a blocked read at once.
    It works on duplicates of their descriptors, which only this object closes, so it
    can never act on a descriptor number that urllib has closed and the process reused.
    """

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._closed = False
        #: time ran out (as opposed to the download ending or being abandoned)
        self.expired = False

    def time_left(self) -> float:
        return self._end - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        """Called by each new connection of the download (a redirect opens another)."""
        with self._lock:
            if self._closed or self.expired:
                raise TimeoutError
            self._sockets.append(socket.socket(fileno=os.dup(sock.fileno())))

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            self._shut_down()

    def close(self) -> None:
        """After the download (or when abandoning it): nothing more may be watched."""
        with self._lock:
            self._closed = True
            self._shut_down()
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def _shut_down(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _deadline_connection(base: type[http.client.HTTPConnection], deadline: _Deadline) -> Any:
    """``base`` (HTTP or HTTPS) whose connections connect within the time left and are
    watched by ``deadline`` once connected."""

    class Connection(base):  # type: ignore[valid-type, misc]
        def connect(self) -> None:
            left = deadline.time_left()
            if left <= 0:
                raise TimeoutError
            self.timeout = left
            super().connect()
            deadline.watch(self.sock)

    return Connection


class _DeadlineHandler:
    """Mixed into urllib's HTTP and HTTPS handlers: their connections obey a deadline."""

    def __init__(self, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[call-arg]
        self.deadline = deadline

    def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
        return super().do_open(_deadline_connection(http_class, self.deadline), req, **kwargs)  # type: ignore[misc]


class _HTTPHandler(_DeadlineHandler, urllib.request.HTTPHandler):
    pass


class _HTTPSHandler(_DeadlineHandler, urllib.request.HTTPSHandler):
    pass


def _opener(deadline: _Deadline) -> urllib.request.OpenerDirector:
    """urllib's usual chain (proxies from the environment, redirects, errors), for http
    and https only: no ``file:``, ``ftp:`` or ``data:`` URL, not even by a redirect."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        _HTTPHandler(deadline),
        _HTTPSHandler(deadline),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _read_body(response: http.client.HTTPResponse, url: str, limit: int) -> bytes:
    """The body, refused as soon as it is known to be larger than ``limit``."""
    length = (response.headers.get("Content-Length") or "").strip()
    if length.isdigit() and int(length) > limit:
        raise ActionError(errors.DOWNLOAD_TOO_LARGE.format(url, limit))
    body = bytearray()
    while chunk := response.read(_READ_CHUNK):
        body += chunk
        if len(body) > limit:
            raise ActionError(errors.DOWNLOAD_TOO_LARGE.format(url, limit))
    return bytes(body)


def _download(url: str, timeout_ms: int, limit: int, deadline: _Deadline) -> bytes:
    """GET ``url`` (runs in a worker thread). Errors say which URL failed and why."""
    request = urllib.request.Request(_percent_encoded(url), headers={"User-Agent": "ankiconnect-ws"})
    answered = False  # the response head arrived: time ran out in the body
    try:
        with _opener(deadline).open(request, timeout=timeout_ms / 1000) as response:
            answered = True
            status = response.status
            body = _read_body(response, url, limit)
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the error response open
        raise ActionError(errors.DOWNLOAD_STATUS.format(url, exc.code)) from None
    except ActionError:
        raise
    except Exception as exc:  # noqa: BLE001 - reset connection, malformed URL, cut by the deadline ...
        if deadline.expired or _is_timeout(exc):
            raise _timeout_error(url, timeout_ms, answered) from None
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise ActionError(errors.DOWNLOAD_FAILED.format(url, reason)) from None
    if deadline.expired:  # the shutdown may look like a normal end of a body sent without a length
        raise _timeout_error(url, timeout_ms, answered)
    if status != 200:
        raise ActionError(errors.DOWNLOAD_STATUS.format(url, status))
    return body


def _is_timeout(exc: BaseException) -> bool:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return isinstance(reason, (TimeoutError, socket.timeout))


def _timeout_error(url: str, timeout_ms: int, answered: bool) -> ActionError:
    message = errors.DOWNLOAD_DEADLINE if answered else errors.DOWNLOAD_TIMEOUT
    return ActionError(message.format(url, timeout_ms))
