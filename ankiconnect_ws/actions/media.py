"""Media actions, and the media loading/storing shared with note actions.

Getting a file's bytes (base64 ``data``, a local ``path`` or a ``url``) happens on the
server loop, in worker threads: a slow download must never hold Anki's main thread.
Only the short store into the media folder runs on the main thread.

A client-given ``path`` must be a string naming a regular file: ``open()`` would take
an integer as a descriptor of this process (and close it), and a FIFO or device would
block a worker thread forever. Local files and downloads share one size limit
(``maxMediaFileBytes``); a download has ``webTimeout`` for the whole transfer.
Symbolic links inside the media folder are never read or written through.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import glob
import hashlib
import http.client
import ntpath
import os
import re
import socket
import stat
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .. import errors
from ..config import Config
from ..errors import ActionError
from ._types import Flag
from .context import col, env, on_main
from .registry import action

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection

__all__ = [
    "Fetched",
    "check_media_name",
    "fetch_content",
    "fetch_many",
    "store_content",
]

#: characters Anki removes from media file names when it stores them
_ILLEGAL_NAME_CHARS = re.compile(r'[][><:"/?*^\\|\0\r\n]')
#: downloads running at once for one request (a batch of notes with audio)
_PARALLEL_FETCHES = 8
#: bytes read from a download at a time
_READ_CHUNK = 64 * 1024


# --- names --------------------------------------------------------------------------


def check_media_name(name: Any) -> str:
    """``name`` if it names a file directly inside the media folder, else an error.

    We refuse rather than reduce to a basename: a client sending ``../x`` has a bug it
    should hear about, and nothing may ever be read or written outside the folder.
    """
    if (
        not isinstance(name, str)
        or name in ("", ".", "..")
        or any(sep in name for sep in ("/", "\\", "\0"))
        or os.path.isabs(name)
        or ntpath.splitdrive(name)[0]
    ):
        raise ActionError(errors.MEDIA_INVALID_NAME.format(name))
    return name


def _stored_name(name: str) -> str:
    """The name Anki gives the file on disk (NFC, illegal characters removed)."""
    return _ILLEGAL_NAME_CHARS.sub("", unicodedata.normalize("NFC", name))


# --- downloads (worker thread; the deadline is kept by the server loop) ---------------


def _web_timeout_ms() -> int:
    cfg = env().config
    return cfg.webTimeout if cfg is not None else 10000


def _max_file_bytes() -> int:
    cfg = env().config
    return cfg.maxMediaFileBytes if cfg is not None else Config.maxMediaFileBytes


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


async def _fetch_url(url: str) -> bytes:
    if not url.lower().startswith(("http://", "https://")):
        raise ActionError(errors.DOWNLOAD_SCHEME.format(url))
    timeout_ms = _web_timeout_ms()
    deadline = _Deadline(timeout_ms / 1000)
    timer = asyncio.get_running_loop().call_later(timeout_ms / 1000, deadline.expire)
    try:
        return await asyncio.to_thread(_download, url, timeout_ms, _max_file_bytes(), deadline)
    finally:
        timer.cancel()
        deadline.close()  # also ends the worker's download if this request was cancelled


# --- reading local files (worker thread) ----------------------------------------------


def _check_path(path: Any) -> str:
    """``path`` if it is a non-empty string. An integer would reach ``open()`` as a
    descriptor of this process (``true`` is 1: stdout), which it would read and close."""
    if not isinstance(path, str) or not path or "\0" in path:
        raise ActionError(errors.MEDIA_PATH_INVALID.format(path))
    return path


def _collection_files() -> list[str]:
    """The open collection's database files (SQLite's and the media database's)."""
    collection = env().collection()
    if collection is None:
        return []
    from anki.media import media_paths_from_col_path

    databases = (collection.path, media_paths_from_col_path(collection.path)[1])
    return [db + suffix for db in databases for suffix in ("", "-wal", "-shm")]


def _same_file(info: os.stat_result, paths: list[str]) -> bool:
    for path in paths:
        with contextlib.suppress(OSError):
            other = os.stat(path)
            if (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino):
                return True
    return False


def _open_regular_file(path: str, follow_links: bool = True) -> tuple[int, os.stat_result] | None:
    """A new descriptor of ``path`` and its stat, or None if it is not a regular file.

    Non-blocking, so that a FIFO swapped in after a check cannot hang the open.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
    if not follow_links:
        flags |= os.O_NOFOLLOW
    fd = os.open(path, flags)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None
    return fd, info


def _read_descriptor(fd: int, limit: int = -1) -> bytes:
    """Our own descriptor's bytes (at most ``limit + 1`` if a limit is given); closes it."""
    with os.fdopen(fd, "rb") as file:
        return file.read(limit + 1 if limit >= 0 else -1)


def _read_path(path: str, limit: int, protected: list[str]) -> bytes:
    """The bytes of the regular file ``path``; a clear error for anything else.

    Checked with ``stat`` before opening: opening a device or FIFO may itself have
    effects (a FIFO's writer is released, a terminal becomes ours). ``protected`` files
    are never opened: closing any descriptor of a file drops this process's POSIX locks
    on it, and SQLite relies on those to keep the open collection safe from other
    processes.
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise ActionError(errors.MEDIA_PATH_NOT_FILE.format(path))
    if _same_file(info, protected):
        raise ActionError(errors.MEDIA_PATH_COLLECTION.format(path))
    if info.st_size > limit:
        raise ActionError(errors.MEDIA_PATH_TOO_LARGE.format(path, limit))
    opened = _open_regular_file(path)
    if opened is not None and (opened[1].st_dev, opened[1].st_ino) != (info.st_dev, info.st_ino):
        os.close(opened[0])
        opened = None
    if opened is None:  # replaced since the check
        raise ActionError(errors.MEDIA_PATH_NOT_FILE.format(path))
    content = _read_descriptor(opened[0], limit)
    if len(content) > limit:  # grew since the check
        raise ActionError(errors.MEDIA_PATH_TOO_LARGE.format(path, limit))
    return content


# --- getting the bytes (server loop) --------------------------------------------------


async def fetch_content(data: Any = None, path: Any = None, url: Any = None) -> bytes:
    """The file's bytes from the first of ``data``, ``path``, ``url`` that is given."""
    if data is not None:
        return base64.b64decode(data)
    if path is not None:
        return await asyncio.to_thread(
            _read_path, _check_path(path), _max_file_bytes(), _collection_files()
        )
    if url is not None:
        return await _fetch_url(str(url))
    raise ActionError(errors.MEDIA_SOURCE_MISSING)


@dataclass
class Fetched:
    """The bytes of one media entry, or why they could not be had."""

    content: bytes | None = None
    error: str | None = None


async def fetch_many(entries: list[Any]) -> list[Fetched]:
    """Fetch every entry (a dict with data/path/url) concurrently; never raises.

    The same URL or path listed twice is fetched once.
    """
    limit = asyncio.Semaphore(_PARALLEL_FETCHES)
    shared: dict[tuple[str, str], asyncio.Task[bytes]] = {}

    async def fetch_limited(source: dict[str, Any]) -> bytes:
        async with limit:
            return await fetch_content(source.get("data"), source.get("path"), source.get("url"))

    def task_for(entry: dict[str, Any]) -> "asyncio.Task[bytes]":
        source = {k: entry.get(k) for k in ("data", "path", "url")}
        key: tuple[str, str] | None = None
        if source["data"] is None and isinstance(source["path"], str):
            key = ("path", source["path"])
        elif source["data"] is None and source["path"] is None and isinstance(source["url"], str):
            key = ("url", source["url"])
        if key is None:
            return asyncio.ensure_future(fetch_limited(source))
        if key not in shared:
            shared[key] = asyncio.ensure_future(fetch_limited(source))
        return shared[key]

    tasks: list[asyncio.Task[bytes] | None] = [
        task_for(entry) if isinstance(entry, dict) else None for entry in entries
    ]
    pending = list({id(t): t for t in tasks if t is not None}.values())
    await asyncio.gather(*pending, return_exceptions=True)
    results = []
    for entry, task in zip(entries, tasks):
        if task is None:
            results.append(Fetched(error=errors.MEDIA_OBJECT_INVALID.format(entry)))
        elif task.exception() is not None:
            results.append(Fetched(error=str(task.exception())))
        else:
            results.append(Fetched(content=task.result()))
    return results


# --- storing (main thread) ------------------------------------------------------------


def store_content(
    collection: "Collection",
    filename: Any,
    content: bytes,
    skip_hash: Any = None,
    delete_existing: bool = True,
) -> str | None:
    """Write ``content`` to the media folder; the stored name, or None if skipHash matched."""
    name = check_media_name(filename)
    if skip_hash is not None and hashlib.md5(content).hexdigest() == str(skip_hash).lower():
        return None
    media = collection.media
    existing = _stored_name(name)
    if delete_existing and existing:
        _delete_existing(media, existing)
    _refuse_links(media.dir(), existing, content)
    return media.write_data(name, content)


def _delete_existing(media: Any, name: str) -> None:
    """Trash the file ``name`` if there is one. A symbolic link is moved itself, never
    its target; a dangling one, which Anki's trash skips, is simply removed."""
    path = os.path.join(media.dir(), name)
    if os.path.lexists(path):
        media.trash_files([name])
    if os.path.islink(path) and not os.path.exists(path):
        os.unlink(path)


def _refuse_links(folder: str, name: str, content: bytes) -> None:
    """Anki writes (and compares) through a symbolic link: a link named like the file,
    even a dangling one, would let this store create or read a file outside the folder.
    Anki stores under ``name``, or, when a different file has that name, under ``name``
    with the content's SHA-1 added to the stem; neither may be a link."""
    if not name:
        return
    target = os.path.join(folder, name)
    candidates = [name]
    if os.path.lexists(target) and not os.path.islink(target):
        stem, extension = os.path.splitext(name)
        candidates.append(f"{stem}-{hashlib.sha1(content).hexdigest()}{extension}")
    for candidate in candidates:
        if os.path.islink(os.path.join(folder, candidate)):
            raise ActionError(errors.MEDIA_NAME_IS_LINK.format(candidate))


def _read_media_file(folder: str, name: str) -> bytes | None:
    """The bytes of the regular file ``name`` in the media folder, else None; a
    symbolic link counts as missing (it may point anywhere)."""
    if not name:
        return None
    try:
        opened = _open_regular_file(os.path.join(folder, name), follow_links=False)
    except OSError:  # missing, or a link (ELOOP)
        return None
    return None if opened is None else _read_descriptor(opened[0])


# --- actions --------------------------------------------------------------------------


@action()
async def storeMediaFile(
    filename: str,
    data: str | None = None,
    path: str | None = None,
    url: str | None = None,
    skipHash: str | None = None,
    deleteExisting: Flag = True,
) -> str | None:
    check_media_name(filename)
    content = await fetch_content(data, path, url)
    return await on_main(
        lambda: store_content(col(), filename, content, skipHash, bool(deleteExisting))
    )


@action()
async def retrieveMediaFile(filename: str) -> str | Literal[False]:
    name = _stored_name(check_media_name(filename))
    folder = await on_main(lambda: col().media.dir())
    content = await asyncio.to_thread(_read_media_file, folder, name)
    return False if content is None else base64.b64encode(content).decode("ascii")


@action()
def getMediaFilesNames(pattern: str = "*") -> list[str]:
    if not isinstance(pattern, str) or any(sep in pattern for sep in ("/", "\\", "\0")):
        raise ActionError(errors.MEDIA_INVALID_PATTERN.format(pattern))
    return sorted(glob.glob(pattern, root_dir=col().media.dir()))


@action()
def getMediaDirPath() -> str:
    return os.path.abspath(col().media.dir())


@action()
def deleteMediaFile(filename: str) -> None:
    col().media.trash_files([_stored_name(check_media_name(filename))])
