"""Note actions on a real Collection (media downloads from a real local HTTP server)."""

from __future__ import annotations

import base64
import hashlib
import time
from pathlib import Path
from typing import Any

import pytest

from ..support.local_api import LocalApi
from ..support.http_files import AUDIO, MediaServer

DUPLICATE = "cannot create note because it is a duplicate"
EMPTY = "cannot create note because it is empty"
UNKNOWN = "cannot create note for unknown reason"


def basic(front: str, back: str = "back", deck: str = "Default", **extra: Any) -> dict[str, Any]:
    return {"deckName": deck, "modelName": "Basic", "fields": {"Front": front, "Back": back}, **extra}


def note_of(api: LocalApi, nid: int):  # type: ignore[no-untyped-def]
    return api.col.get_note(nid)


def deck_of(api: LocalApi, nid: int) -> str:
    card = api.col.get_card(api.col.card_ids_of_note(nid)[0])
    return api.col.decks.name(card.did)


def media_dir(api: LocalApi) -> Path:
    return Path(api.col.media.dir())


# --- addNote --------------------------------------------------------------------------


def test_add_note_creates_it(api: LocalApi) -> None:
    api("createDeck", deck="Japanese::Words")
    nid = api(
        "addNote",
        note={
            "deckName": "japanese::words",  # deck names ignore case
            "modelName": "basic",
            "fields": {"front": "猫", "Back": "cat", "Unknown": "ignored"},
            "tags": ["yomichan", "n5"],
        },
    )
    assert isinstance(nid, int)
    note = note_of(api, nid)
    assert (note["Front"], note["Back"]) == ("猫", "cat")
    assert sorted(note.tags) == ["n5", "yomichan"]
    assert deck_of(api, nid) == "Japanese::Words"


def test_add_note_errors(api: LocalApi) -> None:
    assert api.error("addNote", note=basic("x") | {"modelName": "Nope"}) == "model was not found: Nope"
    assert api.error("addNote", note=basic("x", deck="Nope")) == "deck was not found: Nope"
    assert api.error("addNote", note=basic("")) == EMPTY
    assert api.error("addNote", note=basic("<b> </b>")) == EMPTY
    assert api.error("addNote", note={"deckName": "Default", "modelName": "Basic"}) == "'fields'"
    assert api.error("addNote", note=basic("x", options={"allowDuplicate": "yes"})) == (
        'option parameter "allowDuplicate" must be boolean'
    )
    assert api.error(
        "addNote", note=basic("x", options={"duplicateScopeOptions": {"checkChildren": 1}})
    ) == 'option parameter "duplicateScopeOptions.checkChildren" must be boolean'
    assert api.error(
        "addNote", note=basic("x", options={"duplicateScopeOptions": {"checkAllModels": None}})
    ) == 'option parameter "duplicateScopeOptions.checkAllModels" must be boolean'
    # cloze problems are "unknown reason", as upstream
    cloze = {"deckName": "Default", "modelName": "Cloze", "fields": {"Text": "no cloze here"}}
    assert api.error("addNote", note=cloze) == UNKNOWN
    assert api.error("addNote", note=basic("{{c1::in basic}}")) == UNKNOWN
    assert api("findNotes", query="") == []


def test_add_note_duplicates(api: LocalApi) -> None:
    first = api("addNote", note=basic("<i>hello</i>"))
    assert api.error("addNote", note=basic("hello", back="other")) == DUPLICATE
    second = api("addNote", note=basic("hello", options={"allowDuplicate": True}))
    assert second != first
    # another notetype with the same first field is not a duplicate by default
    reversed_note = basic("hello") | {"modelName": "Basic (and reversed card)"}
    assert isinstance(api("addNote", note=reversed_note), int)
    cloze = {"deckName": "Default", "modelName": "Cloze", "fields": {"Text": "{{c1::ok}}"}}
    assert isinstance(api("addNote", note=cloze), int)
    assert api.error("addNote", note=cloze) == DUPLICATE


def test_duplicate_scope_deck(api: LocalApi) -> None:
    for deck in ("A", "A::Child", "B"):
        api("createDeck", deck=deck)
    deck_scope = {"duplicateScope": "deck"}
    api("addNote", note=basic("word", deck="A::Child"))
    # the default scope is the whole collection
    assert api.error("addNote", note=basic("word", deck="B")) == DUPLICATE
    assert isinstance(api("addNote", note=basic("word", deck="B", options=deck_scope)), int)
    assert api.error("addNote", note=basic("word", deck="A::Child", options=deck_scope)) == DUPLICATE
    # the parent alone does not hold it; with checkChildren it does
    assert api("canAddNote", note=basic("word", deck="A", options=deck_scope)) is True
    with_children = deck_scope | {"duplicateScopeOptions": {"checkChildren": True}}
    assert api("canAddNoteWithErrorDetail", note=basic("word", deck="A", options=with_children)) == {
        "canAdd": False,
        "error": DUPLICATE,
    }
    # deckName names the deck to look in; a missing deck means "no duplicate"
    elsewhere = deck_scope | {"duplicateScopeOptions": {"deckName": "a::child"}}
    assert api("canAddNote", note=basic("word", deck="Default", options=elsewhere)) is False
    nowhere = deck_scope | {"duplicateScopeOptions": {"deckName": "No such deck"}}
    assert api("canAddNote", note=basic("word", deck="A::Child", options=nowhere)) is True


def test_duplicate_check_all_models(api: LocalApi) -> None:
    api("addNote", note=basic("shared"))
    other_model = basic("shared") | {"modelName": "Basic (and reversed card)"}
    assert api("canAddNote", note=other_model) is True
    all_models = {"duplicateScopeOptions": {"checkAllModels": True}}
    assert api.error("addNote", note=other_model | {"options": all_models}) == DUPLICATE


def test_deck_scope_whitespace_first_field_bug164(api: LocalApi) -> None:
    note = basic(" Whitespace\n", options={"duplicateScope": "deck"})
    assert isinstance(api("addNote", note=note), int)
    assert api.error("addNote", note=note) == DUPLICATE


# --- addNotes -------------------------------------------------------------------------


def test_add_notes_gives_null_for_each_failure(api: LocalApi) -> None:
    api("addNote", note=basic("existing"))
    result = api(
        "addNotes",
        notes=[
            basic("one"),
            basic("existing"),
            basic(""),
            basic("one"),  # duplicates an earlier note of the same batch
            basic("x", deck="Missing"),
            "not a note",
            basic("two", tags=["t"]),
        ],
    )
    assert [r is None for r in result] == [False, True, True, True, True, True, False]
    assert note_of(api, result[0])["Front"] == "one"
    assert note_of(api, result[6]).tags == ["t"]
    assert len(api("findNotes", query="")) == 3
    assert api.error("addNotes", notes={"a": 1}) == "notes must be a list of note objects"


def test_add_notes_in_batch_duplicates_respect_scope_and_allow(api: LocalApi) -> None:
    api("createDeck", deck="Other")
    deck_scope = {"duplicateScope": "deck"}
    result = api(
        "addNotes",
        notes=[
            basic("w", options=deck_scope),
            basic("w", deck="Other", options=deck_scope),
            basic("w", deck="Other", options=deck_scope),
            basic("w", options={"allowDuplicate": True}),
        ],
    )
    assert [r is None for r in result] == [False, False, True, False]


def test_add_notes_is_batched(api: LocalApi) -> None:
    notes = [basic(f"front {i}") for i in range(1000)]
    started = time.monotonic()
    ids = api("addNotes", notes=notes + [basic("front 5")])
    assert time.monotonic() - started < 5
    assert ids[-1] is None and all(isinstance(i, int) for i in ids[:-1])
    assert api.col.note_count() == 1000


# --- canAdd* --------------------------------------------------------------------------


def test_can_add_variants(api: LocalApi) -> None:
    api("addNote", note=basic("taken"))
    notes = [basic("taken"), basic("free"), basic("free"), basic("x") | {"modelName": "Nope"}]
    assert api("canAddNotes", notes=notes) == [False, True, True, False]
    assert api("canAddNotesWithErrorDetail", notes=notes) == [
        {"canAdd": False, "error": DUPLICATE},
        {"canAdd": True},
        {"canAdd": True},
        {"canAdd": False, "error": "model was not found: Nope"},
    ]
    assert api("canAddNote", note=basic("free")) is True
    assert api("canAddNote", note={"garbage": True}) is False
    assert api("canAddNoteWithErrorDetail", note=basic("")) == {"canAdd": False, "error": EMPTY}
    assert api("canAddNote", note=basic("taken", options={"allowDuplicate": True})) is True
    assert api.col.note_count() == 1  # checking adds nothing


# --- media in notes -------------------------------------------------------------------


def test_add_note_with_media(api: LocalApi, media_server: MediaServer) -> None:
    calls = media_server.watch_main(api)
    picture = base64.b64encode(b"\x89PNG fake").decode()
    nid = api(
        "addNote",
        note=basic(
            "with media",
            audio={"url": media_server.url("/audio.mp3"), "filename": "cat.mp3", "fields": ["Back", "back", "Nope"]},
            picture=[{"data": picture, "filename": "cat.png", "fields": ["Front"]}],
        ),
    )
    note = note_of(api, nid)
    assert note["Back"] == "back[sound:cat.mp3]"  # field names are exact here
    assert note["Front"] == 'with media<img src="cat.png">'
    assert (media_dir(api) / "cat.mp3").read_bytes() == AUDIO
    assert media_server.seen_inside_main == [False]
    assert calls == [1]


def test_media_skip_hash_and_failures(api: LocalApi, media_server: MediaServer) -> None:
    digest = hashlib.md5(AUDIO).hexdigest()
    missing = media_server.url("/missing.mp3")
    nid = api("addNote", note=basic("skip", audio=[
        {"url": media_server.url("/audio.mp3"), "filename": "s.mp3", "skipHash": digest, "fields": ["Back"]},
    ]))
    assert note_of(api, nid)["Back"] == "back"  # skipped: no file, no [sound:]
    assert not any(media_dir(api).iterdir())
    # a failed download fails the note and adds nothing, not even the other files
    before = api("findNotes", query="")
    failing = basic("fails", audio=[
        {"url": media_server.url("/audio.mp3"), "filename": "ok.mp3", "fields": ["Back"]},
        {"url": missing, "filename": "m.mp3", "fields": ["Front"]},
    ])
    assert api.error("addNote", note=failing) == f"{missing} download failed with return code 404"
    assert api("findNotes", query="") == before
    assert not any(media_dir(api).iterdir())
    # in addNotes only that note is refused (null), the others are added
    ids = api("addNotes", notes=[failing, basic("fine")])
    assert ids[0] is None and isinstance(ids[1], int)


def test_add_notes_with_media_downloads_each_url_once(api: LocalApi, media_server: MediaServer) -> None:
    calls = media_server.watch_main(api)
    audio = {"url": media_server.url("/audio.mp3"), "filename": "a.mp3", "fields": ["Back"]}
    ids = api("addNotes", notes=[basic(f"n{i}", audio=audio) for i in range(5)])
    assert all(isinstance(i, int) for i in ids)
    assert media_server.requests == ["/audio.mp3"]
    assert media_server.seen_inside_main == [False]
    assert calls == [1]
    assert note_of(api, ids[4])["Back"] == "back[sound:a.mp3]"


# --- updating -------------------------------------------------------------------------


def test_update_note_fields(api: LocalApi, media_server: MediaServer) -> None:
    nid = api("addNote", note=basic("old front", tags=["keep"]))
    result = api(
        "updateNoteFields",
        note={
            "id": nid,
            "fields": {"Front": "new front", "back": "case matters: ignored"},
            "audio": {"url": media_server.url("/audio.mp3"), "filename": "u.mp3", "fields": ["Back"]},
        },
    )
    assert result is None
    note = note_of(api, nid)
    assert (note["Front"], note["Back"]) == ("new front", "back[sound:u.mp3]")
    assert note.tags == ["keep"]
    assert api.error("updateNoteFields", note={"id": 123, "fields": {}}) == "Note was not found: 123"
    assert api.error("updateNoteFields", note={"id": nid}) == "'fields'"


def test_update_note(api: LocalApi) -> None:
    nid = api("addNote", note=basic("f", tags=["old"]))
    api("updateNote", note={"id": nid, "fields": {"Back": "b2"}, "tags": ["new", "tags"]})
    note = note_of(api, nid)
    assert note["Back"] == "b2" and sorted(note.tags) == ["new", "tags"]
    api("updateNote", note={"id": nid, "tags": "single"})
    assert note_of(api, nid).tags == ["single"]
    assert api.error("updateNote", note={"id": nid}) == 'Must provide a "fields" or "tags" property.'
    assert api.error("updateNote", note={"id": nid, "fields": {"Back": "x"}, "tags": 5}) == (
        "Must provide tags as a list of strings"
    )
    assert note_of(api, nid)["Back"] == "b2"  # nothing changed by the failed call


def test_update_note_model(api: LocalApi) -> None:
    nid = api("addNote", note=basic("front", tags=["t"]))
    api(
        "updateNoteModel",
        note={"id": nid, "modelName": "Basic (and reversed card)", "fields": {"back": "new back"}},
    )
    note = note_of(api, nid)
    assert note.note_type()["name"] == "Basic (and reversed card)"
    assert (note["Front"], note["Back"]) == ("", "new back")
    assert note.tags == []  # tags default to [] and replace the old ones
    assert api.error("updateNoteModel", note={"modelName": "Basic", "fields": {}}) == "Note ID is required"
    assert api.error("updateNoteModel", note={"id": nid, "fields": {}}) == "Model name is required"
    assert api.error("updateNoteModel", note={"id": nid, "modelName": "Basic"}) == (
        "Fields must be provided as a dictionary"
    )
    assert api.error("updateNoteModel", note={"id": nid, "modelName": "Nope", "fields": {}}) == (
        "Model 'Nope' not found"
    )
    assert api.error("updateNoteModel", note={"id": 5, "modelName": "Basic", "fields": {}}) == (
        "Note was not found: 5"
    )


def test_update_and_get_note_tags(api: LocalApi) -> None:
    nid = api("addNote", note=basic("f", tags=["a", "b"]))
    assert sorted(api("getNoteTags", note=nid)) == ["a", "b"]
    assert api("updateNoteTags", note=nid, tags=["c", "d"]) is None
    assert sorted(api("getNoteTags", note=nid)) == ["c", "d"]
    api("updateNoteTags", note=nid, tags="e")
    assert api("getNoteTags", note=nid) == ["e"]
    assert api.error("updateNoteTags", note=nid, tags=[1]) == "Must provide tags as a list of strings"
    assert api.error("getNoteTags", note=42) == "Note was not found: 42"


# --- tags -----------------------------------------------------------------------------


def test_add_remove_get_and_clear_tags(api: LocalApi) -> None:
    ids = api("addNotes", notes=[basic("1"), basic("2")])
    assert api("addTags", notes=ids, tags="european-languages idioms") is None
    assert sorted(api("getNoteTags", note=ids[1])) == ["european-languages", "idioms"]
    assert api("getTags") == ["european-languages", "idioms"]
    api("removeTags", notes=ids, tags="idioms")
    assert api("getNoteTags", note=ids[0]) == ["european-languages"]
    api("addTags", notes=[ids[0]], tags="european-languages", add=False)
    assert api("getNoteTags", note=ids[0]) == []
    assert "idioms" in api("getTags")
    assert api("clearUnusedTags") is None
    assert api("getTags") == ["european-languages"]
    assert api.error("addTags", notes=ids, tags=["x"]) == "tags must be a space-separated string"
    assert api.error("removeTags", notes=["1"], tags="x") == "notes must be a list of note ids"


def test_tag_actions_take_a_note_id_given_twice(api: LocalApi) -> None:
    ids = api("addNotes", notes=[basic("1"), basic("2")])
    twice = [ids[0], ids[1], ids[0]]
    assert api("addTags", notes=twice, tags="a b") is None
    assert api("replaceTags", notes=twice, tag_to_replace="a", replace_with_tag="c") is None
    assert api("removeTags", notes=twice, tags="b") is None
    assert [api("getNoteTags", note=each) for each in ids] == [["c"], ["c"]]


def test_replace_tags(api: LocalApi) -> None:
    ids = api(
        "addNotes",
        notes=[basic("1", tags=["c++", "c++x"]), basic("2", tags=["C++"]), basic("3", tags=["c++"])],
    )
    assert api("replaceTags", notes=ids[:2] + [999], tag_to_replace="c++", replace_with_tag="cpp$1") is None
    assert sorted(api("getNoteTags", note=ids[0])) == ["c++x", "cpp$1"]
    assert api("getNoteTags", note=ids[1]) == ["cpp$1"]
    assert api("getNoteTags", note=ids[2]) == ["c++"]
    assert api("replaceTagsInAllNotes", tag_to_replace="cpp$1", replace_with_tag="lang::cpp") is None
    assert sorted(api("getNoteTags", note=ids[0])) == ["c++x", "lang::cpp"]
    assert api("getNoteTags", note=ids[1]) == ["lang::cpp"]


#: ankiconnect_ws.actions._checks.MAX_TAG_DEPTH
MAX_TAG_DEPTH = 100


def test_tags_nested_too_deeply_for_the_browser_are_refused(api: LocalApi) -> None:
    """Anki's Browser sidebar cannot show a tag of more than 100 levels (an error box at
    each opening; 60,000 levels crash Anki whenever a Browser opens). Such tags are
    refused wherever a tag can be set, and nothing changes."""
    deepest = "::".join(["t"] * MAX_TAG_DEPTH)
    nid = api("addNote", note=basic("f", tags=[deepest]))
    assert api.col.tags.tree().children  # the sidebar's tree still loads
    too_deep = deepest + "::t"
    error = f"tag nested more than {MAX_TAG_DEPTH} levels deep: {too_deep[:80]}..."
    assert api.error("addNote", note=basic("g", tags=["ok", too_deep])) == error
    assert api("addNotes", notes=[basic("g", tags=too_deep)]) == [None]
    assert api.error("updateNoteTags", note=nid, tags=[too_deep]) == error
    assert api.error("updateNote", note={"id": nid, "fields": {}, "tags": ["x", too_deep]}) == error
    assert api.error("addTags", notes=[nid], tags="ok " + too_deep) == error
    assert api.error("replaceTags", notes=[nid], tag_to_replace=deepest, replace_with_tag=too_deep) == error
    assert api.error("replaceTagsInAllNotes", tag_to_replace=deepest, replace_with_tag=too_deep) == error
    assert api("getNoteTags", note=nid) == [deepest]
    assert api("findNotes", query="") == [nid]
    api.col.tags.tree()


# --- finding and reading --------------------------------------------------------------


def test_find_notes(api: LocalApi) -> None:
    ids = api("addNotes", notes=[basic("apple", tags=["fruit"]), basic("carrot")])
    assert api("findNotes") == []
    assert api("findNotes", query=None) == []
    assert sorted(api("findNotes", query="")) == sorted(ids)
    assert api("findNotes", query="tag:fruit") == [ids[0]]
    assert "Invalid search" in api.error("findNotes", query="deck:(")


def test_notes_info(api: LocalApi) -> None:
    reversed_note = basic("front", tags=["b", "a"]) | {"modelName": "Basic (and reversed card)"}
    nid = api("addNote", note=reversed_note)
    info = api("notesInfo", notes=[nid, 12345])
    assert info[1] == {}
    entry = info[0]
    cards = sorted(api.col.card_ids_of_note(nid), key=lambda c: api.col.get_card(c).ord)
    assert entry == {
        "noteId": nid,
        "profile": entry["profile"],
        "tags": ["a", "b"],
        "fields": {"Front": {"value": "front", "order": 0}, "Back": {"value": "back", "order": 1}},
        "modelName": "Basic (and reversed card)",
        "mod": note_of(api, nid).mod,
        "cards": cards,
    }
    assert isinstance(entry["profile"], str) and entry["profile"]
    assert len(cards) == 2
    # query wins over notes
    assert [e["noteId"] for e in api("notesInfo", notes=[12345], query=f"nid:{nid}")] == [nid]
    assert api.error("notesInfo") == 'Must provide either "notes" or a "query"'


def test_notes_mod_time(api: LocalApi) -> None:
    nid = api("addNote", note=basic("m"))
    assert api("notesModTime", notes=[nid, 1]) == [{"noteId": nid, "mod": note_of(api, nid).mod}, {}]


# --- deleting -------------------------------------------------------------------------


def test_delete_notes(api: LocalApi) -> None:
    ids = api("addNotes", notes=[basic("1"), basic("2")])
    assert api("deleteNotes", notes=[ids[0]]) is None
    assert api("findNotes", query="") == [ids[1]]
    assert api.error("deleteNotes", notes="all") == "notes must be a list of note ids"


def test_remove_empty_notes_deletes_empty_notes_only(api: LocalApi) -> None:
    keep, empty = api("addNotes", notes=[basic("keep"), basic("soon empty")])
    note = note_of(api, empty)
    note["Front"] = ""
    api.col.update_note(note)
    models_before = api.col.models.all_names_and_ids()
    assert api("removeEmptyNotes") is None
    assert api("findNotes", query="") == [keep]
    assert api.col.models.all_names_and_ids() == models_before


@pytest.mark.parametrize("action", ["addNote", "canAddNote"])
def test_note_must_be_an_object(api: LocalApi, action: str) -> None:
    reply = api.envelope(action, note=[1])
    if action == "addNote":
        assert reply["error"] == "note must be an object: [1]"
    else:
        assert reply == {"result": False, "error": None}


# --- GUI refresh (the part that runs only inside Anki; checked here with stand-ins) ----


class _LegacyEditor:
    def __init__(self, note) -> None:  # type: ignore[no-untyped-def]
        self.note = note
        self.shown: list[str] = []

    def set_note(self, note) -> None:  # type: ignore[no-untyped-def]
        self.note = note
        self.shown.append(note["Front"])


class _Window:
    def __init__(self, editor: _LegacyEditor) -> None:
        self.editor = editor


def test_update_refreshes_open_editors(api: LocalApi) -> None:
    aqt = pytest.importorskip("aqt")
    nid = api("addNote", note=basic("before"))
    other = api("addNote", note=basic("other"))
    showing, elsewhere = _LegacyEditor(note_of(api, nid)), _LegacyEditor(note_of(api, other))
    fired: list[Any] = []

    def on_op(changes: Any, handler: Any) -> None:
        fired.append(changes)

    saved = dict(aqt.dialogs._dialogs)
    aqt.dialogs._dialogs["TestEdit"] = [_Window, _Window(showing)]
    aqt.dialogs._dialogs["TestOther"] = [_Window, _Window(elsewhere)]
    aqt.gui_hooks.operation_did_execute.append(on_op)
    api.rewire(mw=object())
    try:
        api("updateNoteFields", note={"id": nid, "fields": {"Front": "after"}})
    finally:
        api.rewire(mw=None)
        aqt.gui_hooks.operation_did_execute.remove(on_op)
        aqt.dialogs._dialogs.clear()
        aqt.dialogs._dialogs.update(saved)
    assert showing.shown == ["after"]
    assert elsewhere.shown == []
    assert len(fired) == 1 and fired[0].note_text
