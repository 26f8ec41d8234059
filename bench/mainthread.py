"""Qt main-thread lag: how late Anki's main thread runs a 10 ms timer while we serve requests.

Before Anki starts, a tiny measuring add-on is written into BASE/addons21/bench_lag: a
single-shot 10 ms ``QTimer`` on Anki's main thread, re-armed at every firing, records its
lateness (actual interval - 10 ms) and every 0.5 s appends the samples collected since
the last write to BASE/lag.jsonl as ``{"t": <time.time()>, "samples": [ms, ...]}``.

Scenarios (the lines whose ``t`` falls in the scenario's window, plus up to 0.5 s after
it, are counted, so the edges include up to half a second of quiet):
  * idle for 5 s;
  * 8 WebSocket clients sending ``deckNames`` (runs on the main thread) flat out for
    10 s, each keeping ``--inflight`` requests in flight;
  * one ``addNotes`` of 10,000 Basic notes over HTTP.

    .venv/bin/python bench/mainthread.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import time
from typing import Any

from websockets.asyncio.client import connect

from _anki import AnkiProcess, machine, percentile, start_anki, timed_call

FLUSH_SECONDS = 0.5

LAG_ADDON = '''"""Benchmark probe (written by bench/mainthread.py): main-thread timer lateness."""

import json
import shutil
import time
from pathlib import Path

from aqt import mw
from aqt.qt import Qt, QTimer

INTERVAL_MS = 10
FLUSH_SECONDS = 0.5
OUTPUT = Path(__file__).resolve().parents[2] / "lag.jsonl"

_samples = []
_armed_at = [0.0]
_flushed_at = [time.monotonic()]


def _tick():
    fired = time.perf_counter()
    _timer.start()
    _samples.append(round((fired - _armed_at[0]) * 1000 - INTERVAL_MS, 3))
    _armed_at[0] = time.perf_counter()
    if time.monotonic() - _flushed_at[0] >= FLUSH_SECONDS:
        _flushed_at[0] = time.monotonic()
        with open(OUTPUT, "a") as out:
            out.write(json.dumps({"t": time.time(), "samples": _samples}) + "\\n")
        _samples.clear()


_timer = QTimer(mw)
_timer.setSingleShot(True)
_timer.setTimerType(Qt.TimerType.PreciseTimer)
_timer.setInterval(INTERVAL_MS)
_timer.timeout.connect(_tick)
_timer.start()
_armed_at[0] = time.perf_counter()
'''


def read_lag(anki: AnkiProcess, start: float, end: float) -> list[float]:
    lines = (anki.base / "lag.jsonl").read_text().splitlines()
    samples: list[float] = []
    for line in lines:
        entry = json.loads(line)
        if start < entry["t"] <= end + FLUSH_SECONDS:
            samples.extend(entry["samples"])
    return samples


def flood(anki: AnkiProcess, action: str, clients: int, inflight: int, seconds: float) -> int:
    """``clients`` WebSocket connections each keeping ``inflight`` requests going; replies received."""
    url = f"ws://{anki.host}:{anki.port}/"
    deadline = time.perf_counter() + seconds
    done = [0]

    async def client() -> None:
        async with connect(url, max_size=None, compression=None, open_timeout=10) as ws:
            slots = asyncio.Semaphore(inflight)

            async def receive() -> None:
                async for message in ws:
                    if json.loads(message).get("error") is not None:
                        raise RuntimeError(message)
                    done[0] += 1
                    slots.release()

            receiver = asyncio.create_task(receive())
            request_id = 0
            while time.perf_counter() < deadline:
                await slots.acquire()
                request_id += 1
                await ws.send(json.dumps({"id": request_id, "action": action, "version": 6}))
            for _ in range(inflight):
                await asyncio.wait_for(slots.acquire(), 30)
            receiver.cancel()

    async def run() -> None:
        await asyncio.gather(*(client() for _ in range(clients)))

    asyncio.run(run())
    return done[0]


def note_specs(count: int) -> list[dict[str, Any]]:
    return [{"deckName": "Bench", "modelName": "Basic",
             "fields": {"Front": f"lag bench {i}", "Back": "back"}} for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="short run")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--inflight", type=int, default=32, help="requests in flight per client")
    parser.add_argument("--flood-action", default="deckNames",
                        help="action the clients send (e.g. version, which stays off the main thread)")
    args = parser.parse_args()
    idle_seconds, flood_seconds, settle_seconds = (2.0, 3.0, 1.0) if args.quick else (5.0, 10.0, 3.0)
    note_count = 10000
    print(f"machine: {machine()}")
    anki = start_anki("mainthread", files={"addons21/bench_lag/__init__.py": LAG_ADDON})
    windows: list[tuple[str, float, float]] = []
    try:
        anki("createDeck", deck="Bench")
        time.sleep(settle_seconds)  # let Anki's start-up work (update check etc.) finish

        start = time.time()
        time.sleep(idle_seconds)
        windows.append((f"idle {idle_seconds:g} s", start, time.time()))
        time.sleep(1.0)

        start = time.time()
        replies = flood(anki, args.flood_action, args.clients, args.inflight, flood_seconds)
        end = time.time()
        windows.append((f"{args.clients} WebSocket clients x {args.inflight} in flight, {args.flood_action} for "
                        f"{flood_seconds:g} s ({replies / (end - start):,.0f} req/s)", start, end))
        time.sleep(1.0)

        specs = note_specs(note_count)
        start = time.time()
        result, elapsed = timed_call(anki, "addNotes", notes=specs)
        end = time.time()
        if None in result:
            raise RuntimeError(f"addNotes: {result.count(None)} notes not added")
        windows.append((f"one addNotes of {note_count:,} notes ({elapsed:,.0f} ms)", start, end))
        time.sleep(2 * FLUSH_SECONDS + 0.2)  # the last samples reach the file
        results = [(label, read_lag(anki, start, end)) for label, start, end in windows]
    finally:
        anki.stop()
        shutil.rmtree(anki.base.parent, ignore_errors=True)
    print("main-thread lag (lateness of a 10 ms timer):")
    missed = []
    for label, samples in results:
        if not samples:
            print(f"    {label}: no samples")
            missed.append(label)
            continue
        p50, p99, worst = percentile(samples, 50), percentile(samples, 99), max(samples)
        print(f"    {label}: median {p50:.3f} ms, p99 {p99:.3f} ms, max {worst:.3f} ms, n={len(samples)}")
        if p99 > 16 or worst > 100:
            missed.append(label)
    print(f"targets: p99 <= 16 ms and max <= 100 ms in every scenario -> "
          f"{'MET' if not missed else 'MISSED in: ' + '; '.join(missed)}")


if __name__ == "__main__":
    main()
