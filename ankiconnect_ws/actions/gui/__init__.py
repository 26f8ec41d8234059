"""GUI actions: they drive Anki's own windows through ``gui()`` (``aqt.mw``).

One module per part of Anki: :mod:`.browser`, :mod:`.add_dialog`, :mod:`.reviewer`,
:mod:`.screens` (the main window's deck list, overview and review), :mod:`.app` (import,
undo, check database, exit); :mod:`._waiting` is how they wait for Anki.

None of them opens a modal dialog with ``exec()``: every window shown here is
non-blocking, so the API keeps serving.

Some Anki steps finish later on the main thread: the Browser searches only after its
editor saved the note, the reviewer answers and undo run as background operations.
Those actions are ``async``: they start the step on the main thread, then wait (on the
server loop, never on the main thread) until it is done, so a client's next request
already sees the result.
"""

from __future__ import annotations

from . import add_dialog, app, browser, reviewer, screens  # noqa: F401  (registers the actions)
from .reviewer import ANSWER_WAITS

__all__ = ["ANSWER_WAITS"]
