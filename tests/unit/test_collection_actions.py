"""Package export/import and reloadCollection on a real Collection.

``sync`` and ``upgrade`` need Anki's main window (profile, add-on manager): they are
tested end to end in tests/e2e/test_collection_actions.py.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from anki.collection import Collection

from ..support.local_api import LocalApi


def _add_note(collection: Collection, deck: str, front: str, back: str = "back") -> int:
    did = collection.decks.id(deck, create=True)
    note = collection.new_note(collection.models.by_name("Basic"))
    note["Front"] = front
    note["Back"] = back
    collection.add_note(note, did)
    return note.id


def _fronts(collection: Collection, query: str) -> list[str]:
    return sorted(collection.get_note(nid)["Front"] for nid in collection.find_notes(query))


@pytest.fixture
def other(tmp_path: Path) -> Iterator[Collection]:
    """A second, empty collection to import into."""
    (tmp_path / "other").mkdir()
    second = Collection(str(tmp_path / "other" / "collection.anki2"))
    try:
        yield second
    finally:
        second.close()


# --- exportPackage ---------------------------------------------------------------------


def test_export_writes_the_deck_and_its_subdecks_only(
    api: LocalApi, collection: Collection, other: Collection, tmp_path: Path
) -> None:
    _add_note(collection, "Export", "parent note")
    _add_note(collection, "Export::Child", "child note")
    _add_note(collection, "Elsewhere", "not exported")
    path = tmp_path / "export.apkg"

    assert api("exportPackage", deck="Export", path=str(path)) is True

    assert zipfile.is_zipfile(path)
    assert LocalApi(other)("importPackage", path=str(path)) is True
    assert _fronts(other, "") == ["child note", "parent note"]
    assert {"Export", "Export::Child"} <= set(other.decks.all_names())
    assert "Elsewhere" not in other.decks.all_names()


@pytest.mark.parametrize(("include_sched", "card_type"), [(False, 0), (True, 2)])
def test_export_keeps_scheduling_only_with_include_sched(
    api: LocalApi, collection: Collection, other: Collection, tmp_path: Path, include_sched: bool, card_type: int
) -> None:
    nid = _add_note(collection, "Sched", "reviewed")
    collection.sched.set_due_date(collection.get_note(nid).card_ids(), "10")  # a review card
    path = tmp_path / "sched.apkg"

    assert api("exportPackage", deck="Sched", path=str(path), includeSched=include_sched) is True

    LocalApi(other)("importPackage", path=str(path))
    assert other.db.list("select type from cards") == [card_type]  # 0 new, 2 review
    assert (other.db.scalar("select ivl from cards") > 0) is include_sched


def test_export_of_a_missing_deck_is_false_and_writes_nothing(api: LocalApi, tmp_path: Path) -> None:
    path = tmp_path / "missing.apkg"
    assert api("exportPackage", deck="No Such Deck", path=str(path)) is False
    assert not path.exists()


def test_export_without_a_collection_is_false(api: LocalApi, tmp_path: Path) -> None:
    api.col = None  # as while no profile is open
    assert api("exportPackage", deck="Default", path=str(tmp_path / "x.apkg")) is False


def test_export_rejects_a_non_string_path(api: LocalApi) -> None:
    assert api.error("exportPackage", deck="Default", path=5) == "path must be a file path string: 5"


@pytest.mark.parametrize("path", [0, 1, True, False, 3.0, [], ""])
def test_export_rejects_a_non_string_path_whatever_the_deck(api: LocalApi, path: object) -> None:
    """Checked first: a missing deck (or collection) must not hide a bad path."""
    message = f"path must be a file path string: {path}"
    assert api.error("exportPackage", deck="No Such Deck", path=path) == message
    api.col = None
    assert api.error("exportPackage", deck="Default", path=path) == message


def test_export_into_a_missing_folder_is_an_error(api: LocalApi, tmp_path: Path) -> None:
    message = api.error("exportPackage", deck="Default", path=str(tmp_path / "no" / "such" / "x.apkg"))
    assert str(tmp_path / "no" / "such") in message


def test_export_never_replaces_the_open_collections_files(api: LocalApi, collection: Collection) -> None:
    """Anki renames its export over ``path``: over the live collection, every later change
    went to a deleted file and the next start found a zip instead of the collection."""
    from anki.media import media_paths_from_col_path

    database = Path(collection.path)
    media_database = Path(media_paths_from_col_path(collection.path)[1])
    _add_note(collection, "Default", "kept")
    targets = [
        database,
        database.with_name(database.name + "-wal"),
        media_database,
        database.parent / ".." / database.parent.name / database.name.upper(),  # same file on macOS/Windows
    ]
    for target in targets:
        assert api.error("exportPackage", deck="Default", path=str(target)) == (
            f"path would replace a database file of the open collection: {target}"
        )
    assert database.read_bytes().startswith(b"SQLite format 3")
    assert api("exportPackage", deck="Default", path=str(database.with_name("beside.apkg"))) is True
    assert _fronts(collection, "") == ["kept"]


# --- importPackage ---------------------------------------------------------------------


def test_import_brings_deleted_notes_back(api: LocalApi, collection: Collection, tmp_path: Path) -> None:
    first = _add_note(collection, "Roundtrip", "one", "1")
    _add_note(collection, "Roundtrip", "two", "2")
    path = tmp_path / "roundtrip.apkg"
    api("exportPackage", deck="Roundtrip", path=str(path))
    api("deleteDecks", decks=["Roundtrip"], cardsToo=True)
    assert collection.find_notes("deck:Roundtrip") == []

    assert api("importPackage", path=str(path)) is True

    assert _fronts(collection, "deck:Roundtrip") == ["one", "two"]
    assert first in collection.find_notes("")  # same note ids as before
    assert collection.get_note(first)["Back"] == "1"


def test_import_of_a_missing_file_is_an_error(api: LocalApi, tmp_path: Path) -> None:
    missing = tmp_path / "nothing.apkg"
    assert api.error("importPackage", path=str(missing)) == f"package file was not found: {missing}"
    assert api.error("importPackage", path=str(tmp_path)) == f"package file was not found: {tmp_path}"


def test_import_of_a_non_package_is_an_error_and_changes_nothing(
    api: LocalApi, collection: Collection, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.apkg"
    junk.write_text("not a zip file")
    before = collection.note_count()
    assert "Zip" in api.error("importPackage", path=str(junk))
    assert collection.note_count() == before


@pytest.mark.parametrize("path", [None, 0, 1, True, False, 3.0, [], ""])
def test_import_rejects_a_non_string_path(api: LocalApi, path: object) -> None:
    assert api.error("importPackage", path=path) == f"path must be a file path string: {path}"


def test_import_of_a_fifo_answers_at_once(api: LocalApi, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.apkg"
    os.mkfifo(fifo)
    assert api.error("importPackage", path=str(fifo)) == f"package file was not found: {fifo}"


# --- reloadCollection -------------------------------------------------------------------


def test_reload_collection_drops_stale_note_type_cache(api: LocalApi, collection: Collection) -> None:
    basic = collection.models.by_name("Basic")
    # another program renames the note type behind Anki's back
    collection.db.execute("update notetypes set name = 'Renamed' where id = ?", basic["id"])
    assert collection.models.get(basic["id"])["name"] == "Basic"  # stale cached copy

    assert api("reloadCollection") is None

    assert collection.models.get(basic["id"])["name"] == "Renamed"


def test_reload_collection_needs_a_collection(api: LocalApi) -> None:
    api.col = None
    assert api.error("reloadCollection") == "collection is not available"


# --- sync and upgrade without Anki's window ----------------------------------------------


def test_sync_and_upgrade_need_anki(api: LocalApi) -> None:
    assert api.error("sync") == "this action needs Anki's main window"
    assert api.error("upgrade") == "this action needs Anki's main window"
