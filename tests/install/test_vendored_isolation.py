"""Another add-on that bundles its own, incompatible ``websockets`` and ``h11`` on
``sys.path`` and loads first (add-ons load in folder-name order) must not break ours:
Python keeps the first module imported under a name, so ours are imported under the
add-on's own package instead (``ankiconnect_ws._vendor``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ankiconnect_ws.build import TESTED_ANKI

from bench.anki_process import AnkiProcess
from .stock import stock_python

#: sorts before "ankiconnect_ws", so Anki imports it first
OTHER_ADDON = "0_other_addon"

_OTHER_INIT = '''
import os, sys
here = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(here, "lib"))
import h11, websockets
with open(os.path.join(here, "loaded.json"), "w") as f:
    f.write(__import__("json").dumps({"websockets": websockets.__file__, "h11": h11.__file__,
                                      "ours_loaded_before": "ankiconnect_ws" in sys.modules}))
'''
#: a package of the same name with none of the API ours uses
_STUB = "'''An incompatible stand-in.'''\nversion = 'stub'\n"


def _other_addon(addons21: Path) -> Path:
    folder = addons21 / OTHER_ADDON
    for name in ("websockets", "h11"):
        (folder / "lib" / name).mkdir(parents=True)
        (folder / "lib" / name / "__init__.py").write_text(_STUB)
    (folder / "lib" / "websockets" / "frames.py").write_text("'''no Opcode here'''\n")
    (folder / "__init__.py").write_text(_OTHER_INIT)
    return folder


@pytest.fixture(scope="module")
def beside_other(addon_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnkiProcess]:
    base = tmp_path_factory.mktemp("beside-other")
    _other_addon(base / "addons21")
    process = AnkiProcess(base, python=str(stock_python(TESTED_ANKI[-1])), args=("--addon", str(addon_file)))
    try:
        yield process
    finally:
        process.stop()


def test_an_incompatible_websockets_loaded_first_does_not_break_ours(beside_other: AnkiProcess) -> None:
    loaded = json.loads((beside_other.base / "addons21" / OTHER_ADDON / "loaded.json").read_text())
    assert loaded["websockets"].endswith(f"{OTHER_ADDON}/lib/websockets/__init__.py")
    assert loaded["h11"].endswith(f"{OTHER_ADDON}/lib/h11/__init__.py")
    assert loaded["ours_loaded_before"] is False
    with beside_other.ws() as ws:
        ws.send(json.dumps({"id": 1, "action": "deckNames", "version": 6}))
        ws.send(json.dumps({"id": 2, "action": "version", "version": 6}))
        replies = {reply["id"]: reply for reply in (json.loads(ws.recv(timeout=10)) for _ in range(2))}
    assert replies[1]["result"] == ["Default"] and replies[2]["result"] == 6
    assert beside_other("version") == 6  # HTTP (h11) too
