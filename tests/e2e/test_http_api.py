"""AnkiConnect's HTTP rules against the real Anki (spec/ankiconnect-reference.md section 2)."""

from __future__ import annotations

import json
import socket
import threading
import time

from ankiconnect_ws.wire import TOO_DEEP

from ..support.wire import strict_json
from bench.anki_process import AnkiProcess

from ..support.waiting import wait_until
from .conftest import API_KEY

MULTI_EXAMPLE = [
    {"action": "deckNames"},
    {"action": "deckNames", "version": 6},
    {"action": "invalidAction", "params": {"useless": "param"}},
    {"action": "invalidAction", "params": {"useless": "param"}, "version": 6},
]


def raw_exchange(anki: AnkiProcess, data: bytes, expect_responses: int = 1, timeout: float = 10) -> bytes:
    """Send raw bytes; read until ``expect_responses`` responses or the peer closes."""
    with socket.create_connection((anki.host, anki.port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while received.count(b"HTTP/1.1 ") < expect_responses or not _complete(received):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def _complete(data: bytes) -> bool:
    head, sep, body = data.rpartition(b"\r\n\r\n")
    if not sep:
        return False
    for line in reversed(head.split(b"\r\n")):  # the last response's head
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def test_banner_for_a_bodyless_request(anki: AnkiProcess) -> None:
    status, headers, body = anki.post(b"", method="GET")
    assert status == 200
    assert json.loads(body) == {"apiVersion": "AnkiConnect v.6"}
    assert headers["Content-Type"] == "application/json"
    assert headers["Access-Control-Allow-Origin"] == "http://localhost"


def test_version_bare_for_v4_enveloped_for_v6(anki: AnkiProcess) -> None:
    assert anki.request({"action": "version"}) == 6
    assert anki.request({"action": "version", "version": 4}) == 6
    assert anki.request({"action": "version", "version": 6}) == {"result": 6, "error": None}


def test_create_deck_then_deck_names(anki: AnkiProcess) -> None:
    assert "Default" in anki("deckNames")
    deck_id = anki("createDeck", deck="Foundation::Child")
    assert isinstance(deck_id, int)
    names = anki("deckNames")
    assert {"Foundation", "Foundation::Child"} <= set(names)
    assert anki("deckNamesAndIds")["Foundation::Child"] == deck_id


def test_multi_reference_example_exactly(anki: AnkiProcess) -> None:
    status, _, body = anki.post({"action": "multi", "version": 6, "params": {"actions": MULTI_EXAMPLE}})
    assert status == 200
    names = anki("deckNames")
    assert json.loads(body) == {
        "result": [
            names,
            {"result": names, "error": None},
            {"result": None, "error": "unsupported action"},
            {"result": None, "error": "unsupported action"},
        ],
        "error": None,
    }


def test_nested_multi_three_levels(anki: AnkiProcess) -> None:
    level3 = {"action": "multi", "version": 6, "params": {"actions": [{"action": "version", "version": 6}]}}
    level2 = {"action": "multi", "version": 6, "params": {"actions": [level3, {"action": "nope", "version": 6}]}}
    reply = anki.request({"action": "multi", "version": 6, "params": {"actions": [level2]}})
    assert reply == {
        "result": [{
            "result": [
                {"result": [{"result": 6, "error": None}], "error": None},
                {"result": None, "error": "unsupported action"},
            ],
            "error": None,
        }],
        "error": None,
    }


def test_malformed_bodies_give_the_documented_errors(anki: AnkiProcess) -> None:
    cases = {
        b"{bad": "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        b"\xc3": "'utf-8' codec can't decode byte 0xc3 in position 0: unexpected end of data",
        b"1.2": "1.2 is not of type 'object'",
        b"{}": "'action' is a required property",
        b'{"action": 1}': "1 is not of type 'string'",
        b'{"action": ""}': "'' should be non-empty",
        b'{"action": "version", "version": "6"}': "'6' is not of type 'integer'",
        b'{"action": "version", "params": []}': "[] is not of type 'object'",
    }
    for body, message in cases.items():
        status, _, reply = anki.post(body)
        assert status == 200
        assert json.loads(reply) == {"result": None, "error": message}, body


def test_wrong_param_gives_python_style_error(anki: AnkiProcess) -> None:
    assert anki.error("createDeck", name="x") == "AnkiConnect.createDeck() got an unexpected keyword argument 'name'"
    assert anki.error("createDeck") == "AnkiConnect.createDeck() missing 1 required positional argument: 'deck'"


def test_untrusted_origin_gets_empty_403(anki: AnkiProcess) -> None:
    status, headers, body = anki.post({"action": "deckNames", "version": 6}, {"Origin": "https://evil.example"})
    assert status == 403
    assert body == b""
    assert headers["Access-Control-Allow-Origin"] == "http://localhost"


def test_implicitly_trusted_origins(anki: AnkiProcess) -> None:
    for origin in ("chrome-extension://abcdef", "moz-extension://x", "http://127.0.0.1:3000", "http://localhost"):
        status, headers, body = anki.post({"action": "version", "version": 6}, {"Origin": origin})
        assert status == 200, origin
        assert headers["Access-Control-Allow-Origin"] == origin
    status, _, _ = anki.post({"action": "version", "version": 6}, {"Origin": "http://localhost:3000"})
    assert status == 403


def private_network_preflight(anki: AnkiProcess, origin: str) -> tuple[int, dict[str, str], bytes]:
    """A browser's preflight before a POST from ``origin`` to a private address."""
    return anki.post(b"", {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Private-Network": "true",
    }, method="OPTIONS")


def test_options_preflight_with_private_network(anki: AnkiProcess) -> None:
    status, headers, body = private_network_preflight(anki, "chrome-extension://abc")
    assert status == 200 and body == b""
    assert headers["Access-Control-Allow-Origin"] == "chrome-extension://abc"
    assert headers["Access-Control-Allow-Headers"] == "*"
    assert headers["Access-Control-Allow-Private-Network"] == "true"
    _, plain, _ = anki.post(b"", {"Origin": "chrome-extension://abc"}, method="OPTIONS")
    assert "Access-Control-Allow-Private-Network" not in plain


def test_untrusted_preflight_grants_nothing_and_a_large_untrusted_body_is_refused_at_once(anki: AnkiProcess) -> None:
    status, headers, body = private_network_preflight(anki, "https://evil.example")
    assert status == 200 and body == b""
    assert not [name for name in headers if name.lower().startswith("access-control-")], headers
    with socket.create_connection((anki.host, anki.port), timeout=10) as sock:
        # below maxBodyBytes, far above what requestPermission needs; only its start is sent
        sock.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nOrigin: https://evil.example\r\n"
                     b"Content-Length: 900000\r\n\r\n{")
        assert sock.recv(4096).startswith(b"HTTP/1.1 403 ")


def test_two_requests_on_one_keep_alive_connection(anki: AnkiProcess) -> None:
    conn = anki.connection()
    try:
        for _ in range(2):
            conn.request("POST", "/", body=b'{"action": "version", "version": 6}')
            response = conn.getresponse()
            assert json.loads(response.read()) == {"result": 6, "error": None}
        assert conn.sock is not None  # still the same, open socket
    finally:
        conn.close()


def test_pipelined_requests_are_answered_in_order(anki: AnkiProcess) -> None:
    one = b'{"action": "deckNames", "version": 6}'
    two = b'{"action": "version", "version": 6}'
    data = b"".join(
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n%s" % (len(b), b) for b in (one, two)
    )
    received = raw_exchange(anki, data, expect_responses=2)
    first = received.index(b'"result": [')
    second = received.index(b'"result": 6')
    assert first < second


def test_chunked_post(anki: AnkiProcess) -> None:
    body = b'{"action": "version", "version": 6}'
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:7], body[7:]))
    data = b"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    received = raw_exchange(anki, data)
    assert received.startswith(b"HTTP/1.1 200 OK")
    assert received.endswith(b'{"result": 6, "error": null}')


def test_expect_100_continue(anki: AnkiProcess) -> None:
    body = b'{"action": "version", "version": 6}'
    with socket.create_connection((anki.host, anki.port), timeout=10) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        interim = sock.recv(1024)
        assert interim.startswith(b"HTTP/1.1 100")
        sock.sendall(body)
        final = b""
        while not final.endswith(b"null}"):
            final += sock.recv(4096)
        assert b'{"result": 6, "error": null}' in final


def test_oversize_body_gets_413(anki: AnkiProcess) -> None:
    big = b'{"action": "version", "params": {"x": "' + b"a" * 1_100_000 + b'"}}'
    status, _, body = anki.post(big)
    assert status == 413
    assert b"larger than" in body
    chunked = b"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunked += b"".join(b"%x\r\n%s\r\n" % (100_000, b"a" * 100_000) for _ in range(11)) + b"0\r\n\r\n"
    assert raw_exchange(anki, chunked).startswith(b"HTTP/1.1 413")


def test_foreign_host_is_refused(anki: AnkiProcess) -> None:
    status, _, body = anki.post({"action": "version"}, {"Host": "evil.example:8765"})
    assert status == 403 and b"host" in body
    for host in (f"localhost:{anki.port}", f"127.0.0.1:{anki.port}", "[::1]"):
        status, _, _ = anki.post({"action": "version"}, {"Host": host})
        assert status == 200, host


def test_broken_http_gets_a_clear_400(anki: AnkiProcess) -> None:
    received = raw_exchange(anki, b"THIS IS NOT HTTP\r\n\r\n")
    assert received.startswith(b"HTTP/1.1 400")
    assert b"bad request" in received


def test_api_key_required_but_request_permission_answers(anki_keyed: AnkiProcess) -> None:
    assert anki_keyed.request({"action": "deckNames", "version": 6}) == {
        "result": None, "error": "valid api key must be provided",
    }
    assert anki_keyed.request({"action": "deckNames", "version": 6, "key": "wrong"})["error"] == (
        "valid api key must be provided"
    )
    assert anki_keyed.request({"action": "version", "version": 6, "key": API_KEY}) == {"result": 6, "error": None}
    assert anki_keyed.request({"action": "requestPermission", "version": 6}) == {
        "result": {"permission": "granted", "requireApikey": True, "version": 6},
        "error": None,
    }


def test_api_log_path_records_requests_and_replies(anki: AnkiProcess) -> None:
    marker = "logged-deck-name"
    anki("createDeck", deck=marker)
    text = (anki.base / "api.log").read_text()
    assert "[request]" in text and "[reply]" in text
    assert f'"deck": "{marker}"' in text


def test_permission_prompt_never_blocks_and_times_out(anki: AnkiProcess) -> None:
    """An untrusted page asks for permission: Anki shows a non-modal prompt, the server
    keeps answering meanwhile, and with nobody answering the request is denied."""
    origin = "https://asks.example"
    outcome: dict[str, object] = {}

    def ask() -> None:
        outcome["reply"] = anki.post({"action": "requestPermission", "version": 6}, {"Origin": origin})

    asking = threading.Thread(target=ask)
    started = time.monotonic()
    asking.start()
    time.sleep(0.3)
    assert anki("deckNames")  # the prompt is showing; everything else still answers
    assert "reply" not in outcome
    asking.join(30)
    waited = time.monotonic() - started
    status, headers, body = outcome["reply"]  # type: ignore[misc]
    assert status == 200 and json.loads(body) == {"result": {"permission": "denied"}, "error": None}
    assert headers["Access-Control-Allow-Origin"] == origin  # the page can read its answer
    assert 1.5 < waited < 15  # permissionPromptTimeout is 2 s in the test config


def test_concurrent_permission_requests_from_one_origin_share_one_prompt(anki: AnkiProcess) -> None:
    """Thirty calls from one untrusted page: one prompt window, thirty identical answers."""
    origin = "https://asks-thirty-times.example"
    count = 30
    shown_before = anki("serverStatus")["anki"]["permissionPromptsShown"]
    connections = [anki.connection(timeout=30) for _ in range(count)]
    for connection in connections:
        connection.connect()  # connect first, so the thirty requests leave together
    body = json.dumps({"action": "requestPermission", "version": 6})
    try:
        for connection in connections:
            connection.request("POST", "/", body, {"Origin": origin})

        def all_waiting() -> dict | None:
            status = anki("serverStatus")
            waiting = [r["waiting"] for r in status["permissionRequests"] if r["origin"] == origin]
            return status if sum(waiting) == count and status["anki"]["permissionPrompts"] else None

        # well within the prompt's 2 s (permissionPromptTimeout in the test config)
        status = wait_until(all_waiting, timeout=1.5, interval=0.02)
        assert status["anki"]["permissionPrompts"] == [origin]  # Qt's windows: exactly one prompt
        assert [r["waiting"] for r in status["permissionRequests"]] == [count]  # all on that one
        replies = []
        for connection in connections:
            response = connection.getresponse()
            replies.append((response.status, response.read()))
    finally:
        for connection in connections:
            connection.close()
    assert replies == [(200, b'{"result": {"permission": "denied"}, "error": null}')] * count
    after = anki("serverStatus")
    assert after["anki"]["permissionPromptsShown"] == shown_before + 1
    assert after["anki"]["permissionPrompts"] == [] and after["permissionRequests"] == []


def test_every_reply_is_strict_json(anki: AnkiProcess) -> None:
    """Odd numbers and absurd nesting (with apiLogPath on, as in this Anki) still get
    exactly one reply each, in JSON a strict parser reads."""
    status, _, body = anki.post(b'{"action": "getDecks", "version": 6, '
                                b'"params": {"cards": [[Infinity], [18446744073709551616]]}}')
    assert status == 200 and strict_json(body) == {"result": {"Default": [[None], [2**64]]}, "error": None}
    deep = "[" * 990 + "]" * 990
    status, _, body = anki.post('{"action": "getDecks", "version": 6, "params": {"cards": %s}}' % deep)
    assert status == 200 and strict_json(body) == {"result": None, "error": TOO_DEEP}
    with anki.ws() as ws:
        ws.send('{"id": %s, "action": "version"}' % ("[" * 1000 + "]" * 1000))
        reply = strict_json(ws.recv(timeout=10))
        assert reply["id"] is None and reply["error"].startswith(TOO_DEEP)
        ws.send('{"id": 2, "action": "getDecks", "params": {"cards": %s}}' % deep)
        assert strict_json(ws.recv(timeout=10)) == {"id": 2, "result": None, "error": TOO_DEEP}
        ws.send('{"id": 3, "action": "version"}')
        assert strict_json(ws.recv(timeout=10)) == {"id": 3, "result": 6, "error": None}


def test_huge_integers_get_an_answer(anki: AnkiProcess) -> None:
    huge = 2**70
    for action, params in (("cardsModTime", {"cards": [huge]}), ("notesInfo", {"notes": [huge]}),
                           ("getDecks", {"cards": [huge]}), ("version", {})):
        status, _, body = anki.post(json.dumps({"action": action, "version": 6, "params": params}))
        assert status == 200, (action, body)
        reply = json.loads(body)
        assert set(reply) == {"result", "error"}, (action, reply)
    with anki.ws() as ws:
        ws.send(json.dumps({"id": huge, "action": "version"}))
        assert json.loads(ws.recv(timeout=10)) == {"id": huge, "result": 6, "error": None}


def test_http_replies_are_written_byte_for_byte_as_ankiconnect_writes_them(anki: AnkiProcess) -> None:
    """AnkiConnect writes every HTTP reply with Python's ``json.dumps`` defaults (", " and
    ": " separators, non-ASCII as \\uXXXX). Clients compare the text: trrc (PyPI) takes a
    sync as done only if the reply is exactly '{"result": null, "error": null}'."""
    deck = "Bytes Ünïcode 日本"
    anki("createDeck", deck=deck)
    for request in (
        {"action": "guiDeckBrowser", "version": 6},  # null, the shape of a finished sync
        {"action": "version", "version": 6},
        {"action": "version"},  # version 4: the bare result
        {"action": "deckNames", "version": 6},  # a list, with non-ASCII text
        {"action": "findModelsByName", "version": 6, "params": {"modelNames": ["Basic"]}},  # nested objects
        {"action": "createDeck", "version": 6, "params": {"deck": deck}},  # an int
        {"action": "multi", "version": 6, "params": {"actions": MULTI_EXAMPLE}},  # envelopes and an error
        {"action": "deckNames", "version": 6, "params": {"nope": 1}},  # an error with quotes
    ):
        status, _, body = anki.post(request)
        assert status == 200
        assert body == json.dumps(json.loads(body)).encode("ascii"), request
    status, _, body = anki.post(b"", method="GET")
    assert body == b'{"apiVersion": "AnkiConnect v.6"}'
    assert anki.post({"action": "guiDeckBrowser", "version": 6})[2] == b'{"result": null, "error": null}'
