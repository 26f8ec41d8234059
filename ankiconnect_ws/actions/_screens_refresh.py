"""Anki's screens hear of a request's changes once, when the request is done.

Anki's own operations announce their changes (``OpChanges``) through
``gui_hooks.operation_did_execute``; the deck list, the overview, the Browser and Edit
Current refresh on it. One announcement per note made a 1,000-note ``multi`` of
``updateNoteFields`` take 38 s on a 100,000-note collection: every announcement redrew
the deck list, whose deck tree is counted on a background thread that holds the
collection for about 25 ms, and the next note waited for it. The changes of one request
are merged (``OpChanges`` are flags: merging ORs them) and announced once, before its
reply, as one Anki operation would.
"""

from __future__ import annotations

import concurrent.futures
import logging
from typing import Any

__all__ = ["ScreensRefresh", "note_changed", "editors_saved"]

log = logging.getLogger("ankiconnect_ws")


class ScreensRefresh:
    """Changes made by API work that Anki's screens have not been told of yet.

    Main thread only, but :attr:`pending` may be read from the server loop once the
    jobs that added changes have finished.
    """

    __slots__ = ("_changes",)

    def __init__(self) -> None:
        self._changes: Any = None

    @property
    def pending(self) -> bool:
        return self._changes is not None

    def add(self, changes: Any) -> None:
        """Main thread: ``changes`` (an ``OpChanges``) to announce with the next flush."""
        if changes is None:
            return
        if self._changes is None:
            self._changes = type(changes)()
        self._changes.MergeFrom(changes)

    def flush(self) -> None:
        """Main thread: announce what was added since the last flush, once."""
        changes, self._changes = self._changes, None
        if changes is None:
            return
        try:
            from aqt import gui_hooks

            gui_hooks.operation_did_execute(changes, None)
        except Exception:  # noqa: BLE001 - the changes are saved; a stale screen is no API error
            log.exception("ankiconnect-ws: refreshing Anki's screens failed")


def note_changed(note_id: int, changes: Any) -> None:
    """Main thread, after an action saved a note: make Anki's open windows show its new
    content.

    The Browser and Edit Current reload their note on ``operation_did_execute``, which
    the screens hear once the request is done (:class:`ScreensRefresh`) - at once if
    one of them shows this note; other editors (e.g. the Add window's) showing the note
    are reloaded now. Without this an open editor keeps its stale copy and may save it
    back over our update.
    """
    from .context import col, env

    environment = env()
    if environment.mw is None:
        return
    screens = environment.screens
    screens.add(changes)
    try:
        import aqt

        for name, (_, window) in list(aqt.dialogs._dialogs.items()):
            editor = getattr(window, "editor", None) if window is not None else None
            if editor is None:
                continue
            shown = getattr(editor, "note", None)
            shows_it = shown is not None and getattr(shown, "id", None) == note_id
            if name in ("Browser", "EditCurrent"):
                if shows_it:
                    # they reload on the announcement: now, before the main thread runs
                    # anything else - their stale copy could be saved back meanwhile
                    screens.flush()
            elif shows_it:
                editor.set_note(col().get_note(note_id))
            elif getattr(editor, "nid", None) == note_id and hasattr(editor, "reload_note"):
                editor.reload_note()
    except Exception as exc:  # noqa: BLE001 - the update is saved; a stale window is not an API error
        log.warning("ankiconnect-ws: could not refresh editors for note %s: %s", note_id, exc)


def editors_saved(note_id: Any) -> "concurrent.futures.Future[Any] | None":
    """Main thread: settled once each open editor that shows the note has saved what its
    page holds; None if none shows it.

    An editor's page answers a load with its fields' content (``key:`` messages), and
    Anki saves those into the note: a load still in its page when our update reloads
    the editor (the Browser's row just changed) wrote its older content back over the
    update - about one run in ten of tests/e2e/test_screens_refresh.py. Its page saves
    in order, after any load it was given, so an update made once it saved is the last
    word.
    """
    from .gui._waiting import after_editor_saved

    pending = [after_editor_saved(editor, lambda: None) for editor in _editors_showing(note_id)]
    if not pending:
        return None
    if len(pending) == 1:
        return pending[0]
    both: concurrent.futures.Future[Any] = concurrent.futures.Future()
    left = [len(pending)]

    def one_done(_: Any) -> None:
        left[0] -= 1
        if left[0] == 0:
            both.set_result(None)

    for future in pending:
        future.add_done_callback(one_done)
    return both


def _editors_showing(note_id: Any) -> list[Any]:
    from .context import env

    if env().mw is None:
        return []
    import aqt

    found = []
    for _, window in list(aqt.dialogs._dialogs.values()):
        editor = getattr(window, "editor", None) if window is not None else None
        shown = getattr(editor, "note", None) if editor is not None else None
        if shown is not None and getattr(shown, "id", None) == note_id and hasattr(editor, "call_after_note_saved"):
            found.append(editor)
    return found
