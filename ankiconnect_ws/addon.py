"""The add-on inside Anki: the composition root. :class:`AddOn` builds every component
once, each with what it needs, then connects them to Anki (hooks, menu, config dialog).

The server starts when the add-on loads (the main window exists, no profile yet) and
lives until Anki quits. Profile switches only move the lifecycle: while no collection is
open, collection actions answer ``collection is not available`` and every connection
stays up.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from . import actions  # noqa: F401  (registers the actions)
from . import ui, validation
from .actions._older_anki import KEEPS_A_TRANSACTION, commit
from .actions.context import Environment, StatusFigures
from .appnap import AppNapGuard
from .config import Config, load_config
from .events import EventBus
from .events.bus import now_ms
from .events.hooks import AnkiEvents
from .lifecycle import Lifecycle, install_hooks
from .protocol import Dispatcher
from .qt_post import MainThreadPoster
from .reader import CollectionReader
from .runner import MainThreadRunner
from .server import App, ServerThread
from .server.stats import TrafficStats
from .wire import JsonObject

if TYPE_CHECKING:  # pragma: no cover
    from aqt.main import AnkiQt
    from aqt.qt import QAction

__all__ = ["start", "AddOn", "ServingListener"]

log = logging.getLogger("ankiconnect_ws")

_instance: AddOn | None = None

#: how soon a request queued behind a job stuck in a nested event loop (a modal box
#: opened from inside it) is run from that loop instead
WATCHDOG_MS = 50


def start(mw: AnkiQt, module: str) -> AddOn:
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


def _prepare_validation() -> None:
    try:
        validation.prepare()
    except Exception:  # a request then builds its action's validator itself
        log.exception("ankiconnect-ws: cannot build the params validators")


class ServingListener(Protocol):
    """Told where the API can be reached (the CLI waits for it; see cli.py)."""

    def serving(self, address: tuple[str, int]) -> None:
        """Listening, and a collection is open (any thread)."""
        ...

    def cannot_listen(self, message: str) -> None:
        """The listener could not be opened (server thread)."""
        ...


class AddOn:
    def __init__(self, mw: AnkiQt, module: str) -> None:
        self.mw = mw
        self.module = module
        self._config: Config = self._read_config()
        self.lifecycle = Lifecycle(mw)
        self.prompts = ui.PermissionPrompts(mw, self.settings, self.save_config_value)
        self.events = AnkiEvents(self.lifecycle, self._publish)
        self.poster = MainThreadPoster()
        self.reader = CollectionReader()
        self.runner = MainThreadRunner(
            self.poster.post,
            post_later=self.poster.post_later,
            watchdog=lambda fn: self.poster.repeating(WATCHDOG_MS, fn),
            after_turn=self._after_turn,
            # replies wait for change detection only while it runs (someone subscribed),
            # and on Anki before 23.10 for the commit: a reply means it is on disk
            results_wait_for_turn=lambda: self.events.active or KEEPS_A_TRANSACTION,
        )
        # The first subscription (server thread) switches change detection on (main
        # thread). Through the runner's queue, so it runs before any action a client
        # sends after subscribing: that action's changes must not vanish into the baseline.
        self.bus = EventBus(self.settings, on_first_subscriber=lambda: self.runner.submit(self.events.activate))
        self.environment = Environment(
            collection=self.lifecycle.collection,
            settings=self.settings,
            mw=mw,
            run_on_main=self.runner.run,
            run_reading=self.reader.run,
            events=self.bus,
            status=self,
            permission_prompt=self.prompts.ask,
        )
        self.stats = TrafficStats()
        self.app = App(Dispatcher(self.environment), self.settings, stats=self.stats, events=self.bus,
                       web_root=web_root())
        self.server = ServerThread(self.app)
        self.app_nap = AppNapGuard()
        #: where the server listens, once it does
        self.bound: tuple[str, int] | None = None
        #: why the listener could not be opened, the last time it could not
        self.listen_error: str | None = None
        self._listeners: list[ServingListener] = []
        self._anki_version = _anki_version()
        self.menu_action: QAction | None = None

    # --- settings --------------------------------------------------------------------

    def settings(self) -> Config:
        """The current settings: the one getter every component reads them through."""
        return self._config

    def _read_config(self) -> Config:
        raw = self.mw.addonManager.getConfig(self.module)
        config, problems = load_config(raw)
        if problems:
            message = "ankiconnect-ws config: " + "; ".join(problems)
            log.warning(message)
            self.mw.progress.single_shot(1000, lambda: _notice(message), False)
        return config

    def reload_config(self, *_args: Any) -> None:
        """Apply edited settings now (the config editor's Save, a profile open): the
        listener moves to a new address or port, or tries again if it could not listen."""
        self._config = self._read_config()
        self._open_api_log()
        self.app_nap.apply(self._config)
        self.server.rebind(self._config.webBindAddress, self._config.webBindPort, self._on_bound)

    def _open_api_log(self) -> None:
        path = self._config.apiLogPath
        try:
            self.app.log_to(path)
        except OSError as exc:
            _notice(f"ankiconnect-ws: cannot write apiLogPath {path}: {exc}")

    def save_config_value(self, key: str, value: Any) -> None:
        raw = self.mw.addonManager.getConfig(self.module) or {}
        raw[key] = value
        self.mw.addonManager.writeConfig(self.module, raw)
        self.reload_config()

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        from . import cli

        install_hooks(self.lifecycle, self.events, on_profile_open=self._on_profile_open,
                      before_collection_lost=self.runner.finish_started)
        self.mw.addonManager.setConfigUpdatedAction(self.module, self.reload_config)
        self.mw.app.aboutToQuit.connect(self.shutdown)
        self.menu_action = ui.install_menu(self.mw, lambda: self.bound, lambda: self.listen_error)
        cli.install_in_anki(self)  # only when Anki was started by `python -m ankiconnect_ws run`
        self._open_api_log()
        self.server.start(self._config.webBindAddress, self._config.webBindPort, self._on_bound)
        # macOS must not throttle Anki in the background while it answers requests
        self.app_nap.apply(self._config)
        # the params validators, built off the main thread so that no request waits for them
        threading.Thread(target=_prepare_validation, name="ankiconnect-ws schemas", daemon=True).start()

    def watch_serving(self, listener: ServingListener) -> None:
        self._listeners.append(listener)

    def _on_profile_open(self) -> None:
        self.reload_config()
        self._announce()

    def _on_bound(self, address: tuple[str, int] | None, error: str | None) -> None:
        """Server thread: the listener is up (or could not be opened)."""
        if error is not None:
            message = (f"ankiconnect-ws {error}. Change webBindAddress / webBindPort in the add-on's config "
                       "(Tools > Add-ons > Config), or close the program using the port: it is tried again every few seconds.")
            log.error(message)
            self.listen_error = message
            self.mw.taskman.run_on_main(lambda: _notice(message))
            for listener in self._listeners:
                listener.cannot_listen(message)
            return
        if address is None:
            return
        self.bound = address
        if self.listen_error is not None:  # the user was told it could not: now it can
            self.listen_error = None
            shown = f"[{address[0]}]" if ":" in address[0] else address[0]
            self.mw.taskman.run_on_main(lambda: _notice(f"ankiconnect-ws listens on {shown}:{address[1]} now"))
        if address[0] not in ("127.0.0.1", "::1", "localhost") and not self._config.apiKey:
            log.warning("ankiconnect-ws listens on %s without an apiKey: anyone on the network can use Anki", address[0])
        self._announce()

    def _announce(self) -> None:
        """Say where we listen once requests can reach a collection."""
        if self.bound and self.lifecycle.collection() is not None:
            for listener in self._listeners:
                listener.serving(self.bound)

    def _publish(self, name: str, data: JsonObject) -> None:
        """Main thread: an event for the bus, which lives on the server thread."""
        self.server.call(self.bus.publish, name, data, now_ms())

    def status(self) -> StatusFigures:
        """serverStatus' figures (server thread); see actions/status.py."""
        return StatusFigures(
            server={
                "address": f"{self.bound[0]}:{self.bound[1]}" if self.bound else None,
                "startedAt": int(self.app.started * 1000),
                "uptime": round(time.time() - self.app.started, 1),
            },
            anki={"version": self._anki_version, **self.lifecycle.facts(), **self.prompts.facts()},
            traffic=self.stats.snapshot(),
            clients=self.app.clients(),
            events=self.bus.figures(),
        )

    def _after_turn(self) -> None:
        """Main thread, after each turn of API jobs: what they changed becomes events, and
        (Anki before 23.10) is committed at once."""
        try:
            self.events.after_jobs()
        finally:
            commit(self.lifecycle.collection())

    def shutdown(self) -> None:
        self.runner.close()
        self.reader.close()
        self.server.stop()
        self.app_nap.release()


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
