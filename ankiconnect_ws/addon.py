"""The add-on inside Anki: settings, the server's lifetime, and Anki's hooks.

The server starts when the add-on loads (the main window exists, no profile yet) and
lives until Anki quits. Profile switches only flip collection availability: while no
collection is open, collection actions answer ``collection is not available`` and every
connection stays up.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from aqt import gui_hooks

from . import actions  # noqa: F401  (registers the actions)
from .actions.context import Environment
from .config import Config, load_config
from .events import EventBus
from .events.hooks import AnkiEvents
from .protocol import Dispatcher
from .runner import MainThreadRunner
from .server import App, ServerThread
from .server.stats import TrafficStats

__all__ = ["start", "AddOn"]

log = logging.getLogger("ankiconnect_ws")

_instance: "AddOn | None" = None

#: how soon a request queued behind a job stuck in a nested event loop (a modal box
#: opened from inside it) is run from that loop instead
WATCHDOG_MS = 50


def start(mw: Any, module: str) -> "AddOn":
    global _instance
    if _instance is None:
        _instance = AddOn(mw, module)
        _instance.start()
    return _instance


def web_root() -> Path | None:
    here = Path(__file__).resolve().parent
    for candidate in (here / "web", here.parent / "web"):
        if (candidate / "index.html").is_file():
            return candidate
    return None


class AddOn:
    def __init__(self, mw: Any, module: str) -> None:
        self.mw = mw
        self.module = module
        self.config: Config = self._read_config()
        self._collection_open = False
        from .qt_post import MainThreadPoster

        self.poster = MainThreadPoster()
        self.runner = MainThreadRunner(
            self.poster.post,
            post_later=self.poster.post_later,
            watchdog=lambda fn: self.poster.repeating(WATCHDOG_MS, fn),
        )
        self.environment = Environment(
            collection=self._collection,
            mw=mw,
            config=self.config,
            services={"addon": self},
        )
        self.dispatcher = Dispatcher(self.environment, lambda: self.config, self.runner.run)
        self.app = App(self.dispatcher, lambda: self.config, web_root=web_root())
        self.server = ServerThread(self.app)
        self.bus = EventBus(self.config.eventBufferSize, self.config.subscriberQueueSize, self.server.call)
        self.app.bus = self.bus
        self.environment.services["bus"] = self.bus
        self.events = AnkiEvents(mw, self.bus)
        # The first subscription (server thread) switches change detection on (main
        # thread). Through the runner's queue, so it runs before any action a client
        # sends after subscribing: that action's changes must not vanish into the baseline.
        self.bus.on_first_subscriber.append(lambda: self.runner.submit(self.events.activate))
        self.runner.after_turn.append(self.events.after_jobs)
        self.stats = TrafficStats()
        self.app.on_request.append(self.stats.request)
        self.app.on_refused.append(self.stats.refusal)
        #: plain facts for serverStatus, written on the main thread, read anywhere
        self.facts: dict[str, Any] = {
            "version": _anki_version(), "profile": None, "collectionOpen": False,
            "state": "startup", "sync": "idle", "address": None,
        }
        # permission prompt windows on screen (their origins) and how many were shown (ui.py)
        self.facts.update(permissionPrompts=[], permissionPromptsShown=0)
        self.environment.services.update(app=self.app, stats=self.stats, facts=self.facts)
        self.bound: tuple[str, int] | None = None

    # --- settings --------------------------------------------------------------------

    def _read_config(self) -> Config:
        raw = self.mw.addonManager.getConfig(self.module)
        config, problems = load_config(raw)
        if problems:
            message = "ankiconnect-ws config: " + "; ".join(problems)
            log.warning(message)
            self.mw.progress.single_shot(1000, lambda: _notice(message), False)
        return config

    def reload_config(self, *_args: Any) -> None:
        """Apply edited settings now; a new address/port waits for the next profile open."""
        self.config = self._read_config()
        self.environment.config = self.config
        self._open_api_log()

    def _open_api_log(self) -> None:
        from .server.apilog import ApiLog

        path = self.config.apiLogPath
        current = self.app.api_log
        if current is not None and current.path == path:
            return
        self.app.api_log = None
        if current is not None:
            current.close()
        if path:
            try:
                self.app.api_log = ApiLog(path)
            except OSError as exc:
                _notice(f"ankiconnect-ws: cannot write apiLogPath {path}: {exc}")

    def save_config_value(self, key: str, value: Any) -> None:
        raw = self.mw.addonManager.getConfig(self.module) or {}
        raw[key] = value
        self.mw.addonManager.writeConfig(self.module, raw)
        self.reload_config()

    # --- collection availability -----------------------------------------------------

    def _collection(self) -> Any:
        return self.mw.col if self._collection_open else None

    def _set_collection_open(self, is_open: bool) -> None:
        """The one place that says whether actions may use the collection."""
        self._collection_open = is_open
        self.facts["collectionOpen"] = is_open

    def _on_collection_load(self, *_args: Any) -> None:
        self._set_collection_open(True)
        self.facts["profile"] = self.mw.pm.name

    def _on_collection_close(self, *_args: Any) -> None:
        self._set_collection_open(False)

    def _on_state(self, new_state: str, _old: str) -> None:
        self.facts["state"] = new_state

    def _on_sync(self, state: str) -> None:
        """Anki's own sync holds the backend: answer `collection is not available`
        meanwhile instead of queueing collection work that would freeze the window."""
        self.facts["sync"] = state
        self._set_collection_open(state != "syncing" and self.mw.col is not None)

    def _on_profile_open(self) -> None:
        self._set_collection_open(self.mw.col is not None)
        self.reload_config()
        self._listen()
        self._announce()

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        from . import ui

        self.environment.services["permission_prompt"] = lambda origin: ui.ask_permission(self, origin)
        gui_hooks.collection_did_load.append(self._on_collection_load)
        gui_hooks.profile_did_open.append(self._on_profile_open)
        gui_hooks.profile_will_close.append(self._on_collection_close)
        gui_hooks.collection_will_temporarily_close.append(self._on_collection_close)
        gui_hooks.collection_did_temporarily_close.append(self._on_collection_load)
        self.events.install()
        gui_hooks.reviewer_did_answer_card.append(actions.gui.ANSWER_WAITS.card_answered)
        gui_hooks.state_did_change.append(self._on_state)
        gui_hooks.sync_will_start.append(lambda: self._on_sync("syncing"))
        gui_hooks.sync_did_finish.append(lambda: self._on_sync("idle"))
        self.mw.addonManager.setConfigUpdatedAction(self.module, self.reload_config)
        self.mw.app.aboutToQuit.connect(self.shutdown)
        ui.install_menu(self)
        self._open_api_log()
        self.server.start(self.config.webBindAddress, self.config.webBindPort, self._on_bound)
        if os.environ.get("ANKICONNECT_WS_CLI"):
            from . import cli

            cli.install_in_anki(self)

    def _listen(self) -> None:
        self.server.rebind(self.config.webBindAddress, self.config.webBindPort, self._on_bound)

    def _on_bound(self, address: tuple[str, int] | None, error: str | None) -> None:
        """Server thread: the listener is up (or could not be opened)."""
        if error is not None:
            message = f"ankiconnect-ws {error}. Is another AnkiConnect running? Change webBindPort in the add-on's config."
            log.error(message)
            self.mw.taskman.run_on_main(lambda: _notice(message))
            ready_file = os.environ.get("ANKICONNECT_WS_READY_FILE")
            if ready_file:  # the CLI reports it and stops
                Path(ready_file).write_text(f"error {message}\n", encoding="utf-8")
            return
        self.bound = address
        if address:
            self.facts["address"] = f"{address[0]}:{address[1]}"
        if address and address[0] not in ("127.0.0.1", "::1", "localhost") and not self.config.apiKey:
            log.warning("ankiconnect-ws listens on %s without an apiKey: anyone on the network can use Anki", address[0])
        self._announce()

    def _announce(self) -> None:
        """For the CLI: say where we listen once requests can reach a collection."""
        ready_file = os.environ.get("ANKICONNECT_WS_READY_FILE")
        if ready_file and self.bound and self._collection_open:
            Path(ready_file).write_text(f"{self.bound[0]} {self.bound[1]}\n", encoding="utf-8")

    def shutdown(self) -> None:
        self.runner.close()
        self.server.stop()


def _anki_version() -> str:
    try:
        from anki.buildinfo import version

        return version
    except Exception:
        return "unknown"


def _notice(message: str) -> None:
    """A non-blocking notice: never a modal dialog that could freeze Anki."""
    print(message, flush=True)
    try:
        from aqt.utils import tooltip

        tooltip(message, period=10000)
    except Exception:
        pass
