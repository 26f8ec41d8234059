"""The built add-on in stock Anki, as a user gets it: a fresh virtual environment with
only ``aqt`` (no h11, no websockets), on the Python Anki's own build runs on, the file
installed by Anki's add-on manager (what Tools > Add-ons > Install from file calls),
then the API over the real port. Once for the oldest and once for the newest Anki
supported (ankiconnect_ws.build.TESTED_ANKI)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ankiconnect_ws.build import TESTED_ANKI, AnkiRelease

from bench.anki_process import AnkiProcess
from ..support.events import add_note, next_event, subscribe
from .stock import importable, stock_python

#: AnkiConnect's folders (its AnkiWeb id, and the name of a copy installed by hand): the
#: manifest declares both a conflict (same port)
ANKICONNECT_FOLDERS = ("2055492159", "AnkiConnect")


@pytest.fixture(scope="module", params=TESTED_ANKI, ids=lambda anki: f"anki{anki.version}-py{anki.python}")
def stock(request: pytest.FixtureRequest, addon_file: Path,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AnkiRelease, Path, AnkiProcess]]:
    anki: AnkiRelease = request.param
    python = stock_python(anki)
    base = tmp_path_factory.mktemp(f"stock-{anki.version}")
    # AnkiConnect installed and enabled, as most users who switch will have it
    for folder in ANKICONNECT_FOLDERS:
        ankiconnect = base / "addons21" / folder
        ankiconnect.mkdir(parents=True)
        (ankiconnect / "__init__.py").write_text("raise RuntimeError('AnkiConnect must not load beside ankiconnect-ws')\n")
        (ankiconnect / "meta.json").write_text(json.dumps({"name": "AnkiConnect", "disabled": False}))
    process = AnkiProcess(base, python=str(python), args=("--addon", str(addon_file)))
    try:
        yield anki, python, process
    finally:
        process.stop()


def test_stock_environment_lacks_what_anki_does_not_ship(stock: tuple[AnkiRelease, Path, AnkiProcess]) -> None:
    anki, python, _ = stock
    assert not importable(python, "h11") and not importable(python, "websockets")
    assert importable(python, "orjson") and importable(python, "aqt")
    assert importable(python, "jsonschema")  # aqt's dependency: validation.py checks params with it
    probe = "import sys, aqt, anki.buildinfo as b; print('%d.%d' % sys.version_info[:2], b.version)"
    python_version, anki_version = subprocess.run([str(python), "-I", "-c", probe], cwd="/", capture_output=True,
                                                  text=True, check=True).stdout.splitlines()[-1].split()
    # (the last line: importing aqt 2.1.66 prints a notice first)
    assert python_version == anki.python
    normalized = ".".join(str(int(part)) for part in anki_version.split("."))  # 25.07 -> 25.7
    assert AnkiRelease(normalized, anki.python).point_version == anki.point_version


def test_installed_by_ankis_add_on_manager(stock: tuple[AnkiRelease, Path, AnkiProcess], addon_file: Path) -> None:
    _, _, process = stock
    folder = process.base / "addons21" / "ankiconnect_ws"
    meta = json.loads((folder / "meta.json").read_text())
    # written by AddonManager.install from the packaged manifest
    assert meta["name"] == "ankiconnect-ws" and meta["min_point_version"] == TESTED_ANKI[0].point_version
    assert (folder / "_vendor" / "websockets" / "__init__.py").is_file()
    # Anki disabled the conflicting AnkiConnects (they would fail to load if they ran)
    for folder in ANKICONNECT_FOLDERS:
        assert json.loads((process.base / "addons21" / folder / "meta.json").read_text())["disabled"] is True, folder


def test_http_api(stock: tuple[AnkiRelease, Path, AnkiProcess]) -> None:
    anki, _, process = stock
    assert process("version") == 6
    assert "Default" in process("deckNames")
    assert process.request({"action": "version"}) == 6  # version-4 style reply, unchanged


def test_websocket_request_with_id(stock: tuple[AnkiRelease, Path, AnkiProcess]) -> None:
    _, _, process = stock
    with process.ws() as ws:
        ws.send(json.dumps({"id": "d", "action": "deckNames", "version": 6}))
        reply = json.loads(ws.recv(timeout=10))
    assert reply["id"] == "d" and reply["error"] is None and "Default" in reply["result"]


def test_subscribe_gets_note_added(stock: tuple[AnkiRelease, Path, AnkiProcess]) -> None:
    _, _, process = stock
    with process.ws() as ws:
        subscribe(ws, ["note"])
        note_id = add_note(process, f"Stock {uuid.uuid4().hex[:6]}", "from a stock Anki")
        assert note_id in next_event(ws, "note.added")["data"]["noteIds"]


def test_status_page_is_served(stock: tuple[AnkiRelease, Path, AnkiProcess]) -> None:
    _, _, process = stock
    status, headers, body = process.post(b"", method="GET", path="/status")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"<title>ankiconnect-ws status</title>" in body
    status, _, script = process.post(b"", method="GET", path="/status/ankiconnect-ws.js")
    assert status == 200 and b"WebSocket" in script


def test_the_api_documents_are_served_as_committed(stock: tuple[AnkiRelease, Path, AnkiProcess]) -> None:
    """Built by the installed add-on on Anki's own Python: the same bytes as docs/."""
    _, _, process = stock
    docs = Path(__file__).resolve().parents[2] / "docs"
    for name in ("openapi.json", "asyncapi.json"):
        status, headers, body = process.post(b"", method="GET", path=f"/{name}")
        assert status == 200 and headers["Content-Type"] == "application/json"
        assert body == (docs / name).read_bytes(), f"{name} differs on this Anki's Python"


def test_error_texts_are_upstreams_on_this_python(stock: tuple[AnkiRelease, Path, AnkiProcess]) -> None:
    """Clients match these texts; Python 3.9 words its own TypeError differently, and
    the params schemas come prebuilt (this Python may not evaluate the hints)."""
    _, _, process = stock
    assert process.error("createDeck") == "AnkiConnect.createDeck() missing 1 required positional argument: 'deck'"
    assert process.error("deckNames", foobar=1) == "AnkiConnect.deckNames() got an unexpected keyword argument 'foobar'"
    assert process.error("getDeckStats", decks="qz") == 'getDeckStats: parameter "decks" must be an array, got a string'
    assert process.error("nope") == "unsupported action"


def test_a_note_acknowledged_survives_a_kill(stock: tuple[AnkiRelease, Path, AnkiProcess]) -> None:
    """Last in this module: it kills Anki. Anki before 23.10 keeps its collection in an
    open transaction that it commits every few minutes; the add-on commits each turn of
    API work before it replies."""
    _, python, process = stock
    front = f"Kill {uuid.uuid4().hex[:6]}"
    note_id = add_note(process, "Killed", front)
    os.killpg(process.proc.pid, signal.SIGKILL)
    process.proc.wait(timeout=10)
    time.sleep(0.5)  # the Anki under the CLI goes with its process group
    collection = process.base / "User 1" / "collection.anki2"
    probe = ("import sys; from anki.collection import Collection; c = Collection(sys.argv[1]); "
             "print(c.find_notes(sys.argv[2])); c.close()")
    found = subprocess.run([str(python), "-I", "-c", probe, str(collection), f'"Front:{front}"'], cwd="/",
                           capture_output=True, text=True, timeout=60)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == f"[{note_id}]"
