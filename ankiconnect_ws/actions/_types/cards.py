"""Shapes of cards, reviews and Anki's GUI windows: card ids, answers, card and
review information, the Add window's note and the reviewer's current card.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict, Union

from ...schema.hints import Keywords, open_keys
from .common import OWN_CHECK, FieldText, Tags
from .notes import FieldValue, Media

#: card ids, checked by the action ("cards must be a list of card ids", "card id must be
#: an integer: x")
CardIds = Annotated[list[int], OWN_CHECK]
CardId = Annotated[int, OWN_CHECK]
#: a card answer's ease: 1 (Again) to 4 (Easy)
Ease = Annotated[int, Keywords(minimum=1, maximum=4)]


@open_keys
class CardEase(TypedDict):
    cardId: int
    ease: Ease


@open_keys
class ReorderCards(TypedDict):
    columnId: str
    order: Literal["ascending", "descending"]


@open_keys
class GuiNote(TypedDict, total=False):
    """A note for Anki's Add window: every key is optional."""

    deckName: str | None
    modelName: str | None
    fields: dict[str, FieldText] | None
    tags: Tags | None
    audio: Media | None
    video: Media | None
    picture: Media | None


#: the review-log columns id, cid, usn, ease, ivl, lastIvl, factor, time, type
ReviewRow = Annotated[
    tuple[int, int, int, int, int, int, int, int, int],
    Keywords(description="id (ms), cardId, usn, ease, ivl, lastIvl, factor, time (ms), type"),
]


# --- results ---------------------------------------------------------------------------


class CardModTime(TypedDict):
    cardId: int
    mod: int


class CardInfo(TypedDict):
    cardId: int
    fields: dict[str, FieldValue]
    fieldOrder: int
    question: str
    answer: str
    modelName: str
    ord: int
    deckName: str
    css: str
    factor: int
    interval: int
    note: int
    type: int
    queue: int
    due: int
    reps: int
    lapses: int
    left: int
    mod: int
    nextReviews: list[str]
    flags: int


class CurrentCard(TypedDict):
    cardId: int
    fields: dict[str, FieldValue]
    fieldOrder: int
    question: str
    answer: str
    buttons: list[int]
    nextReviews: list[str]
    modelName: str
    deckName: str
    css: str
    template: str


class Review(TypedDict):
    id: int
    usn: int
    ease: int
    ivl: int
    lastIvl: int
    factor: int
    time: int
    type: int


class AddDialogClosed(TypedDict):
    """guiAddNoteSetData's result (not an error) when the Add window is not open."""

    error: str
    code: int


# --- shapes only the schema needs --------------------------------------------------------

#: setSpecificValueOfCard: false for bad input, [true] once saved, [[false, why]] if not
SpecificValueOutcome = Union[Literal[False], tuple[Literal[True]], tuple[tuple[Literal[False], str]]]
