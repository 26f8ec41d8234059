"""The duplicate and empty check of notes about to be added (or checked by canAdd*).

It takes a whole batch: the first-field checksums of every candidate are looked up in
one query instead of one backend search per note. Two checks exist, as upstream: Anki's
own (same note type, whole collection, exact stripped first field) and AnkiConnect's
(``duplicateScope`` "deck" or ``checkAllModels``: checksum only).
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from anki.collection import StripHtmlMode
from anki.config import Config
from anki.consts import MODEL_CLOZE
from anki.utils import ids2str, split_fields

from .. import errors
from ..errors import ActionError
from ._checks import chunks

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection
    from anki.models import NotetypeDict
    from anki.notes import Note

__all__ = ["Candidate", "DuplicateOptions", "check_candidates", "parse_options"]

# Anki's NoteFieldsCheckResponse states
STATE_NORMAL, STATE_EMPTY, STATE_DUPLICATE = 0, 1, 2
_CLOZE_STATES = (3, 4, 5)


# --- what to check ---------------------------------------------------------------------


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
