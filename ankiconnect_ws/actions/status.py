"""serverStatus (ours): what the server and Anki are doing, for the status page."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ._types import ServerStatus
from .context import env
from .registry import action


@action(main_thread=False)
def serverStatus() -> ServerStatus:
    """A snapshot for dashboards; runs on the server thread and never waits for Anki.

    Fields: ``server`` (version, address, uptime), ``anki`` (version, profile, collection
    open, window state, sync, permission prompts on screen), ``traffic`` (totals,
    per-second series, recent and refused requests), ``clients`` (WebSocket
    connections), ``events`` (bus figures) and ``permissionRequests``
    (requestPermission calls waiting for the user, per origin). Without the add-on
    (unit tests) only ``server``, ``anki`` and ``permissionRequests`` are there.
    """
    environment = env()
    server: dict[str, Any] = {
        "version": __version__,
        "apiVersion": environment.config.apiVersion,
        "address": None,
        "startedAt": None,
        "uptime": None,
    }
    result: dict[str, Any] = {"server": server, "anki": {}}
    if environment.status is not None:
        figures = environment.status.status()
        server.update(figures.server)
        result.update(anki=figures.anki, traffic=figures.traffic, clients=figures.clients, events=figures.events)
    result["permissionRequests"] = environment.permission_questions.snapshot()
    return result  # type: ignore[return-value]  # built up as above
