"""GUI actions: the Browser, the Add dialog, the reviewer, the main window's screens.

They drive Anki's own windows through ``gui()`` (``aqt.mw``) and never open a modal
dialog with ``exec()``: every window shown here is non-blocking, so the API keeps serving.

Some Anki steps finish later on the main thread: the Browser searches only after its
editor saved the note, the reviewer answers and undo run as background operations.
Those actions are ``async``: they start the step on the main thread, then wait (on the
server loop, never on the main thread) until it is done, so a client's next request
already sees the result.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import errors
from ..errors import ActionError
from ._notebuild import MediaEntry, attach_media, field_text, prefetch_media, tag_list
from .cards import findCards
from .context import col, gui, on_main, wait_for_anki
from .registry import action

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection
    from anki.models import NotetypeDict
    from anki.notes import Note

#: how long an action waits for Anki to finish a step it started (editor save, answer)
STEP_TIMEOUT = 10.0
#: guiExitAnki: the reply must leave before the window closes
EXIT_DELAY_MS = 1000

SORT_ORDERS = {"ascending": False, "descending": True}  # value: sort backwards


# --- waiting for Anki ------------------------------------------------------------------


def _resolve(future: "concurrent.futures.Future[Any]", value: Any = None, error: BaseException | None = None) -> None:
    """Settle ``future`` unless it is settled already (or was given up after a timeout)."""
    if future.done():
        return
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)
    except concurrent.futures.InvalidStateError:
        pass


async def _wait(future: "concurrent.futures.Future[Any] | None", timeout: float = STEP_TIMEOUT) -> Any:
    """The future's result; None if Anki did not get there in time (the step may still run)."""
    if future is None:
        return None
    try:
        return await wait_for_anki(future, timeout)
    except asyncio.TimeoutError:
        return None


def _after_editor_saved(editor: Any, step: Callable[[], Any]) -> "concurrent.futures.Future[Any]":
    """Run ``step`` once ``editor`` saved its pending edits, as Anki does before a search.

    Qt calls the callback later; an exception there must not reach Anki's error dialog,
    it goes to the waiting action instead.
    """
    done: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def run() -> None:
        try:
            _resolve(done, step())
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            _resolve(done, error=exc)

    if editor is None:
        run()
    else:
        editor.call_after_note_saved(run)
    return done


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- Browser ---------------------------------------------------------------------------


def _browser_window() -> Any | None:
    import aqt

    return aqt.dialogs.getInstance("Browser")


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
    sorting = column.sorting_notes if table.is_notes_mode() else column.sorting_cards
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

    return _after_editor_saved(browser.editor, step)


@action()
async def guiBrowse(query: Any = None, reorderCards: Any = None) -> list[int]:
    def start() -> tuple[list[int], "concurrent.futures.Future[Any]"]:
        collection = col()
        sort = _sort_request(collection, reorderCards)
        found = findCards(query)  # also rejects a bad query before any window opens
        search = collection.build_search_string(query) if query is not None else None
        then = (lambda browser: _sort_browser(browser, *sort)) if sort is not None else None
        return found, _show_in_browser(search, then)

    found, shown = await on_main(start)
    await _wait(shown)
    return found


def _select_card(card: Any) -> bool:
    browser = _browser_window()
    if browser is None:
        return False
    browser.table.select_single_card(card)
    return True


@action()
def guiSelectCard(card: Any) -> bool:
    return _select_card(card)


@action()
def guiSelectNote(note: Any) -> bool:
    """Deprecated upstream; ``note`` is in fact a card id."""
    return _select_card(note)


@action()
def guiSelectedNotes() -> list[int]:
    browser = _browser_window()
    if browser is None:
        return []
    return [int(nid) for nid in browser.selected_notes()]


@action()
async def guiEditNote(note: Any) -> None:
    """Edit the note in Anki's Browser: only that note listed and selected, its editor open."""

    def start() -> "concurrent.futures.Future[Any]":
        edited = col().get_note(note)  # an unknown id gives Anki's own NotFoundError text
        card_ids = edited.card_ids()

        def select(browser: Any) -> None:
            if card_ids:
                browser.table.select_single_card(card_ids[0])

        return _show_in_browser(f"nid:{int(edited.id)}", select)

    await _wait(await on_main(start))


# --- Add dialog ------------------------------------------------------------------------


def _add_dialog(open_it: bool) -> Any | None:
    """Anki's Add window. We always use the classic one: its note lives in Python
    (``editor.note``), so it can be preset and changed; the experimental editor keeps
    its note inside the web page."""
    import aqt

    if open_it:
        return aqt.dialogs.open("AddCards", gui())
    return aqt.dialogs.getInstance("AddCards")


def _set_exact_fields(note: "Note", fields: Any) -> None:
    if fields is None:
        return
    if not isinstance(fields, dict):
        raise ActionError(errors.NOTE_FIELDS_NOT_OBJECT)
    for name, value in fields.items():
        if name in note:
            note[name] = field_text(name, value)


def _preset_note(collection: "Collection", spec: Any, media: list[MediaEntry]) -> tuple["Note", int | None]:
    """The note object of guiAddCards as an unsaved Note, and its deck id."""
    if not isinstance(spec, dict):
        raise ActionError(errors.NOTE_NOT_OBJECT.format(spec))
    deck_id = None
    if spec.get("deckName") is not None:
        deck_id = collection.decks.id_for_name(spec["deckName"]) if isinstance(spec["deckName"], str) else None
        if deck_id is None:
            raise ActionError(errors.DECK_NOT_FOUND.format(spec["deckName"]))
    if spec.get("modelName") is not None:
        model = collection.models.by_name(spec["modelName"]) if isinstance(spec["modelName"], str) else None
        if model is None:
            raise ActionError(errors.MODEL_NOT_FOUND.format(spec["modelName"]))
    else:
        model = collection.models.get(collection.defaults_for_adding().notetype_id)
    note = collection.new_note(model)
    _set_exact_fields(note, spec.get("fields"))
    if spec.get("tags") is not None:
        note.tags = tag_list(spec["tags"])
    attach_media(collection, note, media)
    return note, deck_id


def _open_add_cards(spec: Any, media: list[MediaEntry]) -> int:
    collection = col()
    preset = _preset_note(collection, spec, media) if spec is not None else None
    dialog = _add_dialog(open_it=True)
    if preset is not None:
        # replaces whatever the window showed: the client asked for this note
        dialog.set_note(*preset)
    shown = dialog.editor.note
    return int(shown.id) if shown is not None else 0


@action()
async def guiAddCards(note: Any = None) -> int:
    """Opens Add with ``note`` preset; the result is the editor's note id, 0 (unsaved)."""
    media = (await prefetch_media([note]))[0]
    return await on_main(lambda: _open_add_cards(note, media))


def _merge_tags(current: list[str], added: list[str]) -> list[str]:
    seen = {tag.lower() for tag in current}
    merged = list(current)
    for tag in added:
        if tag.lower() not in seen:
            seen.add(tag.lower())
            merged.append(tag)
    return merged


def _set_add_dialog_data(spec: Any, media: list[MediaEntry], append: bool) -> Any:
    collection = col()
    dialog = _add_dialog(open_it=False)
    if dialog is None:
        return {"error": errors.ADD_DIALOG_NOT_OPEN, "code": 1}
    if not isinstance(spec, dict):
        raise ActionError(errors.NOTE_NOT_OBJECT.format(spec))
    # check everything first, so a bad value changes nothing
    deck_id = None
    if spec.get("deckName") is not None:
        name = spec["deckName"]
        deck_id = collection.decks.id_for_name(name) if isinstance(name, str) else None
        if deck_id is None:
            raise ActionError(errors.ADD_DIALOG_DECK_NOT_FOUND.format(name))
    model: "NotetypeDict | None" = None
    if spec.get("modelName") is not None:
        name = spec["modelName"]
        model = collection.models.by_name(name) if isinstance(name, str) else None
        if model is None:
            raise ActionError(errors.ADD_DIALOG_MODEL_NOT_FOUND.format(name))
    editor = dialog.editor
    target = model or editor.note.note_type()
    field_names = {field["name"] for field in target["flds"]}
    fields = spec.get("fields") or {}
    if not isinstance(fields, dict):
        raise ActionError(errors.NOTE_FIELDS_NOT_OBJECT)
    for name in fields:
        if name not in field_names:
            raise ActionError(errors.ADD_DIALOG_FIELD_NOT_FOUND.format(name))
    values = {name: field_text(name, value) for name, value in fields.items()}
    tags = tag_list(spec["tags"]) if spec.get("tags") is not None else None

    if model is not None and model["id"] != editor.note.mid:
        dialog.set_note_type(model["id"])  # Anki carries the fields over to the new type
    if deck_id is not None:
        dialog.set_deck(deck_id)  # after the type: a type change picks that type's deck
    note = editor.note
    for name, value in values.items():
        note[name] = note[name] + value if append else value
    if tags is not None:
        note.tags = _merge_tags(note.tags, tags) if append else tags
    attach_media(collection, note, media)
    editor.loadNote()
    return True


def _save_add_dialog() -> "concurrent.futures.Future[Any] | None":
    dialog = _add_dialog(open_it=False)
    return None if dialog is None else _after_editor_saved(dialog.editor, lambda: None)


@action()
async def guiAddNoteSetData(note: Any, append: Any = False) -> Any:
    dialog = await on_main(lambda: _add_dialog(open_it=False))
    if dialog is None:
        return {"error": errors.ADD_DIALOG_NOT_OPEN, "code": 1}
    media = (await prefetch_media([note]))[0]
    # take in what the user typed last, so it is not lost (append) or saved over ours
    await _wait(await on_main(_save_add_dialog))
    return await on_main(lambda: _set_add_dialog_data(note, media, bool(append)))


# --- reviewer ------------------------------------------------------------------------


def _review_active() -> bool:
    mw = gui()
    return mw.state == "review" and mw.reviewer.card is not None


@action()
def guiReviewActive() -> bool:
    return _review_active()


@action()
def guiCurrentCard() -> dict[str, Any] | None:
    """The card under review, or null outside review (as the README says)."""
    if not _review_active():
        return None
    collection = col()
    reviewer = gui().reviewer
    card = reviewer.card
    note = card.note()
    model = note.note_type()
    buttons = [int(ease) for ease, _label in reviewer._answerButtonList()]
    labels = collection.sched.describe_next_states(reviewer._v3.states) if reviewer._v3 else []
    return {
        "cardId": int(card.id),
        "fields": {name: {"value": value, "order": order} for order, (name, value) in enumerate(note.items())},
        "fieldOrder": int(card.ord),
        "question": card.question(),
        "answer": card.answer(),
        "buttons": buttons,
        "nextReviews": [labels[ease - 1] if 0 < ease <= len(labels) else "" for ease in buttons],
        "modelName": model["name"],
        "deckName": collection.decks.name(card.did),
        "css": model["css"],
        "template": card.template()["name"],
    }


@action()
def guiStartCardTimer() -> bool:
    if not _review_active():
        return False
    gui().reviewer.card.start_timer()
    return True


@action()
def guiShowQuestion() -> bool:
    global _answer_shown_for
    if not _review_active():
        return False
    gui().reviewer._showQuestion()
    _answer_shown_for = None
    return True


@action()
def guiShowAnswer() -> bool:
    global _answer_shown_for
    if not _review_active():
        return False
    reviewer = gui().reviewer
    reviewer._showAnswer()
    _answer_shown_for = reviewer.card.id
    return True


#: the card whose answer guiShowAnswer showed last. When a screen's page is replaced
#: before Anki measured it (clients change screens faster than a person), Anki resets
#: the window a second later and the reviewer shows that card's question again; the
#: client, which showed the answer, must still be able to answer it.
_answer_shown_for: int | None = None


#: guiAnswerCard calls waiting for the reviewer to finish their answer
_pending_answers: list["concurrent.futures.Future[Any]"] = []
_answer_hook_installed = False


def _on_card_answered(*_args: Any) -> None:
    """reviewer_did_answer_card: the answer is saved (the next card shows right after)."""
    while _pending_answers:
        _resolve(_pending_answers.pop(), True)


def _start_answer(ease: Any) -> "concurrent.futures.Future[Any] | None":
    global _answer_hook_installed
    if not _review_active():
        return None
    reviewer = gui().reviewer
    if reviewer.state == "question" and reviewer.card.id == _answer_shown_for:
        reviewer._showAnswer()  # Anki's reset went back to the question (see above)
    if reviewer.state != "answer":
        return None
    if not _is_int(ease) or not 1 <= ease <= col().sched.answerButtons(reviewer.card):
        return None
    if not _answer_hook_installed:
        from aqt import gui_hooks

        # installed once: a hook that removed itself while Anki runs the hooks could
        # make Anki skip the next add-on's hook
        gui_hooks.reviewer_did_answer_card.append(_on_card_answered)
        _answer_hook_installed = True
    done: concurrent.futures.Future[Any] = concurrent.futures.Future()
    _pending_answers.append(done)
    reviewer._answerCard(ease)
    if reviewer.state != "transition":  # an add-on's reviewer_will_answer_card said no
        _pending_answers.remove(done)
        return None
    return done


@action()
async def guiAnswerCard(ease: Any) -> bool:
    answering = await on_main(lambda: _start_answer(ease))
    if answering is None:
        return False
    await _wait(answering)
    return True


@action()
def guiPlayAudio() -> bool:
    if not _review_active():
        return False
    gui().reviewer.replayAudio()
    return True


def _start_undo() -> "concurrent.futures.Future[Any]":
    """Anki's Edit > Undo, with a future that settles when it is done."""
    from anki.errors import UndoEmpty
    from aqt import gui_hooks
    from aqt.operations import CollectionOp
    from aqt.utils import tooltip, tr

    mw = gui()
    col()
    done: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def undone(out: Any) -> None:
        try:
            gui_hooks.state_did_undo(out)
            tooltip(tr.undo_action_undone(action=out.operation), parent=mw)
        finally:
            _resolve(done, True)

    def failed(exc: Exception) -> None:
        # nothing to undo is not an error; anything else is shown without blocking
        if not isinstance(exc, UndoEmpty):
            tooltip(str(exc), parent=mw)
        _resolve(done, True)

    CollectionOp(mw, lambda collection: collection.undo()).success(undone).failure(failed).run_in_background()
    return done


@action()
async def guiUndo() -> bool:
    await _wait(await on_main(_start_undo))
    return True


# --- main window screens ---------------------------------------------------------------


def _select_deck(name: Any) -> bool:
    collection = col()
    deck_id = collection.decks.id_for_name(name) if isinstance(name, str) else None
    if deck_id is None:
        return False
    collection.decks.select(deck_id)
    return True


@action()
def guiDeckOverview(name: Any) -> bool:
    if not _select_deck(name):
        return False
    gui().moveToState("overview")
    return True


@action()
def guiDeckBrowser() -> None:
    gui().moveToState("deckBrowser")


@action()
def guiDeckReview(name: Any) -> bool:
    if not _select_deck(name):
        return False
    mw = gui()
    mw.col.startTimebox()  # as Anki's Study Now does
    mw.moveToState("review")
    return True


# --- import, exit, check database ------------------------------------------------------


@functools.cache
def _non_modal_import_dialog_class() -> type:
    """Anki's import window, without the application-wide modality it sets itself."""
    from aqt.import_export.import_dialog import ImportDialog
    from aqt.qt import Qt

    class NonModalImportDialog(ImportDialog):
        def _setup_ui(self) -> None:
            super()._setup_ui()
            self.setWindowModality(Qt.WindowModality.NonModal)

    return NonModalImportDialog


def _confirm_collection_import(mw: Any, path: str) -> None:
    """A .colpkg replaces the whole collection: Anki asks first; we ask without blocking."""
    from aqt.import_export.importing import ColpkgImporter
    from aqt.qt import QMessageBox, Qt
    from aqt.utils import ask_user_dialog, tr

    def answered(choice: int) -> None:
        if choice == 0:
            ColpkgImporter._import(mw, path)

    box = ask_user_dialog(
        tr.importing_this_will_delete_your_existing_collection(),
        callback=answered,
        buttons=[QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No],
        default_button=1,
        parent=mw,
        modality=Qt.WindowModality.NonModal,
    )
    box.silentlyClose = True  # closed without fuss if the profile closes


def _import_path(mw: Any, path: str) -> None:
    from aqt.import_export import importing
    from aqt.import_export.import_dialog import AnkiPackageArgs, CsvArgs

    if not os.path.isfile(path):
        raise ActionError(errors.IMPORT_FILE_MISSING.format(path))
    name = os.path.basename(path).lower()
    if importing.ColpkgImporter.can_import(name):
        _confirm_collection_import(mw, path)
    elif importing.ApkgImporter.can_import(name):
        _non_modal_import_dialog_class()(mw, AnkiPackageArgs(path))
    elif importing.CsvImporter.can_import(name):
        _non_modal_import_dialog_class()(mw, CsvArgs(path))
    elif importing.MnemosyneImporter.can_import(name):
        importing.MnemosyneImporter.do_import(mw, path)  # converts first, then Anki's window
    else:
        raise ActionError(errors.IMPORT_UNSUPPORTED)


def _pick_file_to_import(mw: Any) -> None:
    """File > Import's file picker, shown without blocking."""
    from anki.lang import without_unicode_isolation
    from aqt.import_export.importing import all_accepted_file_endings
    from aqt.qt import QFileDialog, Qt, qconnect
    from aqt.utils import tooltip, tr

    endings = " ".join(f"*{ending}" for ending in sorted(all_accepted_file_endings(mw)))
    picker = QFileDialog(mw, tr.actions_import())
    picker.setFileMode(QFileDialog.FileMode.ExistingFile)
    picker.setNameFilter(without_unicode_isolation(tr.importing_all_supported_formats(val=f"({endings})")))
    picker.setWindowModality(Qt.WindowModality.NonModal)
    picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    picker.silentlyClose = True

    def chosen(path: str) -> None:
        try:
            _import_path(mw, path)
        except Exception as exc:  # noqa: BLE001 - the user picked it: say so, don't crash
            tooltip(str(exc), parent=mw)

    qconnect(picker.fileSelected, chosen)
    picker.show()


@action()
def guiImportFile(path: Any = None) -> None:
    mw = gui()
    col()
    if path is None:
        _pick_file_to_import(mw)
    else:
        _import_path(mw, str(path))


@action(needs_collection=False)
def guiExitAnki() -> None:
    """Closes Anki the normal way (collection saved) once this reply has gone out."""
    from ..ui import close_for_exit

    mw = gui()
    mw.progress.single_shot(EXIT_DELAY_MS, lambda: close_for_exit(mw), False)


def _start_database_check(mw: Any) -> None:
    """Tools > Check Database in the background; the outcome is shown as a tooltip
    (Anki shows problems in a window that would block)."""
    from aqt.utils import tooltip

    def check() -> tuple[str, bool]:
        mw.create_backup_now()
        return mw.col.fix_integrity()

    def finished(future: "concurrent.futures.Future[tuple[str, bool]]") -> None:
        try:
            message, _ok = future.result()
        except Exception as exc:  # noqa: BLE001 - shown, never raised into Qt
            message = str(exc)
        tooltip(message, parent=mw, period=5000)
        mw.reset()

    mw.taskman.with_progress(check, finished)


@action()
def guiCheckDatabase() -> bool:
    mw = gui()
    col()
    _start_database_check(mw)
    return True
