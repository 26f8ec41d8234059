"""Add-and-delete churn on the real Anki: whose is the resident memory it grows?

Each step adds 1,000 Basic notes and deletes them again, either through our API
(``--via http`` or ``--via ws``: ``addNotes`` then ``deleteNotes``) or with no request of
ours at all (``--via anki``: a probe add-on on Anki's main thread runs Anki's own
operations the way its GUI does - ``CollectionOp(mw, lambda col: col.add_notes(...))``
then ``aqt.operations.note.remove_notes`` - so ``operation_did_execute`` and the screen
refreshes run as they do for our requests; our add-on is loaded and sees the same hooks;
or ``--via backend``: the probe calls ``col.add_notes`` and ``col.remove_notes`` itself on
the main thread, the same backend calls our actions make, with none of our code around them).
Anki's RSS is printed every ``--every`` steps; at the end the probe calls glibc's
``malloc_trim(0)`` and the RSS after it shows how much was free memory the allocator
kept rather than memory in use; then SQLite's page cache is emptied (and restored) to
show how much of the rest it held.

    .venv/bin/python bench/churn_rss.py --via anki --steps 4000 --every 200
    .venv/bin/python bench/churn_rss.py --via http --buffer-bytes 1000000 --env MALLOC_ARENA_MAX=2
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from typing import Any

from _anki import machine, rss_kib, start_anki
from memory import Http, Ws, notes

PROBE_ADDON = '''"""Probe (written by bench/churn_rss.py): Anki-only churn and malloc_trim on request."""

import ctypes
import json
import time
from pathlib import Path

from anki.collection import AddNoteRequest
from aqt import mw
from aqt.operations import CollectionOp
from aqt.operations.note import remove_notes
from aqt.qt import QTimer

BASE = Path(__file__).resolve().parents[2]
REQUEST = BASE / "churn-probe.request"
ANSWERS = BASE / "churn-probe.jsonl"


def _rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])


def _answer(**fields):
    with open(ANSWERS, "a") as out:
        out.write(json.dumps({"time": time.time(), "rss_kib": _rss_kib(), **fields}) + "\\n")


def _churn(step, steps, every, direct=False):
    if step > steps:
        _answer(done=True, step=steps)
        return
    col = mw.col
    notetype = col.models.by_name("Basic")
    deck_id = col.decks.id("Bench")
    requests = []
    for i in range(1000):
        note = col.new_note(notetype)
        note["Front"] = f"anki churn {step} {i}"
        note["Back"] = "memory"
        note.tags = ["memory"]
        note.fields_check()  # the Add dialog's duplicate check
        requests.append(AddNoteRequest(note, deck_id))

    if direct:  # the backend calls alone, on the main thread, as our addNotes/deleteNotes make them
        col.add_notes(requests)
        col.remove_notes([request.note.id for request in requests])
        if step % every == 0:
            _answer(step=step)
        QTimer.singleShot(0, lambda: _churn(step + 1, steps, every, direct))
        return

    def added(_changes):
        ids = [request.note.id for request in requests]
        remove_notes(parent=mw, note_ids=ids).success(deleted).run_in_background()

    def deleted(_changes):
        if step % every == 0:
            _answer(step=step)
        QTimer.singleShot(0, lambda: _churn(step + 1, steps, every))

    CollectionOp(mw, lambda col: col.add_notes(requests)).success(added).run_in_background()


def _check():
    if not REQUEST.exists():
        return
    request = json.loads(REQUEST.read_text())
    REQUEST.unlink()
    if request["cmd"] == "trim":
        libc = ctypes.CDLL("libc.so.6")
        before = _rss_kib()
        freed = libc.malloc_trim(0)
        trimmed = _rss_kib()
        # SQLite's page cache (Anki sets cache_size to 40 MiB): empty it, trim, measure, restore
        try:
            db = mw.col.db
            cache_size = db.scalar("pragma cache_size")
            sqlite = {"cache_size": cache_size, "page_count": db.scalar("pragma page_count"),
                      "freelist_count": db.scalar("pragma freelist_count"),
                      "graves": db.scalar("select count() from graves")}
            db.execute("pragma cache_size = 0")
            libc.malloc_trim(0)
            sqlite["rss_kib_without_cache"] = _rss_kib()
            db.execute(f"pragma cache_size = {int(cache_size)}")
        except Exception as exc:  # a probe: report, never raise into Anki
            sqlite = {"error": repr(exc)}
        _answer(serial=request["serial"], before_kib=before, released=freed, trimmed_kib=trimmed, sqlite=sqlite)
    elif request["cmd"] == "churn":
        _answer(serial=request["serial"], started=True)
        _churn(1, request["steps"], request["every"], request.get("direct", False))


_timer = QTimer(mw)
_timer.timeout.connect(_check)
_timer.start(50)
'''


class Probe:
    def __init__(self, anki: Any) -> None:
        self.anki = anki
        self.pid = anki.child_pid()
        self.serial = 0
        self.answers = anki.base / "churn-probe.jsonl"

    def rss_mib(self) -> float:
        return rss_kib(self.pid) / 1024

    def send(self, **request: Any) -> int:
        self.serial += 1
        target = self.anki.base / "churn-probe.request"
        target.with_suffix(".tmp").write_text(json.dumps({"serial": self.serial, **request}))
        target.with_suffix(".tmp").rename(target)
        return self.serial

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.answers.read_text().splitlines()] if self.answers.exists() else []

    def wait_for(self, match: Any, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for answer in self.lines():
                if match(answer):
                    return answer
            time.sleep(0.05)
        raise RuntimeError("the probe did not answer")

    def trim(self) -> dict[str, Any]:
        serial = self.send(cmd="trim")
        return self.wait_for(lambda a: a.get("serial") == serial and "released" in a, 60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--via", choices=["http", "ws", "anki", "backend"], default="http")
    parser.add_argument("--steps", type=int, default=4000, help="add-and-delete steps of 1,000 notes")
    parser.add_argument("--every", type=int, default=200, help="print RSS every N steps")
    parser.add_argument("--buffer-bytes", type=int, help="our eventBufferBytes (default: the add-on's)")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the Anki process")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    config = {"eventBufferBytes": args.buffer_bytes} if args.buffer_bytes else None
    print(f"machine: {machine()}; via {args.via}, {args.steps} steps, env {env}, config {config}", flush=True)
    anki = start_anki("churn", files={"addons21/bench_churn_probe/__init__.py": PROBE_ADDON}, config=config, env=env)
    try:
        probe = Probe(anki)
        http = Http(anki)
        http.call("createDeck", deck="Bench")
        print(f"start: RSS {probe.rss_mib():.0f} MiB", flush=True)
        began = time.time()
        if args.via in ("anki", "backend"):
            probe.send(cmd="churn", steps=args.steps, every=args.every, direct=args.via == "backend")
            shown = 0
            while True:
                steps = [a for a in probe.lines() if "step" in a]
                for answer in steps[shown:]:
                    print(f"{answer['step']:>6} {answer['rss_kib'] / 1024:7.0f} MiB {answer['time'] - began:6.0f} s",
                          flush=True)
                shown = len(steps)
                if steps and steps[-1].get("done"):
                    break
                if anki.proc.poll() is not None:
                    raise RuntimeError("Anki exited")
                time.sleep(1)
        else:
            client = Ws(anki) if args.via == "ws" else http
            for step in range(1, args.steps + 1):
                added = client.call("addNotes", notes=notes(f"churn {step}", 1000))
                client.call("deleteNotes", notes=added)
                if step % args.every == 0:
                    print(f"{step:>6} {probe.rss_mib():7.0f} MiB {time.time() - began:6.0f} s", flush=True)
        trimmed = probe.trim()
        print(f"end: RSS {trimmed['before_kib'] / 1024:.0f} MiB; after malloc_trim(0): "
              f"{trimmed['trimmed_kib'] / 1024:.0f} MiB; SQLite {trimmed['sqlite']}; "
              f"events {Http(anki).call('serverStatus')['events']}", flush=True)  # a new connection: an idle one is closed
    finally:
        anki.stop()
        shutil.rmtree(anki.base.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
