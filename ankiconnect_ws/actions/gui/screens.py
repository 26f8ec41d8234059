"""The main window's screens: deck list, deck overview, review."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._checks import find_deck_id
from ..context import col, gui, on_main
from ..registry import action
from ._waiting import SETTLE_TIMEOUT, start_settling, wait


def _select_deck(name: Any) -> bool:
    collection = col()
    deck_id = find_deck_id(collection, name)
    if deck_id is None:
        return False
    collection.decks.select(deck_id)
    return True


async def _change_screen(change: Callable[[], Any]) -> Any:
    """Run ``change`` (main thread) between two settled screens: it never replaces a
    page that is still loading, and the client's next request finds the screen ready."""
    await wait(await on_main(start_settling), SETTLE_TIMEOUT)
    result = await on_main(change)
    await wait(await on_main(start_settling), SETTLE_TIMEOUT)
    return result


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
async def guiDeckOverview(name: Any) -> bool:
    return await _change_screen(lambda: _move_to("overview", name))


@action()
async def guiDeckBrowser() -> None:
    await _change_screen(lambda: _move_to("deckBrowser"))


@action()
async def guiDeckReview(name: Any) -> bool:
    return await _change_screen(lambda: _move_to("review", name))
