"""Change detection (events/changes.py) on a real Collection: whatever made a change,
each note, card, deck and note type change is reported once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from anki import hooks
from anki.collection import AddNoteRequest, Collection

from ankiconnect_ws.events.changes import ChangeDetector

from ..support.schema_check import check_event_data

Events = list[tuple[str, dict[str, Any]]]


class Watched:
    """A detector attached to the collection (with Anki's deletion hook, as inside
    Anki) and the events it published."""

    def __init__(self, collection: Collection) -> None:
        self.events: Events = []
        self.detector = ChangeDetector(self._publish)
        self.detector.attach(collection)

    def _publish(self, name: str, data: dict[str, Any]) -> None:
        check_event_data(name, data)  # every event as its schema (docs/asyncapi.json) says
        self.events.append((name, data))

    def check(self) -> Events:
        """What one check publishes (and forget it)."""
        self.detector.check()
        published, self.events = self.events, []
        return published

    def notes_only(self) -> Events:
        return [event for event in self.check() if event[0].startswith("note.")]


@pytest.fixture
def watched(collection: Collection) -> Iterator[Watched]:
    watched = Watched(collection)
    hooks.notes_will_be_deleted.append(watched.detector.notes_deleted)
    try:
        yield watched
    finally:
        hooks.notes_will_be_deleted.remove(watched.detector.notes_deleted)


def add(collection: Collection, front: str) -> int:
    note = collection.new_note(collection.models.by_name("Basic"))
    note["Front"] = front
    collection.add_note(note, 1)
    return note.id


def test_what_was_there_before_the_baseline_is_no_news(collection: Collection) -> None:
    add(collection, "old")
    collection.decks.id("Old deck")
    watched = Watched(collection)
    assert watched.check() == []


def test_nothing_written_nothing_reported(watched: Watched) -> None:
    assert watched.check() == [] and watched.check() == []


def test_added_notes_are_reported_once_and_not_as_updated(collection: Collection, watched: Watched) -> None:
    first = add(collection, "one")
    events = watched.check()
    assert [name for name, _ in events] == ["note.added", "card.updated"]
    assert events[0][1] == {"noteIds": [first]}
    assert events[1][1] == {"cardIds": list(collection.card_ids_of_note(first))}  # its new card
    # a batch through the backend, as addNotes does
    model = collection.models.by_name("Basic")
    requests = []
    for front in ("two", "three"):
        note = collection.new_note(model)
        note["Front"] = front
        requests.append(AddNoteRequest(note, deck_id=1))
    collection.add_notes(requests)
    batch = [request.note.id for request in requests]
    assert watched.notes_only() == [("note.added", {"noteIds": batch})]
    assert watched.check() == []


def test_an_edited_note_is_reported_once_whatever_edited_it(collection: Collection, watched: Watched) -> None:
    nid = add(collection, "before")
    watched.check()

    note = collection.get_note(nid)
    note["Front"] = "through the note"
    collection.update_note(note)
    assert watched.notes_only() == [("note.updated", {"noteIds": [nid]})]

    collection.find_and_replace(note_ids=[nid], search="through", replacement="by")
    assert watched.notes_only() == [("note.updated", {"noteIds": [nid]})]

    collection.tags.bulk_add([nid], "tagged")
    assert watched.notes_only() == [("note.updated", {"noteIds": [nid]})]

    # another program writing the database (reloadCollection's case)
    collection.db.execute("update notes set flds = ?, mod = mod + 1 where id = ?", "raw\x1fback", nid)
    assert watched.notes_only() == [("note.updated", {"noteIds": [nid]})]
    assert watched.check() == []


def test_two_edits_within_one_second_are_both_reported(collection: Collection, watched: Watched) -> None:
    nid = add(collection, "x")
    watched.check()
    second = collection.db.scalar("select mod from notes where id = ?", nid) + 10
    for text in ("first edit", "second edit"):  # the same mod: one-second resolution
        collection.db.execute("update notes set flds = ?, mod = ? where id = ?", f"{text}\x1f", second, nid)
        assert watched.notes_only() == [("note.updated", {"noteIds": [nid]})], text
    assert watched.check() == []


def test_deleted_notes_are_reported_once(collection: Collection, watched: Watched) -> None:
    by_note, by_card, kept = add(collection, "a"), add(collection, "b"), add(collection, "c")
    watched.check()
    collection.remove_notes([by_note])  # the API and the browser
    collection.remove_notes_by_card(list(collection.card_ids_of_note(by_card)))
    assert watched.events == [("note.deleted", {"noteIds": [by_note]}), ("note.deleted", {"noteIds": [by_card]})]
    watched.events = []
    assert watched.notes_only() == []  # not again, and not as an update
    assert collection.find_notes("") == [kept]


def test_changed_cards_are_reported(collection: Collection, watched: Watched) -> None:
    nid = add(collection, "card")
    watched.check()
    card_ids = list(collection.card_ids_of_note(nid))
    collection.sched.suspend_cards(card_ids)
    assert watched.check() == [("card.updated", {"cardIds": card_ids})]


def test_decks_are_diffed(collection: Collection, watched: Watched) -> None:
    deck_id = collection.decks.id("Fresh")
    assert watched.check() == [("deck.added", {"id": deck_id, "name": "Fresh"})]
    collection.decks.rename(deck_id, "Renamed")
    assert watched.check() == [("deck.renamed", {"id": deck_id, "name": "Renamed", "previous": "Fresh"})]
    collection.decks.remove([deck_id])
    assert watched.check() == [("deck.deleted", {"id": deck_id, "name": "Renamed"})]
    assert watched.check() == []


def test_note_types_are_diffed(collection: Collection, watched: Watched) -> None:
    models = collection.models
    copy = models.copy(models.by_name("Basic"))  # added as "Basic copy"
    model_id = copy["id"]
    assert watched.check() == [("model.added", {"id": model_id, "name": copy["name"]})]
    copy["name"] = "Vocabulary"
    models.save(copy)
    assert watched.check() == [("model.renamed", {"id": model_id, "name": "Vocabulary", "previous": "Basic copy"})]
    models.remove(model_id)
    assert watched.check() == [("model.deleted", {"id": model_id, "name": "Vocabulary"})]


def test_a_detached_detector_reads_nothing(collection: Collection, watched: Watched) -> None:
    watched.detector.detach()
    add(collection, "unseen")
    assert watched.check() == []
