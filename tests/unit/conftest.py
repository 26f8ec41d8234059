"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .test_media import MediaServer


@pytest.fixture
def media_server() -> Iterator[MediaServer]:
    """A local HTTP server with a few media files (see MediaServer)."""
    with MediaServer() as server:
        yield server
