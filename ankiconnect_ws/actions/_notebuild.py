"""Building notes from AnkiConnect note objects, and the duplicate/empty check.

Shared by addNote, addNotes, the canAdd* actions and the note update actions. The
duplicate check takes a whole batch: first-field checksums of every candidate are looked
up in one query instead of one backend search per note.
"""

from __future__ import annotations

import hashlib
import html
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from anki.config import Config
from anki.consts import MODEL_CLOZE
from anki.notes import Note
from anki.collection import StripHtmlMode
from anki.utils import guid64, ids2str, split_fields

from .. import errors
from ..errors import ActionError
from .media import Fetched, fetch_many, store_content

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection
    from anki.models import NotetypeDict

__all__ = [
    "Candidate",
    "MediaEntry",
    "NoteBuilder",
    "attach_media",
    "check_candidates",
    "field_text",
    "prefetch_media",
    "tag_list",
]

MEDIA_KINDS = ("audio", "video", "picture")

# Anki's NoteFieldsCheckResponse states
STATE_NORMAL, STATE_EMPTY, STATE_DUPLICATE = 0, 1, 2
_CLOZE_STATES = (3, 4, 5)
#: ids or checksums per ``in (...)`` list: far below SQLite's statement size limit
_SQL_CHUNK = 5000


def chunks(values: list[int], size: int = _SQL_CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- small value checks ---------------------------------------------------------------


def field_text(name: Any, value: Any) -> str:
    """A field value as Anki stores it; numbers are accepted as their text, null as ""."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ActionError(errors.FIELD_VALUE_NOT_STRING.format(name))


def tag_list(tags: Any) -> list[str]:
    """``tags`` given as one string or a list of strings (Anki splits on spaces)."""
    if isinstance(tags, str):
        return [tags]
    if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags):
        return list(tags)
    raise ActionError(errors.TAGS_NOT_STRING_LIST)


def _bool_option(options: dict[str, Any], key: str, label: str) -> bool:
    value = options.get(key, False)
    if not isinstance(value, bool):
        raise ActionError(errors.OPTION_NOT_BOOLEAN.format(label))
    return value


def _object_option(value: Any, label: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ActionError(errors.NOTE_OPTIONS_NOT_OBJECT.format(label))
    return value


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


# --- building -------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateOptions:
    allow: bool = False
    deck_scope: bool = False  # duplicateScope == "deck"
    deck_name: Any = None  # duplicateScopeOptions.deckName
    check_children: bool = False
    check_all_models: bool = False

    @property
    def custom(self) -> bool:
        """Anki's own check only knows "same notetype, whole collection"."""
        return self.deck_scope or self.check_all_models


def parse_options(spec: dict[str, Any]) -> DuplicateOptions:
    options = _object_option(spec.get("options"), "options")
    scope_options = _object_option(options.get("duplicateScopeOptions"), "duplicateScopeOptions")
    return DuplicateOptions(
        allow=_bool_option(options, "allowDuplicate", "allowDuplicate"),
        deck_scope=options.get("duplicateScope") == "deck",
        deck_name=scope_options.get("deckName"),
        check_children=_bool_option(
            scope_options, "checkChildren", "duplicateScopeOptions.checkChildren"
        ),
        check_all_models=_bool_option(
            scope_options, "checkAllModels", "duplicateScopeOptions.checkAllModels"
        ),
    )


@dataclass
class Candidate:
    """A note ready to be added (not saved yet) and how to check it for duplicates."""

    note: "Note"
    model: "NotetypeDict"
    deck_id: int
    options: DuplicateOptions


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


# --- duplicate / empty check ----------------------------------------------------------


def _strip_html_media(collection: "Collection", text: str) -> str:
    """Anki's strip_html_media, through the collection's backend: ``anki.utils``'s
    version needs the GUI's translation backend, absent on a bare collection."""
    if "<" not in text and "&" not in text:
        return text  # nothing to strip: no tag, no entity (most first fields)
    return collection._backend.strip_html(text=text, mode=StripHtmlMode.PRESERVE_MEDIA_FILENAMES)


def _sha1_checksum(stripped: str) -> int:
    """What Anki stores in ``notes.csum`` for a first field whose stripped text this is."""
    return int(hashlib.sha1(stripped.encode("utf-8")).hexdigest()[:8], 16)


@dataclass
class _Probe:
    candidate: Candidate
    state: int | None = None  # decided without the lookup (empty, cloze, no such deck)
    csum: int = 0  # the checksum to look up
    text: str = ""  # default path: the stripped first field, confirmed exactly
    decks: set[int] | None = None  # custom path with duplicateScope "deck"
    stored_csum: int = 0  # what Anki will store for this note (in-batch duplicates)


@dataclass
class _Row:
    nid: int
    mid: int
    csum: int
    first_field: str
    decks: set[int]
    stripped: str | None = None  # filled in when a candidate needs the exact text


class _DuplicateCheck:
    def __init__(self, collection: "Collection") -> None:
        self.col = collection
        self.normalize = collection.get_config_bool(Config.Bool.NORMALIZE_NOTE_TEXT)
        self._deck_scopes: dict[tuple[int, bool], set[int]] = {}

    def probe(self, candidate: Candidate) -> _Probe:
        note, options = candidate.note, candidate.options
        first = note.fields[0] if note.fields else ""
        stripped_raw = _strip_html_media(self.col, first)
        normalized = unicodedata.normalize("NFC", first) if self.normalize else first
        stripped = stripped_raw if normalized == first else _strip_html_media(self.col, normalized)
        probe = _Probe(candidate, stored_csum=_sha1_checksum(stripped), text=stripped)
        if options.custom:
            # AnkiConnect's own check: raw text for emptiness, checksum only, no cloze check
            if not first.strip():
                probe.state = STATE_EMPTY
            probe.csum = _sha1_checksum(stripped_raw)
            if options.deck_scope and probe.state is None:
                probe.decks = self._scope_decks(candidate)
                if probe.decks is None:  # the named deck does not exist: nothing to clash with
                    probe.state = STATE_NORMAL
            return probe
        if not stripped.strip():
            probe.state = STATE_EMPTY
            return probe
        probe.state = self._cloze_state(candidate)
        # Anki checksums the stripped text, which strips it once more
        probe.csum = _sha1_checksum(_strip_html_media(self.col, stripped))
        return probe

    def _scope_decks(self, candidate: Candidate) -> set[int] | None:
        options = candidate.options
        if options.deck_name is not None:
            did = self.col.decks.id_for_name(options.deck_name) if isinstance(options.deck_name, str) else None
            if did is None:
                return None
        else:
            did = candidate.deck_id
        key = (int(did), options.check_children)
        if key not in self._deck_scopes:
            ids = self.col.decks.deck_and_child_ids(did) if options.check_children else [did]
            self._deck_scopes[key] = {int(i) for i in ids}
        return self._deck_scopes[key]

    def _cloze_state(self, candidate: Candidate) -> int | None:
        """Cloze problems (states 3-5), left to Anki's own check.

        Only notes that can have one pay for that backend call: cloze notetypes, and
        notes with cloze markup in a non-cloze notetype.
        """
        note = candidate.note
        if candidate.model["type"] != MODEL_CLOZE and not any("{{c" in f for f in note.fields):
            return None
        state = int(note.fields_check())
        return state if state in _CLOZE_STATES else None

    def rows(self, csums: Iterable[int], need_decks: bool) -> dict[int, list[_Row]]:
        by_csum: dict[int, list[_Row]] = {}
        by_nid: dict[int, _Row] = {}
        for part in chunks(sorted(set(csums))):
            for nid, mid, csum, flds in self.col.db.execute(
                f"select id, mid, csum, flds from notes where csum in {ids2str(part)}"
            ):
                row = _Row(nid, mid, csum, split_fields(flds)[0], set())
                by_csum.setdefault(csum, []).append(row)
                by_nid[nid] = row
        if need_decks and by_nid:
            for part in chunks(sorted(by_nid)):
                for nid, did, odid in self.col.db.execute(
                    f"select nid, did, odid from cards where nid in {ids2str(part)}"
                ):
                    # a card moved to a filtered deck still belongs to its home deck
                    by_nid[nid].decks.update((did, odid) if odid else (did,))
        return by_csum


def _clashes(collection: "Collection", probe: _Probe, rows: Iterable[_Row]) -> bool:
    candidate = probe.candidate
    options = candidate.options
    own_id, mid = candidate.note.id, candidate.note.mid
    for row in rows:
        if row.nid == own_id and own_id:
            continue
        if not options.check_all_models and row.mid != mid:
            continue
        if options.custom:
            # checksum only, as AnkiConnect's deck-scoped check
            if row.csum == probe.csum and (probe.decks is None or row.decks & probe.decks):
                return True
        else:
            if row.stripped is None:
                row.stripped = _strip_html_media(collection, row.first_field)
            if row.stripped == probe.text:
                return True
    return False


class _Accepted:
    """Earlier members of an addNotes batch, seen by later ones like stored notes."""

    def __init__(self) -> None:
        self.by_csum: dict[int, list[_Row]] = {}
        self.by_text: dict[str, list[_Row]] = {}

    def add(self, probe: _Probe) -> None:
        note = probe.candidate.note
        row = _Row(0, note.mid, probe.stored_csum, "", {probe.candidate.deck_id}, probe.text)
        self.by_csum.setdefault(row.csum, []).append(row)
        self.by_text.setdefault(probe.text, []).append(row)

    def matching(self, probe: _Probe) -> list[_Row]:
        if probe.candidate.options.custom:
            return self.by_csum.get(probe.csum, [])
        return self.by_text.get(probe.text, [])


def check_candidates(
    collection: "Collection", candidates: list[Candidate], *, within_batch: bool
) -> list[str | None]:
    """For each candidate: None if it may be added, else the error message.

    ``within_batch``: the candidates are going to be added together, so a note that
    duplicates an earlier accepted one of the batch is a duplicate too (addNotes).
    """
    if not candidates:
        return []
    check = _DuplicateCheck(collection)
    probes = [check.probe(candidate) for candidate in candidates]
    lookups = [p for p in probes if p.state is None]
    rows = check.rows((p.csum for p in lookups), need_decks=any(p.decks is not None for p in lookups))
    accepted = _Accepted()
    problems: list[str | None] = []
    for probe in probes:
        state = probe.state
        if state is None:
            found = [*rows.get(probe.csum, []), *accepted.matching(probe)]
            state = STATE_DUPLICATE if _clashes(collection, probe, found) else STATE_NORMAL
        problem = _problem(state, probe.candidate.options.allow)
        problems.append(problem)
        if within_batch and problem is None:
            accepted.add(probe)
    return problems


def _problem(state: int, allow_duplicate: bool) -> str | None:
    if state == STATE_NORMAL or (state == STATE_DUPLICATE and allow_duplicate):
        return None
    if state == STATE_EMPTY:
        return errors.NOTE_EMPTY
    if state == STATE_DUPLICATE:
        return errors.NOTE_DUPLICATE
    return errors.NOTE_UNKNOWN_REASON
