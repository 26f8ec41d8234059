"""Note/card/deck/model change detection, whatever made the change.

Anki tells listeners *that* something changed (``OpChanges``) but rarely *which* rows.
After a change we ask the collection cheaply: SQLite's ``total_changes()`` says whether
anything was written at all; then new note ids (``id > last max``, a primary-key range),
rows whose ``mod`` moved, and a diff of the deck and note type lists. Deletions come
from Anki's ``notes_will_be_deleted`` hook, which carries the ids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..wire import JsonObject

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection

__all__ = ["ChangeDetector", "Publish"]

#: hands one event (its name and data) to the bus
Publish = Callable[[str, JsonObject], None]

# id, mod, then the columns whose change makes a row "updated"
NOTE_ROWS = "select id, mod, mid, tags, flds from notes where mod >= ?"
CARD_ROWS = "select id, mod, did, odid, queue, type, due, ivl, factor, reps, lapses, flags from cards where mod >= ?"


class ChangeDetector:
    def __init__(self, publish: Publish) -> None:
        self.publish = publish
        #: the collection watched; None until attached (the caller keeps it away
        #: while Anki syncs: the backend is busy then, reading would block)
        self.col: Collection | None = None
        self._total = -1
        self._max_note = 0
        self._note_mod = 0
        self._card_mod = 0
        # id -> row signature for rows modified in the newest second seen so far
        self._seen_notes: dict[int, tuple[Any, ...]] = {}
        self._seen_cards: dict[int, tuple[Any, ...]] = {}
        self._decks: dict[int, str] = {}
        self._models: dict[int, str] = {}

    def attach(self, col: Collection) -> None:
        """Take a baseline for a (re)opened collection: nothing before now is news."""
        self.col = col
        db = col.db
        self._total = db.scalar("select total_changes()")
        self._max_note = db.scalar("select coalesce(max(id), 0) from notes")
        self._note_mod = db.scalar("select coalesce(max(mod), 0) from notes")
        self._card_mod = db.scalar("select coalesce(max(mod), 0) from cards")
        self._note_mod, _ = self._moved(db, NOTE_ROWS, self._note_mod, self._seen_notes, set())
        self._card_mod, _ = self._moved(db, CARD_ROWS, self._card_mod, self._seen_cards, set())
        self._decks = _names(col.decks)
        self._models = _names(col.models)

    def detach(self) -> None:
        self.col = None

    def notes_deleted(self, col: Collection, ids: Sequence[int]) -> None:
        try:
            note_ids = [int(i) for i in ids]
        except (TypeError, ValueError):  # a hook must never raise into Anki
            return
        if note_ids:
            self.publish("note.deleted", {"noteIds": note_ids})

    def check(self) -> None:
        """Main thread: publish what changed since the last check."""
        col = self.col
        if col is None:
            return
        db = col.db
        total = db.scalar("select total_changes()")
        if total == self._total:
            return
        self._total = total
        added = db.list("select id from notes where id > ? order by id", self._max_note)
        if added:
            self._max_note = added[-1]
            self.publish("note.added", {"noteIds": added})
        self._note_mod, updated = self._moved(db, NOTE_ROWS, self._note_mod, self._seen_notes, set(added))
        if updated:
            self.publish("note.updated", {"noteIds": updated})
        self._card_mod, cards = self._moved(db, CARD_ROWS, self._card_mod, self._seen_cards, set())
        if cards:
            self.publish("card.updated", {"cardIds": cards})
        self._decks = self._diff("deck", self._decks, _names(col.decks))
        self._models = self._diff("model", self._models, _names(col.models))

    @staticmethod
    def _moved(db: Any, query: str, since: int, seen: dict[int, tuple[Any, ...]], skip: set[int]) -> tuple[int, list[int]]:
        """Rows changed since the last check.

        ``mod`` has one-second resolution, so two edits in one second share it: we
        re-read the newest second each time and compare each row's content signature
        with what we saw, instead of trusting ``mod`` alone.
        """
        rows = db.all(query, since)
        changed = sorted({row[0] for row in rows if seen.get(row[0]) != tuple(row[1:]) and row[0] not in skip})
        if rows:
            newest = max(row[1] for row in rows)
            if newest != since:
                seen.clear()
            seen.update((row[0], tuple(row[1:])) for row in rows if row[1] == newest)
            since = newest
        return since, changed

    def _diff(self, kind: str, before: dict[int, str], after: dict[int, str]) -> dict[int, str]:
        """Publish what changed between two id -> name snapshots; return the new one."""
        for ident, name in after.items():
            if ident not in before:
                self.publish(f"{kind}.added", {"id": ident, "name": name})
            elif before[ident] != name:
                self.publish(f"{kind}.renamed", {"id": ident, "name": name, "previous": before[ident]})
        for ident, name in before.items():
            if ident not in after:
                self.publish(f"{kind}.deleted", {"id": ident, "name": name})
        return after


def _names(manager: Any) -> dict[int, str]:
    """id -> name of every deck (``col.decks``) or note type (``col.models``)."""
    return {entry.id: entry.name for entry in manager.all_names_and_ids()}
