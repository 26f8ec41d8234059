"""Scale: our API on large collections (2,000 and 100,000 notes) against the same work done
in-process with pylib (the "limit") and, optionally, against the original AnkiConnect.

Collections. Built once with pylib and cached in ``~/.cache/ankiconnect-ws/scale/<N>.anki2``
(under ``$XDG_CACHE_HOME`` if set; built into a temporary file, then renamed, under a file
lock): N Basic notes, Front ``scale front {i} <words>`` (unique), Back ``back {i} <words>``,
three tags each, in two decks, even notes in "Big" and odd ones in "Big::Sub" (so
``deck:Big`` finds them all). Added with ``col.add_notes`` in chunks of 5,000, then
vacuumed and analysed (``col.optimize()``, as Anki does on a profile's first close) and
closed with ``col.close(downgrade=False)``. Before each Anki start the cached file is
copied into a fresh base folder as ``User 1/collection.anki2``: the CLI's
``prepare_base`` only adds the profile's row to prefs21.db, so that copy is the
collection Anki opens.

Steps. For each size, the real Anki 26.9 with our add-on (started through the CLI,
``bench/anki_process.py``) gets each step below, each request on a new HTTP connection.
Time: from sending the request body (encoded before the clock starts) to the last byte of
the reply (the client's JSON parsing is not counted either). Cheap steps run 3-5 times
(median); on a collection of 50,000 notes or more, reads of all ids and the 1,000
updates through ``multi`` (tens of seconds each) run once. Steps:
findNotes / findCards ``deck:Big``; notesInfo, cardsInfo, cardsModTime, getIntervals,
getEaseFactors of 10,000 ids and of all; canAddNotes of 1,000 and 10,000 (half of them
duplicates of existing fronts); addNotes of 1,000 new notes into "Big";
updateNoteFields of 1,000 notes through one ``multi`` and as 1,000 separate requests;
updateNote (fields and tags) of 1,000 notes through ``multi``; addTags on 1,000 notes
and on all; changeDeck of 1,000 cards (to "Big::Moved"); setDueDate "1" of 1,000
cards; getDeckStats of both decks; deleteNotes of 1,000 notes (those the bench added).

For each step: wall time, reply size; the lateness of a 10 ms precise timer on Anki's main
thread during the step (a probe add-on records every firing with its ``time.time()``, so
a sample belongs to a step exactly when it fired between the step's first request and
the next step, ``PAUSE`` after its last reply); Anki's resident memory (VmRSS of the
Anki process, the CLI's child) before the step, after it, and the peak during it (a
thread samples it every 20 ms: VmHWM cannot be reset).

The limit: the same work in this process with pylib, on a second copy of the collection
(each repetition runs right after ours, so load on the machine hits both alike):
  * findNotes / findCards: ``col.find_notes`` / ``col.find_cards``;
  * notesInfo: ``col.get_note`` per id, the card ids of all notes in one SQL query, and
    the dict the action returns (fields by name, tags, model name, mod, cards);
  * cardsInfo: ``col.get_card`` + ``card.note()`` per id, note types cached, the card
    rendered once (``card.render_output()``: question and answer with CSS) and its next
    intervals (``describe_next_states`` of its scheduling states), deck names from one
    lookup: the dict the action returns;
  * cardsModTime / getEaseFactors: one SQL query on ``cards``; getIntervals: one on
    ``cards`` and one on ``revlog``;
  * canAddNotes: first-field checksums and one SQL lookup (bench/notes.py's reference);
  * addNotes: ``col.new_note`` + fields + one ``col.add_notes`` (no duplicate check);
  * updateNoteFields / updateNote: ``col.get_note`` per id, fields (and tags) set, one
    ``col.update_notes``; the same reference for the 1,000 separate requests;
  * addTags: ``col.tags.bulk_add``; changeDeck: ``col.set_deck``; setDueDate:
    ``col.sched.set_due_date``; getDeckStats: ``col.sched.deck_due_tree()`` walked for
    the two decks; deleteNotes: ``col.remove_notes``.

Start-up (on the largest collection; ``--startup-runs`` launches of each kind, in turn):
Anki started by a small launcher that does what the CLI does (``prepare_base``, then
``aqt.run()`` with ``-b BASE -p "User 1"`` headless, in a child process), once with our
add-on installed from the built file (as the CLI installs it) and once with none (stock
Anki; and with upstream's add-on when ``--upstream`` is given). Two probe add-ons load
first and last (Anki imports add-ons in folder-name order: ``aaa_scale_probe``, then
``ankiconnect_ws``, then ``zzz_scale_probe``) and record the time and main-thread CPU time
(``time.thread_time()``) at their import, in their ``collection_did_load`` and
``profile_did_open`` hooks (the first probe's run before ours, the last one's after), and at
the first idle tick after the profile opened (a zero-delay timer); the process start comes
from ``/proc/self/stat``. The main-thread time our add-on adds is what runs between the
two probes: its import plus its two hooks (wall time; its CPU time beside it); the
difference of the whole start (process start to first idle tick) with and without our
add-on is printed too, noisier. A thread in the bench polls ``version`` and
``deckNames`` every 5 ms from the launch: the time to the first successful reply of each,
and ``deckNames`` against the first probe's ``collection_did_load``. The idle main-thread
lateness is that of the 5 s after ``collection_did_load``.

Memory: Anki's RSS after the run, and for the largest reply (notesInfo of all notes):
RSS before it, after it (read after ``PAUSE`` and the reference's run), what it kept
(after - before) and its peak against before + 3 x the reply's size.

``--upstream DIR``: the same steps against the original AnkiConnect (DIR is its ``plugin``
folder, or a checkout containing ``plugin/``), copied into the base's addons21 before Anki
starts (``webBindPort`` set to a free port through its meta.json) and started by the same
launcher; its figures and ours/upstream ratios go into the same tables.

    .venv/bin/python bench/scale.py [--quick] [--sizes 2000,100000] [--upstream DIR]
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import fcntl
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import anki.lang
from anki.collection import AddNoteRequest, Collection
from anki.utils import ids2str

from _anki import AnkiProcess, machine, percentile, rss_kib
from notes import reference_can_add

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ankiconnect-ws" / "scale"
PROFILE = "User 1"
DECKS = ("Big", "Big::Sub")
MOVED_DECK = "Big::Moved"
CHUNK = 5000
WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
         "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split()
#: pause after each request (or batch of requests) of a step: Anki settles, and the
#: main-thread samples until then still count for the step
PAUSE = 0.3
REQUEST_TIMEOUT = 3600.0
FLUSH_SECONDS = 0.25
IDLE_SECONDS = 5.0
SETTLE_SECONDS = 3.0
MIB = 1024 * 1024


# --- collections ------------------------------------------------------------------------


def words(i: int, count: int) -> str:
    return " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(count))


def front(i: int) -> str:
    return f"scale front {i} {words(i, 4)}"


def note_tags(i: int) -> list[str]:
    return ["scale", f"group{i % 10}", "odd" if i % 2 else "even"]


def cached_collection(count: int) -> Path:
    """The cached collection of ``count`` notes, built if missing (one builder at a time)."""
    target = CACHE / f"{count}.anki2"
    if target.is_file():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{count}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run may be building it: wait, then look again
        if not target.is_file():
            started = time.perf_counter()
            folder = Path(tempfile.mkdtemp(prefix=f".{count}.building-", dir=CACHE))  # its media folder too
            try:
                build_collection(count, folder / "collection.anki2")
                os.replace(folder / "collection.anki2", target)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            print(f"built {target} ({count:,} notes) in {time.perf_counter() - started:.1f} s")
    return target


def build_collection(count: int, path: Path) -> None:
    col = Collection(str(path))
    try:
        model = col.models.by_name("Basic")
        deck_ids = [col.decks.id(name) for name in DECKS]
        for start in range(0, count, CHUNK):
            requests = []
            for i in range(start, min(count, start + CHUNK)):
                note = col.new_note(model)
                note["Front"] = front(i)
                note["Back"] = f"back {i} {words(i + 1, 8)}"
                note.tags = note_tags(i)
                requests.append(AddNoteRequest(note, deck_ids[i % 2]))
            col.add_notes(requests)
        col.optimize()  # vacuum + analyze, as Anki does on a profile's first close
    finally:
        col.close(downgrade=False)


def copy_collection(collection: Path, base: Path) -> None:
    target = base / PROFILE / "collection.anki2"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(collection, target)


# --- probe add-ons ------------------------------------------------------------------------

PROBE_ADDON = '''"""Benchmark probe (written by bench/scale.py): start-up times, main-thread lateness.

Two copies load: aaa_scale_probe before every other add-on and zzz_scale_probe after
them (Anki imports add-ons in folder-name order); each appends JSON lines to
BASE/scale-probe.jsonl. The first one also runs a 10 ms precise timer and records each
firing's lateness with its time.time().
"""

import json
import os
import time
from pathlib import Path

from aqt import gui_hooks, mw
from aqt.qt import Qt, QTimer

FIRST = Path(__file__).resolve().parent.name.startswith("aaa")
NAME = "first" if FIRST else "last"
OUTPUT = Path(__file__).resolve().parents[2] / "scale-probe.jsonl"
INTERVAL_MS = 10
FLUSH_SECONDS = 0.25


def _write(entry):
    with open(OUTPUT, "a") as out:
        out.write(json.dumps(entry) + "\\n")


def _record(event):
    _write({"event": f"{NAME}.{event}", "t": time.time(), "cpu": time.thread_time()})


def _process_start():
    """Wall time at which this process started (10 ms resolution)."""
    stat = Path("/proc/self/stat").read_text()
    start_ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return time.time() - (uptime - start_ticks / os.sysconf("SC_CLK_TCK"))


def _idle():
    _record("idle")


def _profile_opened():
    _record("profile_did_open")
    if not FIRST:
        QTimer.singleShot(0, _idle)


_record("import")
if FIRST:
    _write({"event": "process_start", "t": _process_start(), "cpu": 0.0})
gui_hooks.collection_did_load.append(lambda _col: _record("collection_did_load"))
gui_hooks.profile_did_open.append(_profile_opened)

_samples = []
_armed_at = [0.0]
_flushed_at = [time.monotonic()]


def _tick():
    fired = time.perf_counter()
    _timer.start()
    _samples.append([time.time(), round((fired - _armed_at[0]) * 1000 - INTERVAL_MS, 3)])
    _armed_at[0] = time.perf_counter()
    if time.monotonic() - _flushed_at[0] >= FLUSH_SECONDS:
        _flushed_at[0] = time.monotonic()
        _write({"lag": _samples})
        _samples.clear()


if FIRST:
    _timer = QTimer(mw)
    _timer.setSingleShot(True)
    _timer.setTimerType(Qt.TimerType.PreciseTimer)
    _timer.setInterval(INTERVAL_MS)
    _timer.timeout.connect(_tick)
    _timer.start()
    _armed_at[0] = time.perf_counter()
'''

PROBE_FILES: dict[str, str | bytes] = {
    "addons21/aaa_scale_probe/__init__.py": PROBE_ADDON,
    "addons21/zzz_scale_probe/__init__.py": PROBE_ADDON,
}


@dataclass
class ProbeRecord:
    events: dict[str, tuple[float, float]]  # event -> (time.time(), main-thread CPU seconds)
    lag: list[tuple[float, float]]  # (time.time() of the firing, lateness in ms)

    def lag_between(self, start: float, end: float) -> list[float]:
        return [late for t, late in self.lag if start <= t <= end]

    def span(self, first: str, last: str, clock: int = 0) -> float | None:
        """Milliseconds from event ``first`` to event ``last`` (clock 0: wall, 1: CPU)."""
        if first not in self.events or last not in self.events:
            return None
        return (self.events[last][clock] - self.events[first][clock]) * 1000


def read_probe(base: Path) -> ProbeRecord:
    record = ProbeRecord({}, [])
    path = base / "scale-probe.jsonl"
    if not path.exists():
        return record
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:  # a line being written
            continue
        if "lag" in entry:
            record.lag.extend((t, late) for t, late in entry["lag"])
        else:
            record.events.setdefault(entry["event"], (entry["t"], entry["cpu"]))
    return record


# --- Anki processes ---------------------------------------------------------------------------


class Target(Protocol):
    """What a step needs from a running Anki: AnkiProcess (ours, through the CLI) or Launched."""

    base: Path
    host: str
    port: int

    def child_pid(self) -> int: ...

    def stop(self, timeout: float = 60) -> int: ...


# What the CLI's child runs (ankiconnect_ws/cli.py, _CHILD), for an Anki without our CLI.
LAUNCH_CHILD = """
import faulthandler, os, sys
faulthandler.enable(all_threads=True)
import aqt
aqt.AnkiApp.KEY = os.environ["ANKI_SINGLE_INSTANCE_KEY"]
sys.argv = ["anki", "-b", sys.argv[1], "-p", sys.argv[2]]
aqt.run()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepared_base(name: str, collection: Path) -> Path:
    """A fresh base folder with profile "User 1" (as the CLI prepares it), the collection
    and the probe add-ons."""
    from ankiconnect_ws.cli import prepare_base

    base = Path(tempfile.mkdtemp(prefix=f"ankiconnect-ws-scale-{name}-")) / "base"
    with contextlib.redirect_stdout(sys.stderr):
        prepare_base(base, PROFILE)
    copy_collection(collection, base)
    for relative, content in PROBE_FILES.items():
        target = base / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content if isinstance(content, str) else content.decode())
    return base


def compile_addons(base: Path) -> None:
    """Byte-compile the installed add-ons, as the first start after an install leaves them:
    the start-up figures are those of a usual start, not of the first one."""
    compileall.compile_dir(str(base / "addons21"), quiet=1)


def install_ours(base: Path) -> None:
    """Our add-on from the built file, as the CLI installs it."""
    from ankiconnect_ws.cli import built_addon, install_addon

    with contextlib.redirect_stdout(sys.stderr):
        install_addon(base, built_addon())


def upstream_plugin(folder: Path) -> Path:
    for candidate in (folder, folder / "plugin"):
        if (candidate / "__init__.py").is_file() and (candidate / "web.py").is_file():
            return candidate
    raise SystemExit(f"--upstream {folder}: no AnkiConnect plugin folder (with __init__.py and web.py) there")


def install_upstream(base: Path, plugin: Path, port: int) -> None:
    """Upstream's plugin folder as an installed add-on listening on ``port``."""
    target = base / "addons21" / "anki_connect"
    shutil.copytree(plugin, target, ignore=shutil.ignore_patterns("__pycache__", "meta.json"))
    (target / "meta.json").write_text(json.dumps({"config": {"webBindPort": port}}))


class Launched:
    """Anki started without our CLI (stock, or with upstream's add-on), as the CLI starts
    it: a child process on this interpreter running ``aqt.run()`` headless."""

    host = "127.0.0.1"

    def __init__(self, base: Path, port: int, env: dict[str, str] | None = None) -> None:
        self.base = base
        self.port = port
        child_env = dict(os.environ)
        child_env["ANKI_SINGLE_INSTANCE_KEY"] = "ankiconnect-ws-scale-" + hashlib.sha1(str(base).encode()).hexdigest()[:16]
        child_env["QT_QPA_PLATFORM"] = "offscreen"
        if os.geteuid() == 0 and "--no-sandbox" not in child_env.get("QTWEBENGINE_CHROMIUM_FLAGS", ""):
            child_env["QTWEBENGINE_CHROMIUM_FLAGS"] = (child_env.get("QTWEBENGINE_CHROMIUM_FLAGS", "") + " --no-sandbox").strip()
        child_env.setdefault("PYTHONUNBUFFERED", "1")
        child_env.update(env or {})
        with open(base / "anki.log", "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", LAUNCH_CHILD, str(base), PROFILE],
                cwd=str(base), env=child_env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def child_pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 300) -> None:
        """Until ``deckNames`` answers (the collection is open)."""
        deadline = time.monotonic() + timeout
        while not try_call(self.host, self.port, "deckNames"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop(kill=True)
                tail = "\n".join((self.base / "anki.log").read_text(errors="replace").splitlines()[-30:])
                raise RuntimeError(f"Anki with upstream's add-on did not answer deckNames:\n{tail}")
            time.sleep(0.1)

    def stop(self, timeout: float = 60, kill: bool = False) -> int:
        if self.proc.poll() is None and not kill:
            self.proc.send_signal(signal.SIGTERM)  # Anki's own handler closes the main window
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.wait()


def start_ours(collection: Path) -> AnkiProcess:
    base = Path(tempfile.mkdtemp(prefix="ankiconnect-ws-scale-ours-")) / "base"
    copy_collection(collection, base)
    return AnkiProcess(base, files=PROBE_FILES)


def start_upstream(collection: Path, plugin: Path) -> Launched:
    base = prepared_base("upstream", collection)
    port = free_port()
    install_upstream(base, plugin, port)
    anki = Launched(base, port)
    anki.wait_ready()
    return anki


def remove_base(target: Target) -> None:
    shutil.rmtree(target.base.parent, ignore_errors=True)


# --- requests -----------------------------------------------------------------------------------


class StepError(RuntimeError):
    pass


def encode(action: str, params: dict[str, Any]) -> bytes:
    return json.dumps({"action": action, "version": 6, "params": params}).encode()


def post(host: str, port: int, body: bytes, timeout: float = REQUEST_TIMEOUT) -> tuple[int, bytes]:
    """One request on a new connection: HTTP status and the reply's bytes."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def post_all(target: Target, bodies: list[bytes]) -> tuple[list[Any], float, int]:
    """The requests one after the other, each on a new connection: results, milliseconds
    from the first byte sent to the last byte received, reply bytes in all."""
    replies = []
    start = time.perf_counter()
    for body in bodies:
        replies.append(post(target.host, target.port, body))
    elapsed = (time.perf_counter() - start) * 1000
    results = []
    for status, data in replies:
        try:
            reply = json.loads(data)
        except ValueError:
            raise StepError(f"HTTP {status}, not JSON: {data[:200]!r}") from None
        if status != 200 or not isinstance(reply, dict) or reply.get("error") is not None:
            error = reply.get("error") if isinstance(reply, dict) else reply
            raise StepError(f"HTTP {status}, error {str(error)[:300]!r}")
        results.append(reply["result"])
    return results, elapsed, sum(len(data) for _, data in replies)


def try_call(host: str, port: int, action: str) -> bool:
    """Whether ``action`` succeeds right now (False while nothing listens)."""
    try:
        status, data = post(host, port, encode(action, {}), timeout=5)
        reply = json.loads(data)
        return status == 200 and isinstance(reply, dict) and reply.get("error") is None
    except (OSError, ValueError, http.client.HTTPException):
        return False


class RssSampler:
    """VmRSS of one process every 20 ms in a thread, for the peaks within windows."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.pid = pid
        self.every = every
        self.samples: list[tuple[float, int]] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self.samples.append((time.time(), rss_kib(self.pid)))
            except (OSError, RuntimeError):  # the process is gone
                return
            self._stopped.wait(self.every)

    def peak(self, windows: list[tuple[float, float]]) -> int:
        return max((kib for t, kib in self.samples if any(a <= t <= b for a, b in windows)), default=0)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


# --- steps ---------------------------------------------------------------------------------------


@dataclass
class State:
    """What one side (ours, upstream, the limit) remembers between steps."""

    added: dict[int, list[int]] = field(default_factory=dict)  # repetition -> ids addNotes added


Calls = Callable[[State, int], list[tuple[str, dict[str, Any]]]]
Reference = Callable[[Collection, State, int], Any]


@dataclass
class Step:
    label: str
    reps: int
    calls: Calls  # the requests of repetition ``rep`` (usually one)
    reference: Reference
    record: Callable[[State, int, list[Any]], None] = lambda state, rep, results: None
    batch: bool = False  # held to "within 2x of in-process"


def one(action: str, params_of: Callable[[int], dict[str, Any]]) -> Calls:
    return lambda state, rep: [(action, params_of(rep))]


def spec(front_text: str, back_text: str) -> dict[str, Any]:
    return {"deckName": DECKS[0], "modelName": "Basic", "fields": {"Front": front_text, "Back": back_text},
            "tags": ["scale", "added"]}


def added_specs(rep: int) -> list[dict[str, Any]]:
    return [spec(f"scale added {rep} {i} {words(i, 3)}", f"added back {i}") for i in range(1000)]


def candidates(size: int, count: int) -> list[dict[str, Any]]:
    """Half duplicates of existing fronts (interleaved with new ones)."""
    return [spec(front((i // 2) % size) if i % 2 == 0 else f"scale absent {i} {words(i, 4)}", "back")
            for i in range(count)]


def field_updates(nids: list[int], rep: int, with_tags: bool) -> list[dict[str, Any]]:
    updates = []
    for i, nid in enumerate(nids):
        note: dict[str, Any] = {"id": nid, "fields": {"Back": f"updated {rep} {i} {words(i, 5)}"}}
        if with_tags:
            note["tags"] = ["scale", f"updated{rep}"]
        updates.append(note)
    return updates


def multi(action: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"actions": [{"action": action, "version": 6, "params": {"note": item}} for item in items]}


def record_added(state: State, rep: int, results: list[Any]) -> None:
    ids = results[0]
    if None in ids:
        print(f"    warning: addNotes left {ids.count(None)} notes out")
    state.added[rep] = [nid for nid in ids if nid is not None]


def plan(size: int, nids: list[int], cids: list[int]) -> list[Step]:
    """The steps, in order (later ones use what addNotes added)."""
    heavy = 1 if size >= 50_000 else 3  # repetitions of a read of all ids, or of 1,000 updates
    sets = ([("10,000", nids[:10_000], cids[:10_000], 3)] if size > 10_000 else []) + [
        (f"all {size:,}", nids, cids, heavy)]
    first_notes, first_cards = nids[:1000], cids[:1000]
    steps = [
        Step("findNotes deck:Big", 5, one("findNotes", lambda rep: {"query": "deck:Big"}),
             lambda col, s, rep: col.find_notes("deck:Big")),
        Step("findCards deck:Big", 5, one("findCards", lambda rep: {"query": "deck:Big"}),
             lambda col, s, rep: col.find_cards("deck:Big")),
    ]
    for label, notes, cards, reps in sets:
        steps += [
            Step(f"notesInfo {label}", reps, one("notesInfo", lambda rep, n=notes: {"notes": n}),
                 lambda col, s, rep, n=notes: ref_notes_info(col, n)),
            Step(f"cardsInfo {label}", reps, one("cardsInfo", lambda rep, c=cards: {"cards": c}),
                 lambda col, s, rep, c=cards: ref_cards_info(col, c)),
            Step(f"cardsModTime {label}", reps, one("cardsModTime", lambda rep, c=cards: {"cards": c}),
                 lambda col, s, rep, c=cards: ref_cards_mod_time(col, c)),
            Step(f"getIntervals {label}", reps, one("getIntervals", lambda rep, c=cards: {"cards": c}),
                 lambda col, s, rep, c=cards: ref_intervals(col, c)),
            Step(f"getEaseFactors {label}", reps, one("getEaseFactors", lambda rep, c=cards: {"cards": c}),
                 lambda col, s, rep, c=cards: ref_ease_factors(col, c)),
        ]
    for count in (1000, 10_000):
        batch = candidates(size, count)
        steps.append(Step(f"canAddNotes {count:,} (half duplicates)", 3,
                          one("canAddNotes", lambda rep, b=batch: {"notes": b}),
                          lambda col, s, rep, b=batch: reference_can_add(col, [n["fields"]["Front"] for n in b]),
                          batch=True))
    steps += [
        Step("addNotes 1,000", 3, one("addNotes", lambda rep: {"notes": added_specs(rep)}),
             ref_add_notes, record=record_added, batch=True),
        Step("updateNoteFields 1,000 (multi)", heavy,
             one("multi", lambda rep: multi("updateNoteFields", field_updates(first_notes, rep, False))),
             lambda col, s, rep: ref_update(col, field_updates(first_notes, rep, False)), batch=True),
        Step("updateNoteFields 1,000 requests", 1,
             lambda s, rep: [("updateNoteFields", {"note": note}) for note in field_updates(first_notes, 10 + rep, False)],
             lambda col, s, rep: ref_update(col, field_updates(first_notes, 10 + rep, False))),
        Step("updateNote 1,000 (multi)", heavy,
             one("multi", lambda rep: multi("updateNote", field_updates(first_notes, 20 + rep, True))),
             lambda col, s, rep: ref_update(col, field_updates(first_notes, 20 + rep, True)), batch=True),
        Step("addTags 1,000 notes", 3, one("addTags", lambda rep: {"notes": first_notes, "tags": f"tagged{rep}"}),
             lambda col, s, rep: col.tags.bulk_add(first_notes, f"tagged{rep}"), batch=True),
        Step(f"addTags all {size:,} notes", heavy, one("addTags", lambda rep: {"notes": nids, "tags": f"all{rep}"}),
             lambda col, s, rep: col.tags.bulk_add(nids, f"all{rep}"), batch=True),
        Step("changeDeck 1,000 cards", 3,
             one("changeDeck", lambda rep: {"cards": cids[rep * 1000:(rep + 1) * 1000], "deck": MOVED_DECK}),
             lambda col, s, rep: col.set_deck(cids[rep * 1000:(rep + 1) * 1000], col.decks.id(MOVED_DECK)),
             batch=True),
        Step("setDueDate 1,000 cards", 3, one("setDueDate", lambda rep: {"cards": first_cards, "days": "1"}),
             lambda col, s, rep: col.sched.set_due_date(first_cards, "1"), batch=True),
        Step("getDeckStats (2 decks)", 5, one("getDeckStats", lambda rep: {"decks": list(DECKS)}),
             lambda col, s, rep: ref_deck_stats(col)),
        Step("deleteNotes 1,000", 3, lambda s, rep: [("deleteNotes", {"notes": s.added.get(rep, [])})],
             lambda col, s, rep: col.remove_notes(s.added.get(rep, [])), batch=True),
    ]
    return steps


# --- the limit: the same work in-process -------------------------------------------------------------


def ref_notes_info(col: Collection, nids: list[int]) -> list[dict[str, Any]]:
    cards: dict[int, list[int]] = {}
    for nid, cid in col.db.execute(f"select nid, id from cards where nid in {ids2str(nids)} order by nid, ord"):
        cards.setdefault(nid, []).append(cid)
    models: dict[int, Any] = {}
    infos = []
    for nid in nids:
        note = col.get_note(nid)
        model = models.get(note.mid) or models.setdefault(note.mid, col.models.get(note.mid))
        infos.append({
            "noteId": nid, "profile": PROFILE, "tags": note.tags,
            "fields": {f["name"]: {"value": note.fields[f["ord"]], "order": f["ord"]} for f in model["flds"]},
            "modelName": model["name"], "mod": note.mod, "cards": cards.get(nid, []),
        })
    return infos


def ref_cards_info(col: Collection, cids: list[int]) -> list[dict[str, Any]]:
    deck_names = {d.id: d.name for d in col.decks.all_names_and_ids()}
    models: dict[int, Any] = {}
    infos = []
    for cid in cids:
        card = col.get_card(cid)
        note = card.note()
        model = models.get(note.mid) or models.setdefault(note.mid, col.models.get(note.mid))
        rendered = card.render_output()
        states = col._backend.get_scheduling_states(cid)
        infos.append({
            "cardId": cid,
            "fields": {f["name"]: {"value": note.fields[f["ord"]], "order": f["ord"]} for f in model["flds"]},
            "fieldOrder": card.ord, "question": rendered.question_and_style(),
            "answer": rendered.answer_and_style(), "modelName": model["name"], "ord": card.ord,
            "deckName": deck_names.get(card.did, ""), "css": model["css"], "factor": card.factor,
            "interval": card.ivl, "note": card.nid, "type": card.type, "queue": card.queue, "due": card.due,
            "reps": card.reps, "lapses": card.lapses, "left": card.left, "mod": card.mod,
            "nextReviews": list(col.sched.describe_next_states(states)), "flags": card.flags,
        })
    return infos


def ref_cards_mod_time(col: Collection, cids: list[int]) -> list[dict[str, int]]:
    mods = dict(col.db.all(f"select id, mod from cards where id in {ids2str(cids)}"))
    return [{"cardId": cid, "mod": mods[cid]} for cid in cids]


def ref_intervals(col: Collection, cids: list[int]) -> list[int]:
    rows = {cid: (kind, ivl) for cid, kind, ivl in col.db.all(f"select id, type, ivl from cards where id in {ids2str(cids)}")}
    logged: dict[int, list[int]] = {}
    for cid, ivl in col.db.all(f"select cid, ivl from revlog where cid in {ids2str(cids)} order by id"):
        logged.setdefault(cid, []).append(ivl)
    return [0 if rows[cid][0] == 0 else (logged.get(cid) or [rows[cid][1]])[-1] for cid in cids]


def ref_ease_factors(col: Collection, cids: list[int]) -> list[int]:
    factors = dict(col.db.all(f"select id, factor from cards where id in {ids2str(cids)}"))
    return [factors[cid] for cid in cids]


def ref_add_notes(col: Collection, state: State, rep: int) -> None:
    model = col.models.by_name("Basic")
    deck_id = col.decks.id(DECKS[0])
    requests = []
    for item in added_specs(rep):
        note = col.new_note(model)
        note["Front"] = item["fields"]["Front"]
        note["Back"] = item["fields"]["Back"]
        note.tags = item["tags"]
        requests.append(AddNoteRequest(note, deck_id))
    col.add_notes(requests)
    state.added[rep] = [request.note.id for request in requests]


def ref_update(col: Collection, updates: list[dict[str, Any]]) -> None:
    notes = []
    for update in updates:
        note = col.get_note(update["id"])
        for name, value in update["fields"].items():
            note[name] = value
        if "tags" in update:
            note.tags = update["tags"]
        notes.append(note)
    col.update_notes(notes)


def ref_deck_stats(col: Collection) -> dict[str, dict[str, Any]]:
    wanted = {col.decks.id(name): name for name in DECKS}
    stats = {}
    pending = list(col.sched.deck_due_tree().children)
    while pending:
        node = pending.pop()
        pending.extend(node.children)
        if node.deck_id in wanted:
            stats[str(node.deck_id)] = {"deck_id": node.deck_id, "name": node.name, "new_count": node.new_count,
                                        "learn_count": node.learn_count, "review_count": node.review_count,
                                        "total_in_deck": node.total_in_deck}
    return stats


# --- running the steps ---------------------------------------------------------------------------------


@dataclass
class Figures:
    """One step on one side."""

    times: list[float] = field(default_factory=list)  # ms, one per repetition
    reply_bytes: int = 0  # of the last repetition
    windows: list[tuple[float, float]] = field(default_factory=list)
    rss_before: int = 0  # KiB
    rss_after: int = 0
    rss_peak: int = 0
    lag: list[float] = field(default_factory=list)
    reference: list[float] = field(default_factory=list)  # ms of the limit, one per repetition
    error: str | None = None
    batch: bool = False

    @property
    def ms(self) -> float | None:
        return statistics.median(self.times) if self.times and self.error is None else None

    @property
    def limit_ms(self) -> float | None:
        return statistics.median(self.reference) if self.reference else None


@dataclass
class SideRun:
    steps: dict[str, Figures]
    rss_end: int  # KiB, after every step


def timed_reference(step: Step, col: Collection, state: State, rep: int) -> float:
    start = time.perf_counter()
    step.reference(col, state, rep)
    return (time.perf_counter() - start) * 1000


def run_steps(target: Target, steps: list[Step], reference: Collection | None, label: str) -> SideRun:
    """Every step against ``target``; with ``reference``, each repetition of the limit right
    after ours."""
    pid = target.child_pid()
    sampler = RssSampler(pid)
    state, ref_state = State(), State()
    results: dict[str, Figures] = {}
    try:
        for step in steps:
            figures = results[step.label] = Figures(rss_before=rss_kib(pid), batch=step.batch)
            print(f"    {label}: {step.label}", end="", flush=True)
            for rep in range(step.reps):
                bodies = [encode(action, params) for action, params in step.calls(state, rep)]
                started = time.time()
                try:
                    replies, elapsed, size = post_all(target, bodies)
                except (StepError, OSError, http.client.HTTPException) as exc:
                    figures.error = f"{type(exc).__name__}: {exc}"
                    figures.windows.append((started, time.time() + PAUSE))
                    time.sleep(PAUSE)
                    break
                figures.windows.append((started, time.time() + PAUSE))
                figures.times.append(elapsed)
                figures.reply_bytes = size
                step.record(state, rep, replies)
                time.sleep(PAUSE)
                if reference is not None:
                    figures.reference.append(timed_reference(step, reference, ref_state, rep))
            figures.rss_after = rss_kib(pid)
            figures.rss_peak = max(sampler.peak(figures.windows), figures.rss_before, figures.rss_after)
            shown = f"{figures.ms:,.0f} ms" if figures.ms is not None else f"ERROR {figures.error}"
            print(f": {shown}", flush=True)
        rss_end = rss_kib(pid)
    finally:
        sampler.stop()
    time.sleep(2 * FLUSH_SECONDS + 0.3)  # the probe's last samples reach its file
    probe = read_probe(target.base)
    for figures in results.values():
        figures.lag = [late for start, end in figures.windows for late in probe.lag_between(start, end)]
    return SideRun(results, rss_end)


@dataclass
class SizeRun:
    size: int
    collection_bytes: int
    ours: SideRun
    upstream: SideRun | None


def run_size(size: int, upstream: Path | None) -> SizeRun:
    collection = cached_collection(size)
    folder = Path(tempfile.mkdtemp(prefix="ankiconnect-ws-scale-limit-"))
    shutil.copyfile(collection, folder / "collection.anki2")
    reference = Collection(str(folder / "collection.anki2"))
    # the same ids on every side: each starts from a copy of the same file
    nids = reference.db.list("select id from notes order by id")
    cids = reference.db.list("select id from cards order by nid, ord")
    steps = plan(size, nids, cids)
    print(f"{size:,} notes: ours (and the in-process limit)", flush=True)
    began = time.monotonic()
    ours = start_ours(collection)
    try:
        time.sleep(SETTLE_SECONDS)  # Anki's own start-up work (deck browser, update checks)
        ours_run = run_steps(ours, steps, reference, "ours")
    finally:
        ours.stop()
        remove_base(ours)
        reference.close(downgrade=False)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"    ({time.monotonic() - began:,.0f} s)", flush=True)
    upstream_run = None
    if upstream is not None:
        print(f"{size:,} notes: upstream", flush=True)
        theirs = start_upstream(collection, upstream)
        try:
            time.sleep(SETTLE_SECONDS)
            upstream_run = run_steps(theirs, steps, None, "upstream")
        finally:
            theirs.stop()
            remove_base(theirs)
        print(f"    ({time.monotonic() - began:,.0f} s with ours)", flush=True)
    return SizeRun(size, collection.stat().st_size, ours_run, upstream_run)


# --- start-up -------------------------------------------------------------------------------------------


@dataclass
class StartFigures:
    variant: str
    probe: ProbeRecord
    version_at: float | None  # time.time() of the first successful version reply
    decknames_at: float | None

    def since_start(self, at: float | None) -> float | None:
        start = self.probe.events.get("process_start")
        return (at - start[0]) * 1000 if at is not None and start else None

    @property
    def loaded_at(self) -> float | None:
        event = self.probe.events.get("first.collection_did_load")
        return event[0] if event else None

    def added_main_thread(self, clock: int = 0) -> float | None:
        """ms between the two probes: the import of the add-ons between them plus their
        collection_did_load and profile_did_open hooks."""
        parts = [self.probe.span(f"first.{event}", f"last.{event}", clock)
                 for event in ("import", "collection_did_load", "profile_did_open")]
        return None if None in parts else sum(p for p in parts if p is not None)

    def idle_lag(self, after: float = 0.0) -> list[float]:
        """Lateness samples of the IDLE_SECONDS from ``after`` seconds after collection_did_load."""
        loaded = self.loaded_at
        return self.probe.lag_between(loaded + after, loaded + after + IDLE_SECONDS) if loaded else []


class Poller:
    """From the launch on, ``version`` and ``deckNames`` every 5 ms until each succeeded."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.version_at: float | None = None
        self.decknames_at: float | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="start-up poller", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.is_set() and self.decknames_at is None:
            if self.version_at is None and try_call("127.0.0.1", self.port, "version"):
                self.version_at = time.time()
            if try_call("127.0.0.1", self.port, "deckNames"):
                self.decknames_at = time.time()
            self._stopped.wait(0.005)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


def start_once(collection: Path, variant: str, upstream: Path | None) -> StartFigures:
    base = prepared_base(f"start-{variant}", collection)
    port = free_port()
    env = {}
    if variant == "ours":
        install_ours(base)
        env["ANKICONNECT_BIND_PORT"] = str(port)
    elif variant == "upstream" and upstream is not None:
        install_upstream(base, upstream, port)
    compile_addons(base)
    anki = Launched(base, port, env)
    poller = Poller(port) if variant != "stock" else None
    try:
        deadline = time.monotonic() + 300
        while True:
            probe = read_probe(base)
            loaded = probe.events.get("first.collection_did_load")
            if loaded and "last.idle" in probe.events and time.time() > loaded[0] + 2 * IDLE_SECONDS + 2 * FLUSH_SECONDS + 0.3:
                break
            if anki.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"start-up run ({variant}) did not finish; see {base / 'anki.log'}")
            time.sleep(0.1)
    finally:
        if poller is not None:
            poller.stop()
        anki.stop(kill=True)  # nothing to save: a throw-away copy
    figures = StartFigures(variant, read_probe(base), poller.version_at if poller else None,
                           poller.decknames_at if poller else None)
    shutil.rmtree(base.parent, ignore_errors=True)
    return figures


def measure_startup(size: int, runs: int, upstream: Path | None) -> list[StartFigures]:
    collection = cached_collection(size)
    variants = ["stock", "ours"] + (["upstream"] if upstream else [])
    print(f"start-up on {size:,} notes: {runs} launch(es) of {', '.join(variants)}, in turn", flush=True)
    began = time.monotonic()
    starts = [start_once(collection, variant, upstream) for _ in range(runs) for variant in variants]
    print(f"    ({time.monotonic() - began:,.0f} s)", flush=True)
    return starts


# --- output -----------------------------------------------------------------------------------------


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def fmt_ratio(ours: float | None, other: float | None) -> str:
    return f"{ours / other:.2f}x" if ours is not None and other else "-"


def fmt_mib(kib: int) -> str:
    return f"{kib / 1024:,.0f}"


def fmt_lag(samples: list[float]) -> str:
    return f"{max(samples):,.1f} / {percentile(samples, 99):,.1f}" if samples else "-"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) for i in range(len(headers))]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(headers))
    for row in rows:
        print(line(row))


def print_size(run: SizeRun) -> None:
    print()
    print(f"=== {run.size:,} Basic notes in Big and Big::Sub (collection file {run.collection_bytes / MIB:,.1f} MiB) ===")
    theirs = run.upstream.steps if run.upstream else None
    headers = ["step", "n", "ours ms", "limit ms", "ours/limit"]
    if theirs is not None:
        headers += ["upstream ms", "ours/upstream"]
    headers += ["reply KiB"]
    rows = []
    for label, fig in run.ours.steps.items():
        row = [label, str(len(fig.times)), fmt_ms(fig.ms) if fig.error is None else "ERROR", fmt_ms(fig.limit_ms),
               fmt_ratio(fig.ms, fig.limit_ms)]
        if theirs is not None:
            other = theirs[label]
            row += [fmt_ms(other.ms) if other.error is None else "ERROR", fmt_ratio(fig.ms, other.ms)]
        row.append(f"{fig.reply_bytes / 1024:,.0f}")
        rows.append(row)
    print_table(headers, rows)
    print()
    print("Anki's main thread (lateness of a 10 ms timer, max / p99 ms) and resident memory (MiB):")
    headers = ["step", "ours lag", "ours RSS before/after/peak"]
    if theirs is not None:
        headers += ["upstream lag", "upstream RSS before/after/peak"]
    rows = []
    for label, fig in run.ours.steps.items():
        row = [label, fmt_lag(fig.lag), f"{fmt_mib(fig.rss_before)} / {fmt_mib(fig.rss_after)} / {fmt_mib(fig.rss_peak)}"]
        if theirs is not None:
            other = theirs[label]
            row += [fmt_lag(other.lag),
                    f"{fmt_mib(other.rss_before)} / {fmt_mib(other.rss_after)} / {fmt_mib(other.rss_peak)}"]
        rows.append(row)
    print_table(headers, rows)
    for label, fig in list(run.ours.steps.items()) + (list(theirs.items()) if theirs else []):
        if fig.error:
            print(f"error in {label}: {fig.error}")
    print(f"RSS after the run: ours {fmt_mib(run.ours.rss_end)} MiB"
          + (f", upstream {fmt_mib(run.upstream.rss_end)} MiB" if run.upstream else ""))
    for side, side_run in (("ours", run.ours), ("upstream", run.upstream)):
        if side_run is None:
            continue
        label, fig = largest_reply(side_run)
        print(f"largest reply ({side}, {label}, {fig.reply_bytes / MIB:,.1f} MiB): RSS {fmt_mib(fig.rss_before)} -> "
              f"{fmt_mib(fig.rss_after)} MiB, kept {(fig.rss_after - fig.rss_before) / 1024:+,.1f} MiB, peak "
              f"{fmt_mib(fig.rss_peak)} MiB (before + {(fig.rss_peak - fig.rss_before) / 1024:,.1f} MiB)")


def largest_reply(run: SideRun) -> tuple[str, Figures]:
    label = next(label for label in run.steps if label.startswith("notesInfo all"))
    return label, run.steps[label]


def median_of(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def print_startup(starts: list[StartFigures]) -> None:
    print()
    print("=== start-up (medians over the launches; ms from the process start) ===")
    variants = list(dict.fromkeys(s.variant for s in starts))
    headers = ["", *variants]
    by = {v: [s for s in starts if s.variant == v] for v in variants}

    def row(label: str, value: Callable[[StartFigures], float | None]) -> list[str]:
        return [label, *(fmt_ms(median_of([value(s) for s in by[v]])) for v in variants)]

    rows = [
        row("collection_did_load", lambda s: s.since_start(s.loaded_at)),
        row("first idle tick after profile_did_open", lambda s: s.since_start(s.probe.events.get("last.idle", (None,))[0])),
        row("main-thread CPU until then", lambda s: s.probe.events["last.idle"][1] * 1000 if "last.idle" in s.probe.events else None),
        row("first version reply", lambda s: s.since_start(s.version_at)),
        row("first deckNames reply", lambda s: s.since_start(s.decknames_at)),
        row("deckNames after collection_did_load", lambda s: (s.decknames_at - s.loaded_at) * 1000 if s.decknames_at and s.loaded_at else None),
        row("between the probes: import", lambda s: s.probe.span("first.import", "last.import")),
        row("  collection_did_load hooks", lambda s: s.probe.span("first.collection_did_load", "last.collection_did_load")),
        row("  profile_did_open hooks", lambda s: s.probe.span("first.profile_did_open", "last.profile_did_open")),
        row("  together (wall)", lambda s: s.added_main_thread(0)),
        row("  together (main-thread CPU)", lambda s: s.added_main_thread(1)),
    ]
    print_table(headers, rows)
    for after in (0.0, IDLE_SECONDS):
        when = f"{after:g} s after collection_did_load" if after else "from collection_did_load"
        for v in variants:
            lag = [late for s in by[v] for late in s.idle_lag(after)]
            print(f"idle lateness for {IDLE_SECONDS:g} s {when}, {v}: max / p99 {fmt_lag(lag)} ms, n={len(lag)}")


# --- targets -------------------------------------------------------------------------------------------------


Verdict = tuple[str, bool | None, str]  # target, met (None: not measured), figures


def target_upstream_speed(ours: dict[str, Figures], theirs: dict[str, Figures] | None) -> Verdict:
    text = "every step no slower than upstream"
    if theirs is None:
        return text, None, ""
    slower = [f"{label} {fmt_ratio(fig.ms, theirs[label].ms)}" for label, fig in ours.items()
              if theirs[label].ms is not None and (fig.ms is None or fig.ms > theirs[label].ms)]
    failed = [label for label, fig in theirs.items() if fig.error]
    detail = ("slower: " + ", ".join(slower)) if slower else "none slower"
    if failed:
        detail += f" (upstream failed: {', '.join(failed)})"
    return text, not slower, detail


def target_batch(ours: dict[str, Figures]) -> Verdict:
    ratios = {label: (fig.ms or float("inf")) / (fig.limit_ms or 1e-9) for label, fig in ours.items() if fig.batch}
    over = [f"{label} {ratio:.2f}x" for label, ratio in ratios.items() if ratio > 2]
    worst = max(ratios, key=lambda label: ratios[label])
    detail = ("over: " + ", ".join(over)) if over else f"worst {worst} {ratios[worst]:.2f}x"
    return "batch work within 2x of in-process", not over, detail


def target_field_updates(big: SizeRun, small: SizeRun) -> Verdict:
    label = "updateNoteFields 1,000 (multi)"
    text = f"1,000 field updates (multi) under 2 s and at most 1.5x their cost on {small.size:,} notes"
    a, b = big.ours.steps[label].ms, small.ours.steps[label].ms
    if big is small:
        return text, None, "one size only"
    ok = a is not None and b is not None and a < 2000 and a <= 1.5 * b
    return text, ok, f"{fmt_ms(a)} ms vs {fmt_ms(b)} ms ({fmt_ratio(a, b)})"


def target_cards_info(ours: dict[str, Figures], theirs: dict[str, Figures] | None) -> Verdict:
    label = next(label for label in ours if label.startswith("cardsInfo"))  # 10,000 if there are more
    text = f"{label} at most half of upstream's time"
    if theirs is None:
        return text, None, ""
    a, b = ours[label].ms, theirs[label].ms
    return text, a is not None and b is not None and a <= b / 2, f"{fmt_ms(a)} ms vs {fmt_ms(b)} ms ({fmt_ratio(a, b)})"


def target_step_lag(ours: dict[str, Figures]) -> Verdict:
    worst = max(ours, key=lambda label: max(ours[label].lag, default=0))
    top = max(ours[worst].lag, default=0)
    over = sum(1 for fig in ours.values() if max(fig.lag, default=0) > 50)
    return "no step's main-thread lateness max above 50 ms", top <= 50, \
        f"worst {worst} {top:,.1f} ms; {over} of {len(ours)} steps above 50 ms"


def target_idle(starts: list[StartFigures]) -> Verdict:
    """Judged once Anki's own start has settled: in the first seconds after the
    collection opens, stock Anki without any add-on is itself 100+ ms late (it builds
    its deck list, toolbar and sync state), so that window says nothing of ours."""
    text = (f"idle lateness under 20 ms, for {IDLE_SECONDS:g} s from {IDLE_SECONDS:g} s after "
            "the collection opens (Anki's own start settled)")

    def lag(variant: str, after: float) -> list[float]:
        return [late for s in starts if s.variant == variant for late in s.idle_lag(after)]

    ours = lag("ours", IDLE_SECONDS)
    if not ours:
        return text, None, ""
    return text, max(ours) < 20, (f"max / p99 {fmt_lag(ours)} ms (stock Anki: {fmt_lag(lag('stock', IDLE_SECONDS))} ms; "
                                  f"in the first {IDLE_SECONDS:g} s: ours {fmt_lag(lag('ours', 0.0))}, "
                                  f"stock {fmt_lag(lag('stock', 0.0))} ms)")


def target_answers(starts: list[StartFigures]) -> Verdict:
    text = "deckNames answers within 0.3 s of the collection opening"
    ours = [s for s in starts if s.variant == "ours"]
    answer = median_of([(s.decknames_at - s.loaded_at) * 1000 if s.decknames_at and s.loaded_at else None for s in ours])
    return text, None if answer is None else answer <= 300, f"{fmt_ms(answer)} ms after collection_did_load"


def target_start_cost(starts: list[StartFigures]) -> Verdict:
    text = "our add-on adds under 150 ms of main-thread time to Anki's start"
    ours = [s for s in starts if s.variant == "ours"]
    stock = [s for s in starts if s.variant == "stock"]
    added = median_of([s.added_main_thread(0) for s in ours])
    if added is None:
        return text, None, ""
    cpu = median_of([s.added_main_thread(1) for s in ours])
    idle = lambda group: median_of([s.since_start(s.probe.events["last.idle"][0]) for s in group
                                    if "last.idle" in s.probe.events])
    idle_cpu = lambda group: median_of([s.probe.events["last.idle"][1] * 1000 for s in group
                                        if "last.idle" in s.probe.events])
    whole = (idle(ours) or 0) - (idle(stock) or 0)
    whole_cpu = (idle_cpu(ours) or 0) - (idle_cpu(stock) or 0)
    return text, added < 150, (f"{fmt_ms(added)} ms between the probes (import + hooks; {fmt_ms(cpu)} ms CPU); "
                               f"whole start to first idle tick vs stock {whole:+,.0f} ms ({whole_cpu:+,.0f} ms CPU)")


def target_memory(big: SizeRun) -> Verdict:
    label, fig = largest_reply(big.ours)
    kept = fig.rss_after - fig.rss_before
    peak_ok = fig.rss_peak - fig.rss_before <= 3 * fig.reply_bytes / 1024
    detail = (f"{label}: kept {kept / 1024:+,.1f} MiB, peak before + {(fig.rss_peak - fig.rss_before) / 1024:,.1f} MiB "
              f"vs 3 x {fig.reply_bytes / MIB:,.1f} MiB")
    if big.upstream is None:
        return "memory: peak under before + 3 x the largest reply (kept vs upstream: not measured)", peak_ok, detail
    _, other = largest_reply(big.upstream)
    other_kept = other.rss_after - other.rss_before
    return ("memory kept after the largest reply no more than upstream's, peak under before + 3 x the reply",
            kept <= max(other_kept, 0) and peak_ok, detail + f"; upstream kept {other_kept / 1024:+,.1f} MiB")


def target_can_add(ours: dict[str, Figures]) -> Verdict:
    fig = ours["canAddNotes 10,000 (half duplicates)"]
    a, b = fig.ms, fig.limit_ms
    return ("canAddNotes 10,000 within 3x of in-process", a is not None and b is not None and a <= 3 * b,
            f"{fmt_ratio(a, b)} ({fmt_ms(a)} ms vs {fmt_ms(b)} ms)")


def print_targets(runs: list[SizeRun], starts: list[StartFigures]) -> None:
    big = max(runs, key=lambda r: r.size)
    small = next((r for r in runs if r.size == 2000), min(runs, key=lambda r: r.size))
    ours, theirs = big.ours.steps, (big.upstream.steps if big.upstream else None)
    verdicts = [
        target_upstream_speed(ours, theirs),
        target_batch(ours),
        target_field_updates(big, small),
        target_cards_info(ours, theirs),
        target_step_lag(ours),
        target_idle(starts),
        target_answers(starts),
        target_start_cost(starts),
        target_memory(big),
        target_can_add(ours),
    ]
    note = "" if big.size >= 100_000 else " (not the 100,000-note collection)"
    print()
    print(f"targets, on the {big.size:,}-note collection{note}:")
    for text, ok, detail in verdicts:
        result = "not measured" if ok is None else ("MET" if ok else "MISSED")
        print(f"    {text}: {detail + ' -> ' if detail else ''}{result}")


# --- main -----------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 and 10,000 notes, one start-up launch each")
    parser.add_argument("--sizes", default=None, help="collection sizes, comma-separated (default 2000,100000)")
    parser.add_argument("--upstream", type=Path, default=None,
                        help="AnkiConnect's plugin folder (or a checkout with plugin/): measure it too")
    parser.add_argument("--startup-runs", type=int, default=None,
                        help="launches of each kind for the start-up figures (default 3; --quick 1; 0: none)")
    args = parser.parse_args()
    sizes = [int(s.replace(",", "").replace("_", "")) for s in args.sizes.split(",")] if args.sizes else (
        [2000, 10_000] if args.quick else [2000, 100_000])
    startup_runs = args.startup_runs if args.startup_runs is not None else (1 if args.quick else 3)
    upstream = upstream_plugin(args.upstream.resolve()) if args.upstream else None
    began = time.monotonic()
    print(f"machine: {machine()}")
    anki.lang.set_lang("en_US")  # strip_html_media (canAddNotes' reference) goes through the i18n backend
    for size in sizes:
        cached_collection(size)
    runs = [run_size(size, upstream) for size in sizes]
    starts = measure_startup(max(sizes), startup_runs, upstream) if startup_runs else []
    for run in runs:
        print_size(run)
    if starts:
        print_startup(starts)
    print_targets(runs, starts)
    print(f"\ntotal time {time.monotonic() - began:,.0f} s")


if __name__ == "__main__":
    main()
