"""Params checked against the action's schema before it runs (validation.py), through
the dispatcher on a real Collection: the clear errors, and the places where upstream's
texts and leniency are kept."""

from __future__ import annotations

from anki.collection import Collection

from ankiconnect_ws import validation
from ankiconnect_ws.config import Config

from ..support.local_api import LocalApi
from ..support.messages import missing, unexpected


def _note(api: LocalApi, front: str) -> int:
    return api("addNote", note={"deckName": "Default", "modelName": "Basic", "fields": {"Front": front, "Back": "b"}})


# --- junk that "succeeded" before -------------------------------------------------------


def test_get_deck_stats_with_a_string_creates_no_decks(api: LocalApi) -> None:
    before = api("deckNames")
    assert api.error("getDeckStats", decks="abc") == 'getDeckStats: parameter "decks" must be an array, got a string'
    assert api("deckNames") == before  # not one deck per character


def test_deck_config_actions_refuse_wrong_types(api: LocalApi) -> None:
    assert api.error("cloneDeckConfigId", name=5) == (
        'cloneDeckConfigId: parameter "name" must be a string, got an integer')
    assert api.error("getDeckConfig", deck=1) == 'getDeckConfig: parameter "deck" must be a string, got an integer'
    assert api.error("setDeckConfigId", decks="Default", configId=1) == (
        'setDeckConfigId: parameter "decks" must be an array, got a string')
    assert api.error("cloneDeckConfigId", name="x", cloneFrom=[1]) == (
        'cloneDeckConfigId: parameter "cloneFrom" must be an integer or a string, got an array')


# --- the error names the place -----------------------------------------------------------


def test_a_wrong_item_of_a_list_is_named_by_its_index(api: LocalApi) -> None:
    assert api.error("getDeckStats", decks=["Default", 5]) == (
        'getDeckStats: parameter "decks[1]" must be a string, got an integer')


def test_a_nested_object_missing_a_key_or_with_a_wrong_value(api: LocalApi) -> None:
    nid = _note(api, "nested")
    assert api.error("updateNote", note={"fields": {"Front": "x"}}) == 'updateNote: parameter "note" needs the key "id"'
    assert api.error("updateNote", note={"id": nid, "fields": {"Front": ["x"]}}) == (
        'updateNote: parameter "note.fields.Front" must be a string, an integer, a number or null, got an array')
    assert api("notesInfo", notes=[nid])[0]["fields"]["Front"]["value"] == "nested"  # nothing changed


def test_null_for_a_required_string(api: LocalApi) -> None:
    assert api.error("createDeck", deck=None) == 'createDeck: parameter "deck" must be a string, got null'


# --- multi ---------------------------------------------------------------------------------


def test_multi_items_are_checked_each_in_its_place(api: LocalApi) -> None:
    before = api("deckNames")
    replies = api("multi", actions=[
        {"action": "getDeckStats", "params": {"decks": "xy"}},
        {"action": "deckNames", "version": 6},
        {"action": "getDeckConfig", "version": 6, "params": {"deck": 1}},
        {"action": "createDeck", "version": 6},
    ])
    assert replies == [
        {"result": None, "error": 'getDeckStats: parameter "decks" must be an array, got a string'},
        {"result": before, "error": None},
        {"result": None, "error": 'getDeckConfig: parameter "deck" must be a string, got an integer'},
        {"result": None, "error": missing("createDeck", "deck")},
    ]
    assert api("deckNames") == before


def test_multi_itself_is_checked(api: LocalApi) -> None:
    assert api.error("multi", actions="deckNames") == 'multi: parameter "actions" must be an array, got a string'


# --- what is kept as upstream has it ---------------------------------------------------------


def test_missing_and_unknown_parameters_keep_upstreams_type_error(api: LocalApi) -> None:
    assert api.error("getDeckStats") == missing("getDeckStats", "decks")
    assert api.error("deckNames", foobar=1) == unexpected("deckNames", "foobar")
    # a wrong type next to an unknown parameter: Python's binding fails first, as upstream
    assert api.error("getDeckStats", decks="abc", extra=1) == unexpected("getDeckStats", "extra")
    assert api.error("getDeckConfig", deck=1, other=2) == unexpected("getDeckConfig", "other")


def test_lenient_parameters_keep_upstreams_leniency_and_texts(api: LocalApi, collection: Collection) -> None:
    nid = _note(api, "lenient")
    assert api("addTags", notes=[nid], tags="t1", add=0) is None  # a flag is read by its truthiness
    assert "t1" not in collection.get_note(nid).tags
    assert api("deleteDecks", decks=["Nothing"], cardsToo="yes") is None
    # a bad item of addNotes is null in its place, the others are added
    added = api("addNotes", notes=[{"deckName": "Default", "modelName": "Basic"},
                                   {"deckName": "Default", "modelName": "Basic", "fields": {"Front": "ok"}}])
    assert added[0] is None and isinstance(added[1], int)
    # upstream's own texts and ours that the action checks (x-lenient in the schema)
    assert api.error("addNote", note={"deckName": "Default", "modelName": "Basic"}) == "'fields'"
    assert api.error("cardsInfo", cards="1") == "cards must be a list of card ids"
    assert api.error("deleteNotes", notes="all") == "notes must be a list of note ids"
    assert api.error("importPackage", path=5) == "path must be a file path string: 5"
    assert api.error("addNote", note={"deckName": "Default", "modelName": "Basic", "fields": {"Front": "x"},
                                      "options": {"allowDuplicate": "no"}}) == (
        'option parameter "allowDuplicate" must be boolean')


def test_findandreplaceinmodels_forms_are_left_to_the_action(api: LocalApi) -> None:
    assert api.error("findAndReplaceInModels") == (
        "AnkiConnect.findAndReplaceInModels() missing 3 required positional arguments:"
        " 'modelName', 'findText', and 'replaceText'")


def test_multi_item_params_that_are_not_an_object_keep_pythons_text(api: LocalApi) -> None:
    replies = api("multi", actions=[{"action": "deckNames", "params": [1]}])
    assert "must be a mapping" in replies[0]["error"]


# --- the switch --------------------------------------------------------------------------------


def test_validation_off_by_config_runs_the_action_as_before(collection: Collection) -> None:
    unchecked = LocalApi(collection, Config(validateParams=False))
    # envelope(): api() would refuse the success, whose params the schema refuses
    assert unchecked.envelope("getDeckConfig", deck=1) == {"result": False, "error": None}
    checked = LocalApi(collection, Config())
    assert checked.error("getDeckConfig", deck=1).startswith("getDeckConfig: parameter")


def test_validators_are_built_once_per_action() -> None:
    first = validation._for("getDeckStats")
    validation.prepare()
    assert validation._for("getDeckStats") is first


# --- the quick check agrees with jsonschema ------------------------------------------------

_SAMPLES = [None, True, 0, 1, -1, 1.0, 2.5, "", "x", "1", [], [1], ["x"], [None], [[1]], [{}], {}, {"x": 1},
            {"Front": "a"}, {"id": 1}, {"id": 1, "fields": {"Front": "a"}, "tags": ["t"]}, {"id": "1", "fields": []}]


def test_the_quick_check_accepts_only_what_jsonschema_accepts() -> None:
    """The quick check answers most requests alone: it must never pass params the
    schema refuses (when it says no, jsonschema decides and says why)."""
    validation.prepare()
    quick_ones = 0
    for action in validation.schema.action_names():
        compiled = validation._for(action)
        assert compiled is not None, action
        if compiled.quick is None:
            continue
        quick_ones += 1
        names = list(validation.schema.params_schema(action).get("properties", {})) + ["other"]
        cases = [{}] + [{name: value} for name in names for value in _SAMPLES]
        cases += [{name: value for name in names} for value in _SAMPLES]
        for params in cases:
            if compiled.quick(params):
                assert compiled.validator.is_valid(params), (action, params)
    assert quick_ones > 100  # nearly every action has one
