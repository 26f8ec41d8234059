"""Note actions: adding (with duplicate checks and media), updating, finding, reading, deleting.

Tags on many notes at once are in :mod:`.tags`.

Actions that may download media (addNote, addNotes, updateNoteFields, updateNote) are
``async``: they fetch every file on the server loop first, then do all collection work
in one main-thread call. Batch actions read the collection with one query per table.
"""

from __future__ import annotations

import functools

import os
from typing import TYPE_CHECKING, Annotated, Any

from anki.errors import NotFoundError
from anki.utils import split_fields

from .. import errors
from ..errors import ActionError
from ._checks import chunks, field_text, is_int, note_ids, require_model, search_query, set_fields_exactly, sql_ids, tag_list
from ._duplicates import Candidate, check_candidates
from ._notebuild import MediaEntry, NoteBuilder, OneBuilder, attach_media, prefetch_media
from ._older_anki import add_notes, update_note
from ._screens_refresh import editors_saved, note_changed
from ._types import (
    CHECKED,
    OWN_CHECK,
    FALSE_OTHERWISE,
    PER_ITEM,
    AddDetail,
    IntOrText,
    NoteFieldsUpdate,
    NoteInfo,
    NoteModelChange,
    NoteModTime,
    NoteIds,
    NoteSpec,
    NotFound,
    NoteUpdate,
    Tags,
)
from .context import col, env, on_main, on_main_sliced, reading
from .gui._waiting import DialogHolds, wait
from .registry import action

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection
    from anki.notes import Note

# --- helpers --------------------------------------------------------------------------


def _get_note(collection: "Collection", note_id: Any) -> "Note":
    try:
        return collection.get_note(int(note_id))
    except (NotFoundError, TypeError, ValueError):
        raise ActionError(errors.NOTE_NOT_FOUND.format(note_id)) from None


def _spec_list(notes: Any) -> list[Any]:
    if not isinstance(notes, list):
        raise ActionError(errors.NOTES_NOT_LIST)
    return notes


# --- adding ---------------------------------------------------------------------------


@action()
async def addNote(note: Annotated[NoteSpec, CHECKED]) -> int:
    media = (await prefetch_media([note]))[0]
    return await on_main(lambda: _add_note(note, media))


def _add_note(spec: Any, media: list[MediaEntry]) -> int:
    collection = col()
    candidate = NoteBuilder(collection).build(spec, media)
    problem = check_candidates(collection, [candidate], within_batch=False)[0]
    if problem is not None:
        raise ActionError(problem)
    collection.add_note(candidate.note, candidate.deck_id)
    return int(candidate.note.id)


@action()
async def addNotes(notes: Annotated[list[Annotated[NoteSpec, PER_ITEM]], OWN_CHECK]) -> list[int | None]:
    """Adds every valid note in one backend call; ``null`` for each note that can't be."""
    specs = _spec_list(notes)
    media = await prefetch_media(specs)
    # In slices: a duplicate of a note from an earlier slice is found in the collection.
    pairs = list(zip(specs, media))
    builder = OneBuilder()
    return await on_main_sliced(pairs, lambda part: _add_notes([s for s, _ in part], [m for _, m in part], builder))


def _add_notes(specs: list[Any], media: list[list[MediaEntry]], one_builder: OneBuilder) -> list[int | None]:
    collection = col()
    builder = one_builder()
    built: list[Candidate | None] = []
    for spec, entries in zip(specs, media):
        try:
            built.append(builder.build(spec, entries))
        except Exception:  # noqa: BLE001 - that note gets null, the others go on
            built.append(None)
    valid = [c for c in built if c is not None]
    problems = iter(check_candidates(collection, valid, within_batch=True))
    added = [c if c is not None and next(problems) is None else None for c in built]
    to_add = [(c.note, c.deck_id) for c in added if c is not None]
    if to_add:
        add_notes(collection, to_add)
    return [int(c.note.id) if c is not None else None for c in added]


def _can_add(specs: list[Any], one_builder: "OneBuilder | None" = None) -> list[str | None]:
    """None for each note that could be added now, else why not.

    Media objects are ignored: a check must not download or store files.
    """
    collection = col()
    builder = one_builder() if one_builder is not None else NoteBuilder(collection, fresh_guids=False)
    outcome: list[Candidate | str] = []
    for spec in specs:
        try:
            outcome.append(builder.build(spec, None))
        except Exception as exc:  # noqa: BLE001 - reported per note
            outcome.append(str(exc))
    valid = [c for c in outcome if isinstance(c, Candidate)]
    problems = iter(check_candidates(collection, valid, within_batch=False))
    return [next(problems) if isinstance(c, Candidate) else c for c in outcome]


def _detail(problem: str | None) -> AddDetail:
    return {"canAdd": True} if problem is None else {"canAdd": False, "error": problem}


@action()
def canAddNote(note: Annotated[NoteSpec, FALSE_OTHERWISE]) -> bool:
    return _can_add([note])[0] is None


@action()
def canAddNoteWithErrorDetail(note: Annotated[NoteSpec, PER_ITEM]) -> AddDetail:
    return _detail(_can_add([note])[0])


async def _can_add_all(notes: Any) -> list[str | None]:
    """The duplicate checks of a batch, read off the main thread (they only read)."""
    specs = _spec_list(notes)
    return await reading(lambda: _can_add(specs, one_builder=OneBuilder(fresh_guids=False)))


@action()
async def canAddNotes(notes: Annotated[list[Annotated[NoteSpec, PER_ITEM]], OWN_CHECK]) -> list[bool]:
    return [problem is None for problem in await _can_add_all(notes)]


@action()
async def canAddNotesWithErrorDetail(notes: Annotated[list[Annotated[NoteSpec, PER_ITEM]], OWN_CHECK]) -> list[AddDetail]:
    return [_detail(problem) for problem in await _can_add_all(notes)]


# --- updating -------------------------------------------------------------------------

#: how long an update waits for an open editor showing its note to save its page
EDITOR_SAVE_TIMEOUT = 2.0


def _update_note(spec: Any, media: list[MediaEntry], *, fields_required: bool) -> None:
    """updateNoteFields / updateNote: validate everything, then one update_note."""
    if not isinstance(spec, dict):
        raise ActionError(errors.NOTE_NOT_OBJECT.format(spec))
    collection = col()
    note = _get_note(collection, spec["id"])
    if fields_required:
        fields = spec["fields"]
    else:
        fields = spec.get("fields")
        if fields is None and spec.get("tags") is None:
            raise ActionError(errors.NOTE_FIELDS_OR_TAGS)
    tags = tag_list(spec["tags"]) if not fields_required and spec.get("tags") is not None else None
    if fields is not None:
        set_fields_exactly(note, fields)
        attach_media(collection, note, media)
    if tags is not None:
        note.tags = tags
    changes = update_note(collection, note)
    note_changed(note.id, changes)


async def _update_after_editors(spec: Any, fields_required: bool) -> None:
    """The update, made once the open editors showing the note saved their page
    (:func:`._screens_refresh.editors_saved`); one main-thread turn when none does."""
    media = (await prefetch_media([spec]))[0]

    def update(editors_waited: bool) -> Any:
        if not editors_waited and isinstance(spec, dict) and is_int(spec.get("id")):
            saved = editors_saved(spec["id"])
            if saved is not None:
                return saved
        _update_note(spec, media, fields_required=fields_required)
        return None

    saved = await on_main(lambda: update(False))
    if saved is not None:
        try:
            await wait(saved, "held by a dialog", timeout=EDITOR_SAVE_TIMEOUT)
        except DialogHolds:
            pass  # a box holds the editor's page: update now, as without an editor
        await on_main(lambda: update(True))


@action()
async def updateNoteFields(note: Annotated[NoteFieldsUpdate, CHECKED]) -> None:
    await _update_after_editors(note, fields_required=True)


@action()
async def updateNote(note: NoteUpdate) -> None:
    await _update_after_editors(note, fields_required=False)


@action()
def updateNoteModel(note: Annotated[NoteModelChange, CHECKED]) -> None:
    if not isinstance(note, dict):
        raise ActionError(errors.NOTE_NOT_OBJECT.format(note))
    if not note.get("id"):
        raise ActionError(errors.NOTE_ID_REQUIRED)
    model_name = note.get("modelName")
    if not model_name:
        raise ActionError(errors.MODEL_NAME_REQUIRED)
    fields = note.get("fields")
    if not isinstance(fields, dict):
        raise ActionError(errors.FIELDS_NOT_DICT)
    collection = col()
    model = require_model(collection, model_name, errors.MODEL_NAME_NOT_FOUND)
    anki_note = _get_note(collection, note["id"])
    tags = tag_list(note.get("tags", []))
    by_lower = {f["name"].lower(): f["name"] for f in model["flds"]}
    values = {
        by_lower[str(name).lower()]: field_text(name, value)
        for name, value in fields.items()
        if str(name).lower() in by_lower
    }
    if anki_note.mid != model["id"]:
        info = collection.models.change_notetype_info(
            old_notetype_id=anki_note.mid, new_notetype_id=model["id"]
        )
        request = info.input
        request.note_ids.append(anki_note.id)
        collection.models.change_notetype_of_notes(request)
        anki_note = collection.get_note(anki_note.id)
    for name in anki_note.keys():
        anki_note[name] = values.get(name, "")
    anki_note.tags = tags
    changes = collection.update_note(anki_note)
    note_changed(anki_note.id, changes)


@action()
def updateNoteTags(note: IntOrText, tags: Annotated[Tags, CHECKED]) -> None:
    collection = col()
    anki_note = _get_note(collection, note)
    anki_note.tags = tag_list(tags)
    changes = collection.update_note(anki_note)
    note_changed(anki_note.id, changes)


@action(reads=True)
def getNoteTags(note: IntOrText) -> list[str]:
    return list(_get_note(col(), note).tags)


# --- finding and reading --------------------------------------------------------------


@action(reads=True)
def findNotes(query: str | None = None) -> list[int]:
    if query is None:
        return []
    return [int(nid) for nid in col().find_notes(search_query(query))]


def _profile_name(collection: "Collection") -> str:
    mw = env().mw
    name = getattr(getattr(mw, "pm", None), "name", None) if mw is not None else None
    # a profile's collection lives in a folder named after the profile
    return name or os.path.basename(os.path.dirname(os.path.abspath(collection.path)))


def _notes_rows(collection: "Collection", ids: list[int], columns: str) -> dict[int, tuple[Any, ...]]:
    rows: dict[int, tuple[Any, ...]] = {}
    for part in chunks(sorted(set(ids))):
        for row in collection.db.execute(f"select id, {columns} from notes where id in {sql_ids(part)}"):
            rows[row[0]] = tuple(row)
    return rows


@action()
async def notesInfo(
    notes: Annotated[list[Annotated[int, PER_ITEM]], OWN_CHECK] | None = None, query: str | None = None
) -> list[NoteInfo | NotFound]:
    if query is not None:
        requested: list[Any] = await reading(lambda: list(col().find_notes(search_query(query))))
    elif notes is not None:
        if not isinstance(notes, list):
            raise ActionError(errors.NOTES_NOT_ID_LIST)
        requested = notes
    else:
        raise ActionError(errors.NOTES_OR_QUERY)
    return await reading(lambda: _notes_info(requested))


def _notes_info(requested: list[Any]) -> list[dict[str, Any]]:
    collection = col()
    ids = [n for n in requested if is_int(n)]
    rows = _notes_rows(collection, ids, "mid, mod, tags, flds")
    cards: dict[int, list[int]] = {}
    for part in chunks(sorted(rows)):
        for nid, cid in collection.db.execute(
            f"select nid, id from cards where nid in {sql_ids(part)} order by nid, ord"
        ):
            cards.setdefault(nid, []).append(cid)
    profile = _profile_name(collection)
    field_names: dict[int, list[str]] = {}
    model_names: dict[int, str] = {}
    for _, mid, *_ in rows.values():
        if mid not in field_names:
            model = collection.models.get(mid)
            model_names[mid] = model["name"] if model else ""
            field_names[mid] = [f["name"] for f in sorted(model["flds"], key=lambda f: f["ord"])] if model else []
    result: list[dict[str, Any]] = []
    for nid in requested:
        row = rows.get(nid) if is_int(nid) else None
        if row is None:
            result.append({})
            continue
        _, mid, mod, tags, flds = row
        values = split_fields(flds)
        result.append(
            {
                "noteId": nid,
                "profile": profile,
                "tags": collection.tags.split(tags),
                "fields": {
                    name: {"value": values[order] if order < len(values) else "", "order": order}
                    for order, name in enumerate(field_names[mid])
                },
                "modelName": model_names[mid],
                "mod": mod,
                "cards": cards.get(nid, []),
            }
        )
    return result


@action(reads=True)
def notesModTime(notes: Annotated[list[Annotated[int, PER_ITEM]], OWN_CHECK]) -> list[NoteModTime | NotFound]:
    if not isinstance(notes, list):
        raise ActionError(errors.NOTES_NOT_ID_LIST)
    rows = _notes_rows(col(), [n for n in notes if is_int(n)], "mod")
    return [
        {"noteId": nid, "mod": rows[nid][1]} if is_int(nid) and nid in rows else {} for nid in notes
    ]


# --- deleting -------------------------------------------------------------------------


@action()
def deleteNotes(notes: NoteIds) -> None:
    ids = note_ids(notes)
    if ids:
        col().remove_notes(ids)


@action()
def removeEmptyNotes() -> None:
    """Deletes the notes all of whose cards are empty (Tools > Empty Cards would)."""
    collection = col()
    report = collection.get_empty_cards()
    empty = [entry.note_id for entry in report.notes if entry.will_delete_note]
    if empty:
        collection.remove_notes(empty)
