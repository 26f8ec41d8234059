"""Protocol rules through the dispatcher, on a real Collection."""

from __future__ import annotations

from ankiconnect_ws.config import Config

from ..conftest import LocalApi


def test_version_bare_for_v4_and_enveloped_for_v6(api: LocalApi) -> None:
    assert api.request({"action": "version"}) == 6
    assert api.request({"action": "version", "version": 4}) == 6
    assert api.request({"action": "version", "version": 6}) == {"result": 6, "error": None}


def test_errors_are_enveloped_for_every_version(api: LocalApi) -> None:
    assert api.request({"action": "nope"}) == {"result": None, "error": "unsupported action"}
    assert api.request({"action": "nope", "version": 6}) == {
        "result": None,
        "error": "unsupported action",
    }


def test_parameter_binding_errors_read_like_upstream(api: LocalApi) -> None:
    assert api.error("createDeck") == (
        "AnkiConnect.createDeck() missing 1 required positional argument: 'deck'"
    )
    assert api.error("deckNames", foobar=1) == (
        "AnkiConnect.deckNames() got an unexpected keyword argument 'foobar'"
    )


def test_multi_reference_example(api: LocalApi) -> None:
    reply = api.envelope(
        "multi",
        actions=[
            {"action": "deckNames"},
            {"action": "deckNames", "version": 6},
            {"action": "invalidAction", "params": {"useless": "param"}},
            {"action": "invalidAction", "params": {"useless": "param"}, "version": 6},
        ],
    )
    assert reply == {
        "result": [
            ["Default"],
            {"result": ["Default"], "error": None},
            {"result": None, "error": "unsupported action"},
            {"result": None, "error": "unsupported action"},
        ],
        "error": None,
    }


def test_multi_nested_and_per_item_errors(api: LocalApi) -> None:
    inner = {"action": "multi", "version": 6, "params": {"actions": [
        {"action": "createDeck", "version": 6, "params": {"deck": "Nested"}},
        {"action": "createDeck", "version": 6},
    ]}}
    result = api("multi", actions=[inner, {"action": "deckNames", "version": 6}])
    assert result[0]["error"] is None
    created, failed = result[0]["result"]
    assert isinstance(created["result"], int) and created["error"] is None
    assert "missing 1 required positional argument" in failed["error"]
    assert "Nested" in result[1]["result"]


def test_multi_with_non_object_item_fails_whole_call(api: LocalApi) -> None:
    assert api.error("multi", actions=[1]) == "'int' object has no attribute 'get'"


def test_api_key_checked_for_every_action_but_request_permission(collection) -> None:
    api = LocalApi(collection, Config(apiKey="secret"))
    assert api.request({"action": "version", "version": 6}) == {
        "result": None,
        "error": "valid api key must be provided",
    }
    assert api.request({"action": "nope", "version": 6})["error"] == "valid api key must be provided"
    assert api.request({"action": "version", "version": 6, "key": "secret"})["result"] == 6
    granted = api.request({"action": "requestPermission", "version": 6, "params": {"allowed": True}})
    assert granted["result"] == {"permission": "granted", "requireApikey": True, "version": 6}
    # each multi item carries its own key
    reply = api.request({"action": "multi", "version": 6, "key": "secret", "params": {"actions": [
        {"action": "version", "version": 6},
        {"action": "version", "version": 6, "key": "secret"},
    ]}})
    assert reply["result"] == [
        {"result": None, "error": "valid api key must be provided"},
        {"result": 6, "error": None},
    ]


def test_without_configured_key_a_sent_key_fails_like_upstream(api: LocalApi) -> None:
    assert api.request({"action": "version", "key": "x"})["error"] == "valid api key must be provided"
    assert api.request({"action": "version", "key": None}) == 6


def test_api_reflect(api: LocalApi) -> None:
    everything = api("apiReflect", scopes=["actions"], actions=None)
    assert everything["scopes"] == ["actions"]
    assert everything["actions"] == sorted(everything["actions"])
    assert {"version", "multi", "deckNames", "createDeck"} <= set(everything["actions"])
    assert api("apiReflect", scopes=["actions", "other"], actions=["deckNames", "nope", "version"]) == {
        "scopes": ["actions"],
        "actions": ["deckNames", "version"],
    }
    assert api.error("apiReflect", scopes="actions") == "scopes has invalid value"
    assert api.error("apiReflect", scopes=["actions"], actions="x") == "actions has invalid value"


def test_decks_round_trip(api: LocalApi) -> None:
    assert api("deckNames") == ["Default"]
    new_id = api("createDeck", deck="Japanese::Tokyo")
    assert api("createDeck", deck="Japanese::Tokyo") == new_id
    assert set(api("deckNames")) == {"Default", "Japanese", "Japanese::Tokyo"}
    assert api("deckNamesAndIds")["Japanese::Tokyo"] == new_id


def test_big_integers_and_unserialisable_results_still_answer() -> None:
    from ankiconnect_ws.protocol import encode_reply

    assert encode_reply({"result": [2**70], "error": None}) == b'{"result":[1180591620717411303424],"error":null}'
    assert encode_reply({1: "a"}) == b'{"1":"a"}'
    broken = encode_reply({"id": 7, "result": object(), "error": None})
    assert broken.startswith(b'{"id":7,"result":null,"error":"the result cannot be sent as JSON: ')
    assert encode_reply({"result": {1, 2}, "error": None}).startswith(b'{"result":null,"error":"the result cannot')
