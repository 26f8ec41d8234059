"""Media actions: store, retrieve, list and delete files in the media folder.

Getting and storing a file's bytes is :mod:`._mediafiles`' work, shared with the note
actions that carry media.
"""

from __future__ import annotations

import asyncio
import base64
import glob
import os
from typing import Literal

from .. import errors
from ..errors import ActionError
from ._mediafiles import check_media_name, fetch_content, read_media_file, store_content, stored_name
from ._types import FilePath, Flag
from .context import col, on_main
from .registry import action


@action()
async def storeMediaFile(
    filename: str,
    data: str | None = None,
    path: FilePath | None = None,
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
    name = stored_name(check_media_name(filename))
    folder = await on_main(lambda: col().media.dir())
    content = await asyncio.to_thread(read_media_file, folder, name)
    return False if content is None else base64.b64encode(content).decode("ascii")


@action()
def getMediaFilesNames(pattern: str = "*") -> list[str]:
    if not isinstance(pattern, str) or any(sep in pattern for sep in ("/", "\\", "\0")):
        raise ActionError(errors.MEDIA_INVALID_PATTERN.format(pattern))
    # glob's root_dir needs Python 3.10; the pattern has no separator, so a match's
    # last part is its name in the folder
    folder = glob.escape(col().media.dir())
    return sorted(os.path.basename(path) for path in glob.glob(os.path.join(folder, pattern)))


@action()
def getMediaDirPath() -> str:
    return os.path.abspath(col().media.dir())


@action()
def deleteMediaFile(filename: str) -> None:
    col().media.trash_files([stored_name(check_media_name(filename))])
