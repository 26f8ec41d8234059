"""The cost of checking params against the schema (``validateParams``).

Two real Annis run side by side, one with ``validateParams`` true (the default) and one
with it false; the same requests go to both, in alternating rounds, so load on the
machine affects both alike. Printed: round-trip medians for ``version`` and
``deckNames`` (no params: the usual case) and for ``getDeckStats`` with a 200-name list
(params the validator walks), over HTTP keep-alive and WebSocket, on and off, with the
overhead. Then the validator alone, in this process: microseconds per check.
``--control`` turns validation off in both: what "overhead" then shows is noise.

    .venv/bin/python bench/validation.py [--rounds N] [--per-round N] [--control]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import statistics
import sys
import time
from typing import Any

from websockets.sync.client import connect as ws_connect_sync

from _anki import machine, start_anki
from anki_process import ROOT

#: what is measured: label -> (action, params)
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "version": ("version", {}),
    "deckNames": ("deckNames", {}),
    "getDeckStats (200 names)": ("getDeckStats", {"decks": ["Default"] * 200}),
}


class Client:
    """One keep-alive HTTP connection and one WebSocket to an Anki."""

    def __init__(self, anki: Any) -> None:
        self.http = http.client.HTTPConnection(anki.host, anki.port, timeout=30)
        self._ws = contextlib.ExitStack()
        self.ws = self._ws.enter_context(ws_connect_sync(f"ws://{anki.host}:{anki.port}/", max_size=None,
                                                         compression=None, open_timeout=10))

    def http_ms(self, body: bytes) -> float:
        start = time.perf_counter()
        self.http.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
        reply = self.http.getresponse().read()
        elapsed = (time.perf_counter() - start) * 1000
        _check(reply)
        return elapsed

    def ws_ms(self, message: str) -> float:
        start = time.perf_counter()
        self.ws.send(message)
        reply = self.ws.recv(timeout=30)
        elapsed = (time.perf_counter() - start) * 1000
        _check(reply)
        return elapsed

    def close(self) -> None:
        self.http.close()
        self._ws.close()


def _check(reply: bytes | str) -> None:
    if json.loads(reply).get("error") is not None:
        raise RuntimeError(f"unexpected error reply: {reply[:200]!r}")


def measure(clients: dict[str, Client], rounds: int, per_round: int) -> dict[tuple[str, str, str], list[float]]:
    """(case, transport, "on"/"off") -> round-trip times in ms."""
    samples: dict[tuple[str, str, str], list[float]] = {}
    for round_number in range(rounds):
        for label, (action, params) in CASES.items():
            body = json.dumps({"action": action, "version": 6, "params": params})
            order = list(clients.items()) if round_number % 2 else list(reversed(clients.items()))
            for switch, client in order:
                samples.setdefault((label, "HTTP", switch), []).extend(
                    client.http_ms(body.encode()) for _ in range(per_round))
                samples.setdefault((label, "WebSocket", switch), []).extend(
                    client.ws_ms(body) for _ in range(per_round))
    return samples


def report(samples: dict[tuple[str, str, str], list[float]]) -> None:
    print(f"{'case':28} {'transport':10} {'on (ms)':>9} {'off (ms)':>9} {'overhead':>9}")
    for label in CASES:
        for transport in ("HTTP", "WebSocket"):
            on = statistics.median(samples[(label, transport, "on")])
            off = statistics.median(samples[(label, transport, "off")])
            print(f"{label:28} {transport:10} {on:9.3f} {off:9.3f} {100 * (on - off) / off:8.1f}%")


def validator_alone() -> None:
    """Microseconds per check_params call in this process (validators built first)."""
    import anki.collection  # noqa: F401 - the actions import anki.config, which needs it first

    sys.path.insert(0, str(ROOT))  # this script runs with bench/ on the path, not the project
    from ankiconnect_ws import validation

    validation.prepare()
    payloads = {
        "version {}": ("version", {}),
        "getDeckStats 200 names": ("getDeckStats", {"decks": ["Default"] * 200}),
        "notesInfo 30,000 ids": ("notesInfo", {"notes": list(range(30_000))}),
        "updateNote (fields, tags)": ("updateNote", {"note": {"id": 1, "fields": {"Front": "a", "Back": "b"},
                                                              "tags": ["x"]}}),
        "findCards query": ("findCards", {"query": "deck:Default"}),
    }
    print("validator alone (µs per call, median of 5 x 2,000):")
    for label, (action, params) in payloads.items():
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(2000):
                validation.check_params(action, params)
            runs.append((time.perf_counter() - start) / 2000 * 1e6)
        print(f"    {label:28} {statistics.median(runs):7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--per-round", type=int, default=50)
    parser.add_argument("--control", action="store_true",
                        help="validation off in both Ankis: the differences are then the noise of the machine")
    args = parser.parse_args()
    print(machine())
    first = {"validateParams": False} if args.control else None
    ankis = {"on": start_anki("validation-on", config=first),
             "off": start_anki("validation-off", config={"validateParams": False})}
    clients: dict[str, Client] = {}
    try:
        clients = {switch: Client(anki) for switch, anki in ankis.items()}
        measure(clients, rounds=1, per_round=50)  # warm-up: connections, validators, caches
        report(measure(clients, args.rounds, args.per_round))
    finally:
        for client in clients.values():
            client.close()
        for anki in ankis.values():
            anki.stop()
    validator_alone()


if __name__ == "__main__":
    main()
