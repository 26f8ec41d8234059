"""Shared fixtures. Unit tests run actions on a real anki Collection in a temp folder;
end-to-end tests (tests/e2e) talk to one real Anki started through the CLI."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection

from ankiconnect_ws.actions.context import Environment, RequestInfo
from ankiconnect_ws.config import Config
from ankiconnect_ws.protocol import Dispatcher

from .api_calls import ApiCalls


_SESSION_START = time.time()


class LocalApi(ApiCalls):
    """Calls actions the way the server does, but in-process on a bare Collection."""

    def __init__(self, collection: Collection, config: Config | None = None) -> None:
        self.col = collection
        self.config = config or Config()
        self.environment = Environment(collection=lambda: self.col, settings=lambda: self.config)
        self.dispatcher = Dispatcher(self.environment)

    def rewire(self, **changes: Any) -> None:
        """From now on, run actions in an environment with these fields changed (e.g. a
        stand-in ``run_on_main``, or an ``mw``)."""
        self.environment = dataclasses.replace(self.environment, **changes)
        self.dispatcher = Dispatcher(self.environment)

    def request(self, request: dict[str, Any], info: RequestInfo | None = None) -> Any:
        return asyncio.run(self.dispatcher.handle(request, info or RequestInfo()))

    def envelope(self, action: str, **params: Any) -> dict[str, Any]:
        """The version-6 reply: {"result": ..., "error": ...}."""
        return self.request({"action": action, "version": 6, "params": params})



@pytest.fixture
def collection(tmp_path: Path):
    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        yield col
    finally:
        col.close()


@pytest.fixture
def api(collection: Collection) -> LocalApi:
    return LocalApi(collection)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    """Say where the status page screenshots were saved (test artefacts)."""
    artifacts = Path(__file__).resolve().parents[1] / "test-artifacts"
    shots = sorted(p for p in artifacts.glob("*.png") if p.stat().st_mtime >= _SESSION_START) if artifacts.is_dir() else []
    if shots:
        terminalreporter.write_line(f"test artefacts (screenshots): {artifacts}")
        for shot in shots:
            terminalreporter.write_line(f"  {shot.name}")
