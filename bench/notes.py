"""Bulk note actions: ``addNotes`` (1,000 and 10,000 Basic notes in one request, default
duplicate check) and ``canAddNotes`` (10,000 candidates, half of them duplicates).

Ours: the real Anki started through the CLI, one HTTP request per call (time from
sending the pre-encoded body to the parsed reply). Reference: the same work in this
process with pylib only, on a collection in a temp folder that goes through the same
sequence of calls (each step runs on both sides in turn):

  * addNotes: ``col.new_note`` + fields + ``col.add_notes`` with an ``AddNoteRequest``
    list (no duplicate check; a second line adds one checksum lookup like ours does,
    for information);
  * canAddNotes: one pass computing first-field checksums, one SQL lookup
    ``select csum, flds from notes where csum in (...)`` (a checksum hit counts only when
    the first field is really equal).

    .venv/bin/python bench/notes.py [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import anki.lang
from anki.collection import AddNoteRequest, Collection
from anki.utils import checksum, ids2str, split_fields, strip_html_media

from _anki import AnkiProcess, compare, machine, start_anki, timed_call

DECK = "Bench"
MODEL = "Basic"


def fronts(batch: str, count: int) -> list[str]:
    return [f"bench {batch} note {i}" for i in range(count)]


def spec(front: str) -> dict[str, Any]:
    return {"deckName": DECK, "modelName": MODEL, "fields": {"Front": front, "Back": f"back of {front}"},
            "tags": ["bench"]}


def plan(args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    """The calls both sides make, in order: (label, fronts)."""
    steps: list[tuple[str, list[str]]] = []
    for rep in range(args.small_reps):
        steps.append(("addNotes 1,000", fronts(f"small{rep}", 1000)))
    for rep in range(args.large_reps):
        steps.append(("addNotes 10,000", fronts(f"large{rep}", 10000)))
    existing = fronts("large0", 10000)[:5000]
    fresh = fronts("absent", 5000)
    # interleaved: duplicate, new, duplicate, new...
    candidates = [front for pair in zip(existing, fresh) for front in pair]
    for _ in range(args.check_reps):
        steps.append(("canAddNotes 10,000 (half duplicates)", candidates))
    return steps


# --- ours -------------------------------------------------------------------------------


def ours_step(anki: AnkiProcess, label: str, batch: list[str]) -> float:
    specs = [spec(front) for front in batch]
    if label.startswith("addNotes"):
        result, elapsed = timed_call(anki, "addNotes", notes=specs)
        if None in result:
            raise RuntimeError(f"{label}: {result.count(None)} notes not added")
    else:
        result, elapsed = timed_call(anki, "canAddNotes", notes=specs)
        if sum(result) != len(batch) // 2:
            raise RuntimeError(f"{label}: {sum(result)} addable, expected {len(batch) // 2}")
    return elapsed


# --- reference --------------------------------------------------------------------------


def reference_add(col: Collection, batch: list[str], check_duplicates: bool) -> None:
    model = col.models.by_name(MODEL)
    deck_id = col.decks.id(DECK)
    if check_duplicates:
        batch = [front for front, new in zip(batch, reference_can_add(col, batch)) if new]
    requests = []
    for front in batch:
        note = col.new_note(model)
        note["Front"] = front
        note["Back"] = f"back of {front}"
        note.tags = ["bench"]
        requests.append(AddNoteRequest(note, deck_id))
    col.add_notes(requests)


def reference_can_add(col: Collection, batch: list[str]) -> list[bool]:
    """First-field checksums, one SQL lookup. 32-bit checksums do collide, so a hit
    counts only if the first fields are equal (raw first, HTML-stripped if not)."""
    model = col.models.by_name(MODEL)
    stripped = [strip_html_media(front) for front in batch]
    csums = [int(checksum(text.encode("utf-8"))[:8], 16) for text in stripped]
    existing: dict[int, list[str]] = {}
    for csum, fields in col.db.execute(
        f"select csum, flds from notes where mid = ? and csum in {ids2str(set(csums))}", model["id"]
    ):
        existing.setdefault(csum, []).append(split_fields(fields)[0])

    def is_new(front: str, text: str, csum: int) -> bool:
        found = existing.get(csum)
        if not found:
            return True
        return front not in found and all(strip_html_media(other) != text for other in found)

    return [is_new(front, text, csum) for front, text, csum in zip(batch, stripped, csums)]


def reference_step(col: Collection, label: str, batch: list[str], check_duplicates: bool) -> float:
    start = time.perf_counter()
    if label.startswith("addNotes"):
        reference_add(col, batch, check_duplicates)
    else:
        result = reference_can_add(col, batch)
    elapsed = (time.perf_counter() - start) * 1000
    if not label.startswith("addNotes") and sum(result) != len(batch) // 2:
        raise RuntimeError(f"reference {label}: {sum(result)} addable")
    return elapsed


def run(steps: list[tuple[str, list[str]]]) -> dict[str, dict[str, list[float]]]:
    """Each step on all three sides in turn, so load changes on the machine hit all alike."""
    times: dict[str, dict[str, list[float]]] = {"ours": {}, "reference": {}, "lookup": {}}
    folder = Path(tempfile.mkdtemp(prefix="ankiconnect-ws-notes-ref-"))
    plain = Collection(str(folder / "plain.anki2"))
    lookup = Collection(str(folder / "lookup.anki2"))
    anki = start_anki("notes")
    try:
        anki("createDeck", deck=DECK)
        for col in (plain, lookup):
            col.decks.id(DECK)
        for label, batch in steps:
            times["ours"].setdefault(label, []).append(ours_step(anki, label, batch))
            times["reference"].setdefault(label, []).append(reference_step(plain, label, batch, False))
            times["lookup"].setdefault(label, []).append(reference_step(lookup, label, batch, True))
    finally:
        anki.stop()
        shutil.rmtree(anki.base.parent, ignore_errors=True)
        plain.close()
        lookup.close()
        shutil.rmtree(folder, ignore_errors=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="short run")
    args = parser.parse_args()
    args.small_reps, args.large_reps, args.check_reps = (2, 1, 2) if args.quick else (10, 5, 10)
    print(f"machine: {machine()}")
    anki.lang.set_lang("en_US")  # strip_html_media goes through the i18n backend
    steps = plan(args)
    times = run(steps)
    ours, reference, with_lookup = times["ours"], times["reference"], times["lookup"]
    for label in ours:
        compare(label, ours[label], reference[label])
        if label.startswith("addNotes"):
            compare(f"{label}, against a reference that also looks up duplicates (information)",
                    ours[label], with_lookup[label])
    print("targets:")
    for label in ("addNotes 10,000", "canAddNotes 10,000 (half duplicates)"):
        factor = statistics.median(ours[label]) / statistics.median(reference[label])
        print(f"    {label} within 3x of in-process: {factor:.2f}x -> {'MET' if factor <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
