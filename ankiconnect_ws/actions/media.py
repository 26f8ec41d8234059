"""Media actions, and the media loading/storing shared with note actions.

Getting a file's bytes (base64 ``data``, a local ``path`` or a ``url``) happens on the
server loop, in worker threads: a slow download must never hold Anki's main thread.
Only the short store into the media folder runs on the main thread.
"""

from __future__ import annotations

import asyncio
import base64
import glob
import hashlib
import ntpath
import os
import re
import socket
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import errors
from ..errors import ActionError
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


# --- getting the bytes (server loop) --------------------------------------------------


def _web_timeout_ms() -> int:
    cfg = env().config
    return cfg.webTimeout if cfg is not None else 10000


def _percent_encoded(url: str) -> str:
    """``url`` with non-ASCII characters and spaces percent-encoded (urllib cannot send
    them; clients such as Yomitan send URLs like ``...?kanji=猫``). Existing ``%XX``
    escapes and URL delimiters are kept as they are."""
    return urllib.parse.quote(url, safe="!#$%&'()*+,/:;=?@[]~")


def _download(url: str, timeout_ms: int) -> bytes:
    """GET ``url`` (runs in a worker thread). Errors say which URL failed and why."""
    if not url.lower().startswith(("http://", "https://")):
        raise ActionError(errors.DOWNLOAD_SCHEME.format(url))
    request = urllib.request.Request(_percent_encoded(url), headers={"User-Agent": "ankiconnect-ws"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_ms / 1000) as response:
            status = response.status
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise ActionError(errors.DOWNLOAD_STATUS.format(url, exc.code)) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise ActionError(errors.DOWNLOAD_TIMEOUT.format(url, timeout_ms)) from None
        raise ActionError(errors.DOWNLOAD_FAILED.format(url, exc.reason)) from None
    except (TimeoutError, socket.timeout):
        raise ActionError(errors.DOWNLOAD_TIMEOUT.format(url, timeout_ms)) from None
    except (OSError, ValueError) as exc:  # reset connection, malformed URL ...
        raise ActionError(errors.DOWNLOAD_FAILED.format(url, exc)) from None
    if status != 200:
        raise ActionError(errors.DOWNLOAD_STATUS.format(url, status))
    return body


def _read_path(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


async def fetch_content(data: Any = None, path: Any = None, url: Any = None) -> bytes:
    """The file's bytes from the first of ``data``, ``path``, ``url`` that is given."""
    if data is not None:
        return base64.b64decode(data)
    if path is not None:
        return await asyncio.to_thread(_read_path, path)
    if url is not None:
        return await asyncio.to_thread(_download, str(url), _web_timeout_ms())
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
        if source["data"] is None and source["path"] is not None:
            key = ("path", str(source["path"]))
        elif source["data"] is None and source["url"] is not None:
            key = ("url", str(source["url"]))
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
    if delete_existing:
        existing = _stored_name(name)
        if existing and media.have(existing):
            media.trash_files([existing])
    return media.write_data(name, content)


# --- actions --------------------------------------------------------------------------


@action()
async def storeMediaFile(
    filename: Any,
    data: Any = None,
    path: Any = None,
    url: Any = None,
    skipHash: Any = None,
    deleteExisting: bool = True,
) -> str | None:
    check_media_name(filename)
    content = await fetch_content(data, path, url)
    return await on_main(
        lambda: store_content(col(), filename, content, skipHash, bool(deleteExisting))
    )


@action()
async def retrieveMediaFile(filename: Any) -> str | bool:
    name = _stored_name(check_media_name(filename))
    folder = await on_main(lambda: col().media.dir())
    file_path = os.path.join(folder, name)

    def read() -> bytes | None:
        return _read_path(file_path) if name and os.path.isfile(file_path) else None

    content = await asyncio.to_thread(read)
    return False if content is None else base64.b64encode(content).decode("ascii")


@action()
def getMediaFilesNames(pattern: Any = "*") -> list[str]:
    if not isinstance(pattern, str) or any(sep in pattern for sep in ("/", "\\", "\0")):
        raise ActionError(errors.MEDIA_INVALID_PATTERN.format(pattern))
    return sorted(glob.glob(pattern, root_dir=col().media.dir()))


@action()
def getMediaDirPath() -> str:
    return os.path.abspath(col().media.dir())


@action()
def deleteMediaFile(filename: Any) -> None:
    col().media.trash_files([_stored_name(check_media_name(filename))])
