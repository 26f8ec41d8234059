"""Media actions on a real Collection; downloads from a real local HTTP server."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ankiconnect_ws.actions.context import RequestInfo
from ankiconnect_ws.config import Config

from ..support.http_files import AUDIO, HELLO, MediaServer, RawServer
from ..support.local_api import LocalApi

HELLO_B64 = base64.b64encode(HELLO).decode()


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


# "\x15": Anki drops control characters from media names, which left the media folder itself
@pytest.mark.parametrize("name", ["../x", "a/b.txt", "a\\b.txt", "/etc/passwd", "..", "C:evil.txt", "", "\x15", "\x01.\x02"])
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


# --- hostile paths (issue 10) ---------------------------------------------------------

SECRET = b"bytes that must stay unread"


def answer_within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()`` run in a daemon thread: its result, or a failed test if it takes longer
    (a request blocked for ever must fail the test, not freeze the test run)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"no answer within {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["result"]


def full_pipe() -> int:
    """The read end of a pipe holding SECRET, its write end closed."""
    read_end, write_end = os.pipe()
    os.write(write_end, SECRET)
    os.close(write_end)
    return read_end


def assert_untouched(fd: int, inode: int) -> None:
    """``fd`` is still the same open pipe, and nobody read from it."""
    assert os.fstat(fd).st_ino == inode
    assert os.read(fd, 100) == SECRET


@pytest.fixture
def pipe_fd() -> Iterator[int]:
    fd = full_pipe()
    yield fd
    with contextlib.suppress(OSError):
        os.close(fd)


@contextlib.contextmanager
def standard_descriptors_replaced() -> Iterator[dict[int, int]]:
    """Descriptors 0, 1 and 2 replaced by pipes while the test runs, then restored, so
    that reading or closing them (what ``open(0)``, ``open(True)``... did) cannot harm
    the test run. 0 is a full pipe; 1 and 2 are write ends, as output should be.
    Yields each descriptor's pipe inode."""
    saved = {fd: os.dup(fd) for fd in (0, 1, 2)}
    keep: list[int] = []  # the other ends, open while the test runs
    try:
        read_end = full_pipe()
        os.dup2(read_end, 0)
        os.close(read_end)
        for fd in (1, 2):
            other, write_end = os.pipe()
            keep.append(other)
            os.dup2(write_end, fd)
            os.close(write_end)
        yield {fd: os.fstat(fd).st_ino for fd in (0, 1, 2)}
    finally:
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)
        for fd in keep:
            os.close(fd)


def release_fifo(path: Path) -> None:
    """Let a reader blocked opening the FIFO go on (to end a test of the old code)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # nobody is waiting for a writer
        return
    os.close(fd)


def basic_note(**media: Any) -> dict[str, Any]:
    return {"deckName": "Default", "modelName": "Basic", "fields": {"Front": "front", "Back": "back"}, **media}


def test_a_descriptor_number_as_path_is_refused_and_left_alone(api: LocalApi, pipe_fd: int) -> None:
    inode = os.fstat(pipe_fd).st_ino
    message = f"path must be a file path string: {pipe_fd}"
    assert api.error("storeMediaFile", filename="x.bin", path=pipe_fd) == message
    picture = {"path": pipe_fd, "filename": "p.png", "fields": ["Front"]}
    assert api.error("addNote", note=basic_note(picture=picture)) == message
    assert api("addNotes", notes=[basic_note(audio=[picture])]) == [None]
    nid = api("addNote", note=basic_note())
    assert api.error("updateNoteFields", note={"id": nid, "fields": {"Back": "b"}, "video": picture}) == message
    assert api("findNotes", query="deck:Default") == [nid]
    assert not any(media_dir(api).iterdir())
    assert_untouched(pipe_fd, inode)


def test_standard_descriptors_are_never_read_or_closed(api: LocalApi) -> None:
    with standard_descriptors_replaced() as inodes:
        replies = {
            repr(path): api.envelope("storeMediaFile", filename="std.bin", path=path)
            for path in (0, 1, 2, True, False, "/dev/stdin", "/proc/self/fd/0")
        }
        still = {fd: os.fstat(fd).st_ino for fd in (0, 1, 2)}
        unread = os.read(0, 100)
    assert still == inodes
    assert unread == SECRET
    assert replies == {
        "0": {"result": None, "error": "path must be a file path string: 0"},
        "1": {"result": None, "error": "path must be a file path string: 1"},
        "2": {"result": None, "error": "path must be a file path string: 2"},
        "True": {"result": None, "error": "path must be a file path string: True"},
        "False": {"result": None, "error": "path must be a file path string: False"},
        "'/dev/stdin'": {"result": None, "error": "path is not a regular file: /dev/stdin"},
        "'/proc/self/fd/0'": {"result": None, "error": "path is not a regular file: /proc/self/fd/0"},
    }
    assert not any(media_dir(api).iterdir())


@pytest.mark.parametrize("path", [3.0, -1, [], ["/etc/hostname"], {}, {"path": "/etc/hostname"}, "", "/etc/hostname\0"])
def test_path_must_be_a_non_empty_string(api: LocalApi, path: Any) -> None:
    assert api.error("storeMediaFile", filename="x.bin", path=path) == f"path must be a file path string: {path}"


@pytest.fixture(params=["directory", "fifo", "socket", "/dev/null", "/dev/zero"])
def not_a_file(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A path naming something other than a regular file."""
    kind = request.param
    if kind.startswith("/dev/"):
        yield Path(kind)
    elif kind == "directory":
        yield tmp_path
    elif kind == "fifo":
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        try:
            yield fifo
        finally:
            release_fifo(fifo)
    else:
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(str(tmp_path / "socket"))
            server.listen()
            yield tmp_path / "socket"


def test_a_path_that_is_not_a_regular_file_is_refused_at_once(api: LocalApi, not_a_file: Path) -> None:
    message = answer_within(1.0, lambda: api.error("storeMediaFile", filename="n.bin", path=str(not_a_file)))
    assert message == f"path is not a regular file: {not_a_file}"
    picture = {"path": str(not_a_file), "filename": "p.png", "fields": ["Front"]}
    assert answer_within(1.0, lambda: api.error("addNote", note=basic_note(picture=picture))) == message
    assert not any(media_dir(api).iterdir())


def test_fifo_paths_do_not_starve_other_requests(api: LocalApi, tmp_path: Path) -> None:
    """More FIFO reads than the default thread pool has workers (6 on 2 cores), then a
    retrieveMediaFile, which needs a worker too: every one is answered at once."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    api("storeMediaFile", filename="_hello.txt", data=HELLO_B64)
    stores = [{"action": "storeMediaFile", "version": 6, "params": {"filename": f"f{i}", "path": str(fifo)}}
              for i in range(12)]
    retrieve = {"action": "retrieveMediaFile", "version": 6, "params": {"filename": "_hello.txt"}}

    async def together() -> list[Any]:
        return await asyncio.gather(*(api.dispatcher.handle(r, RequestInfo()) for r in [*stores, retrieve]))

    try:
        replies = answer_within(2.0, lambda: asyncio.run(together()))
    finally:
        release_fifo(fifo)
    assert replies[-1] == {"result": HELLO_B64, "error": None}
    assert {r["error"] for r in replies[:-1]} == {f"path is not a regular file: {fifo}"}


def test_the_open_collection_files_are_never_opened(api: LocalApi) -> None:
    """Closing any descriptor of a file drops the process's POSIX locks on it, which
    SQLite holds on the open collection; the file is refused before it is opened."""
    database = api.col.path
    for path in (database, database + "-wal"):
        assert os.path.exists(path)
        assert api.error("storeMediaFile", filename="c.bin", path=path) == (
            f"path is a database file of the open collection: {path}"
        )
    assert not any(media_dir(api).iterdir())


def test_local_files_have_the_media_size_limit(collection, tmp_path: Path) -> None:
    api = LocalApi(collection, Config(maxMediaFileBytes=10))
    (tmp_path / "ten").write_bytes(b"0123456789")
    (tmp_path / "eleven").write_bytes(b"0123456789a")
    assert api("storeMediaFile", filename="ten.bin", path=str(tmp_path / "ten")) == "ten.bin"
    assert api.error("storeMediaFile", filename="eleven.bin", path=str(tmp_path / "eleven")) == (
        f"path is larger than 10 bytes (maxMediaFileBytes): {tmp_path / 'eleven'}"
    )
    assert sorted(p.name for p in media_dir(api).iterdir()) == ["ten.bin"]


# --- download limits (issue 10) -------------------------------------------------------


def trickle(data: bytes, interval: float = 0.1) -> Callable[[Callable[[bytes], bool]], None]:
    """A reply that sends ``data`` one byte per ``interval``: each read gets a byte well
    within a socket timeout, so only a deadline for the whole download can stop it."""

    def reply(send: Callable[[bytes], bool]) -> None:
        for byte in data:
            if not send(bytes([byte])):
                return
            time.sleep(interval)

    return reply


def test_a_trickling_body_is_cut_at_the_deadline(collection) -> None:
    api = LocalApi(collection, Config(webTimeout=300))
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\nConnection: close\r\n\r\n"

    def reply(send: Callable[[bytes], bool]) -> None:
        if send(head):
            trickle(b"x" * 30)(send)

    with RawServer(reply) as server:
        started = time.monotonic()
        assert api.error("storeMediaFile", filename="t.bin", url=server.url()) == (
            f"{server.url()} download failed: not finished within 300 ms"
        )
    assert time.monotonic() - started < 1.5
    assert not any(media_dir(api).iterdir())


def test_a_trickling_response_head_is_cut_at_the_deadline(collection) -> None:
    api = LocalApi(collection, Config(webTimeout=300))
    with RawServer(trickle(b"HTTP/1.1 200 OK\r\nX-Slow: abcdefghijkl\r\n\r\n")) as server:
        started = time.monotonic()
        assert api.error("storeMediaFile", filename="t.bin", url=server.url()) == (
            f"{server.url()} download failed: no answer within 300 ms"
        )
    assert time.monotonic() - started < 1.5


def test_a_download_announced_larger_than_the_limit_is_refused_before_its_body(api: LocalApi) -> None:
    announced = b"HTTP/1.1 200 OK\r\nContent-Length: 209715200\r\n\r\n"  # 200 MiB, never sent
    with RawServer(lambda send: send(announced) and None) as server:
        assert api.error("storeMediaFile", filename="big.bin", url=server.url()) == (
            f"{server.url()} download failed: larger than 104857600 bytes (maxMediaFileBytes)"
        )
    assert not any(media_dir(api).iterdir())


def flood(send: Callable[[bytes], bool]) -> None:
    """A body without a length that goes on until the client stops reading (at most 6 MiB)."""
    if send(b"HTTP/1.0 200 OK\r\n\r\n"):
        for _ in range(100):
            if not send(b"z" * 65536):
                return


def test_a_download_growing_past_the_limit_is_stopped(collection) -> None:
    api = LocalApi(collection, Config(maxMediaFileBytes=1000))
    with RawServer(flood) as server:
        assert api.error("storeMediaFile", filename="big.bin", url=server.url()) == (
            f"{server.url()} download failed: larger than 1000 bytes (maxMediaFileBytes)"
        )
    exact = b"HTTP/1.0 200 OK\r\n\r\n" + b"y" * 1000  # the limit itself is allowed
    with RawServer(lambda send: send(exact) and None) as server:
        assert api("storeMediaFile", filename="exact.bin", url=server.url()) == "exact.bin"
    assert (media_dir(api) / "exact.bin").read_bytes() == b"y" * 1000
    assert [p.name for p in media_dir(api).iterdir()] == ["exact.bin"]


# --- symbolic links in the media folder (issue 10) ------------------------------------


def test_retrieve_does_not_follow_symbolic_links(api: LocalApi, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(SECRET)
    (media_dir(api) / "evil.txt").symlink_to(outside)
    api("storeMediaFile", filename="inside.txt", data=HELLO_B64)
    (media_dir(api) / "alias.txt").symlink_to(media_dir(api) / "inside.txt")
    assert api("retrieveMediaFile", filename="evil.txt") is False
    assert api("retrieveMediaFile", filename="alias.txt") is False  # a link is never followed
    assert api("retrieveMediaFile", filename="inside.txt") == HELLO_B64


def test_retrieve_of_a_fifo_in_the_media_folder_answers_at_once(api: LocalApi) -> None:
    fifo = media_dir(api) / "fifo.mp3"
    os.mkfifo(fifo)
    try:
        assert answer_within(1.0, lambda: api("retrieveMediaFile", filename="fifo.mp3")) is False
    finally:
        release_fifo(fifo)


def test_store_never_writes_through_a_symbolic_link(api: LocalApi, tmp_path: Path) -> None:
    target = tmp_path / "created-outside.txt"
    (media_dir(api) / "dangling.txt").symlink_to(target)
    # keeping the existing "file" would mean writing through the link: refused
    assert api.error("storeMediaFile", filename="dangling.txt", data=HELLO_B64, deleteExisting=False) == (
        "media file is a symbolic link: dangling.txt"
    )
    assert not target.exists()
    # replacing it trashes the link itself and stores a real file
    assert api("storeMediaFile", filename="dangling.txt", data=HELLO_B64) == "dangling.txt"
    stored = media_dir(api) / "dangling.txt"
    assert not stored.is_symlink() and stored.read_bytes() == HELLO
    assert not target.exists()


def test_store_never_reads_or_writes_through_an_existing_link(api: LocalApi, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(SECRET)
    (media_dir(api) / "evil.txt").symlink_to(outside)
    secret_b64 = base64.b64encode(SECRET).decode()
    # Anki would compare with the link's target: the answer would reveal its content
    assert api.error("storeMediaFile", filename="evil.txt", data=secret_b64, deleteExisting=False) == (
        "media file is a symbolic link: evil.txt"
    )
    note = basic_note(audio={"data": HELLO_B64, "filename": "evil.txt", "fields": ["Back"]})
    nid = api("addNote", note=note)  # as upstream, a file that cannot be stored is reported in the field
    assert api("notesInfo", notes=[nid])[0]["fields"]["Back"]["value"] == "backmedia file is a symbolic link: evil.txt"
    assert outside.read_bytes() == SECRET
    assert os.path.islink(media_dir(api) / "evil.txt")


def test_store_never_writes_through_a_link_at_the_renamed_name(api: LocalApi, tmp_path: Path) -> None:
    """A different file of that name exists: Anki stores under the name plus the SHA-1."""
    api("storeMediaFile", filename="a.txt", data=HELLO_B64)
    renamed = f"a-{hashlib.sha1(b'other').hexdigest()}.txt"
    target = tmp_path / "created-outside.txt"
    (media_dir(api) / renamed).symlink_to(target)
    other = base64.b64encode(b"other").decode()
    assert api.error("storeMediaFile", filename="a.txt", data=other, deleteExisting=False) == (
        f"media file is a symbolic link: {renamed}"
    )
    assert not target.exists()


def test_delete_trashes_a_link_not_its_target(api: LocalApi, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(SECRET)
    (media_dir(api) / "evil.txt").symlink_to(outside)
    assert api("deleteMediaFile", filename="evil.txt") is None
    assert not os.path.lexists(media_dir(api) / "evil.txt")
    assert outside.read_bytes() == SECRET
