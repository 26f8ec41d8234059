"""Anki's hooks -> events. Runs on the main thread; each callback builds a small dict
and hands it to the bus (no Qt objects, no waiting)."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from .bus import EventBus
from .changes import ChangeDetector

__all__ = ["AnkiEvents"]

log = logging.getLogger("ankiconnect_ws.events")
F = TypeVar("F", bound=Callable[..., Any])


def never_raises(fn: F) -> F:
    """Anki removes a hook that raises and shows its error dialog: an event we could
    not build is logged and dropped instead."""

    @functools.wraps(fn)
    def safe(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception:
            log.exception("ankiconnect-ws: event hook %s failed", fn.__name__)
            return None

    return safe  # type: ignore[return-value]

_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
QUESTION_CHARS = 500


def plain_text(html: str) -> str:
    """Card HTML as short plain text (for dashboards; never for storage)."""
    html = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", html)
    text = _TAGS.sub(" ", html)
    text = text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _SPACE.sub(" ", text).strip()[:QUESTION_CHARS]


class AnkiEvents:
    def __init__(self, mw: Any, bus: EventBus) -> None:
        self.mw = mw
        self.bus = bus
        self.changes = ChangeDetector(bus.publish)
        self.active = False

    def install(self) -> None:
        from anki import hooks
        from aqt import gui_hooks

        gui_hooks.reviewer_did_show_question.append(self._question)
        gui_hooks.reviewer_did_show_answer.append(self._answer)
        gui_hooks.reviewer_did_answer_card.append(self._answered)
        gui_hooks.state_did_change.append(self._state_changed)
        gui_hooks.operation_did_execute.append(self._operation)
        gui_hooks.profile_did_open.append(self._opened)
        gui_hooks.profile_will_close.append(self._closed)
        gui_hooks.collection_will_temporarily_close.append(self._temporarily_closed)
        gui_hooks.collection_did_temporarily_close.append(self._reopened)
        gui_hooks.sync_will_start.append(self._sync_started)
        gui_hooks.sync_did_finish.append(self._sync_finished)
        hooks.notes_will_be_deleted.append(self.changes.notes_deleted)

    # --- change detection ------------------------------------------------------------

    @never_raises
    def activate(self) -> None:
        """Start watching the collection (from the first subscription on)."""
        self.active = True
        if self.mw.col is not None and self.changes.col is None:
            self.changes.attach(self.mw.col)

    @never_raises
    def after_jobs(self) -> None:
        """After API actions ran on the main thread."""
        if self.active:
            self.changes.check()

    @never_raises
    def _operation(self, changes: Any, handler: Any) -> None:
        if self.active and (changes.note_text or changes.card or changes.deck or changes.notetype or changes.tag):
            self.changes.check()

    # --- review ----------------------------------------------------------------------

    def _card_facts(self, card: Any) -> dict[str, Any]:
        col = self.mw.col
        deck = col.decks.name_if_exists(card.current_deck_id()) if col else None
        return {"cardId": card.id, "noteId": card.nid, "deckId": card.current_deck_id(), "deck": deck}

    @never_raises
    def _question(self, card: Any) -> None:
        facts = self._card_facts(card)
        try:
            facts["question"] = plain_text(card.question())
        except Exception:
            facts["question"] = ""
        facts["counts"] = self._counts()
        self.bus.publish("review.question", facts)

    @never_raises
    def _answer(self, card: Any) -> None:
        self.bus.publish("review.answer", self._card_facts(card))

    @never_raises
    def _answered(self, reviewer: Any, card: Any, ease: int) -> None:
        facts = self._card_facts(card)
        facts.update(
            ease=ease,
            timeTaken=card.time_taken(),
            interval=card.ivl,
            due=card.due,
            type=card.type,
            queue=card.queue,
            counts=self._counts(),
        )
        self.bus.publish("review.answered", facts)
        if self.active:
            self.changes.check()

    def _counts(self) -> dict[str, int] | None:
        try:
            new, learn, review = self.mw.col.sched.counts()
            return {"new": new, "learn": learn, "review": review}
        except Exception:
            return None

    # --- window state ----------------------------------------------------------------

    @never_raises
    def _state_changed(self, new_state: str, old_state: str) -> None:
        self.bus.publish("state.changed", {"state": new_state, "previous": old_state})
        if old_state == "review" and new_state != "review":
            self.bus.publish("review.ended", {"state": new_state})

    # --- collection and sync ---------------------------------------------------------

    def _profile(self) -> str | None:
        return getattr(self.mw.pm, "name", None)

    @never_raises
    def _opened(self) -> None:
        if self.active and self.mw.col is not None:
            self.changes.attach(self.mw.col)
        self.bus.publish("collection.opened", {"profile": self._profile(), "temporary": False})

    @never_raises
    def _closed(self) -> None:
        self.changes.detach()
        self.bus.publish("collection.closed", {"profile": self._profile(), "temporary": False})

    @never_raises
    def _temporarily_closed(self, col: Any) -> None:
        self.changes.detach()
        self.bus.publish("collection.closed", {"profile": self._profile(), "temporary": True})

    @never_raises
    def _reopened(self, col: Any) -> None:
        if self.active:
            self.changes.attach(col)
        self.bus.publish("collection.opened", {"profile": self._profile(), "temporary": True})

    @never_raises
    def _sync_started(self) -> None:
        self.changes.paused = True
        self.bus.publish("sync.started", {})

    @never_raises
    def _sync_finished(self) -> None:
        self.changes.paused = False
        self.bus.publish("sync.finished", {})
        if self.active:
            self.changes.check()  # what the sync brought in
