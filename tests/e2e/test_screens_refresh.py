"""Anki's screens hear of a request's changes once, before its reply.

A probe add-on counts ``gui_hooks.operation_did_execute`` (what Anki's deck list, Browser
and Edit Current refresh on) and reads what the Browser's editor shows. Per-note
announcements made a 1,000-note ``multi`` of ``updateNoteFields`` take 38 s on a
100,000-note collection (bench/scale.py): each redrew the deck list, whose counts hold
the collection on a background thread, and the next note waited for them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bench.anki_process import AnkiProcess

from ..support.waiting import wait_until

PROBE = '''"""Test probe (tests/e2e/test_screens_refresh.py): counts operation_did_execute."""

import json
from pathlib import Path

import aqt
from aqt import gui_hooks, mw
from aqt.qt import QTimer

_announced = []


def _record(changes, handler):
    _announced.append({"note_text": bool(changes.note_text), "handler": handler is not None})


gui_hooks.operation_did_execute.append(_record)


def _poll():
    base = Path(mw.pm.base)
    trigger = base / "report-trigger"
    if trigger.exists():
        trigger.unlink()
        browser = aqt.dialogs._dialogs["Browser"][1]
        note = browser.editor.note if browser is not None and browser.editor else None
        report = {"announced": list(_announced), "browserShows": [note.id, note["Back"]] if note else None}
        (base / "report.json.tmp").write_text(json.dumps(report))
        (base / "report.json.tmp").rename(base / "report.json")


_timer = QTimer(mw)
_timer.timeout.connect(_poll)
_timer.start(20)
'''


@pytest.fixture(scope="module")
def anki_counting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnkiProcess]:
    process = AnkiProcess(tmp_path_factory.mktemp("anki-refresh"), files={"addons21/refresh_probe/__init__.py": PROBE})
    try:
        yield process
    finally:
        process.stop()


def _report(anki: AnkiProcess) -> dict:
    """What the probe saw so far (it answers on Anki's main thread, after our reply)."""
    report = anki.base / "report.json"
    report.unlink(missing_ok=True)
    (anki.base / "report-trigger").write_text("1")
    wait_until(report.exists, timeout=10)
    return json.loads(report.read_text())


def _add_notes(anki: AnkiProcess, count: int, deck: str) -> list[int]:
    anki("createDeck", deck=deck)
    notes = [{"deckName": deck, "modelName": "Basic", "fields": {"Front": f"{deck} {i}", "Back": "old"}}
             for i in range(count)]
    return anki("addNotes", notes=notes)


def test_a_multi_of_note_updates_is_announced_once(anki_counting: AnkiProcess) -> None:
    anki = anki_counting
    ids = _add_notes(anki, 30, "Announced once")
    before = _ours(_report(anki))
    items = [{"action": "updateNoteFields", "params": {"note": {"id": nid, "fields": {"Back": f"new {nid}"}}}}
             for nid in ids]
    assert anki("multi", actions=items) == [None] * 30
    assert _ours(_report(anki)) == before + 1


@pytest.mark.parametrize("action", ["updateNoteFields", "updateNote"])
def test_the_browser_shows_an_update_when_the_reply_comes(anki_counting: AnkiProcess, action: str) -> None:
    anki = anki_counting
    [nid] = _add_notes(anki, 1, f"Browser sees {action}")
    [card] = anki("guiBrowse", query=f"nid:{nid}")
    assert anki("guiSelectCard", card=card) is True
    # the Browser's editor takes up the selected card's note in a later main-thread turn
    wait_until(lambda: _report(anki)["browserShows"] == [nid, "old"], timeout=10)
    before = _ours(_report(anki))
    assert anki(action, note={"id": nid, "fields": {"Back": "seen at once"}}) is None
    # announced before the reply; the Browser then reloads its editor's note (Anki may
    # redraw its table and editor in later turns: wait for it rather than race it)
    wait_until(lambda: _report(anki)["browserShows"] == [nid, "seen at once"], timeout=10)
    assert _ours(_report(anki)) == before + 1
    # and its editor did not save its old copy back
    assert anki("notesInfo", notes=[nid])[0]["fields"]["Back"]["value"] == "seen at once"


def _ours(report: dict) -> int:
    """Announcements like ours (Anki's own operations, e.g. the Browser's, name a
    handler)."""
    return report["announced"].count({"note_text": True, "handler": False})
