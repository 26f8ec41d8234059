"""Hand callables to Anki's main thread through Qt's own event queue.

``mw.taskman.run_on_main`` batches closures and runs a batch in one go: when an earlier
closure of the batch opens a modal box (Anki does, e.g. to say no media player is
installed), the rest of the batch waits until someone closes the box. A queued signal
is one Qt event of its own, and the box's nested event loop keeps delivering those, so
requests are answered while the box is open - as AnkiConnect's timer-driven loop was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aqt.qt import QObject, Qt, QTimer, pyqtSignal

__all__ = ["MainThreadPoster"]

log = logging.getLogger("ankiconnect_ws")


class MainThreadPoster(QObject):
    """Create on the main thread; ``post`` from any thread, ``post_later`` from the main
    thread."""

    _posted = pyqtSignal(object)

    def __init__(self) -> None:
        super().__init__()
        # Queued even when emitted on the main thread: never run inside the caller.
        self._posted.connect(self._call, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[], None]) -> None:
        self._posted.emit(fn)

    def post_later(self, fn: Callable[[], None], ms: int) -> None:
        """``fn`` after ``ms`` milliseconds: a timer takes its turn with Qt's other
        timers, where a re-posted event could starve them. Nested loops fire it too."""
        QTimer.singleShot(ms, lambda: self._call(fn))

    def repeating(self, ms: int, fn: Callable[[], None]) -> QTimer:
        """A stopped timer that calls ``fn`` every ``ms`` milliseconds once started
        (main thread)."""
        timer = QTimer(self)
        timer.setInterval(ms)
        timer.timeout.connect(lambda: self._call(fn))
        return timer

    @staticmethod
    def _call(fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:  # never into Qt: Anki would show an error dialog
            log.exception("ankiconnect-ws: main-thread call failed")
