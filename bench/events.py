"""Latency from an Anki hook firing to a WebSocket subscriber receiving the event.

Starts the real Anki through the CLI, subscribes over the WebSocket, then causes 1,000
events one at a time and measures, for each, receive time minus the event's ``time``
(stamped when the hook fired, in whole milliseconds, so each figure is exact to +-1 ms).

    .venv/bin/python bench/events.py [--count 1000]
"""

from __future__ import annotations

import argparse
import json
import time

from _anki import start_anki, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    anki = start_anki("events")
    try:
        anki("createDeck", deck="Bench events")
        latencies: list[float] = []
        with anki.ws() as ws:
            ws.send(json.dumps({"id": 1, "action": "subscribe", "params": {"events": ["note"]}}))
            json.loads(ws.recv(timeout=10))
            seen: set[int] = set()
            for i in range(args.count):
                note_id = anki("addNote", note={"deckName": "Bench events", "modelName": "Basic",
                                                "fields": {"Front": f"event {i}", "Back": "x"}})
                # changes close together may share one event: wait for the one with our id
                while note_id not in seen:
                    try:
                        message = json.loads(ws.recv(timeout=10))
                    except TimeoutError:
                        raise SystemExit(f"no note.added for note {note_id} (#{i}); seen {len(seen)}: {anki.log_tail(15)}") from None
                    if message.get("event") == "note.added":
                        latencies.append(time.time() * 1000 - message["time"])
                        seen.update(message["data"]["noteIds"])
        print(f"hook -> WebSocket client, note.added: {summary(latencies)} ({args.count} notes)")
    finally:
        anki.stop()


if __name__ == "__main__":
    main()
