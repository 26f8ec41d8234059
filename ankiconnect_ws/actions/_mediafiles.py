"""Media files for the media and note actions: getting a file's bytes, storing them.

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
import hashlib
import ntpath
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import errors
from ..config import Config
from ..errors import ActionError
from ._downloads import fetch_url
from .context import env

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection

__all__ = [
    "Fetched",
    "check_media_name",
    "fetch_content",
    "fetch_many",
    "read_media_file",
    "store_content",
    "stored_name",
]

#: characters Anki removes from media file names when it stores them
_ILLEGAL_NAME_CHARS = re.compile(r'[][><:"/?*^\\|\0\r\n]')
#: downloads running at once for one request (a batch of notes with audio)
_PARALLEL_FETCHES = 8


# --- names --------------------------------------------------------------------------


def check_media_name(name: Any) -> str:
    """``name`` if it names a file directly inside the media folder, else an error.

    We refuse rather than reduce to a basename: a client sending ``../x`` has a bug it
    should hear about, and nothing may ever be read or written outside the folder.
    """
    if (
        not isinstance(name, str)
        or name in ("", ".", "..")
        # Anki drops control characters from a media name: nothing else would be left
        or "".join(char for char in name if char.isprintable()) in ("", ".", "..")
        or any(sep in name for sep in ("/", "\\", "\0"))
        or os.path.isabs(name)
        or ntpath.splitdrive(name)[0]
    ):
        raise ActionError(errors.MEDIA_INVALID_NAME.format(name))
    return name


def stored_name(name: str) -> str:
    """The name Anki gives the file on disk (NFC, illegal characters removed)."""
    return _ILLEGAL_NAME_CHARS.sub("", unicodedata.normalize("NFC", name))


# --- limits -------------------------------------------------------------------------


def _web_timeout_ms() -> int:
    cfg = env().config
    return cfg.webTimeout if cfg is not None else 10000


def _max_file_bytes() -> int:
    cfg = env().config
    return cfg.maxMediaFileBytes if cfg is not None else Config.maxMediaFileBytes


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
        return await fetch_url(str(url), _web_timeout_ms(), _max_file_bytes())
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
    existing = stored_name(name)
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


def read_media_file(folder: str, name: str) -> bytes | None:
    """The bytes of the regular file ``name`` in the media folder, else None; a
    symbolic link counts as missing (it may point anywhere)."""
    if not name:
        return None
    try:
        opened = _open_regular_file(os.path.join(folder, name), follow_links=False)
    except OSError:  # missing, or a link (ELOOP)
        return None
    return None if opened is None else _read_descriptor(opened[0])
