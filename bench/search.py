"""Search and read back: ``findNotes`` and ``notesInfo`` over 30,000 notes.

Ours: the real Anki started through the CLI; the notes are created with ``addNotes`` in
chunks of 5,000 (timed separately), then ``findNotes`` with ``deck:Bench`` and
``notesInfo`` of every returned id are timed, each one HTTP request (from sending the
pre-encoded body to the parsed reply). Reference: an equal collection built in this
process with pylib (``col.add_notes`` in the same chunks), then ``col.find_notes`` and
``col.get_note`` for each id. Each step runs on both sides in turn.

    .venv/bin/python bench/search.py [--quick] [--notes 30000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from anki.collection import AddNoteRequest, Collection

from _anki import compare, machine, start_anki, timed_call

DECK = "Bench"
MODEL = "Basic"
QUERY = f"deck:{DECK}"
CHUNK = 5000


def chunk_fronts(chunk: int) -> list[str]:
    return [f"search bench {chunk * CHUNK + i} lorem ipsum dolor" for i in range(CHUNK)]


def spec(front: str) -> dict[str, Any]:
    return {"deckName": DECK, "modelName": MODEL, "fields": {"Front": front, "Back": f"answer to {front}"},
            "tags": ["bench", "search"]}


def reference_add(col: Collection, fronts: list[str]) -> float:
    start = time.perf_counter()
    model = col.models.by_name(MODEL)
    deck_id = col.decks.id(DECK)
    requests = []
    for front in fronts:
        note = col.new_note(model)
        note["Front"] = front
        note["Back"] = f"answer to {front}"
        note.tags = ["bench", "search"]
        requests.append(AddNoteRequest(note, deck_id))
    col.add_notes(requests)
    return (time.perf_counter() - start) * 1000


def reference_find(col: Collection) -> tuple[list[int], float]:
    start = time.perf_counter()
    ids = list(col.find_notes(QUERY))
    return ids, (time.perf_counter() - start) * 1000


def reference_read(col: Collection, ids: list[int]) -> float:
    start = time.perf_counter()
    for note_id in ids:
        col.get_note(note_id)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="short run (10,000 notes, fewer repetitions)")
    parser.add_argument("--notes", type=int, default=None, help="notes to create (multiple of 5,000)")
    args = parser.parse_args()
    total = args.notes or (10000 if args.quick else 30000)
    find_reps, read_reps = (3, 1) if args.quick else (10, 3)
    chunks = max(1, total // CHUNK)
    print(f"machine: {machine()}")
    times: dict[str, tuple[list[float], list[float]]] = {}

    def record(label: str, ours: float, reference: float) -> None:
        mine, theirs = times.setdefault(label, ([], []))
        mine.append(ours)
        theirs.append(reference)

    folder = Path(tempfile.mkdtemp(prefix="ankiconnect-ws-search-ref-"))
    col = Collection(str(folder / "collection.anki2"))
    anki = start_anki("search")
    try:
        anki("createDeck", deck=DECK)
        col.decks.id(DECK)
        for chunk in range(chunks):
            fronts = chunk_fronts(chunk)
            result, elapsed = timed_call(anki, "addNotes", notes=[spec(front) for front in fronts])
            if None in result:
                raise RuntimeError(f"addNotes: {result.count(None)} notes not added")
            record(f"addNotes {CHUNK:,} (chunk of the {chunks * CHUNK:,})", elapsed, reference_add(col, fronts))
        for _ in range(find_reps):
            ids, elapsed = timed_call(anki, "findNotes", query=QUERY)
            reference_ids, reference_elapsed = reference_find(col)
            if len(ids) != chunks * CHUNK or len(reference_ids) != len(ids):
                raise RuntimeError(f"findNotes found {len(ids)}, reference {len(reference_ids)}")
            record(f"findNotes {QUERY!r} ({len(ids):,} notes)", elapsed, reference_elapsed)
        for _ in range(read_reps):
            infos, elapsed = timed_call(anki, "notesInfo", notes=ids)
            if len(infos) != len(ids) or not infos[-1].get("fields"):
                raise RuntimeError("notesInfo returned incomplete notes")
            record(f"notesInfo of {len(ids):,} ids (reference: get_note each)", elapsed,
                   reference_read(col, reference_ids))
    finally:
        anki.stop()
        shutil.rmtree(anki.base.parent, ignore_errors=True)
        col.close()
        shutil.rmtree(folder, ignore_errors=True)

    for label, (ours, reference) in times.items():
        compare(label, ours, reference)
    build_ours, build_reference = next(iter(times.values()))
    print(f"building {chunks * CHUNK:,} notes in total: ours {sum(build_ours) / 1000:.2f} s, "
          f"reference {sum(build_reference) / 1000:.2f} s, "
          f"ratio {sum(build_ours) / sum(build_reference):.2f}x")
    find_label = next(label for label in times if label.startswith("findNotes"))
    info_label = next(label for label in times if label.startswith("notesInfo"))
    print(f"findNotes + notesInfo together, medians: ours "
          f"{statistics.median(times[find_label][0]) + statistics.median(times[info_label][0]):.1f} ms, reference "
          f"{statistics.median(times[find_label][1]) + statistics.median(times[info_label][1]):.1f} ms")


if __name__ == "__main__":
    main()
