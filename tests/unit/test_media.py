"""Media actions on a real Collection; downloads from a real local HTTP server."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from ankiconnect_ws.config import Config

from ..conftest import LocalApi
from ..http_files import FileServer

HELLO = b"Hello, world!"
HELLO_B64 = base64.b64encode(HELLO).decode()
AUDIO = b"ID3 fake mp3 bytes"


class MediaServer(FileServer):
    """Serves /audio.mp3, /hello.txt and a /slow file (after 1 s); 404 otherwise.

    ``seen_inside_main`` records, for each request, whether the collection work of an
    action was running at that moment (set by ``watch_main``).
    """

    def __init__(self) -> None:
        files = {"/audio.mp3": AUDIO, "/hello.txt": HELLO, "/slow": b"late"}
        super().__init__(files.get, slow=("/slow",))
        self.seen_inside_main: list[bool] = []
        self.inside_main = threading.Event()
        self.on_request.append(lambda _path: self.seen_inside_main.append(self.inside_main.is_set()))

    def watch_main(self, api: LocalApi) -> list[int]:
        """Route the api's main-thread calls through a marker; returns the call log."""
        calls: list[int] = []

        async def run_on_main(fn):  # type: ignore[no-untyped-def]
            calls.append(1)
            self.inside_main.set()
            try:
                return fn()
            finally:
                self.inside_main.clear()

        api.rewire(run_on_main=run_on_main)
        return calls


def media_dir(api: LocalApi) -> Path:
    return Path(api.col.media.dir())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- storeMediaFile -------------------------------------------------------------------


def test_store_by_data_writes_the_file(api: LocalApi) -> None:
    assert api("storeMediaFile", filename="_hello.txt", data=HELLO_B64) == "_hello.txt"
    assert (media_dir(api) / "_hello.txt").read_bytes() == HELLO


def test_store_replaces_existing_by_default_and_renames_when_asked_not_to(api: LocalApi) -> None:
    api("storeMediaFile", filename="a.txt", data=HELLO_B64)
    other = base64.b64encode(b"other").decode()
    assert api("storeMediaFile", filename="a.txt", data=other) == "a.txt"
    assert (media_dir(api) / "a.txt").read_bytes() == b"other"
    kept = api("storeMediaFile", filename="a.txt", data=HELLO_B64, deleteExisting=False)
    assert kept != "a.txt" and kept.endswith(".txt")
    assert (media_dir(api) / "a.txt").read_bytes() == b"other"
    assert (media_dir(api) / kept).read_bytes() == HELLO


def test_store_by_path(api: LocalApi, tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(b"\x00\x01binary")
    assert api("storeMediaFile", filename="copy.bin", path=str(source)) == "copy.bin"
    assert (media_dir(api) / "copy.bin").read_bytes() == b"\x00\x01binary"
    missing = api.error("storeMediaFile", filename="x.bin", path=str(tmp_path / "missing"))
    assert "No such file or directory" in missing


def test_store_data_wins_over_path_and_url(api: LocalApi, tmp_path: Path) -> None:
    api("storeMediaFile", filename="w.txt", data=HELLO_B64, path=str(tmp_path / "nope"), url="http://x")
    assert (media_dir(api) / "w.txt").read_bytes() == HELLO


def test_store_by_url_downloads_off_the_main_thread(api: LocalApi, media_server: MediaServer) -> None:
    calls = media_server.watch_main(api)
    assert api("storeMediaFile", filename="hello.mp3", url=media_server.url("/audio.mp3")) == "hello.mp3"
    assert (media_dir(api) / "hello.mp3").read_bytes() == AUDIO
    assert media_server.seen_inside_main == [False]
    assert calls == [1]


def test_store_url_errors(collection, media_server: MediaServer) -> None:
    api = LocalApi(collection, Config(webTimeout=200))
    url = media_server.url("/missing.mp3")
    assert api.error("storeMediaFile", filename="m.mp3", url=url) == (
        f"{url} download failed with return code 404"
    )
    slow = media_server.url("/slow")
    started = time.monotonic()
    assert api.error("storeMediaFile", filename="s.mp3", url=slow) == (
        f"{slow} download failed: no answer within 200 ms"
    )
    assert time.monotonic() - started < 0.9
    refused = f"http://127.0.0.1:{closed_port()}/a.mp3"
    assert api.error("storeMediaFile", filename="r.mp3", url=refused).startswith(
        f"{refused} download failed: "
    )
    assert api.error("storeMediaFile", filename="f.mp3", url="file:///etc/passwd") == (
        "file:///etc/passwd download failed: only http and https URLs are supported"
    )
    assert not any(media_dir(api).iterdir())


def test_store_skip_hash_skips_the_file(api: LocalApi, media_server: MediaServer) -> None:
    digest = hashlib.md5(AUDIO).hexdigest()
    url = media_server.url("/audio.mp3")
    assert api("storeMediaFile", filename="skip.mp3", url=url, skipHash=digest) is None
    assert not (media_dir(api) / "skip.mp3").exists()
    assert api("storeMediaFile", filename="keep.mp3", url=url, skipHash="0" * 32) == "keep.mp3"


def test_store_needs_a_source(api: LocalApi) -> None:
    assert api.error("storeMediaFile", filename="x.txt") == (
        'You must provide a "data", "path", or "url" field.'
    )


@pytest.mark.parametrize("name", ["../x", "a/b.txt", "a\\b.txt", "/etc/passwd", "..", "C:evil.txt", ""])
def test_names_outside_the_media_folder_are_refused(api: LocalApi, name: str) -> None:
    message = f"invalid media file name: {name}"
    assert api.error("storeMediaFile", filename=name, data=HELLO_B64) == message
    assert api.error("retrieveMediaFile", filename=name) == message
    assert api.error("deleteMediaFile", filename=name) == message
    assert not any(media_dir(api).iterdir())


# --- retrieve / list / delete / dir ---------------------------------------------------


def test_retrieve(api: LocalApi) -> None:
    api("storeMediaFile", filename="_hello.txt", data=HELLO_B64)
    assert api("retrieveMediaFile", filename="_hello.txt") == HELLO_B64
    assert api("retrieveMediaFile", filename="missing.txt") is False


def test_get_media_files_names(api: LocalApi) -> None:
    for name in ("a.mp3", "b.mp3", "c.jpg"):
        api("storeMediaFile", filename=name, data=HELLO_B64)
    assert sorted(api("getMediaFilesNames")) == ["a.mp3", "b.mp3", "c.jpg"]
    assert sorted(api("getMediaFilesNames", pattern="*.mp3")) == ["a.mp3", "b.mp3"]
    assert api("getMediaFilesNames", pattern="nothing*") == []
    assert api.error("getMediaFilesNames", pattern="../*") == "invalid media file name pattern: ../*"


def test_get_media_dir_path(api: LocalApi) -> None:
    path = api("getMediaDirPath")
    assert os.path.isabs(path)
    assert Path(path) == Path(api.col.media.dir()).resolve()
    assert path.endswith("collection.media")


def test_delete_media_file_moves_it_to_the_trash(api: LocalApi) -> None:
    api("storeMediaFile", filename="gone.txt", data=HELLO_B64)
    assert api("deleteMediaFile", filename="gone.txt") is None
    assert not (media_dir(api) / "gone.txt").exists()
    assert api("retrieveMediaFile", filename="gone.txt") is False
    # deleting a missing file is not an error
    assert api("deleteMediaFile", filename="gone.txt") is None
