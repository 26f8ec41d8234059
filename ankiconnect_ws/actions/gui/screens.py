"""The main window's screens: deck list, deck overview, review."""

from __future__ import annotations

from typing import Any

from .._checks import find_deck_id
from ..context import col, gui
from ..registry import action


def _select_deck(name: Any) -> bool:
    collection = col()
    deck_id = find_deck_id(collection, name)
    if deck_id is None:
        return False
    collection.decks.select(deck_id)
    return True


def _move_to(state: str, *deck: Any) -> bool:
    """Show the screen ``state``, for the deck named ``deck[0]`` when one is given."""
    if deck and not _select_deck(deck[0]):
        return False
    mw = gui()
    if state == "review":
        mw.col.startTimebox()  # as Anki's Study Now does
    mw.moveToState(state)
    return True


@action()
def guiDeckOverview(name: str) -> bool:
    return _move_to("overview", name)


@action()
def guiDeckBrowser() -> None:
    _move_to("deckBrowser")


@action()
def guiDeckReview(name: str) -> bool:
    return _move_to("review", name)
