"""Building notes from AnkiConnect note objects, with their media.

Shared by addNote, addNotes, the canAdd* actions, guiAddCards and the note update
actions. Whether a built note may be added is :mod:`._duplicates`' question.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from anki.notes import Note
from anki.utils import guid64

from .. import errors
from ..errors import ActionError
from ._checks import field_text, tag_list
from ._duplicates import Candidate, parse_options
from ._mediafiles import Fetched, fetch_many, store_content

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection
    from anki.models import NotetypeDict

__all__ = [
    "MediaEntry",
    "NoteBuilder",
    "OneBuilder",
    "attach_media",
    "prefetch_media",
]

MEDIA_KINDS = ("audio", "video", "picture")


# --- media in notes -------------------------------------------------------------------


@dataclass
class MediaEntry:
    kind: str  # "audio", "video" or "picture"
    entry: Any  # the client's object: filename, fields, skipHash, deleteExisting ...
    fetched: Fetched


def _media_objects(spec: Any) -> list[tuple[str, Any]]:
    if not isinstance(spec, dict):
        return []
    found = []
    for kind in MEDIA_KINDS:
        value = spec.get(kind)
        if value is not None:
            found.extend((kind, item) for item in (value if isinstance(value, list) else [value]))
    return found


async def prefetch_media(specs: list[Any]) -> list[list[MediaEntry]]:
    """Fetch the media of every note object at once (server loop, never the main thread)."""
    listed = [(index, kind, item) for index, spec in enumerate(specs) for kind, item in _media_objects(spec)]
    if not listed:
        return [[] for _ in specs]
    fetched = await fetch_many([item for _, _, item in listed])
    per_note: list[list[MediaEntry]] = [[] for _ in specs]
    for (index, kind, item), result in zip(listed, fetched):
        per_note[index].append(MediaEntry(kind, item, result))
    return per_note


def attach_media(collection: "Collection", note: "Note", entries: list[MediaEntry]) -> None:
    """Store each file and reference it in the listed fields (exact field names).

    A file that could not be fetched (failed download, unreadable path, bad base64)
    fails the note before anything is stored: a clear error and nothing added, instead
    of AnkiConnect's note with the error text pasted into its fields. A file that
    cannot be stored after fetching still reports into the fields, as upstream.
    """
    for media in entries:
        if media.fetched.error is not None:
            raise ActionError(media.fetched.error)
    for media in entries:
        entry = media.entry
        if not isinstance(entry, dict):
            raise ActionError(errors.MEDIA_OBJECT_INVALID.format(entry))
        try:
            if media.fetched.error is not None:
                raise ActionError(media.fetched.error)
            stored = store_content(
                collection,
                entry["filename"],
                media.fetched.content or b"",
                entry.get("skipHash"),
                bool(entry.get("deleteExisting", False)),
            )
        except Exception as exc:  # noqa: BLE001 - any failure is reported in the fields
            listed = entry["fields"]  # no "fields" to report into: fail the call (upstream)
            _append(note, listed, html.escape(str(exc), quote=False))
            continue
        if stored is not None:
            reference = f'<img src="{stored}">' if media.kind == "picture" else f"[sound:{stored}]"
            _append(note, entry.get("fields"), reference)


def _append(note: "Note", field_names: Any, text: str) -> None:
    if not isinstance(field_names, list):
        return
    for name in field_names:
        if isinstance(name, str) and name in note:
            note[name] += text


class NoteBuilder:
    """Turns note objects into Notes; caches notetype and deck lookups for a batch."""

    def __init__(self, collection: "Collection", fresh_guids: bool = True) -> None:
        """``fresh_guids=False`` for notes that are only checked, never added."""
        self.col = collection
        self.fresh_guids = fresh_guids
        self._models: dict[str, "NotetypeDict | None"] = {}
        self._decks: dict[str, int | None] = {}
        self._blank: dict[int, "Note"] = {}

    def new_note(self, model: "NotetypeDict") -> "Note":
        """A fresh note of ``model``: one backend ``new_note`` per note type per batch,
        then copies with their own fields, tags and guid (10,000 candidates would
        otherwise cost 10,000 backend round trips)."""
        blank = self._blank.get(model["id"])
        if blank is None:
            blank = self._blank[model["id"]] = self.col.new_note(model)
        note = Note.__new__(Note)  # copy.copy is slow on Note (its __getattr__ shim)
        note.__dict__.update(blank.__dict__)
        note.fields = list(blank.fields)
        note.tags = list(blank.tags)
        if self.fresh_guids:
            note.guid = guid64()
        return note

    def model(self, name: Any) -> "NotetypeDict":
        if not isinstance(name, str):
            raise ActionError(errors.MODEL_NOT_FOUND.format(name))
        if name not in self._models:
            self._models[name] = self.col.models.by_name(name)
        model = self._models[name]
        if model is None:
            raise ActionError(errors.MODEL_NOT_FOUND.format(name))
        return model

    def deck_id(self, name: Any) -> int | None:
        """The id of the deck ``name`` (case-insensitive, as Anki), or None."""
        if not isinstance(name, str):
            return None
        if name not in self._decks:
            self._decks[name] = self.col.decks.id_for_name(name)
        return self._decks[name]

    def build(self, spec: Any, media: list[MediaEntry] | None) -> Candidate:
        """Validate ``spec`` and make its Note. Media (if given) is stored right away."""
        if not isinstance(spec, dict):
            raise ActionError(errors.NOTE_NOT_OBJECT.format(spec))
        model = self.model(spec["modelName"])
        deck_name = spec["deckName"]
        deck_id = self.deck_id(deck_name)
        if deck_id is None:
            raise ActionError(errors.DECK_NOT_FOUND.format(deck_name))
        note = self.new_note(model)
        if spec.get("tags") is not None:
            note.tags = tag_list(spec["tags"])
        fields = spec["fields"]
        if not isinstance(fields, dict):
            raise ActionError(errors.NOTE_FIELDS_NOT_OBJECT)
        by_lower = {name.lower(): name for name in note.keys()}
        for name, value in fields.items():
            target = by_lower.get(str(name).lower())
            if target is not None:
                note[target] = field_text(name, value)
        options = parse_options(spec)
        if media:
            attach_media(self.col, note, media)
        return Candidate(note=note, model=model, deck_id=deck_id, options=options)


class OneBuilder:
    """One NoteBuilder for every slice of a batch, made at first use.

    Its lookups are cached for the whole batch, as if it ran in one turn: a missing deck
    costs one failed backend lookup per batch, not one per slice (each failure builds a
    backtrace when RUST_BACKTRACE is set: 1,000 notes naming a missing deck took 55 s).
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._builder: NoteBuilder | None = None

    def __call__(self) -> NoteBuilder:
        if self._builder is None:
            from .context import col

            self._builder = NoteBuilder(col(), **self._options)
        return self._builder
