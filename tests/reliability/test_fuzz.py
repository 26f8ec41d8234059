"""Fuzz every action over HTTP and WebSocket against a real headless Anki.

Thousands of seeded cases (tests/support/fuzzgen.py): plausible parameters built
from each action's signature and the live collection, mixed with junk and broken bodies.
For every case: no HTTP 5xx, a reply that is strict JSON (no NaN/Infinity, valid UTF-8)
and a well-formed envelope (on WebSocket with the request's id), exactly one reply
within the timeout, Anki alive and its main thread answering. At the end: the server
still answers, Anki closes cleanly, and the collection passes SQLite's integrity check
and Anki's own database check.

All violations are collected and reported together, each with the exact request, so
one run shows every defect it found. ``FUZZ_SEED``, ``FUZZ_HTTP_CASES`` and
``FUZZ_WS_CASES`` change the run (defaults: the CI run).
"""

from __future__ import annotations

import base64
import collections
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ankiconnect_ws import schema
from bench.anki_process import AnkiProcess

from ..support.http_files import FileServer
from ..support.fuzzgen import EXCLUDED, Generator, World, fuzzed_actions
from ..support.integrity import check_collection
from ..support.report import report, save_violations
from ..support.schema_check import problems as schema_problems
from ..support.wire import HttpClient, WsWindow, describe, encode, envelope_problem, strict_json

pytestmark = pytest.mark.reliability

SEED = int(os.environ.get("FUZZ_SEED", "20261127"))
HTTP_CASES = int(os.environ.get("FUZZ_HTTP_CASES", "2000"))
WS_CASES = int(os.environ.get("FUZZ_WS_CASES", "2000"))
#: the cases normally take about a minute; past this the run stops and fails with what
#: it found, well before pytest's own timeout would cut it off without a report
BUDGET_SECONDS = float(os.environ.get("FUZZ_BUDGET", "200"))
#: a reply later than this is a failure (the slowest plausible case - an export or the
#: first Browser window - takes well under a second)
REPLY_TIMEOUT = 15.0
WS_CONNECTIONS = 4
WS_WINDOW = 8
WS_ROUND = 150  # cases per connection between two checks
CHECK_EVERY = 250  # HTTP cases between two liveness checks and world refreshes
MAX_REPORTED = 40
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "fuzz-violations.jsonl"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


class Abort(Exception):
    """Anki died or its main thread stopped answering: the run cannot go on."""


@dataclass
class Tally:
    """Counts per action: cases, and how many succeeded (result, no error)."""

    cases: collections.Counter = field(default_factory=collections.Counter)
    ok: collections.Counter = field(default_factory=collections.Counter)
    seconds: collections.Counter = field(default_factory=collections.Counter)  # HTTP time per action
    http: int = 0
    ws: int = 0
    events: int = 0


class FuzzRun:
    def __init__(self, anki: AnkiProcess, world: World, generator: Generator) -> None:
        self.anki = anki
        self.world = world
        self.gen = generator
        self.tally = Tally()
        self.failures: list[tuple[str, str, str]] = []  # (where: "transport action", problem, request)
        self.lock = threading.Lock()
        self.serial = 0
        self.deadline = time.monotonic() + BUDGET_SECONDS

    def over_budget(self, where: str) -> bool:
        if time.monotonic() < self.deadline:
            return False
        if not any(seen == "run budget" for seen, _, _ in self.failures):
            self.failures.append(("run budget", f"the run took over {BUDGET_SECONDS:.0f} s; stopped {where}", "(budget)"))
        return True

    # --- failures ---------------------------------------------------------------------

    def problem(self, transport: str, request: dict[str, Any] | bytes, text: str) -> None:
        action = request.get("action", "?") if isinstance(request, dict) else "(raw body)"
        with self.lock:
            self.failures.append((f"{transport} {action}", text, describe(request, limit=None)))

    def summary(self) -> str:
        """Violations grouped by kind (the problem with its numbers blanked out), each
        with the actions it was seen with and one exact request."""
        groups: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
        for where, text, request in self.failures:
            kind = where.split()[0] + ": " + re.sub(r"\d+(\.\d+)?(e[+-]?\d+)?", "N", text[:100])
            groups[kind].append((where.split(" ", 1)[1], request))
        lines = [f"{len(self.failures)} violations of {len(groups)} kinds (seed {SEED}; every request in {ARTIFACT}):"]
        for kind, seen in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:MAX_REPORTED]:
            actions = sorted({action for action, _ in seen})
            shown = ", ".join(actions[:8]) + (f" and {len(actions) - 8} more" if len(actions) > 8 else "")
            example = seen[0][1] if len(seen[0][1]) <= 800 else seen[0][1][:800] + "..."
            lines.append(f"- {kind} [x{len(seen)}; {shown}]\n    e.g. {example}")
        return "\n".join(lines)

    def save(self) -> None:
        save_violations(ARTIFACT, [{"where": where, "problem": text, "request": request}
                                   for where, text, request in self.failures])

    # --- liveness -----------------------------------------------------------------------

    def check_alive(self, where: str) -> None:
        """Anki's process runs, the server thread answers, the main thread answers."""
        if self.anki.proc.poll() is not None:
            raise Abort(f"Anki exited (code {self.anki.proc.returncode}) {where}\n{self.anki.log_tail()}")
        client = HttpClient(self.anki.host, self.anki.port, timeout=REPLY_TIMEOUT)
        try:
            for action in ("version", "deckNames"):  # server thread, then main thread
                outcome = client.send(encode({"action": action, "version": 6}))
                if isinstance(outcome, str) or outcome[0] != 200:
                    raise Abort(f"{action} got {outcome!r} {where}: "
                                f"{'server' if action == 'version' else 'main'} thread stalled?")
        finally:
            client.close()

    def call(self, action: str, **params: Any) -> Any:
        return call_action(self.anki, action, **params)

    def refresh(self) -> None:
        self.world.refresh(self.call)
        if len(self.world.note_ids) < 50:  # the fuzz deletes notes: keep some to work on
            seed_notes(self.call, self.world, 150, f"reseed{self.serial}")
            self.world.refresh(self.call)

    # --- HTTP -------------------------------------------------------------------------

    def http_phase(self, count: int) -> None:
        client = HttpClient(self.anki.host, self.anki.port, timeout=REPLY_TIMEOUT)
        try:
            for index in range(count):
                if index % 50 == 0 and self.over_budget(f"after {index} HTTP cases"):
                    return
                request = self.gen.case()
                self.count(request)
                self.tally.http += 1
                began = time.monotonic()
                outcome = client.send(encode(request))
                self.tally.seconds[request["action"] if isinstance(request, dict) else "(raw body)"] += time.monotonic() - began
                self.check_http(request, outcome)
                if isinstance(outcome, str) or (index + 1) % CHECK_EVERY == 0:
                    self.check_alive(f"after HTTP case {index + 1}: {describe(request, 300)}")
                    self.serial += 1
                    self.refresh()
        finally:
            client.close()

    def check_http(self, request: dict[str, Any] | bytes, outcome: tuple[int, bytes] | str) -> None:
        if isinstance(outcome, str):
            self.problem("http", request, outcome)
            return
        status, body = outcome
        if status >= 500:
            self.problem("http", request, f"HTTP {status}: {body[:300]!r}")
            return
        try:
            reply = strict_json(body)
        except ValueError as exc:
            self.problem("http", request, f"reply is not strict JSON ({exc}): {body[:300]!r}")
            return
        if isinstance(request, bytes):  # a broken body: any 4xx, or an error envelope
            if isinstance(reply, dict) and "error" in reply and not (reply["error"] is None or isinstance(reply["error"], str)):
                self.problem("http", request, f"error is not a string: {body[:300]!r}")
            return
        if status != 200:
            self.problem("http", request, f"HTTP {status} for a well-formed request: {body[:300]!r}")
            return
        problem = envelope_problem(reply)
        if problem:
            self.problem("http", request, f"{problem}: {body[:300]!r}")
        elif reply["error"] is None:
            self.tally.ok[request["action"]] += 1
            self.check_schema(request, reply)

    def check_schema(self, request: dict[str, Any], reply: Any) -> None:
        """A success's result must match the action's result schema (docs/openapi.json).

        Its params are not checked: junk often "succeeds" by accident (a deck name that
        is a number is not found: false), and the params schemas describe what the
        actions mean to take, refusing such junk, except where upstream's leniency is
        deliberate (x-lenient; tests/unit/test_schema.py)."""
        action = request["action"]
        if action not in schema.action_names():
            return
        found = schema_problems(action, "result", reply["result"])
        if found:
            self.problem("http", request, f"result does not match the schema: {found[:3]}")

    def count(self, request: dict[str, Any] | bytes) -> None:
        with self.lock:
            self.tally.cases[request["action"] if isinstance(request, dict) else "(raw body)"] += 1

    # --- WebSocket --------------------------------------------------------------------

    def ws_phase(self, count: int) -> None:
        done = 0
        while done < count:
            if self.over_budget(f"after {done} WebSocket cases"):
                return
            batches = []
            for _ in range(WS_CONNECTIONS):
                size = min(WS_ROUND, count - done)
                if size <= 0:
                    break
                batches.append([self.ws_case() for _ in range(size)])
                done += size
            windows = [WsWindow(self.anki.ws, WS_WINDOW, REPLY_TIMEOUT,
                                lambda request, text: self.problem("ws", request, text)) for _ in batches]
            threads = [threading.Thread(target=self.ws_client, args=(w, b), daemon=True) for w, b in zip(windows, batches)]
            for thread in threads:
                thread.start()
            for thread in threads:
                # every wait inside is bounded by REPLY_TIMEOUT; this bound only guards the test
                thread.join(timeout=WS_ROUND * REPLY_TIMEOUT)
                assert not thread.is_alive(), "a WebSocket client thread did not finish"
            self.tally.events += sum(w.events for w in windows)
            self.check_alive(f"after WebSocket case {done}")
            self.serial += 1
            self.refresh()

    def ws_client(self, window: WsWindow, cases: list[tuple[Any, dict[str, Any] | bytes]]) -> None:
        try:
            window.run(cases)
        except Exception as exc:  # e.g. the handshake failed: the run must see it
            self.problem("ws", b"(connect)", f"WebSocket client failed: {type(exc).__name__}: {exc}")

    def ws_case(self) -> tuple[Any, dict[str, Any] | bytes]:
        request = self.gen.case()
        self.count(request)
        self.tally.ws += 1
        if isinstance(request, bytes):
            return None, request
        rng = self.gen.rng
        n = self.gen.serial
        request_id = rng.choices([n, f"req-{n}", n + 0.5, -n, 2**64 + n], [70, 20, 4, 3, 3])[0]
        request["id"] = request_id
        roll = rng.random()
        if roll < 0.05:
            request["version"] = 4  # a WebSocket reply is an envelope whatever the version
        elif roll < 0.1:
            del request["version"]
        return request_id, request


# --- the collection and files the cases refer to --------------------------------------


def call_action(anki: AnkiProcess, action: str, **params: Any) -> Any:
    """Set-up and world refreshes: the result, or RuntimeError (never waits forever)."""
    client = HttpClient(anki.host, anki.port, timeout=REPLY_TIMEOUT)
    try:
        outcome = client.send(encode({"action": action, "version": 6, "params": params}))
    finally:
        client.close()
    if isinstance(outcome, str):
        raise RuntimeError(outcome)
    reply = json.loads(outcome[1])
    if reply.get("error") is not None:
        raise RuntimeError(reply["error"])
    return reply["result"]


def seed_notes(call: Callable[..., Any], world: World, count: int, label: str) -> None:
    model = "Basic" if "Basic" in world.fields else world.model_names[0]
    fields = world.fields.get(model) or ["Front", "Back"]
    notes = [{"deckName": "Fuzz", "modelName": model, "tags": ["fuzz", f"batch{i % 5}"],
              "fields": {name: f"{label} {i} {name}" for name in fields}} for i in range(count)]
    try:
        call("createDeck", deck="Fuzz")
        call("addNotes", notes=notes)
    except RuntimeError:
        pass  # the fuzz may have made the model unusable; cases still run


def make_files(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "small.txt").write_text("small file\n")
    (folder / "image.png").write_bytes(PNG)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "notes.csv").write_text("front;back\nfuzz csv;row\n")
    (folder / "data.colpkg").write_bytes(b"not really a collection package")
    os.mkfifo(folder / "fifo")  # opening it for reading waits for a writer


def files_route(path: str) -> bytes | None:
    return {"/small.txt": b"downloaded", "/image.png": PNG, "/big": b"b" * 2_000_000,
            "/with%20space.txt": b"space"}.get(path)


@pytest.fixture(scope="module")
def fuzz_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AnkiProcess, World, Path]]:
    root = tmp_path_factory.mktemp("fuzz")
    make_files(root / "files")
    with FileServer(files_route) as server:
        # every request and reply in BASE/api.log: the sequence that led to a finding
        anki = AnkiProcess(root / "base", config={"apiLogPath": str(root / "base" / "api.log")})
        try:
            world = World(tmp=root, url_base=server.url(""))

            def call(action: str, **params: Any) -> Any:
                return call_action(anki, action, **params)

            world.refresh(call)
            seed_notes(call, world, 300, "seed")
            call("createDeck", deck="Fuzz::Child")
            call("storeMediaFile", filename="fuzz_seed.txt", data=base64.b64encode(b"seed").decode())
            call("exportPackage", deck="Fuzz", path=str(root / "files" / "deck.apkg"))
            world.refresh(call)
            yield anki, world, root
        finally:
            code = anki.stop(timeout=60)
            if code != 0:
                print(anki.log_tail())


def test_fuzz_every_action_over_http_and_websocket(fuzz_setup: tuple[AnkiProcess, World, Path]) -> None:
    anki, world, root = fuzz_setup
    actions = fuzzed_actions(call_action(anki, "apiReflect", scopes=["actions"])["actions"])
    run = FuzzRun(anki, world, Generator(SEED, world, actions))
    started = time.monotonic()
    aborted = None
    try:
        run.http_phase(HTTP_CASES)
        http_seconds = time.monotonic() - started
        run.ws_phase(WS_CASES)
        run.check_alive("at the end")
        check = run.call("guiCheckDatabase")
        if check is not True:
            run.problem("http", {"action": "guiCheckDatabase"}, f"returned {check!r}")
    except Abort as exc:
        aborted = str(exc)
        http_seconds = time.monotonic() - started
    seconds = time.monotonic() - started
    code = anki.stop(timeout=60)
    if aborted is None and code != 0:
        run.failures.append(("end stop", f"Anki did not close cleanly: exit code {code}", "(stop)"))
        print(anki.log_tail(150))  # with each thread's stack when the CLI had to kill Anki
    integrity, database_problems = check_collection(root / "base" / "User 1" / "collection.anki2")
    if integrity != "ok":
        run.failures.append(("end collection", f"PRAGMA integrity_check: {integrity}", "(end)"))
    if "Error" in database_problems:  # Anki's check could not read the collection (repairs are fine)
        run.failures.append(("end collection", f"Anki's Check Database failed: {database_problems}", "(end)"))
    escaped = [str(p) for p in root.rglob("fuzz-escape-*") if "collection.media" not in p.parts]
    if escaped:
        run.failures.append(("end media", f"files written outside the media folder: {escaped[:5]}", "(end)"))

    covered = [name for name in actions if run.tally.cases[name]]
    succeeded = [name for name in actions if run.tally.ok[name]]
    report(f"fuzz: seed {SEED}, {run.tally.http + run.tally.ws} cases ({run.tally.http} HTTP, {run.tally.ws} WebSocket, "
           f"{run.tally.cases['(raw body)']} broken bodies) in {seconds:.1f} s (HTTP {http_seconds:.1f} s); "
           f"{len(covered)}/{len(actions)} actions fuzzed, {len(succeeded)} with at least one success over HTTP; "
           f"{run.tally.events} pushed events seen; excluded: {', '.join(sorted(EXCLUDED))}")
    report(f"fuzz: {len(run.failures)} violations; integrity_check {integrity!r}; "
           f"Anki's check database: {database_problems or 'no problems'}")
    slowest = ", ".join(f"{name} {secs:.1f} s/{run.tally.cases[name]}" for name, secs in run.tally.seconds.most_common(8))
    report(f"fuzz: most time over HTTP (seconds, cases on both transports): {slowest}")
    never = sorted(set(actions) - set(succeeded))
    report(f"fuzz: actions that never succeeded over HTTP (all their cases were errors): {', '.join(never) or 'none'}")
    run.save()
    if aborted:
        pytest.fail(f"run aborted: {aborted}\n{run.summary()}")
    assert not run.failures, run.summary()
    assert len(covered) == len(actions), f"not fuzzed: {sorted(set(actions) - set(covered))}"

