"""Long batches run in main-thread slices; the results must not depend on the slicing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection

from ankiconnect_ws.actions import context
from ankiconnect_ws.actions import notes as notes_module

from ..support.local_api import LocalApi


def batch() -> list[dict[str, Any]]:
    notes = [{"deckName": "Default", "modelName": "Basic", "fields": {"Front": f"word {i}", "Back": "x"}}
             for i in range(300)]
    notes[150]["fields"]["Front"] = "word 0"  # duplicates note 0, which an earlier slice added
    notes[250]["modelName"] = "No such model"
    return notes


def run(tmp_path: Path, name: str, budget: float, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(context, "SLICE_BUDGET", budget)
    collection = Collection(str(tmp_path / f"{name}.anki2"))
    try:
        api = LocalApi(collection)
        slices = []
        original = notes_module._add_notes

        def counting_add_notes(*args: Any) -> Any:  # one call per main-thread slice
            slices.append(1)
            return original(*args)

        monkeypatch.setattr(notes_module, "_add_notes", counting_add_notes)
        checked = api("canAddNotesWithErrorDetail", notes=batch())
        added = api("addNotes", notes=batch())
        fronts = [n["fields"]["Front"]["value"] for n in api("notesInfo", notes=[i for i in added if i])]
        info = api("cardsInfo", cards=api("findCards", query="deck:Default"))
        return {"checked": checked, "added": [i is not None for i in added], "fronts": fronts,
                "cards": len(info), "calls": len(slices)}
    finally:
        collection.close()


def test_sliced_batches_equal_a_single_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one_pass = run(tmp_path, "whole", 1000.0, monkeypatch)
    sliced = run(tmp_path, "sliced", 1e-9, monkeypatch)  # every slice after the first holds one item
    assert sliced["checked"] == one_pass["checked"]
    assert sliced["added"] == one_pass["added"]
    assert sliced["fronts"] == one_pass["fronts"]
    assert sliced["cards"] == one_pass["cards"] == 298
    assert one_pass["calls"] <= 2 and sliced["calls"] > 100  # 100 first, then as the budget allows
    assert one_pass["added"][150] is False and one_pass["added"][250] is False
    assert one_pass["checked"][250] == {"canAdd": False, "error": "model was not found: No such model"}
    assert one_pass["checked"][150] == {"canAdd": True}  # a check does not see its own batch


@pytest.mark.parametrize("action", ["addNotes", "canAddNotes", "canAddNotesWithErrorDetail"])
def test_a_batch_looks_each_deck_up_once_whatever_the_slicing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    """A failed deck lookup is a backend error, which builds a backtrace when
    RUST_BACKTRACE is set (about 55 ms each): 1,000 notes naming a missing deck took
    55 s when every slice looked the deck up again."""
    monkeypatch.setattr(context, "SLICE_BUDGET", 1e-9)  # every slice after the first holds one note
    collection = Collection(str(tmp_path / "lookups.anki2"))
    try:
        lookups: list[str] = []
        original = collection.decks.id_for_name

        def counting_id_for_name(name: str) -> Any:
            lookups.append(name)
            return original(name)

        monkeypatch.setattr(collection.decks, "id_for_name", counting_id_for_name)
        notes = [{"deckName": "Missing", "modelName": "Basic", "fields": {"Front": f"n{i}", "Back": "b"}}
                 for i in range(150)]
        LocalApi(collection)(action, notes=notes)
        assert lookups == ["Missing"]
    finally:
        collection.close()
