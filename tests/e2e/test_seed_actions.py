"""Every non-GUI action of the founding README (spec/ankiconnect-v6-seed.md) against the
real Anki, over real HTTP and over the WebSocket.

Each test sends the seed's own sample request, adapted only where ids or names must come
from earlier calls (every test makes its own decks, notes and files, named uniquely), then
reads the change back through other actions. Not here: upgrade (removed upstream), sync,
loadProfile and the gui* actions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..support.http_files import FileServer
from bench.anki_process import AnkiProcess
from ..support.messages import missing, unexpected

DUPLICATE = "cannot create note because it is a duplicate"
#: the skipHash of the seed's addNote sample (a stub file of the site it downloads from)
SEED_SKIP_HASH = "7e2c2f954ef6051373ba916f000168dc"
#: what the local media server answers for any audio path
AUDIO = b"ID3\x03\x00 fake mp3 frames " + bytes(range(256)) * 4
HELLO_B64 = "SGVsbG8sIHdvcmxkIQ=="  # the seed's storeMediaFile data: "Hello, world!"


def unique() -> str:
    return uuid.uuid4().hex[:10]


# --- a local HTTP server for audio downloads ---------------------------------------------


class MediaServer(FileServer):
    """Serves AUDIO for any path under /audio/ (query strings included), 404 otherwise."""

    def __init__(self) -> None:
        super().__init__(lambda path: AUDIO if path.startswith("/audio/") else None)


@pytest.fixture(scope="module")
def media_server() -> Iterator[MediaServer]:
    with MediaServer() as server:
        yield server


# --- building what the samples need ------------------------------------------------------


class World:
    """Makes uniquely named decks, notes and files in the shared Anki."""

    def __init__(self, anki: AnkiProcess, server: MediaServer) -> None:
        self.anki = anki
        self.server = server

    def deck(self, label: str = "Seed") -> str:
        name = f"{label} {unique()}"
        self.anki("createDeck", deck=name)
        return name

    def note(self, deck: str, front: str | None = None, model: str = "Basic",
             tags: list[str] | None = None, back: str = "back content") -> int:
        note = {
            "deckName": deck,
            "modelName": model,
            "fields": {"Front": front or f"front {unique()}", "Back": back},
            "tags": tags or [],
        }
        return self.anki("addNote", note=note)

    def cards(self, nid: int) -> list[int]:
        return self.anki("notesInfo", notes=[nid])[0]["cards"]

    def card(self, deck: str) -> int:
        return self.cards(self.note(deck))[0]

    def answered(self, deck: str, ease: int) -> int:
        cid = self.card(deck)
        assert self.anki("answerCards", answers=[{"cardId": cid, "ease": ease}]) == [True]
        return cid

    def audio_url(self) -> str:
        # the seed's URL shape, non-ASCII query included
        return self.server.url(f"/audio/{unique()}/audiomp3.php?kanji=猫&kana=ねこ")


@pytest.fixture
def world(anki: AnkiProcess, media_server: MediaServer) -> World:
    return World(anki, media_server)


def note_info(anki: AnkiProcess, nid: int) -> dict[str, Any]:
    return anki("notesInfo", notes=[nid])[0]


def fields_of(anki: AnkiProcess, nid: int) -> dict[str, str]:
    return {name: f["value"] for name, f in note_info(anki, nid)["fields"].items()}


def deck_of_card(anki: AnkiProcess, cid: int) -> str:
    return anki("cardsInfo", cards=[cid])[0]["deckName"]


def seed_note(deck: str, front: str, audio: dict[str, Any] | None = None,
              options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The seed's addNote note object, in our deck and with our first field."""
    note: dict[str, Any] = {
        "deckName": deck,
        "modelName": "Basic",
        "fields": {"Front": front, "Back": "back content"},
        "tags": ["yomichan"],
    }
    if options is not None:
        note["options"] = options
    if audio is not None:
        note["audio"] = audio
    return note


# --- the seed requests, shared by the HTTP tests and the WebSocket comparison -----------


def seed_multi(world: World) -> dict[str, Any]:
    return {"actions": [{"action": "deckNames"}, {"action": "browse", "params": {"query": "deck:current"}}]}


def seed_get_decks(world: World) -> dict[str, Any]:
    n3 = world.deck("Japanese") + "::JLPT N3"
    home = world.deck()
    world.anki("createDeck", deck=n3)
    return {"cards": [world.card(n3), world.card(n3), world.card(home)]}


def seed_change_deck(world: World) -> dict[str, Any]:
    source = world.deck()
    cards = [world.card(source), world.card(source), world.card(source)]
    return {"cards": cards, "deck": f"Japanese {unique()}::JLPT N3"}


def seed_delete_decks(world: World) -> dict[str, Any]:
    n5 = world.deck("Japanese") + "::JLPT N5"
    spanish = world.deck("Easy Spanish")
    world.anki("createDeck", deck=n5)
    world.note(n5)
    world.note(spanish)
    return {"decks": [n5, spanish], "cardsToo": True}


#: the seed's saveDeckConfig sample config (its id and name are replaced by a fresh group)
SEED_CONFIG: dict[str, Any] = {
    "lapse": {"leechFails": 8, "delays": [10], "minInt": 1, "leechAction": 0, "mult": 0},
    "dyn": False, "autoplay": True, "mod": 1502970872, "id": 1, "maxTaken": 60,
    "new": {"bury": True, "order": 1, "initialFactor": 2500, "perDay": 20, "delays": [1, 10],
            "separate": True, "ints": [1, 4, 7]},
    "name": "Default",
    "rev": {"bury": True, "ivlFct": 1, "ease4": 1.3, "maxIvl": 36500, "perDay": 100,
            "minSpace": 1, "fuzz": 0.05},
    "timer": 0, "replayq": True, "usn": -1,
}


def seed_save_deck_config(world: World) -> dict[str, Any]:
    name = f"Copy of Default {unique()}"
    group = world.anki("cloneDeckConfigId", name=name, cloneFrom=1)
    return {"config": {**SEED_CONFIG, "id": group, "name": name}}


def seed_clone_deck_config(world: World) -> dict[str, Any]:
    return {"name": f"Copy of Default {unique()}", "cloneFrom": 1}


def seed_remove_deck_config(world: World) -> dict[str, Any]:
    return {"configId": world.anki("cloneDeckConfigId", **seed_clone_deck_config(world))}


def seed_create_new_model(world: World) -> dict[str, Any]:
    return {
        "modelName": f"newModelName {unique()}",
        "inOrderFields": ["Field1", "Field2", "Field3"],
        "css": "Optional CSS with default to builtin css",
        "cardTemplates": [{"Front": "Front html {{Field1}}", "Back": "Back html {{Field2}}"}],
    }


def seed_add_note(world: World) -> dict[str, Any]:
    audio = {"url": world.audio_url(), "filename": f"yomichan_ねこ_猫 {unique()}.mp3",
             "skipHash": SEED_SKIP_HASH, "fields": ["Front"]}
    return {"note": seed_note(world.deck(), f"front content {unique()}", audio, {"allowDuplicate": False})}


def seed_add_notes(world: World) -> dict[str, Any]:
    """The seed's note twice: the second duplicates the first (the sample result shows a
    null). Its audio is the same file, so the first fields, [sound:] included, are equal."""
    note = seed_add_note(world)["note"]
    del note["options"]
    return {"notes": [note, dict(note)]}


def seed_can_add_notes(world: World) -> dict[str, Any]:
    return {"notes": [seed_note(world.deck(), f"front content {unique()}")]}


def seed_update_note_fields(world: World) -> dict[str, Any]:
    nid = world.note(world.deck())
    return {"note": {"id": nid, "fields": {"Front": f"new front content {unique()}", "Back": "new back content"}}}


def seed_tags(world: World) -> dict[str, Any]:
    deck = world.deck()
    tag = f"european-languages-{unique()}"
    return {"notes": [world.note(deck, tags=[tag]), world.note(deck)], "tags": tag}


def seed_notes_info(world: World) -> dict[str, Any]:
    return {"notes": [world.note(world.deck(), tags=["tag", "another_tag"])]}


def seed_delete_notes(world: World) -> dict[str, Any]:
    return {"notes": [world.note(world.deck())]}


def seed_two_cards(world: World) -> dict[str, Any]:
    deck = world.deck()
    return {"cards": [world.card(deck), world.card(deck)]}


def seed_suspended_pair(world: World) -> dict[str, Any]:
    pair = seed_two_cards(world)
    world.anki("suspend", cards=pair["cards"])
    return pair


def seed_are_suspended(world: World) -> dict[str, Any]:
    pair = seed_two_cards(world)
    world.anki("suspend", cards=pair["cards"][1:])
    return pair  # the sample result: [false, true]


def seed_are_due(world: World) -> dict[str, Any]:
    deck = world.deck()
    return {"cards": [world.answered(deck, 4), world.card(deck)]}  # [false, true]


def seed_intervals(world: World, complete: bool = False) -> dict[str, Any]:
    deck = world.deck()
    params: dict[str, Any] = {"cards": [world.answered(deck, 1), world.answered(deck, 4)]}
    if complete:
        params["complete"] = True
    return params


def seed_cards_to_notes(world: World) -> dict[str, Any]:
    deck = world.deck()
    reversed_cards = world.cards(world.note(deck, model="Basic (and reversed card)"))
    return {"cards": [*reversed_cards, world.card(deck)]}


def seed_store_media(world: World) -> dict[str, Any]:
    return {"filename": f"_hello {unique()}.txt", "data": HELLO_B64}


def seed_stored_media(world: World) -> dict[str, Any]:
    params = seed_store_media(world)
    world.anki("storeMediaFile", **params)
    return {"filename": params["filename"]}


# --- Miscellaneous --------------------------------------------------------------------


def test_version(anki: AnkiProcess) -> None:
    assert anki.request({"action": "version", "version": 6}) == {"result": 6, "error": None}
    assert anki.error("version", foo=1) == unexpected("version", "foo")


def test_multi_sample_with_its_nonexistent_browse_action(anki: AnkiProcess, world: World) -> None:
    deck = world.deck()
    reply = anki.request({"action": "multi", "version": 6, "params": seed_multi(world)})
    assert reply["error"] is None
    names, browse = reply["result"]
    assert deck in names and names == anki("deckNames")  # no version: the bare v4 result
    assert browse == {"result": None, "error": "unsupported action"}
    assert anki.error("multi") == missing("multi", "actions")


# --- Decks -------------------------------------------------------------------------------


def test_deck_names(anki: AnkiProcess, world: World) -> None:
    deck = world.deck()
    reply = anki.request({"action": "deckNames", "version": 6})
    assert reply["error"] is None
    assert "Default" in reply["result"] and deck in reply["result"]
    assert all(isinstance(name, str) for name in reply["result"])
    assert anki.error("deckNames", foo=1) == unexpected("deckNames", "foo")


def test_deck_names_and_ids(anki: AnkiProcess) -> None:
    name = f"Seed {unique()}"
    deck_id = anki("createDeck", deck=name)
    reply = anki.request({"action": "deckNamesAndIds", "version": 6})
    assert reply["error"] is None
    assert reply["result"]["Default"] == 1
    assert reply["result"][name] == deck_id
    assert set(reply["result"]) == set(anki("deckNames"))
    assert anki.error("deckNamesAndIds", foo=1) == unexpected("deckNamesAndIds", "foo")


def test_get_decks(anki: AnkiProcess, world: World) -> None:
    params = seed_get_decks(world)
    first, second, third = params["cards"]
    result = anki("getDecks", **params)
    decks = {deck_of_card(anki, cid) for cid in params["cards"]}
    assert len(decks) == 2
    n3 = deck_of_card(anki, first)
    assert n3.endswith("::JLPT N3")
    assert result == {n3: [first, second], deck_of_card(anki, third): [third]}
    assert anki.error("getDecks") == missing("getDecks", "cards")


def test_create_deck(anki: AnkiProcess) -> None:
    parent = f"Japanese {unique()}"
    deck_id = anki("createDeck", deck=f"{parent}::Tokyo")
    assert isinstance(deck_id, int) and not isinstance(deck_id, bool)
    ids = anki("deckNamesAndIds")
    assert ids[f"{parent}::Tokyo"] == deck_id and parent in ids  # parent created too
    assert anki("createDeck", deck=f"{parent}::Tokyo") == deck_id  # never overwritten
    assert anki.error("createDeck") == missing("createDeck", "deck")


def test_change_deck_creates_the_target(anki: AnkiProcess, world: World) -> None:
    params = seed_change_deck(world)
    assert params["deck"] not in anki("deckNames")
    assert anki("changeDeck", **params) is None
    assert params["deck"] in anki("deckNames")
    assert anki("getDecks", cards=params["cards"]) == {params["deck"]: params["cards"]}
    assert anki.error("changeDeck", cards=params["cards"]) == missing("changeDeck", "deck")


def test_delete_decks_with_their_cards(anki: AnkiProcess, world: World) -> None:
    params = seed_delete_decks(world)
    n5, spanish = params["decks"]
    notes = [*anki("findNotes", query=f'"deck:{n5}"'), *anki("findNotes", query=f'"deck:{spanish}"')]
    assert len(notes) == 2
    assert anki("deleteDecks", **params) is None
    names = anki("deckNames")
    assert n5 not in names and spanish not in names
    assert n5.split("::")[0] in names  # only the named deck goes, not its parent
    assert anki("notesInfo", notes=notes) == [{}, {}]
    assert anki.error("deleteDecks", cardsToo=True) == missing("deleteDecks", "decks")


def test_delete_decks_without_cards_too_moves_them_to_default(anki: AnkiProcess, world: World) -> None:
    # the seed: "otherwise they will be moved to the default deck"
    deck = world.deck()
    nid = world.note(deck)
    assert anki("deleteDecks", decks=[deck]) is None
    assert deck not in anki("deckNames")
    cid = world.cards(nid)[0]
    assert deck_of_card(anki, cid) == "Default"
    anki("deleteNotes", notes=[nid])  # leave Default as it was


def test_get_deck_config(anki: AnkiProcess) -> None:
    config = anki("getDeckConfig", deck="Default")
    assert config["id"] == 1 and config["dyn"] is False
    assert {"lapse", "new", "rev", "name", "maxTaken", "autoplay", "timer", "replayq", "mod", "usn"} <= set(config)
    assert isinstance(config["new"]["perDay"], int) and isinstance(config["lapse"]["leechFails"], int)
    assert anki("getDeckConfig", deck=f"No deck {unique()}") is False
    assert anki("getDeckConfig", deck="default") is False  # exact name match, as upstream
    assert anki.error("getDeckConfig") == missing("getDeckConfig", "deck")


def test_save_deck_config(anki: AnkiProcess, world: World) -> None:
    params = seed_save_deck_config(world)
    group = params["config"]["id"]
    deck = world.deck()
    assert anki("setDeckConfigId", decks=[deck], configId=group) is True
    assert anki("getDeckConfig", deck=deck)["new"]["perDay"] == 20
    params["config"]["new"]["perDay"] = 33
    params["config"]["rev"]["maxIvl"] = 3650
    assert anki("saveDeckConfig", **params) is True
    saved = anki("getDeckConfig", deck=deck)
    assert saved["id"] == group and saved["name"] == params["config"]["name"]
    assert saved["new"]["perDay"] == 33 and saved["rev"]["maxIvl"] == 3650
    assert saved["mod"] != SEED_CONFIG["mod"]  # the save stamps it
    assert anki("getDeckConfig", deck="Default")["id"] == 1
    # an id that is no group: false, and no group is created under it
    bogus = {**params["config"], "id": 4242424242, "name": f"bogus {unique()}"}
    assert anki("saveDeckConfig", config=bogus) is False
    assert anki("cloneDeckConfigId", name="x", cloneFrom=4242424242) is False
    no_id = {k: v for k, v in params["config"].items() if k != "id"}
    assert anki.error("saveDeckConfig", config=no_id) == "'id'"


def test_set_deck_config_id(anki: AnkiProcess, world: World) -> None:
    # the sample exactly: Default already uses group 1
    assert anki.request({"action": "setDeckConfigId", "version": 6,
                         "params": {"decks": ["Default"], "configId": 1}}) == {"result": True, "error": None}
    assert anki("getDeckConfig", deck="Default")["id"] == 1
    deck = world.deck()
    group = anki("cloneDeckConfigId", **seed_clone_deck_config(world))
    assert anki("setDeckConfigId", decks=[deck], configId=group) is True
    assert anki("getDeckConfig", deck=deck)["id"] == group
    # a missing group or deck: false, and nothing changes (the seed's promise)
    assert anki("setDeckConfigId", decks=[deck], configId=4242424242) is False
    assert anki("setDeckConfigId", decks=[deck, f"No deck {unique()}"], configId=1) is False
    assert anki("getDeckConfig", deck=deck)["id"] == group
    assert anki.error("setDeckConfigId", decks=[deck]) == missing("setDeckConfigId", "configId")


def test_clone_deck_config_id(anki: AnkiProcess, world: World) -> None:
    params = seed_clone_deck_config(world)
    group = anki("cloneDeckConfigId", **params)
    assert isinstance(group, int) and not isinstance(group, bool) and group != 1
    deck = world.deck()
    assert anki("setDeckConfigId", decks=[deck], configId=group) is True
    clone, source = anki("getDeckConfig", deck=deck), anki("getDeckConfig", deck="Default")
    assert clone["name"] == params["name"] and clone["id"] == group
    assert clone["new"] == source["new"] and clone["rev"] == source["rev"]
    assert anki("cloneDeckConfigId", name=f"x {unique()}", cloneFrom=4242424242) is False
    assert anki.error("cloneDeckConfigId") == missing("cloneDeckConfigId", "name")


def test_remove_deck_config_id(anki: AnkiProcess, world: World) -> None:
    params = seed_remove_deck_config(world)
    deck = world.deck()
    assert anki("setDeckConfigId", decks=[deck], configId=params["configId"]) is True
    assert anki("removeDeckConfigId", **params) is True
    assert anki("getDeckConfig", deck=deck)["id"] == 1  # its decks fall back to the default group
    assert anki("setDeckConfigId", decks=[deck], configId=params["configId"]) is False  # gone
    assert anki("removeDeckConfigId", **params) is False
    assert anki("removeDeckConfigId", configId=1) is False  # the seed: never the default group
    assert anki("getDeckConfig", deck="Default")["id"] == 1
    assert anki.error("removeDeckConfigId") == missing("removeDeckConfigId", "configId")


# --- Models --------------------------------------------------------------------------


def test_model_names(anki: AnkiProcess, world: World) -> None:
    reply = anki.request({"action": "modelNames", "version": 6})
    assert reply["error"] is None
    assert {"Basic", "Basic (and reversed card)"} <= set(reply["result"])
    created = anki("createNewModel", **seed_create_new_model(world))["name"]
    assert created not in reply["result"] and created in anki("modelNames")
    assert anki.error("modelNames", foo=1) == unexpected("modelNames", "foo")


def test_model_names_and_ids(anki: AnkiProcess, world: World) -> None:
    model = anki("createNewModel", **seed_create_new_model(world))
    ids = anki("modelNamesAndIds")
    assert {"Basic", "Basic (and reversed card)", "Basic (optional reversed card)", "Cloze"} <= set(ids)
    assert all(isinstance(i, int) for i in ids.values())
    assert ids[model["name"]] == int(model["id"])
    assert set(ids) == set(anki("modelNames"))
    assert anki.error("modelNamesAndIds", foo=1) == unexpected("modelNamesAndIds", "foo")


def test_model_field_names(anki: AnkiProcess) -> None:
    assert anki.request({"action": "modelFieldNames", "version": 6, "params": {"modelName": "Basic"}}) == {
        "result": ["Front", "Back"], "error": None,
    }
    assert anki.error("modelFieldNames", modelName="No such model") == "model was not found: No such model"
    assert anki.error("modelFieldNames") == missing("modelFieldNames", "modelName")


def test_model_fields_on_templates(anki: AnkiProcess) -> None:
    reply = anki.request({"action": "modelFieldsOnTemplates", "version": 6,
                          "params": {"modelName": "Basic (and reversed card)"}})
    assert reply == {"result": {"Card 1": [["Front"], ["Back"]], "Card 2": [["Back"], ["Front"]]}, "error": None}
    assert anki.error("modelFieldsOnTemplates", modelName="Nope") == "model was not found: Nope"


def test_create_new_model(anki: AnkiProcess, world: World) -> None:
    params = seed_create_new_model(world)
    model = anki("createNewModel", **params)
    assert model["name"] == params["modelName"]
    assert int(model["id"]) == anki("modelNamesAndIds")[params["modelName"]]
    assert [f["name"] for f in model["flds"]] == ["Field1", "Field2", "Field3"]
    assert [f["ord"] for f in model["flds"]] == [0, 1, 2]
    assert [(t["name"], t["qfmt"], t["afmt"]) for t in model["tmpls"]] == [
        ("Card 1", "Front html {{Field1}}", "Back html {{Field2}}")
    ]
    assert model["css"] == params["css"] and model["type"] == 0
    assert {"sortf", "did", "latexPre", "latexPost", "mod", "usn", "req"} <= set(model)
    # read back through other actions, and usable for notes
    assert anki("modelFieldNames", modelName=params["modelName"]) == ["Field1", "Field2", "Field3"]
    assert anki("modelFieldsOnTemplates", modelName=params["modelName"]) == {"Card 1": [["Field1"], ["Field2"]]}
    deck = world.deck()
    nid = anki("addNote", note={"deckName": deck, "modelName": params["modelName"],
                                "fields": {"Field1": "one", "Field2": "two"}})
    assert fields_of(anki, nid) == {"Field1": "one", "Field2": "two", "Field3": ""}
    # errors
    assert anki.error("createNewModel", **params) == "Model name already exists"
    assert anki.error("createNewModel", **{**params, "modelName": f"m {unique()}", "inOrderFields": []}) == (
        "Must provide at least one field for inOrderFields"
    )
    assert anki.error("createNewModel", **{**params, "modelName": f"m {unique()}", "cardTemplates": []}) == (
        "Must provide at least one card for cardTemplates"
    )
    assert "missing 1 required positional argument: 'cardTemplates'" in anki.error(
        "createNewModel", modelName=f"m {unique()}", inOrderFields=["A"]
    )


# --- Notes -----------------------------------------------------------------------------


def test_add_note(anki: AnkiProcess, world: World) -> None:
    params = seed_add_note(world)
    note, audio = params["note"], params["note"]["audio"]
    nid = anki("addNote", **params)
    assert isinstance(nid, int) and not isinstance(nid, bool)
    info = note_info(anki, nid)
    assert info["modelName"] == "Basic" and info["tags"] == ["yomichan"]
    assert fields_of(anki, nid) == {
        "Front": f"{note['fields']['Front']}[sound:{audio['filename']}]",  # the served bytes differ from skipHash
        "Back": "back content",
    }
    assert deck_of_card(anki, info["cards"][0]) == note["deckName"]
    assert anki("retrieveMediaFile", filename=audio["filename"]) == base64.b64encode(AUDIO).decode()
    assert anki("findNotes", query=f'"deck:{note["deckName"]}"') == [nid]


def test_add_note_errors(anki: AnkiProcess, world: World) -> None:
    deck = world.deck()
    front = f"front content {unique()}"
    assert anki.error("addNote", note={**seed_note(deck, front), "modelName": "No model"}) == (
        "model was not found: No model"
    )
    lost = f"No deck {unique()}"
    assert anki.error("addNote", note=seed_note(lost, front)) == f"deck was not found: {lost}"
    assert lost not in anki("deckNames")
    assert anki.error("addNote", note=seed_note(deck, "")) == "cannot create note because it is empty"
    world.note(deck, front)
    assert anki.error("addNote", note=seed_note(deck, front, options={"allowDuplicate": False})) == DUPLICATE
    assert anki.error("addNote", note=seed_note(deck, "x", options={"allowDuplicate": "no"})) == (
        'option parameter "allowDuplicate" must be boolean'
    )
    assert len(anki("findNotes", query=f'"deck:{deck}"')) == 1  # only the first one
    assert anki.error("addNote") == missing("addNote", "note")


def test_add_notes_gives_null_for_a_note_that_cannot_be_added(anki: AnkiProcess, world: World) -> None:
    params = seed_add_notes(world)
    first = params["notes"][0]
    ids = anki("addNotes", **params)
    assert len(ids) == 2 and isinstance(ids[0], int) and ids[1] is None  # the seed's [id, null]
    assert anki("findNotes", query=f'"deck:{first["deckName"]}"') == [ids[0]]
    assert fields_of(anki, ids[0])["Front"].endswith(f"[sound:{first['audio']['filename']}]")
    bad = [seed_note(first["deckName"], f"ok {unique()}"), {**first, "modelName": "No model"}]
    result = anki("addNotes", notes=bad)
    assert isinstance(result[0], int) and result[1] is None
    assert anki.error("addNotes") == missing("addNotes", "notes")


def test_can_add_notes(anki: AnkiProcess, world: World) -> None:
    params = seed_can_add_notes(world)
    (note,) = params["notes"]
    assert anki.request({"action": "canAddNotes", "version": 6, "params": params}) == {"result": [True], "error": None}
    assert anki("findNotes", query=f'"deck:{note["deckName"]}"') == []  # nothing added
    anki("addNote", note=note)
    assert anki("canAddNotes", **params) == [False]
    mixed = [note, {**note, "modelName": "No model"}, seed_note(note["deckName"], f"new {unique()}")]
    assert anki("canAddNotes", notes=mixed) == [False, False, True]
    assert anki.error("canAddNotes") == missing("canAddNotes", "notes")


def test_update_note_fields(anki: AnkiProcess, world: World) -> None:
    params = seed_update_note_fields(world)
    nid = params["note"]["id"]
    assert anki("updateNoteFields", **params) is None
    assert fields_of(anki, nid) == params["note"]["fields"]
    assert anki.error("updateNoteFields", note={**params["note"], "id": 1}) == "Note was not found: 1"
    assert anki.error("updateNoteFields", note={"id": nid}) == "'fields'"
    assert fields_of(anki, nid) == params["note"]["fields"]


def test_add_tags(anki: AnkiProcess, world: World) -> None:
    params = seed_tags(world)
    tag = params["tags"]
    assert [info["tags"] for info in anki("notesInfo", notes=params["notes"])] == [[tag], []]
    assert anki("addTags", **params) is None
    assert [info["tags"] for info in anki("notesInfo", notes=params["notes"])] == [[tag], [tag]]  # once each
    assert tag in anki("getTags")
    assert anki.error("addTags", notes=params["notes"]) == missing("addTags", "tags")
    assert anki.error("addTags", notes=params["notes"], tags=[tag]) == "tags must be a space-separated string"


def test_remove_tags(anki: AnkiProcess, world: World) -> None:
    params = seed_tags(world)
    anki("addTags", **params)
    assert anki("removeTags", **params) is None
    assert [info["tags"] for info in anki("notesInfo", notes=params["notes"])] == [[], []]
    assert anki.error("removeTags", notes=params["notes"]) == missing("removeTags", "tags")


def test_get_tags(anki: AnkiProcess, world: World) -> None:
    tag = f"idioms-{unique()}"
    assert tag not in anki("getTags")
    world.note(world.deck(), tags=[tag])
    reply = anki.request({"action": "getTags", "version": 6})
    assert reply["error"] is None and tag in reply["result"]
    assert all(isinstance(t, str) for t in reply["result"])
    assert anki.error("getTags", foo=1) == unexpected("getTags", "foo")


def test_find_notes(anki: AnkiProcess, world: World) -> None:
    current = anki("findNotes", query="deck:current")
    assert all(isinstance(nid, int) for nid in current)
    # the same notes as the current deck's cards belong to
    assert sorted(current) == sorted(anki("cardsToNotes", cards=anki("findCards", query="deck:current")))
    deck = world.deck()
    nids = [world.note(deck), world.note(deck)]
    assert sorted(anki("findNotes", query=f'"deck:{deck}"')) == sorted(nids)
    assert anki("findNotes") == []
    assert "Invalid search:" in anki.error("findNotes", query="(")  # Anki's own text (HTML before 25.02)
    assert anki.error("findNotes", foo=1) == unexpected("findNotes", "foo")


def test_notes_info(anki: AnkiProcess, world: World) -> None:
    params = seed_notes_info(world)
    (nid,) = params["notes"]
    (info,) = anki("notesInfo", **params)
    assert set(info) == {"noteId", "profile", "tags", "fields", "modelName", "mod", "cards"}
    assert info["noteId"] == nid and info["modelName"] == "Basic" and info["profile"] == "User 1"
    assert sorted(info["tags"]) == ["another_tag", "tag"]
    assert info["fields"]["Back"] == {"value": "back content", "order": 1}
    assert info["fields"]["Front"]["order"] == 0
    assert anki("cardsToNotes", cards=info["cards"]) == [nid] and len(info["cards"]) == 1
    assert anki("notesInfo", notes=[nid, 1]) == [info, {}]
    assert anki.error("notesInfo") == 'Must provide either "notes" or a "query"'


def test_delete_notes(anki: AnkiProcess, world: World) -> None:
    params = seed_delete_notes(world)
    cards = world.cards(params["notes"][0])
    assert anki("deleteNotes", **params) is None
    assert anki("notesInfo", **params) == [{}]
    assert anki("cardsInfo", cards=cards) == [{}]
    assert anki.error("deleteNotes", notes=["x"]) == "notes must be a list of note ids"
    assert anki.error("deleteNotes") == missing("deleteNotes", "notes")


# --- Cards -----------------------------------------------------------------------------


def test_suspend(anki: AnkiProcess, world: World) -> None:
    params = seed_two_cards(world)
    assert anki("suspend", **params) is True
    assert anki("areSuspended", **params) == [True, True]
    assert anki("suspend", **params) is False  # none needed changing
    # an unknown card fails the whole call, nothing changes
    fresh = world.card(world.deck())
    assert anki.error("suspend", cards=[fresh, 1]) == "Card was not found: 1"
    assert anki("areSuspended", cards=[fresh]) == [False]


def test_unsuspend(anki: AnkiProcess, world: World) -> None:
    params = seed_suspended_pair(world)
    assert anki("unsuspend", **params) is True  # the seed's boolean
    assert anki("areSuspended", **params) == [False, False]
    assert anki("unsuspend", **params) is False
    assert anki.error("unsuspend", cards=[1]) == "Card was not found: 1"


def test_are_suspended(anki: AnkiProcess, world: World) -> None:
    params = seed_are_suspended(world)
    assert anki("areSuspended", **params) == [False, True]
    assert anki("areSuspended", cards=[*params["cards"], 1]) == [False, True, None]
    assert anki.error("areSuspended") == missing("areSuspended", "cards")


def test_are_due(anki: AnkiProcess, world: World) -> None:
    params = seed_are_due(world)
    assert anki("areDue", **params) == [False, True]  # answered "easy" / new
    assert anki.error("areDue", cards=[params["cards"][0], 1]) == "Card was not found: 1"


def test_get_intervals(anki: AnkiProcess, world: World) -> None:
    params = seed_intervals(world)
    again, easy = anki("getIntervals", **params)
    assert again < 0 and easy > 0  # a learning step in seconds, a review interval in days
    complete = anki("getIntervals", **params, complete=True)
    assert complete == [[again], [easy]]
    anki("answerCards", answers=[{"cardId": params["cards"][0], "ease": 3}])
    history = anki("getIntervals", cards=params["cards"][:1], complete=True)[0]
    assert len(history) == 2 and history[0] == again
    assert anki("getIntervals", cards=params["cards"][:1]) == [history[-1]]
    assert anki("getIntervals", cards=[world.card(world.deck())]) == [0]  # new
    assert anki.error("getIntervals", cards=[1]) == "Card was not found: 1"


def test_find_cards(anki: AnkiProcess, world: World) -> None:
    current = anki("findCards", query="deck:current")
    assert all(isinstance(cid, int) for cid in current)
    deck = world.deck()
    nid = world.note(deck, model="Basic (and reversed card)")
    assert sorted(anki("findCards", query=f'"deck:{deck}"')) == sorted(world.cards(nid))
    assert anki("findCards") == []
    assert "Invalid search:" in anki.error("findCards", query="(")  # Anki's own text (HTML before 25.02)
    assert anki.error("findCards", foo=1) == unexpected("findCards", "foo")


def test_cards_to_notes(anki: AnkiProcess, world: World) -> None:
    params = seed_cards_to_notes(world)
    result = anki("cardsToNotes", **params)
    assert len(params["cards"]) == 3 and len(result) == 2  # each note once
    assert sorted(result) == sorted({info["note"] for info in anki("cardsInfo", **params)})
    assert anki.error("cardsToNotes", cards=["x"]) == "card id must be an integer: x"


def test_cards_info(anki: AnkiProcess, world: World) -> None:
    deck = world.deck()
    front = f"front content {unique()}"
    nid = world.note(deck, front, model="Basic (and reversed card)")
    cards = world.cards(nid)
    infos = anki("cardsInfo", cards=cards)
    assert [i["cardId"] for i in infos] == cards
    for order, info in enumerate(infos):
        assert {"answer", "question", "deckName", "modelName", "fieldOrder", "fields", "css",
                "cardId", "interval", "note", "ord", "factor", "type", "queue", "due", "reps",
                "lapses", "left", "mod", "nextReviews", "flags"} == set(info)
        assert info["fieldOrder"] == info["ord"] == order
        assert info["deckName"] == deck and info["modelName"] == "Basic (and reversed card)"
        assert info["note"] == nid and info["interval"] == 0 and isinstance(info["css"], str)
        assert info["fields"] == {"Front": {"value": front, "order": 0}, "Back": {"value": "back content", "order": 1}}
    assert front in infos[0]["question"] and "back content" in infos[0]["answer"]
    assert "back content" in infos[1]["question"] and front not in infos[1]["question"]
    assert anki("cardsInfo", cards=[cards[0], 1]) == [infos[0], {}]
    assert anki.error("cardsInfo", cards="x") == "cards must be a list of card ids"


# --- Media ----------------------------------------------------------------------------


def test_store_media_file(anki: AnkiProcess, world: World) -> None:
    params = seed_store_media(world)
    assert anki("storeMediaFile", **params) == params["filename"]  # the stored name
    assert anki("retrieveMediaFile", filename=params["filename"]) == HELLO_B64
    folder = Path(anki("getMediaDirPath"))
    assert (folder / params["filename"]).read_bytes() == b"Hello, world!"
    assert anki.error("storeMediaFile", filename=params["filename"]) == (
        'You must provide a "data", "path", or "url" field.'
    )


def test_retrieve_media_file(anki: AnkiProcess, world: World) -> None:
    params = seed_stored_media(world)
    assert anki.request({"action": "retrieveMediaFile", "version": 6, "params": params}) == {
        "result": HELLO_B64, "error": None,
    }
    assert anki("retrieveMediaFile", filename=f"_missing {unique()}.txt") is False
    assert anki.error("retrieveMediaFile") == missing("retrieveMediaFile", "filename")


def test_delete_media_file(anki: AnkiProcess, world: World) -> None:
    params = seed_stored_media(world)
    assert anki("deleteMediaFile", **params) is None
    assert anki("retrieveMediaFile", **params) is False
    assert params["filename"] not in anki("getMediaFilesNames", pattern="_hello*")
    assert anki.error("deleteMediaFile", filename="../x.txt") == "invalid media file name: ../x.txt"


@pytest.mark.parametrize("name", ["../evil {}.txt", "..\\evil {}.txt", "sub/evil {}.txt", "/tmp/evil {}.txt"])
def test_media_names_are_confined_to_the_media_folder(anki: AnkiProcess, tmp_path: Path, name: str) -> None:
    name = name.format(unique())
    folder = Path(anki("getMediaDirPath"))
    error = f"invalid media file name: {name}"
    assert anki.error("storeMediaFile", filename=name, data=HELLO_B64) == error
    assert anki.error("retrieveMediaFile", filename=name) == error
    assert anki.error("deleteMediaFile", filename=name) == error
    leaf = name.replace("\\", "/").rsplit("/", 1)[-1]
    assert not (folder.parent / leaf).exists() and not (folder / leaf).exists()
    assert not Path("/tmp", leaf).exists()
    absolute = tmp_path / f"evil {unique()}.txt"
    assert anki.error("storeMediaFile", filename=str(absolute), data=HELLO_B64) == (
        f"invalid media file name: {absolute}"
    )
    assert not absolute.exists()


# --- audio in notes, from a local server ---------------------------------------------------


def test_add_note_downloads_audio_into_the_named_fields(anki: AnkiProcess, world: World) -> None:
    deck = world.deck()
    filename = f"yomichan_ねこ_猫 {unique()}.mp3"
    audio = {"url": world.audio_url(), "filename": filename, "fields": ["Front", "Back", "Nope"]}
    nid = anki("addNote", note=seed_note(deck, "猫", audio))
    assert fields_of(anki, nid) == {"Front": f"猫[sound:{filename}]", "Back": f"back content[sound:{filename}]"}
    assert anki("retrieveMediaFile", filename=filename) == base64.b64encode(AUDIO).decode()
    assert world.server.requests[-1].startswith("/audio/")


def test_add_note_matching_skip_hash_skips_the_audio(anki: AnkiProcess, world: World) -> None:
    deck = world.deck()
    filename = f"skipped {unique()}.mp3"
    audio = {"url": world.audio_url(), "filename": filename, "skipHash": hashlib.md5(AUDIO).hexdigest(),
             "fields": ["Front"]}
    front = f"front content {unique()}"
    nid = anki("addNote", note=seed_note(deck, front, audio))
    assert fields_of(anki, nid)["Front"] == front  # no [sound:]
    assert anki("retrieveMediaFile", filename=filename) is False


def test_failed_download_is_reported_and_stores_nothing(anki: AnkiProcess, world: World) -> None:
    url = world.server.url(f"/missing/{unique()}.mp3")
    filename = f"missing {unique()}.mp3"
    expected = f"{url} download failed with return code 404"
    # as a file: the action fails
    assert anki.error("storeMediaFile", filename=filename, url=url) == expected
    assert anki("retrieveMediaFile", filename=filename) is False
    # in a note: the call fails with the same clear error and adds nothing (the issue's
    # rule; upstream would add the note with the error text in its fields)
    deck = world.deck()
    front = f"front content {unique()}"
    note = seed_note(deck, front, {"url": url, "filename": filename, "fields": ["Front"]})
    assert anki.error("addNote", note=note) == expected
    assert anki("findNotes", query=f'"deck:{deck}"') == []
    assert anki("retrieveMediaFile", filename=filename) is False


# --- duplicates (reference section 5.4) --------------------------------------------------


@dataclass
class DupDecks:
    parent: str
    child: str
    other: str
    front: str
    original: int


@pytest.fixture
def dup(anki: AnkiProcess, world: World) -> DupDecks:
    """A Basic note with a unique first field in Parent::Child; Other is a sibling tree."""
    parent = world.deck("Parent")
    child = f"{parent}::Child"
    anki("createDeck", deck=child)
    other = world.deck("Other")
    front = f"dup {unique()}"
    return DupDecks(parent, child, other, front, world.note(child, front))


def notes_with(anki: AnkiProcess, front: str) -> list[int]:
    return anki("findNotes", query=f'"Front:{front}"')


def scoped(deck_name: str | None = None, check_children: bool = False, check_all_models: bool = False,
           scope: str | None = "deck") -> dict[str, Any]:
    options: dict[str, Any] = {"duplicateScopeOptions": {
        "deckName": deck_name, "checkChildren": check_children, "checkAllModels": check_all_models}}
    if scope is not None:
        options["duplicateScope"] = scope
    return options


def test_duplicate_refused_in_the_same_deck_and_allowed_on_request(anki: AnkiProcess, dup: DupDecks) -> None:
    assert anki.error("addNote", note=seed_note(dup.child, dup.front)) == DUPLICATE
    # the first field is compared without its HTML
    assert anki.error("addNote", note=seed_note(dup.child, f"<b>{dup.front}</b>")) == DUPLICATE
    assert notes_with(anki, dup.front) == [dup.original]
    again = anki("addNote", note=seed_note(dup.child, dup.front, options={"allowDuplicate": True}))
    assert sorted(notes_with(anki, dup.front)) == sorted([dup.original, again])


def test_default_scope_is_the_whole_collection(anki: AnkiProcess, dup: DupDecks) -> None:
    assert anki.error("addNote", note=seed_note(dup.other, dup.front)) == DUPLICATE
    assert anki("canAddNotesWithErrorDetail", notes=[seed_note(dup.other, dup.front)]) == [
        {"canAdd": False, "error": DUPLICATE}
    ]


def test_deck_scope_allows_the_same_first_field_in_another_deck(anki: AnkiProcess, dup: DupDecks) -> None:
    assert anki.error("addNote", note=seed_note(dup.child, dup.front, options=scoped())) == DUPLICATE
    nid = anki("addNote", note=seed_note(dup.other, dup.front, options=scoped()))
    assert sorted(notes_with(anki, dup.front)) == sorted([dup.original, nid])
    # now Other has one too
    assert anki.error("addNote", note=seed_note(dup.other, dup.front, options=scoped())) == DUPLICATE


def test_deck_scope_with_named_parent_and_check_children(anki: AnkiProcess, dup: DupDecks) -> None:
    # the original is in Parent::Child: Parent alone holds no duplicate
    assert anki("canAddNotes", notes=[seed_note(dup.other, dup.front, options=scoped(dup.parent))]) == [True]
    assert anki.error(
        "addNote", note=seed_note(dup.other, dup.front, options=scoped(dup.parent, check_children=True))
    ) == DUPLICATE
    assert notes_with(anki, dup.front) == [dup.original]
    # a deckName that does not exist has no duplicates
    nid = anki("addNote", note=seed_note(dup.other, dup.front, options=scoped(f"No deck {unique()}")))
    assert sorted(notes_with(anki, dup.front)) == sorted([dup.original, nid])
    added = anki("addNote", note=seed_note(dup.parent, dup.front, options=scoped(dup.parent)))
    assert isinstance(added, int)


def test_check_all_models_catches_another_note_type(anki: AnkiProcess, dup: DupDecks) -> None:
    reversed_note = {**seed_note(dup.other, dup.front), "modelName": "Basic (and reversed card)"}
    assert anki("canAddNotes", notes=[reversed_note]) == [True]  # another note type: no duplicate
    everywhere = {**reversed_note, "options": scoped(check_all_models=True, scope=None)}
    assert anki.error("addNote", note=everywhere) == DUPLICATE
    in_deck = {**reversed_note, "options": scoped(check_all_models=True)}  # scope deck: Other only
    nid = anki("addNote", note=in_deck)
    assert note_info(anki, nid)["modelName"] == "Basic (and reversed card)"
    in_child = {**reversed_note, "deckName": dup.child, "options": scoped(check_all_models=True)}
    assert anki.error("addNote", note=in_child) == DUPLICATE
    assert sorted(notes_with(anki, dup.front)) == sorted([dup.original, nid])


# --- the same seed requests over the WebSocket ----------------------------------------------


def over_ws(anki: AnkiProcess, request: dict[str, Any], request_id: Any) -> dict[str, Any]:
    with anki.ws() as ws:
        ws.send(json.dumps({"id": request_id, **request}))
        reply = json.loads(ws.recv(timeout=30))
    assert reply.pop("id") == request_id
    return reply


def shape(value: Any) -> Any:
    """The JSON structure with every scalar replaced by its type."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


Build = Callable[[World], dict[str, Any]]
#: reads back the change a mutating request made: True if it is the one asked for
Check = Callable[[World, dict[str, Any], Any], bool]


def fixed(params: dict[str, Any] | None = None) -> Build:
    return lambda world: params or {}


def config_of_fresh_deck(world: World, group: int) -> dict[str, Any]:
    deck = world.deck()
    assert world.anki("setDeckConfigId", decks=[deck], configId=group) is True
    return world.anki("getDeckConfig", deck=deck)


def changed_deck(world: World, params: dict[str, Any], result: Any) -> bool:
    return world.anki("getDecks", cards=params["cards"]) == {params["deck"]: params["cards"]}


def deleted_decks(world: World, params: dict[str, Any], result: Any) -> bool:
    return not set(params["decks"]) & set(world.anki("deckNames"))


def saved_config(world: World, params: dict[str, Any], result: Any) -> bool:
    saved = config_of_fresh_deck(world, params["config"]["id"])
    return saved["name"] == params["config"]["name"] and saved["rev"]["perDay"] == 100


def cloned_config(world: World, params: dict[str, Any], result: Any) -> bool:
    return config_of_fresh_deck(world, result)["name"] == params["name"]


def removed_config(world: World, params: dict[str, Any], result: Any) -> bool:
    return world.anki("removeDeckConfigId", **params) is False


def created_model(world: World, params: dict[str, Any], result: Any) -> bool:
    return world.anki("modelFieldNames", modelName=params["modelName"]) == params["inOrderFields"]


def added_note(world: World, params: dict[str, Any], result: Any) -> bool:
    note = params["note"]
    return fields_of(world.anki, result)["Front"] == f"{note['fields']['Front']}[sound:{note['audio']['filename']}]"


def added_notes(world: World, params: dict[str, Any], result: Any) -> bool:
    return world.anki("findNotes", query=f'"deck:{params["notes"][0]["deckName"]}"') == result[:1]


def updated_fields(world: World, params: dict[str, Any], result: Any) -> bool:
    return fields_of(world.anki, params["note"]["id"]) == params["note"]["fields"]


def suspended_all(world: World, params: dict[str, Any], result: Any) -> bool:
    return world.anki("areSuspended", **params) == [True] * len(params["cards"])


def unsuspended_all(world: World, params: dict[str, Any], result: Any) -> bool:
    return world.anki("areSuspended", **params) == [False] * len(params["cards"])


@dataclass(frozen=True)
class Seed:
    action: str
    build: Build
    #: None: the request is read-only or idempotent (createDeck, addTags ...), so the very
    #: same request over both protocols must give the very same reply. Otherwise each
    #: protocol gets its own fresh request; the replies must have the same shape and this
    #: check must find the change each one made.
    check: Check | None = None


SEEDS = [
    Seed("version", fixed()),
    Seed("multi", seed_multi),
    Seed("deckNames", fixed()),
    Seed("deckNamesAndIds", fixed()),
    Seed("getDecks", seed_get_decks),
    Seed("createDeck", lambda w: {"deck": f"Japanese {unique()}::Tokyo"}),
    Seed("changeDeck", seed_change_deck, changed_deck),
    Seed("deleteDecks", seed_delete_decks, deleted_decks),
    Seed("getDeckConfig", fixed({"deck": "Default"})),
    Seed("saveDeckConfig", seed_save_deck_config, saved_config),
    Seed("setDeckConfigId", fixed({"decks": ["Default"], "configId": 1})),
    Seed("cloneDeckConfigId", seed_clone_deck_config, cloned_config),
    Seed("removeDeckConfigId", seed_remove_deck_config, removed_config),
    Seed("modelNames", fixed()),
    Seed("modelNamesAndIds", fixed()),
    Seed("modelFieldNames", fixed({"modelName": "Basic"})),
    Seed("modelFieldsOnTemplates", fixed({"modelName": "Basic (and reversed card)"})),
    Seed("createNewModel", seed_create_new_model, created_model),
    Seed("addNote", seed_add_note, added_note),
    Seed("addNotes", seed_add_notes, added_notes),
    Seed("canAddNotes", seed_can_add_notes),
    Seed("updateNoteFields", seed_update_note_fields, updated_fields),
    Seed("addTags", seed_tags),
    Seed("removeTags", seed_tags),
    Seed("getTags", fixed()),
    Seed("findNotes", fixed({"query": "deck:current"})),
    Seed("notesInfo", seed_notes_info),
    Seed("deleteNotes", seed_delete_notes),
    Seed("suspend", seed_two_cards, suspended_all),
    Seed("unsuspend", seed_suspended_pair, unsuspended_all),
    Seed("areSuspended", seed_are_suspended),
    Seed("areDue", seed_are_due),
    Seed("getIntervals", seed_intervals),
    Seed("getIntervals", lambda w: seed_intervals(w, complete=True)),
    Seed("findCards", fixed({"query": "deck:current"})),
    Seed("cardsToNotes", seed_cards_to_notes),
    Seed("cardsInfo", seed_two_cards),
    Seed("storeMediaFile", seed_store_media),
    Seed("retrieveMediaFile", seed_stored_media),
    Seed("deleteMediaFile", seed_stored_media),
]


@pytest.mark.parametrize("seed", SEEDS, ids=[f"{i:02d}-{s.action}" for i, s in enumerate(SEEDS)])
def test_seed_request_over_websocket_behaves_as_over_http(anki: AnkiProcess, world: World, seed: Seed) -> None:
    params = seed.build(world)
    request = {"action": seed.action, "version": 6, "params": params}
    over_http = anki.request(request)
    assert over_http["error"] is None, over_http
    if seed.check is None:
        assert over_ws(anki, request, f"seed-{seed.action}") == {"result": over_http["result"], "error": None}
        return
    ws_params = seed.build(world)
    ws_reply = over_ws(anki, {**request, "params": ws_params}, 7)
    assert ws_reply["error"] is None, ws_reply
    assert shape(ws_reply["result"]) == shape(over_http["result"])
    if over_http["result"] is None or isinstance(over_http["result"], bool):
        assert ws_reply["result"] == over_http["result"]
    assert seed.check(world, params, over_http["result"])
    assert seed.check(world, ws_params, ws_reply["result"])


def test_seed_errors_are_the_same_over_websocket(anki: AnkiProcess) -> None:
    for request in (
        {"action": "modelFieldNames", "version": 6, "params": {"modelName": "No model"}},
        {"action": "createDeck", "version": 6},
        {"action": "browse", "version": 6, "params": {"query": "deck:current"}},
        {"action": "storeMediaFile", "version": 6, "params": {"filename": "../evil.txt", "data": HELLO_B64}},
    ):
        over_http = anki.request(request)
        assert over_http["error"] is not None
        assert over_ws(anki, request, "e") == over_http
