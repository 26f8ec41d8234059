"""Fixtures shared by the unit tests."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ..support.http_files import MediaServer


@pytest.fixture
def media_server() -> Iterator[MediaServer]:
    """A local HTTP server with a few media files (see MediaServer)."""
    with MediaServer() as server:
        yield server


@pytest.fixture(scope="session", autouse=True)
def garbage_collection_as_in_anki() -> Iterator[None]:
    """Anki collects once at start-up, then switches automatic collection off (it runs
    it every 15 minutes): code that leaves reference cycles must show it here too."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
