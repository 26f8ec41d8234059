"""The main window's screens: deck list, deck overview, review."""

from __future__ import annotations

from typing import Any

from ... import errors
from .._checks import find_deck_id
from ..context import col, gui
from ..registry import action
from ._waiting import run_step


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


async def _screen(name: str, state: str, *deck: Any) -> bool:
    """A screen change shows a page (the review screen plays the question's sounds):
    a box may open inside it (see _waiting)."""
    return await run_step(lambda _step: _move_to(state, *deck), errors.GUI_HELD_BY_DIALOG.format(name))


@action()
async def guiDeckOverview(name: str) -> bool:
    return await _screen("guiDeckOverview", "overview", name)


@action()
async def guiDeckBrowser() -> None:
    await _screen("guiDeckBrowser", "deckBrowser")


@action()
async def guiDeckReview(name: str) -> bool:
    return await _screen("guiDeckReview", "review", name)
