"""Protocol rules through the dispatcher, on a real Collection."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest

from ankiconnect_ws import protocol, wire
from ankiconnect_ws.actions.context import Environment, RequestInfo
from ankiconnect_ws.config import Config
from ankiconnect_ws.protocol import MULTI_BATCH_ITEMS, Dispatcher
from ankiconnect_ws.wire import (
    MAX_DEPTH, TOO_DEEP, BadRequest, encode_reply, nested_too_deeply, parse_message, parse_request,
)

from ..support.wire import strict_json
from ..support.local_api import LocalApi


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
    assert encode_reply({"result": [2**70], "error": None}) == b'{"result":[1180591620717411303424],"error":null}'
    assert encode_reply({1: "a"}) == b'{"1":"a"}'
    broken = encode_reply({"id": 7, "result": object(), "error": None})
    assert broken.startswith(b'{"id":7,"result":null,"error":"the result cannot be sent as JSON: ')
    assert encode_reply({"result": {1, 2}, "error": None}).startswith(b'{"result":null,"error":"the result cannot')


# --- replies are strict JSON ----------------------------------------------------------


def _nested(levels: int, inner: Any = 0) -> Any:
    for _ in range(levels):
        inner = [inner]
    return inner


def test_replies_are_strict_json_whatever_numbers_the_request_held(api: LocalApi) -> None:
    # Python's json (upstream's parser) reads NaN/Infinity and integers beyond 64 bits;
    # getDecks echoes them. The reply must parse with a strict parser all the same.
    request = parse_request(
        b'{"action": "getDecks", "version": 6, "params": {"cards": [[Infinity], [18446744073709551616], [NaN]]}}'
    )
    assert strict_json(encode_reply(api.request(request))) == {
        "result": {"Default": [[None], [2**64], [None]]}, "error": None,
    }
    # without a big integer (orjson writes it) the answer is the same
    request = parse_request(b'{"action": "getDecks", "version": 6, "params": {"cards": [[-Infinity]]}}')
    assert strict_json(encode_reply(api.request(request))) == {"result": {"Default": [[None]]}, "error": None}


def test_a_reply_json_cannot_carry_is_still_one_strict_json_answer() -> None:
    too_deep = _nested(1000)
    for result in (too_deep, [2**64, too_deep]):  # orjson's path, Python json's path
        reply = strict_json(encode_reply({"result": result, "error": None}))
        assert reply["result"] is None
        assert reply["error"].startswith("the result cannot be sent as JSON: "), reply
    # an id that cannot be echoed becomes null, with a clear error
    assert strict_json(encode_reply({"id": too_deep, "result": 1, "error": None})) == {
        "id": None, "result": None, "error": "the request id cannot be sent back as JSON",
    }
    assert strict_json(encode_reply({"id": [2**64, float("nan")], "result": 1, "error": None})) == {
        "id": [2**64, None], "result": 1, "error": None,
    }


def test_request_nesting_limit() -> None:
    # MAX_DEPTH levels counting the request object itself: accepted; one more: refused
    params_at_limit = _nested(MAX_DEPTH - 2)
    assert parse_request(orjson.dumps({"action": "a", "params": {"x": params_at_limit}}))["action"] == "a"
    for body in (
        orjson.dumps({"action": "a", "params": {"x": [params_at_limit]}}),
        json.dumps({"action": "a", "params": {"x": [params_at_limit, 2**64, float("nan")]}}).encode(),
    ):
        with pytest.raises(BadRequest) as refused:
            parse_request(body)
        assert str(refused.value) == TOO_DEEP
    assert nested_too_deeply(_nested(MAX_DEPTH)) is False
    assert nested_too_deeply(_nested(MAX_DEPTH + 1)) is True
    assert nested_too_deeply([_nested(MAX_DEPTH), 2**64]) is True  # counted in Python
    assert nested_too_deeply(_nested(300), limit=400) is False  # beyond orjson's reach


def test_websocket_message_errors_carry_the_id_when_it_can_be_sent_back() -> None:
    deep = _nested(MAX_DEPTH + 5)
    with pytest.raises(BadRequest) as refused:
        parse_message(orjson.dumps({"id": 7, "action": "version", "params": {"x": deep}}))
    assert refused.value.request_id == 7 and str(refused.value) == TOO_DEEP
    with pytest.raises(BadRequest) as refused:
        parse_message(orjson.dumps({"id": deep, "action": "version"}))
    assert refused.value.request_id is None and str(refused.value).startswith(TOO_DEEP)
    assert "id" in str(refused.value)
    with pytest.raises(BadRequest) as refused:
        parse_message(b'{"id": "a", "action": 3}')
    assert refused.value.request_id == "a" and str(refused.value) == "3 is not of type 'string'"
    with pytest.raises(BadRequest, match="invalid JSON"):
        parse_message(b'{"id": 1, "action": "version", "params": {"x": NaN}}')  # strict JSON in


# --- a long multi shares the server -----------------------------------------------------


async def _ticks_while(work: Awaitable[Any]) -> tuple[Any, int]:
    """Run ``work`` next to a task that counts its own turns; how often did it run?"""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # the ticker has started
    before = ticks
    try:
        result = await work
    finally:
        task.cancel()
    return result, ticks - before


def test_a_long_multi_lets_other_tasks_run(api: LocalApi) -> None:
    for action, count, expected in (("version", 5000, 6), ("deckNames", 3000, ["Default"])):
        request = {"action": "multi", "version": 6, "params": {"actions": [{"action": action}] * count}}
        reply, ticks = asyncio.run(_ticks_while(api.dispatcher.handle(request, RequestInfo())))
        assert reply["error"] is None and reply["result"] == [expected] * count
        assert ticks >= count // MULTI_BATCH_ITEMS, (action, ticks)  # before: 0


def test_multi_runs_consecutive_main_thread_items_in_few_turns(collection, monkeypatch: pytest.MonkeyPatch) -> None:
    submissions = 0

    async def main_thread(job: Callable[[], Any]) -> Any:  # stands in for the runner
        nonlocal submissions
        submissions += 1
        return job()

    monkeypatch.setattr(protocol, "SLICE_BUDGET", 3600.0)  # bound turns by item count only
    config = Config()
    dispatcher = Dispatcher(Environment(collection=lambda: collection, settings=lambda: config, run_on_main=main_thread))
    items = [{"action": "deckNames"}] * (2 * MULTI_BATCH_ITEMS + 7)
    request = {"action": "multi", "params": {"actions": items}}
    assert asyncio.run(dispatcher.handle(request, RequestInfo())) == [["Default"]] * len(items)
    assert submissions == 3  # before: one per item


def test_multi_items_keep_order_and_their_own_rules(api: LocalApi) -> None:
    replies = api("multi", actions=[
        {"action": "createDeck", "version": 6, "params": {"deck": "A"}},
        {"action": "version"},
        {"action": "deckNames", "version": 6, "key": "not configured"},
        {"action": "nope"},
        {"action": "createDeck", "version": 6},
        {"action": "deckNames"},
        {"action": "multi", "version": 6, "params": {"actions": [{"action": "deckNames", "version": 6}]}},
    ])
    assert replies[0]["error"] is None and isinstance(replies[0]["result"], int)
    assert replies[1:5] == [
        6,
        {"result": None, "error": "valid api key must be provided"},
        {"result": None, "error": "unsupported action"},
        {"result": None, "error": "AnkiConnect.createDeck() missing 1 required positional argument: 'deck'"},
    ]
    assert set(replies[5]) == {"A", "Default"}
    assert set(replies[6]["result"][0]["result"]) == {"A", "Default"}
    # a non-object item fails the whole call, after the items before it ran (as upstream)
    assert api.error("multi", actions=[{"action": "createDeck", "params": {"deck": "Before"}}, 1]) == (
        "'int' object has no attribute 'get'"
    )
    assert "Before" in api("deckNames")


def test_multi_answers_collection_unavailable_per_item(collection) -> None:
    config = Config()
    closed = Dispatcher(Environment(collection=lambda: None, settings=lambda: config))
    request = {"action": "multi", "params": {"actions": [{"action": "deckNames"}, {"action": "version"}]}}
    assert asyncio.run(closed.handle(request, RequestInfo())) == [
        {"result": None, "error": "collection is not available"}, 6,
    ]


def test_integers_beyond_64_bits_are_read_exactly() -> None:
    """orjson reads them as floats: an id sent back as 1.8446744073709552e+19 no longer
    matches its request."""
    from ankiconnect_ws.wire import parse_message, parse_request

    big = 2**64 + 7
    assert parse_message(b'{"id": %d, "action": "version"}' % big)["id"] == big
    assert parse_request(b'{"action": "cardsInfo", "params": {"cards": [%d]}}' % big)["params"]["cards"] == [big]
    # the exact path stays as strict as the fast one over the WebSocket
    with pytest.raises(BadRequest, match="invalid JSON"):
        parse_message(b'{"id": %d, "action": "version", "params": {"x": NaN}}' % big)


def test_half_a_surrogate_pair_is_refused() -> None:
    """Python's json accepts "\\udfff"; the string cannot be encoded and broke later,
    inside Anki's Add window (an error dialog)."""
    from ankiconnect_ws.wire import LONE_SURROGATE, parse_message, parse_request

    with pytest.raises(BadRequest) as refused:
        parse_request(b'{"action": "guiAddNoteSetData", "params": {"note": {"fields": {"Front": "\\udfff x"}}}}')
    assert str(refused.value) == LONE_SURROGATE
    with pytest.raises(BadRequest, match="invalid JSON"):
        parse_message(b'{"id": 1, "action": "version", "params": {"x": "\\udfff"}}')
    # a whole pair is one character, as always
    assert parse_request(b'{"action": "x", "params": {"a": "\\ud83d\\ude00"}}')["params"]["a"] == "\U0001F600"


@pytest.mark.parametrize("write", [wire.dumps, wire.dumps_like_ankiconnect])
def test_a_long_reply_is_written_in_pieces_with_the_same_bytes(write: Any) -> None:
    """Long results are written a slice at a time (the GIL, and Anki's main thread, are
    let go between slices): the bytes must be those of one write of the whole reply."""
    items = [{"noteId": i, "fields": {"Front": {"value": f"é\u2028 {i}", "order": 0}}, "ease": 2.5,
              "nan": float("nan"), "tags": ["a", "b"], "big": 2**63 - 1} for i in range(wire.PIECEWISE_ITEMS + wire.PIECE + 5)]
    for reply in ({"result": items, "error": None}, {"id": {"client": [1, "x"]}, "result": items, "error": None}):
        assert wire._in_pieces(reply, write) is not None
        assert wire.encode_reply(reply, write) == write(reply)
