"""macOS App Nap: keep Anki awake in the background while the server runs.

App Nap throttles an app whose windows are hidden or behind others: its timers fire late,
so requests wait seconds for Anki's main thread (AnkiConnect's most reported problem).
Anki 25.09+ ships a helper that holds an activity against it (``disable_appnap``) and
lets it go (``enable_appnap``), but leaves App Nap on itself. Older Ankis, and every
other system (where Anki's ``macos_helper`` is None), have no helper: nothing is done.
"""

from __future__ import annotations

import logging
from .config import Config

__all__ = ["AppNapGuard"]

log = logging.getLogger("ankiconnect_ws")


def _anki_helper() -> object:
    """Anki's macOS helper, or None (not macOS, or an Anki without the module)."""
    try:
        from aqt._macos_helper import macos_helper
    except Exception:  # ImportError before 25.09; anything else its import may raise
        return None
    return macos_helper


class AppNapGuard:
    """Holds App Nap off while the setting asks for it (main thread)."""

    def __init__(self) -> None:
        #: the helper holding App Nap off, which is asked to give it back
        self._holder: object = None

    @property
    def held(self) -> bool:
        return self._holder is not None

    def apply(self, config: Config) -> None:
        """Follow ``preventAppNap``: at start and at each config (re)load."""
        if not config.preventAppNap:
            self.release()
            return
        if self._holder is not None:
            return  # the helper's activity is not counted: hold it once
        helper = _anki_helper()
        disable = getattr(helper, "disable_appnap", None)
        if disable is None:
            return
        try:
            disable()
        except Exception:  # never a reason for the server not to run
            log.warning("ankiconnect-ws: cannot turn App Nap off", exc_info=True)
            return
        self._holder = helper

    def release(self) -> None:
        """Let macOS nap Anki again: the server stops, or the setting is off."""
        helper, self._holder = self._holder, None
        enable = getattr(helper, "enable_appnap", None)
        if enable is None:
            return
        try:
            enable()
        except Exception:
            log.warning("ankiconnect-ws: cannot give App Nap back", exc_info=True)
