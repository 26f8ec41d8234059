"""Anki's Add window: open it with a note preset, or change the note it shows.

We always use the classic Add window: its note lives in Python (``editor.note``), so it
can be preset and changed; the experimental editor keeps its note inside the web page.
"""

from __future__ import annotations

import concurrent.futures
from typing import TYPE_CHECKING, Any, Literal

from ... import errors
from ...errors import ActionError
from .._checks import field_text, require_deck_id, require_model, set_fields_exactly, tag_list
from .._notebuild import MediaEntry, attach_media, prefetch_media
from .._older_anki import open_dialog, set_add_dialog_deck, set_add_dialog_note_type
from .._types import AddDialogClosed, Flag, GuiNote
from ..context import col, gui, on_main
from ..registry import action
from ._waiting import after_editor_saved, run_step, wait

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection
    from anki.models import NotetypeDict
    from anki.notes import Note


def _add_dialog(open_it: bool) -> Any | None:
    """Anki's Add window: opened (or raised) if ``open_it``, else the open one or None."""
    import aqt

    if open_it:
        return aqt.dialogs.open("AddCards", gui())
    return open_dialog("AddCards")


# --- guiAddCards -----------------------------------------------------------------------


def _preset_note(collection: "Collection", spec: Any, media: list[MediaEntry]) -> tuple["Note", int | None]:
    """The note object of guiAddCards as an unsaved Note, and its deck id."""
    if not isinstance(spec, dict):
        raise ActionError(errors.NOTE_NOT_OBJECT.format(spec))
    deck_id = None
    if spec.get("deckName") is not None:
        deck_id = require_deck_id(collection, spec["deckName"])
    if spec.get("modelName") is not None:
        model = require_model(collection, spec["modelName"])
    else:
        model = collection.models.get(collection.defaults_for_adding().notetype_id)
    note = collection.new_note(model)
    if spec.get("fields") is not None:
        set_fields_exactly(note, spec["fields"])
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
async def guiAddCards(note: GuiNote | None = None) -> int:
    """Opens Add with ``note`` preset; the result is the editor's note id, 0 (unsaved)."""
    media = (await prefetch_media([note]))[0]
    return await run_step(lambda _step: _open_add_cards(note, media), errors.GUI_HELD_BY_DIALOG.format("guiAddCards"))


# --- guiAddNoteSetData -----------------------------------------------------------------


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
        deck_id = require_deck_id(collection, spec["deckName"], errors.ADD_DIALOG_DECK_NOT_FOUND)
    model: "NotetypeDict | None" = None
    if spec.get("modelName") is not None:
        model = require_model(collection, spec["modelName"], errors.ADD_DIALOG_MODEL_NOT_FOUND)
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
        set_add_dialog_note_type(dialog, model["id"])  # Anki carries the fields over to the new type
    if deck_id is not None:
        set_add_dialog_deck(dialog, deck_id)  # after the type: a type change picks that type's deck
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
    return None if dialog is None else after_editor_saved(dialog.editor, lambda: None)


@action()
async def guiAddNoteSetData(note: GuiNote, append: Flag = False) -> Literal[True] | AddDialogClosed:
    dialog = await on_main(lambda: _add_dialog(open_it=False))
    if dialog is None:
        return {"error": errors.ADD_DIALOG_NOT_OPEN, "code": 1}
    media = (await prefetch_media([note]))[0]
    # take in what the user typed last, so it is not lost (append) or saved over ours
    held = errors.GUI_HELD_BY_DIALOG.format("guiAddNoteSetData")
    await wait(await run_step(lambda _step: _save_add_dialog(), held), held)
    return await run_step(lambda _step: _set_add_dialog_data(note, media, bool(append)), held)
