"""serverStatus (ours): what the server and Anki are doing, for the status page."""

from __future__ import annotations

import time
from typing import Any

from .. import __version__
from .context import env
from .registry import action


@action(main_thread=False)
def serverStatus() -> dict[str, Any]:
    """A snapshot for dashboards; runs on the server thread and never waits for Anki.

    Fields: ``server`` (version, address, uptime), ``anki`` (version, profile, collection
    open, window state, sync), ``traffic`` (totals, per-second series, recent and refused
    requests), ``clients`` (WebSocket connections), ``events`` (bus figures) and
    ``permissionRequests`` (requestPermission calls waiting for the user, per origin;
    the prompt windows themselves are in ``anki.permissionPrompts``).
    """
    services = env().services
    app = services.get("app")
    facts = dict(services.get("facts") or {})
    result: dict[str, Any] = {
        "server": {
            "version": __version__,
            "apiVersion": env().config.apiVersion if env().config else 6,
            "address": facts.pop("address", None),
            "startedAt": int(app.started * 1000) if app else None,
            "uptime": round(time.time() - app.started, 1) if app else None,
        },
        "anki": facts,
    }
    stats = services.get("stats")
    if stats is not None:
        result["traffic"] = stats.snapshot()
    if app is not None:
        result["clients"] = [
            {
                "origin": s.origin,
                "connectedAt": int(s.opened * 1000),
                "inFlight": len(s.tasks),
                "topics": sorted(s.subscription.topics) if s.subscription else [],
                "queued": len(s.subscription.queue) if s.subscription else 0,
                "resets": s.subscription.resets if s.subscription else 0,
            }
            for s in app.sessions
        ]
    bus = services.get("bus")
    if bus is not None:
        result["events"] = {**bus.stats(), "run": bus.run, "queueSize": bus.queue_size}
    questions = services.get("permission_questions")
    result["permissionRequests"] = questions.snapshot() if questions is not None else []
    return result
