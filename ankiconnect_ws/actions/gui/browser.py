"""The Browser: search and sort it, select in it, edit a note in it."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from ... import errors
from ...errors import ActionError
from .._types import CHECKED, ReorderCards
from .._older_anki import column_sorting, open_dialog
from ..cards import findCards
from ..context import col, gui
from ..registry import action
from ._waiting import after_editor_saved, run_step, wait

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection

SORT_ORDERS = {"ascending": False, "descending": True}  # value: sort backwards


def _browser_window() -> Any | None:
    return open_dialog("Browser")


def _sort_request(collection: "Collection", reorder: Any) -> tuple[str, bool] | None:
    """``reorderCards`` checked: (column key, descending), or None when not given."""
    if reorder is None:
        return None
    if not isinstance(reorder, dict):
        raise ActionError(errors.REORDER_NOT_DICT.format(reorder))
    if "columnId" not in reorder or "order" not in reorder:
        raise ActionError(errors.REORDER_KEYS_MISSING)
    order, column = reorder["order"], reorder["columnId"]
    if not isinstance(order, str) or order not in SORT_ORDERS:
        raise ActionError(errors.REORDER_INVALID_ORDER.format(order))
    if not isinstance(column, str) or collection.get_browser_column(column) is None:
        raise ActionError(errors.REORDER_INVALID_COLUMN.format(column))
    return column, SORT_ORDERS[order]


def _sort_browser(browser: Any, column_key: str, descending: bool) -> None:
    """Sort the Browser's table like a click on the column header (showing it if hidden)."""
    from anki.collection import BrowserColumns
    from aqt.qt import Qt

    table = browser.table
    column = browser.col.get_browser_column(column_key)
    sorting = column_sorting(column, table.is_notes_mode())
    if sorting == BrowserColumns.SORTING_NONE:
        return  # the header click would only show Anki's "cannot sort" message box
    model = table._model
    if model.active_column_index(column_key) is None:
        table._on_column_toggled(True, column_key)
    index = model.active_column_index(column_key)
    order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    # the header's signal makes the table sort (and remember the order), as for a click
    browser.form.tableView.horizontalHeader().setSortIndicator(index, order)


def _show_in_browser(search: str | None, then: Callable[[Any], None] | None = None) -> "concurrent.futures.Future[Any]":
    """Open (or raise) the Browser, then search ``search`` and run ``then(browser)``."""
    import aqt

    browser = aqt.dialogs.open("Browser", gui())

    def step() -> None:
        if search is not None:
            browser.search_for(search)
        if then is not None:
            then(browser)

    return after_editor_saved(browser.editor, step)


@action()
async def guiBrowse(query: str | None = None, reorderCards: Annotated[ReorderCards, CHECKED] | None = None) -> list[int]:
    def start() -> tuple[list[int], "concurrent.futures.Future[Any]"]:
        collection = col()
        sort = _sort_request(collection, reorderCards)
        found = findCards(query)  # also rejects a bad query before any window opens
        search = collection.build_search_string(query) if query is not None else None
        then = (lambda browser: _sort_browser(browser, *sort)) if sort is not None else None
        return found, _show_in_browser(search, then)

    held = errors.GUI_HELD_BY_DIALOG.format("guiBrowse")
    found, shown = await run_step(lambda _step: start(), held)
    await wait(shown, held)
    return found


def _select_card(card: Any) -> bool:
    browser = _browser_window()
    if browser is None:
        return False
    browser.table.select_single_card(card)
    return True


@action()
async def guiSelectCard(card: int) -> bool:
    return await run_step(lambda _step: _select_card(card), errors.GUI_HELD_BY_DIALOG.format("guiSelectCard"))


@action()
async def guiSelectNote(note: int) -> bool:
    """Deprecated upstream; ``note`` is in fact a card id."""
    return await run_step(lambda _step: _select_card(note), errors.GUI_HELD_BY_DIALOG.format("guiSelectNote"))


@action()
def guiSelectedNotes() -> list[int]:
    browser = _browser_window()
    if browser is None:
        return []
    return [int(nid) for nid in browser.selected_notes()]


@action()
async def guiEditNote(note: int) -> None:
    """Edit the note in Anki's Browser: only that note listed and selected, its editor open."""

    def start() -> "concurrent.futures.Future[Any]":
        edited = col().get_note(note)  # an unknown id gives Anki's own NotFoundError text
        card_ids = edited.card_ids()

        def select(browser: Any) -> None:
            if card_ids:
                browser.table.select_single_card(card_ids[0])

        return _show_in_browser(f"nid:{int(edited.id)}", select)

    held = errors.GUI_HELD_BY_DIALOG.format("guiEditNote")
    await wait(await run_step(lambda _step: start(), held), held)
