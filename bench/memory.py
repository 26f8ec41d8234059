"""Memory under batch load: does Anki's resident memory stay flat while we serve
thousands of batch requests?

The real Anki runs through the CLI, so garbage collection is set up exactly as Anki sets
it up: aqt disables Python's automatic collection at start-up and collects only every
15 minutes (and after a dialog closes). Any reference cycle a request leaves behind
therefore stays in memory for up to 15 minutes, and a leak grows without bound.

Categories, one after the other, each ``--requests`` times (over HTTP unless said):

  * ``addNotes 1,000`` (1,000 new Basic notes) followed by ``deleteNotes`` of them, so the
    collection keeps its size (a pair counts as one request);
  * ``notesInfo 1,000`` (1,000 existing note ids), over HTTP and over one WebSocket;
  * ``cardsInfo 1,000`` (1,000 card ids);
  * ``findNotes`` (``deck:Bench``, 5,000 notes);
  * error replies: a rotation of an unknown deck in ``addNote``, a wrong parameter type,
    an unknown action and a missing parameter.

Measured: Anki's resident set size (VmRSS of the Anki process - the CLI's child - from
/proc/<pid>/status) every ``--every`` requests; growth per 1,000 requests is the
least-squares slope over the samples after the first ``--warmup`` requests of the
category. A probe add-on (written to BASE/addons21/bench_gc_probe before Anki starts)
reports, on request, ``gc.get_count()[0]`` - with automatic collection off, the net
number of container objects allocated since the last collection: objects kept alive by
cycles make it grow - and how many collections ran (Anki's 15-minute one included). At
the end the probe runs ``gc.collect()`` once: what it frees is what cycles held.
Open file descriptors of the Anki process are counted too (a leak of sockets or files).

    .venv/bin/python bench/memory.py [--quick] [--requests N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from _anki import AnkiProcess, machine, rss_kib, start_anki

PROBE_ADDON = '''"""Benchmark probe (written by bench/memory.py): gc counts on request.

bench/memory.py writes BASE/gc-probe.request (one JSON line: {"serial": n, "collect": bool});
this answers in BASE/gc-probe.jsonl from Anki's main thread. It only observes: it never
changes how Anki collects garbage, except for the one gc.collect() asked for at the end.
"""

import gc
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

from aqt import mw
from aqt.qt import QTimer

BASE = Path(__file__).resolve().parents[2]
REQUEST = BASE / "gc-probe.request"
ANSWERS = BASE / "gc-probe.jsonl"
_collections = {"runs": 0, "collected": 0}


def _on_gc(phase, info):
    if phase == "stop":
        _collections["runs"] += 1
        _collections["collected"] += info.get("collected", 0)


def _server_figures():
    """The server's own bookkeeping (read from the main thread: len() of a set or a dict
    the server thread changes is atomic under the GIL)."""
    for name, module in list(sys.modules.items()):
        addon = getattr(module, "_instance", None) if name.endswith("ankiconnect_ws.addon") else None
        if addon is not None:
            return {"sessions": len(addon.app.sessions), "subscribers": len(addon.bus.subscribers),
                    "connections": len(addon.server._connections)}
    return None


def _census(least=20):
    """How many objects gc tracks, by type (with at least ``least`` of them): compare two
    censuses to see what a leak is made of."""
    counts = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())
    return {name: count for name, count in counts.items() if count >= least}


def _check():
    if not REQUEST.exists():
        return
    request = json.loads(REQUEST.read_text())
    REQUEST.unlink()
    answer = {"serial": request["serial"], "time": time.time(), "enabled": gc.isenabled(),
              "count": gc.get_count(), "runs": _collections["runs"], "collected": _collections["collected"],
              "server": _server_figures()}
    if request.get("census"):
        answer["census"] = _census()
    if request.get("collect"):
        answer["freed"] = gc.collect()
        answer["count_after"] = gc.get_count()
        answer["server_after"] = _server_figures()
    with open(ANSWERS, "a") as out:
        out.write(json.dumps(answer) + "\\n")


gc.callbacks.append(_on_gc)
_timer = QTimer(mw)
_timer.timeout.connect(_check)
_timer.start(50)
'''


class Probe:
    def __init__(self, anki: AnkiProcess) -> None:
        self.anki = anki
        self.pid = anki.child_pid()
        self.serial = 0

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def gc(self, collect: bool = False, census: bool = False) -> dict[str, Any]:
        """Ask the probe add-on; its answer comes from Anki's main thread. ``server``: the
        server's bookkeeping (open sessions, event subscribers, connections); ``census``:
        how many objects gc tracks, by type."""
        self.serial += 1
        request = self.anki.base / "gc-probe.request"
        request.with_suffix(".tmp").write_text(json.dumps({"serial": self.serial, "collect": collect,
                                                           "census": census}))
        request.with_suffix(".tmp").rename(request)
        answers = self.anki.base / "gc-probe.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if answers.exists():
                for line in reversed(answers.read_text().splitlines()):
                    answer = json.loads(line)
                    if answer["serial"] == self.serial:
                        return answer
            time.sleep(0.02)
        raise RuntimeError("the gc probe did not answer")


class Http:
    """One keep-alive connection; every reply is checked."""

    def __init__(self, anki: AnkiProcess) -> None:
        self.conn = anki.connection(timeout=600)
        self.key = anki.key_field()

    def call(self, action: str, expect_error: bool = False, **params: Any) -> Any:
        self.conn.request("POST", "/", body=json.dumps({"action": action, "version": 6, "params": params, **self.key}),
                          headers={"Content-Type": "application/json"})
        response = self.conn.getresponse()
        reply = json.loads(response.read())
        if response.status != 200 or (reply["error"] is not None) != expect_error:
            raise RuntimeError(f"{action}: HTTP {response.status}, {str(reply)[:200]}")
        return reply["result"]


class Ws:
    def __init__(self, anki: AnkiProcess) -> None:
        self.ws = anki.ws(f"/?key={anki.key}" if anki.key else "/").__enter__()
        self.serial = 0

    def call(self, action: str, **params: Any) -> Any:
        self.serial += 1
        self.ws.send(json.dumps({"id": self.serial, "action": action, "params": params}))
        reply = json.loads(self.ws.recv(timeout=600))
        if reply["id"] != self.serial or reply["error"] is not None:
            raise RuntimeError(f"{action}: {str(reply)[:200]}")
        return reply["result"]


def notes(label: str, count: int) -> list[dict[str, Any]]:
    return [{"deckName": "Bench", "modelName": "Basic", "fields": {"Front": f"{label} {i}", "Back": "memory"},
             "tags": ["memory"]} for i in range(count)]


Step = Callable[[int], None]


def categories() -> dict[str, Callable[["Session"], Step]]:
    """Each category: given a fresh session, the function sending its n-th request."""

    def add_and_delete(session: "Session") -> Step:
        def step(n: int) -> None:
            added = session.http.call("addNotes", notes=notes(f"churn {n}", 1000))
            session.http.call("deleteNotes", notes=added)
        return step

    def error_replies(session: "Session") -> Step:
        http = session.http
        errors: list[Callable[[], Any]] = [
            lambda: http.call("addNote", expect_error=True, note=notes("x", 1)[0] | {"deckName": "No such deck"}),
            lambda: http.call("notesInfo", expect_error=True, notes="not a list"),
            lambda: http.call("noSuchAction", expect_error=True),
            lambda: http.call("findNotes", expect_error=True, bogus=1),
        ]
        return lambda n: errors[n % len(errors)]()

    return {
        "addNotes 1,000 (+ deleteNotes 1,000)": add_and_delete,
        "notesInfo 1,000": lambda s: lambda n: s.http.call("notesInfo", notes=s.note_ids[:1000]),
        "notesInfo 1,000 over WebSocket": lambda s: lambda n: s.ws.call("notesInfo", notes=s.note_ids[1000:2000]),
        "cardsInfo 1,000": lambda s: lambda n: s.http.call("cardsInfo", cards=s.card_ids[:1000]),
        "findNotes deck:Bench (5,000 notes)": lambda s: lambda n: s.http.call("findNotes", query="deck:Bench"),
        "error replies (4 kinds in turn)": error_replies,
    }


class Session:
    """A fresh Anki with a 5,000-note collection (``chunks`` thousand notes), for one
    category; ``config``: the add-on's settings."""

    def __init__(self, config: dict[str, Any] | None = None, chunks: int = 5) -> None:
        self.anki = start_anki("memory", files={"addons21/bench_gc_probe/__init__.py": PROBE_ADDON}, config=config)
        self.anki.key = (config or {}).get("apiKey")
        try:
            self.probe = Probe(self.anki)
            self.http, self.ws = Http(self.anki), Ws(self.anki)
            self.http.call("createDeck", deck="Bench")
            self.note_ids: list[int] = []
            for chunk in range(chunks):
                self.note_ids += self.http.call("addNotes", notes=notes(f"base {chunk}", 1000))
            self.card_ids: list[int] = self.http.call("findCards", query="deck:Bench")
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        try:
            if hasattr(self, "ws"):
                self.ws.ws.close()
        finally:
            self.anki.stop()
            shutil.rmtree(self.anki.base.parent, ignore_errors=True)


def slope_per_thousand(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of value over request number, per 1,000 requests."""
    count = len(points)
    if count < 2:
        return float("nan")
    mean_x = sum(x for x, _ in points) / count
    mean_y = sum(y for _, y in points) / count
    numerator = sum((x - mean_x) * (y - mean_y) for x, y in points)
    denominator = sum((x - mean_x) ** 2 for x, _ in points)
    return numerator / denominator * 1000 if denominator else float("nan")


@dataclass
class Drive:
    """What ``drive`` saw: ``growth`` in MiB and ``kept`` in gen0 objects, per 1,000 steps."""
    done: int
    seconds: float
    capped: bool
    start_rss: float
    end_rss: float
    start_fds: int
    end_fds: int
    growth: float
    kept: float
    gc_runs: int


def drive(probe: Probe, step: Step, count: int, args: argparse.Namespace) -> Drive:
    """Run ``step(1..count)``; Anki's RSS and gc gen0 count every ``args.every`` steps
    after ``args.warmup``; stop early once the RSS passes ``args.max_rss`` MiB."""
    state = probe.gc()
    assert not state["enabled"], "Anki runs with automatic gc on?"
    rss: list[tuple[int, float]] = []
    objects: list[tuple[int, float]] = []
    start_rss, start_fds = probe.rss_kib() / 1024, probe.fds()
    began = time.perf_counter()
    done = 0
    capped = False
    for n in range(1, count + 1):
        step(n)
        done = n
        if n % args.every == 0:
            current = probe.rss_kib() / 1024
            if n >= args.warmup:
                rss.append((n, current))
                objects.append((n, probe.gc()["count"][0]))
            if current > args.max_rss:
                capped = True
                break
    seconds = time.perf_counter() - began
    end_gc = probe.gc()
    return Drive(done, seconds, capped, start_rss, probe.rss_kib() / 1024, start_fds, probe.fds(),
                 slope_per_thousand(rss), slope_per_thousand(objects), end_gc["runs"] - state["runs"])


def run_category(name: str, make_step: Callable[[Session], Step], args: argparse.Namespace) -> tuple[str, list[str]]:
    session = Session()
    try:
        probe = session.probe
        run = drive(probe, make_step(session), args.requests, args)
        # the event replay buffer grows up to eventBufferBytes: part of the RSS growth
        buffered = session.http.call("serverStatus")["events"]["bufferedBytes"] / 2**20
        collected = probe.gc(collect=True)
        after_rss = probe.rss_kib() / 1024
    finally:
        session.close()
    line = (f"{name}: {run.done} requests in {run.seconds:.0f} s"
            f"{' (stopped: RSS over --max-rss)' if run.capped else ''}; "
            f"RSS {run.start_rss:.0f} -> {run.end_rss:.0f} MiB: {run.growth:+.1f} MiB per 1,000 requests; "
            f"gc gen0 objects {run.kept:+,.0f} per 1,000 requests; gc runs during it: {run.gc_runs}; "
            f"fds {run.start_fds} -> {run.end_fds}; event replay buffer {buffered:.1f} MiB; "
            f"gc.collect() at the end freed {collected['freed']:,} objects, "
            f"RSS -> {after_rss:.0f} MiB")
    row = [name, f"{run.done:,}", f"{run.growth:+.1f}", f"{run.kept:+,.0f}", f"{collected['freed']:,}"]
    return line, row


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in enumerate(zip(row, widths))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 requests per category")
    parser.add_argument("--requests", type=int, default=1000, help="requests per category (default 1,000)")
    parser.add_argument("--every", type=int, default=50, help="measure every N requests (default 50)")
    parser.add_argument("--warmup", type=int, default=100, help="requests before the slope starts (default 100)")
    parser.add_argument("--max-rss", type=float, default=3000, help="stop a category once Anki's RSS passes "
                        "this many MiB (default 3,000), so that a leak cannot exhaust the machine")
    parser.add_argument("--only", help="run only the categories whose name contains this text")
    args = parser.parse_args()
    if args.quick:
        args.requests = 300
    print(f"machine: {machine()}")
    print(f"each category on a fresh Anki (automatic gc off, as Anki runs) with 5,000 Basic notes; "
          f"RSS of the Anki process every {args.every} requests, slope from request {args.warmup}")
    rows = []
    for name, make_step in categories().items():
        if args.only and args.only not in name:
            continue
        line, row = run_category(name, make_step, args)
        print(line, flush=True)
        rows.append(row)
    print_table(["category", "requests", "RSS MiB / 1,000 req", "gen0 objects / 1,000 req", "freed by gc.collect()"],
                rows)


if __name__ == "__main__":
    main()
