"""Every event the bus sends, with the shape of its ``data``: the one description the
AsyncAPI document (ankiconnect_ws/schema) is generated from, and that docs/events.md
describes in words. hooks.py and changes.py build these dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

__all__ = ["EventSpec", "EVENTS", "event_names"]


class Counts(TypedDict):
    """Cards left to study today."""

    new: int
    learn: int
    review: int


class CardFacts(TypedDict):
    cardId: int
    noteId: int
    deckId: int
    #: the deck's full name (null if the deck is gone)
    deck: str | None


class ReviewQuestion(CardFacts):
    #: the question as plain text, at most 500 characters
    question: str
    counts: Counts | None


class ReviewAnswer(CardFacts):
    pass


class ReviewAnswered(CardFacts):
    ease: int
    #: milliseconds
    timeTaken: int
    #: days; negative: seconds (learning)
    interval: int
    due: int
    type: int
    queue: int
    counts: Counts | None


class ReviewEnded(TypedDict):
    #: the window state the review screen was left for
    state: str


class StateChanged(TypedDict):
    state: str
    previous: str


class NoteIds(TypedDict):
    noteIds: list[int]


class CardIds(TypedDict):
    cardIds: list[int]


class Named(TypedDict):
    id: int
    name: str


class Renamed(Named):
    previous: str


class CollectionChange(TypedDict):
    profile: str | None
    #: true when the collection only closes (reopens) for a while: a sync, a full check
    temporary: bool


class NoData(TypedDict):
    """``{}``."""


class Reset(TypedDict):
    reason: str
    run: str


@dataclass(frozen=True)
class EventSpec:
    name: str
    data: type
    #: when it is sent
    when: str

    @property
    def topic(self) -> str:
        return self.name.split(".", 1)[0]


def _specs(*specs: EventSpec) -> dict[str, EventSpec]:
    return {spec.name: spec for spec in specs}


EVENTS: dict[str, EventSpec] = _specs(
    EventSpec("review.question", ReviewQuestion, "the reviewer shows a card's question"),
    EventSpec("review.answer", ReviewAnswer, "the answer is shown"),
    EventSpec("review.answered", ReviewAnswered, "a card was answered (keyboard, mouse or guiAnswerCard)"),
    EventSpec("review.ended", ReviewEnded, "the window leaves the review screen"),
    EventSpec("state.changed", StateChanged, "Anki's main window changes screen"),
    EventSpec("note.added", NoteIds, "notes were added, from any source (API, Add dialog, import)"),
    EventSpec("note.updated", NoteIds, "fields, tags or note type of existing notes changed"),
    EventSpec("note.deleted", NoteIds, "notes were deleted"),
    EventSpec("card.updated", CardIds, "cards changed (answered, suspended, moved, rescheduled, new cards)"),
    EventSpec("deck.added", Named, "a deck was added"),
    EventSpec("deck.renamed", Renamed, "a deck was renamed"),
    EventSpec("deck.deleted", Named, "a deck was deleted"),
    EventSpec("model.added", Named, "a note type was added"),
    EventSpec("model.renamed", Renamed, "a note type was renamed"),
    EventSpec("model.deleted", Named, "a note type was deleted"),
    EventSpec("collection.opened", CollectionChange,
              "a profile was opened, or the collection reopened after a sync or full check"),
    EventSpec("collection.closed", CollectionChange,
              "a profile is closing, or the collection closes for a sync or full check"),
    EventSpec("sync.started", NoData, "Anki's sync starts"),
    EventSpec("sync.finished", NoData, "Anki's sync ends"),
    EventSpec("reset", Reset,
              "the client missed events (slow reader, or since too old / from another run): refetch"),
)


def event_names() -> list[str]:
    return sorted(EVENTS)
