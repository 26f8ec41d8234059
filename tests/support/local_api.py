"""The API in-process: actions called the way the server calls them, on a bare Collection."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from anki.collection import Collection

from ankiconnect_ws.actions.context import Environment, RequestInfo
from ankiconnect_ws.config import Config
from ankiconnect_ws.protocol import Dispatcher
from bench.anki_process import ApiCalls


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
