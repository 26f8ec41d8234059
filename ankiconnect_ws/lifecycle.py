"""What Anki is doing - is the collection open, closing, syncing; the window state; the
profile - and the one place that subscribes to Anki's hooks.

Anki's hooks run on the main thread and move the :class:`Lifecycle`; availability checks
(``Environment.collection``, main thread), the events (events/hooks.py) and serverStatus
(server thread, plain attribute reads) all read the same object.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection
    from aqt.main import AnkiQt

    from .events.hooks import AnkiEvents

__all__ = ["Phase", "Lifecycle", "install_hooks"]


class Phase(enum.Enum):
    #: no collection: start-up, the profile manager
    CLOSED = "closed"
    OPEN = "open"
    #: the profile is closing, or the collection is closed for a while (a full sync,
    #: a backup being restored)
    CLOSING = "closing"


class Lifecycle:
    def __init__(self, mw: AnkiQt) -> None:
        self._mw = mw
        self.phase = Phase.CLOSED
        #: Anki's own sync holds the backend: collection work would freeze the window
        self.syncing = False
        #: the main window's state (``deckBrowser``, ``review``, ...)
        self.window_state = "startup"
        #: the profile of the collection opened last
        self.profile: str | None = None

    def collection(self) -> Collection | None:
        """The collection actions and change detection may use now: None unless it is
        open and Anki is not syncing (then: ``collection is not available``)."""
        if self.phase is Phase.OPEN and not self.syncing:
            return self._mw.col
        return None

    def facts(self) -> dict[str, Any]:
        """For serverStatus (``anki``)."""
        return {
            "profile": self.profile,
            "collectionOpen": self.collection() is not None,
            "state": self.window_state,
            "sync": "syncing" if self.syncing else "idle",
        }

    # --- transitions: main thread, from Anki's hooks -----------------------------------

    def opened(self) -> None:
        self.phase = Phase.OPEN if self._mw.col is not None else Phase.CLOSED
        self.profile = self._mw.pm.name

    def closing(self) -> None:
        self.phase = Phase.CLOSING

    def sync_started(self) -> None:
        self.syncing = True

    def sync_finished(self) -> None:
        self.syncing = False

    def state_changed(self, new_state: str, _old_state: str) -> None:
        self.window_state = new_state


def install_hooks(lifecycle: Lifecycle, events: AnkiEvents, on_profile_open: Callable[[], None],
                  before_collection_lost: Callable[[], None]) -> None:
    """Subscribe to every Anki hook the add-on uses. On each, the lifecycle hears first,
    so the event published for it (and any action after it) sees the new state - except
    ``before_collection_lost``, which still needs the collection that is about to close
    or to be taken by Anki's sync."""
    from anki import hooks
    from aqt import gui_hooks

    from .actions.gui import ANSWER_WAITS

    # each hook with its listeners, in the order they hear it
    listeners: list[tuple[Any, tuple[Callable[..., None], ...]]] = [
        # the collection: opened at a profile open, closed with it, and closed for a while
        # around a full sync or a restore ("temporarily")
        (gui_hooks.collection_did_load, (lambda _col: lifecycle.opened(),)),
        (gui_hooks.profile_did_open, (
            lifecycle.opened, lambda: events.collection_opened(temporary=False), on_profile_open,
        )),
        (gui_hooks.profile_will_close, (
            before_collection_lost, lifecycle.closing, lambda: events.collection_closed(temporary=False),
        )),
        (gui_hooks.collection_will_temporarily_close, (
            lambda _col: before_collection_lost(), lambda _col: lifecycle.closing(),
            lambda _col: events.collection_closed(temporary=True),
        )),
        (gui_hooks.collection_did_temporarily_close, (
            lambda _col: lifecycle.opened(), lambda _col: events.collection_opened(temporary=True),
        )),
        # Anki's own sync
        (gui_hooks.sync_will_start, (before_collection_lost, lifecycle.sync_started, events.sync_started)),
        (gui_hooks.sync_did_finish, (lifecycle.sync_finished, events.sync_finished)),
        # the main window
        (gui_hooks.state_did_change, (lifecycle.state_changed, events.state_changed)),
        # reviews (guiAnswerCard waits for the answer to be saved), and changes made by
        # Anki's own screens
        (gui_hooks.reviewer_did_show_question, (events.question_shown,)),
        (gui_hooks.reviewer_did_show_answer, (events.answer_shown,)),
        (gui_hooks.reviewer_did_answer_card, (events.card_answered, ANSWER_WAITS.card_answered)),
        (gui_hooks.operation_did_execute, (events.operation_executed,)),
        (hooks.notes_will_be_deleted, (events.notes_deleted,)),
    ]
    for hook, in_order in listeners:
        for listener in in_order:
            hook.append(listener)
