"""The collection reader: reading actions run off the main thread, on a real collection.

The "main thread" here is the test's own thread; the reader is the add-on's real
reader thread (reader.py), reading a real Collection in a temp folder.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from anki.collection import Collection

from ankiconnect_ws import errors
from ankiconnect_ws.actions import registry
from ankiconnect_ws.actions.context import bind, reading
from ankiconnect_ws.errors import ActionError
from ankiconnect_ws.reader import CollectionReader
from tests.support.local_api import LocalApi

T = TypeVar("T")


class WatchedReader:
    """The real reader, noting which thread ran each read."""

    def __init__(self) -> None:
        self.reader = CollectionReader()
        self.threads: list[str] = []

    async def run(self, fn: Callable[[], T]) -> T:
        def watched() -> T:
            self.threads.append(threading.current_thread().name)
            return fn()

        return await self.reader.run(watched)


@pytest.fixture
def reader() -> Iterator[WatchedReader]:
    watched = WatchedReader()
    try:
        yield watched
    finally:
        watched.reader.close()


def _add(api: LocalApi, fronts: list[str]) -> list[int]:
    return api("addNotes", notes=[{"deckName": "Default", "modelName": "Basic",
                                   "fields": {"Front": front, "Back": "b"}} for front in fronts])


def test_reading_actions_run_on_the_reader_thread(api: LocalApi, reader: WatchedReader) -> None:
    ids = _add(api, ["one", "two"])
    api.rewire(run_reading=reader.run)
    assert api("findNotes", query="deck:Default") == ids
    assert [info["fields"]["Front"]["value"] for info in api("notesInfo", query="deck:Default")] == ["one", "two"]
    assert api("multi", actions=[{"action": "findNotes", "params": {"query": "Front:two"}},
                                 {"action": "deckNames"}]) == [[ids[1]], ["Default"]]
    # findNotes, notesInfo's search and its rows, the multi's findNotes; deckNames is no read
    assert len(reader.threads) == 4
    assert set(reader.threads) == {reader.threads[0]} and reader.threads[0].startswith("ankiconnect-ws-reader")


def test_the_reading_actions_only_read() -> None:
    reads = sorted(spec.name for spec in registry.REGISTRY.values() if spec.reads)
    assert reads == ["areDue", "areSuspended", "cardsModTime", "cardsToNotes", "findCards", "findNotes",
                     "getEaseFactors", "getIntervals", "getNoteTags", "notesModTime", "suspended"]


def test_a_read_cut_off_by_the_collection_closing_is_answered_collection_unavailable(
        collection: Collection, reader: WatchedReader) -> None:
    """The collection closes during the read (a profile switch on the main thread):
    whatever the read ran into, the answer is the usual one."""
    api = LocalApi(collection)
    open_collection: list[Any] = [collection]
    api.rewire(collection=lambda: open_collection[0], run_reading=reader.run)

    def read_while_it_closes() -> Any:
        open_collection[0] = None
        collection.close()
        return collection.find_notes("")

    async def ask() -> Any:
        with bind(api.environment):
            return await reading(read_while_it_closes)

    with pytest.raises(ActionError, match=f"^{errors.CollectionUnavailable().args[0]}$"):
        asyncio.run(ask())


def test_a_read_error_with_the_collection_open_is_the_reads_own(api: LocalApi, reader: WatchedReader) -> None:
    api.rewire(run_reading=reader.run)
    assert api.error("findNotes", query="(").startswith("Invalid search")


def test_a_closed_reader_refuses_new_reads(api: LocalApi, reader: WatchedReader) -> None:
    api.rewire(run_reading=reader.run)
    reader.reader.close()
    assert api.error("findNotes", query="") == errors.ANKI_CLOSING
