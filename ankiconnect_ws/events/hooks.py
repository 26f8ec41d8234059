"""Anki's hooks -> events. Runs on the main thread; each callback builds a small dict
and hands it to ``publish``, which takes it to the bus on the server thread (no Qt
objects, no waiting). The hooks are subscribed in lifecycle.py."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .changes import ChangeDetector, Publish

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Sequence

    from anki.cards import Card
    from anki.collection import Collection, OpChanges

    from ..lifecycle import Lifecycle

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
    def __init__(self, lifecycle: Lifecycle, publish: Publish) -> None:
        self.lifecycle = lifecycle
        self.publish = publish
        self.changes = ChangeDetector(publish)
        #: change detection runs from the first subscription on (it costs a few queries)
        self.active = False

    # --- change detection ------------------------------------------------------------

    @never_raises
    def activate(self) -> None:
        """Start watching the collection (from the first subscription on)."""
        self.active = True
        self._attach()

    def _attach(self) -> None:
        """Take the baseline, once a collection may be read (not while Anki syncs)."""
        collection = self.lifecycle.collection()
        if self.active and self.changes.col is None and collection is not None:
            self.changes.attach(collection)

    def _check(self) -> None:
        if self.active and self.lifecycle.collection() is not None:
            self.changes.check()

    @never_raises
    def after_jobs(self) -> None:
        """After API actions ran on the main thread."""
        self._check()

    @never_raises
    def operation_executed(self, changes: OpChanges, handler: object | None) -> None:
        if changes.note_text or changes.card or changes.deck or changes.notetype or changes.tag:
            self._check()

    @never_raises
    def notes_deleted(self, col: Collection, ids: Sequence[int]) -> None:
        self.changes.notes_deleted(col, ids)

    # --- review ----------------------------------------------------------------------

    def _card_facts(self, card: Card) -> dict[str, Any]:
        col = self.lifecycle.collection()
        deck = col.decks.name_if_exists(card.current_deck_id()) if col else None
        return {"cardId": card.id, "noteId": card.nid, "deckId": card.current_deck_id(), "deck": deck}

    @never_raises
    def question_shown(self, card: Card) -> None:
        facts = self._card_facts(card)
        try:
            facts["question"] = plain_text(card.question())
        except Exception:
            facts["question"] = ""
        facts["counts"] = self._counts()
        self.publish("review.question", facts)

    @never_raises
    def answer_shown(self, card: Card) -> None:
        self.publish("review.answer", self._card_facts(card))

    @never_raises
    def card_answered(self, reviewer: object, card: Card, ease: int) -> None:
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
        self.publish("review.answered", facts)
        self._check()

    def _counts(self) -> dict[str, int] | None:
        col = self.lifecycle.collection()
        if col is None:
            return None
        try:
            new, learn, review = col.sched.counts()
            return {"new": new, "learn": learn, "review": review}
        except Exception:
            return None

    # --- window state ----------------------------------------------------------------

    @never_raises
    def state_changed(self, new_state: str, old_state: str) -> None:
        self.publish("state.changed", {"state": new_state, "previous": old_state})
        if old_state == "review" and new_state != "review":
            self.publish("review.ended", {"state": new_state})

    # --- collection and sync ---------------------------------------------------------

    @never_raises
    def collection_opened(self, temporary: bool) -> None:
        self._attach()
        self.publish("collection.opened", {"profile": self.lifecycle.profile, "temporary": temporary})

    @never_raises
    def collection_closed(self, temporary: bool) -> None:
        self.changes.detach()
        self.publish("collection.closed", {"profile": self.lifecycle.profile, "temporary": temporary})

    @never_raises
    def sync_started(self) -> None:
        self.publish("sync.started", {})

    @never_raises
    def sync_finished(self) -> None:
        self.publish("sync.finished", {})
        self._attach()
        self._check()  # what the sync brought in
