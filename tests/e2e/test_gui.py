"""The GUI actions (spec/ankiconnect-reference.md section 1.11) against the real Anki.

Windows are observed through the API itself: the Browser through guiSelectedNotes (``[]``
when it is closed), the Add dialog through guiAddNoteSetData (a ``code: 1`` object when it
is closed), the main window's screen through guiReviewActive / guiCurrentCard and the
``deck:current`` search. After each test Anki is back on the deck browser and every window
a test opened is closed (closing the profile closes them, as in Anki).
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.anki_process import AnkiProcess

from ..support.versions import anki_version
from ..support.waiting import wait_until

NOT_OPEN = {"error": "Add Note dialog is not open", "code": 1}
SEED_CURRENT_CARD_KEYS = {
    "answer", "question", "deckName", "modelName", "fieldOrder", "fields",
    "template", "cardId", "buttons", "nextReviews", "css",
}
#: a 1x1 transparent PNG
PIXEL_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
        "0000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
).decode()


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def make_deck(anki: AnkiProcess, prefix: str, fronts: list[str]) -> tuple[str, list[int]]:
    """A new deck with one Basic note per front (made unique); returns (deck name, note ids)."""
    deck = unique(prefix)
    anki("createDeck", deck=deck)
    tag = deck.split()[-1]
    note_ids = anki("addNotes", notes=[
        {"deckName": deck, "modelName": "Basic", "fields": {"Front": f"{front} {tag}", "Back": f"back of {front} {tag}"}}
        for front in fronts
    ])
    assert None not in note_ids
    return deck, note_ids


def deck_cards(anki: AnkiProcess, deck: str) -> list[int]:
    return anki("findCards", query=f'"deck:{deck}"')


def close_windows(anki: AnkiProcess) -> None:
    """Close every window the API opened: closing the profile closes them, as in Anki."""
    # An Add window with content would ask "discard?" when closed: empty it first.
    anki("guiAddNoteSetData", note={"modelName": "Basic", "fields": {"Front": "", "Back": ""}, "tags": []})
    assert anki("unloadProfile") is True
    assert anki("loadProfile", name="User 1") is True
    assert anki("guiSelectCard", card=0) is False  # no Browser
    assert anki("guiAddNoteSetData", note={}) == NOT_OPEN


@pytest.fixture(autouse=True)
def back_to_deck_browser(anki: AnkiProcess) -> Iterator[None]:
    """Leave Anki as the other test files expect it: deck browser, no extra windows."""
    yield
    anki("guiDeckBrowser")
    browser_open = anki("guiSelectCard", card=0) is True
    add_open = anki("guiAddNoteSetData", note={}) != NOT_OPEN
    if browser_open or add_open:
        close_windows(anki)


# --- Browser ---------------------------------------------------------------------------


def test_gui_browse_opens_the_browser_on_the_search(anki: AnkiProcess) -> None:
    deck, note_ids = make_deck(anki, "Browse", ["b1", "b2", "b3"])
    assert anki("guiSelectedNotes") == []  # no Browser yet
    found = anki("guiBrowse", query=f'"deck:{deck}"')
    assert sorted(found) == sorted(deck_cards(anki, deck)) and len(found) == 3
    # the Browser is open and shows that search: its first row is selected
    selected = anki("guiSelectedNotes")
    assert len(selected) == 1 and selected[0] in note_ids


def test_gui_browse_without_query_returns_nothing_but_opens(anki: AnkiProcess) -> None:
    assert anki("guiBrowse") == []
    assert anki("guiSelectCard", card=1) is True  # the Browser is open now


def test_gui_browse_reorder_cards(anki: AnkiProcess) -> None:
    deck, _ = make_deck(anki, "Reorder", ["r1", "r2"])
    query = f'"deck:{deck}"'
    expected = sorted(deck_cards(anki, deck))
    for order in ("descending", "ascending"):
        found = anki("guiBrowse", query=query, reorderCards={"columnId": "noteFld", "order": order})
        assert sorted(found) == expected
    # a column that is not shown yet is added, then sorted on
    assert sorted(anki("guiBrowse", query=query, reorderCards={"columnId": "cardReps", "order": "ascending"})) == expected
    assert len(anki("guiSelectedNotes")) == 1


def test_gui_browse_errors(anki: AnkiProcess) -> None:
    assert anki.error("guiBrowse", query="deck:x", reorderCards=[1]) == "reorderCards should be a dict: [1]"
    assert anki.error("guiBrowse", query="deck:x", reorderCards={"columnId": "noteFld"}) == (
        'Must provide a "columnId" and a "order" property"'
    )
    assert anki.error("guiBrowse", query="deck:x", reorderCards={"columnId": "noteFld", "order": "up"}) == (
        "invalid card order: up"
    )
    assert anki.error("guiBrowse", query="deck:x", reorderCards={"columnId": "nope", "order": "ascending"}) == (
        "invalid columnId: nope"
    )
    assert "Invalid search" in anki.error("guiBrowse", query="deck:(")  # Anki's text (HTML before 25.02)
    # none of these opened the Browser
    assert anki("guiSelectedNotes") == []


def test_gui_select_card(anki: AnkiProcess) -> None:
    deck, note_ids = make_deck(anki, "Select", ["s1", "s2", "s3"])
    cards = anki("cardsInfo", cards=deck_cards(anki, deck))
    card_of = {info["note"]: info["cardId"] for info in cards}
    assert anki("guiSelectCard", card=card_of[note_ids[2]]) is False  # no Browser
    anki("guiBrowse", query=f'"deck:{deck}"')
    assert anki("guiSelectCard", card=card_of[note_ids[2]]) is True
    assert anki("guiSelectedNotes") == [note_ids[2]]
    assert anki("guiSelectCard", card=card_of[note_ids[1]]) is True
    assert anki("guiSelectedNotes") == [note_ids[1]]


def test_gui_select_note_takes_a_card_id(anki: AnkiProcess) -> None:
    deck, note_ids = make_deck(anki, "SelectNote", ["n1", "n2"])
    card = anki("findCards", query=f"nid:{note_ids[1]}")[0]
    assert anki("guiSelectNote", note=card) is False
    anki("guiBrowse", query=f'"deck:{deck}"')
    assert anki("guiSelectNote", note=card) is True
    assert anki("guiSelectedNotes") == [note_ids[1]]


def test_gui_selected_notes(anki: AnkiProcess) -> None:
    assert anki("guiSelectedNotes") == []
    deck, note_ids = make_deck(anki, "Selected", ["x1"])
    anki("guiBrowse", query=f'"deck:{deck}"')
    assert anki("guiSelectedNotes") == note_ids
    anki("guiBrowse", query="nid:1")  # matches nothing: nothing selected
    assert anki("guiSelectedNotes") == []


def test_gui_edit_note_shows_the_note_in_anki_editor(anki: AnkiProcess) -> None:
    _, note_ids = make_deck(anki, "Edit", ["e1", "e2"])
    assert anki("guiEditNote", note=note_ids[1]) is None
    assert anki("guiSelectedNotes") == [note_ids[1]]
    assert anki("guiEditNote", note=note_ids[0]) is None  # the open window follows
    assert anki("guiSelectedNotes") == [note_ids[0]]
    # Anki's own NotFoundError text, as upstream; Anki before 24.04 words it in general
    missing = anki.error("guiEditNote", note=123)
    if anki_version(anki) < (24, 4):
        assert missing.startswith("Your database appears to be in an inconsistent state"), missing
    else:
        assert "No such note: '123'" in missing


# --- Add dialog ------------------------------------------------------------------------


def test_gui_add_cards_opens_add_with_the_note(anki: AnkiProcess) -> None:
    deck = unique("Add")
    anki("createDeck", deck=deck)
    assert anki("guiAddNoteSetData", note={"fields": {"Front": "x"}}) == NOT_OPEN
    picture = f"gui_add_{uuid.uuid4().hex[:8]}.png"
    note = {
        "deckName": deck, "modelName": "Basic", "fields": {"Front": "preset front", "Unknown": "ignored"},
        "tags": ["gui"], "picture": {"filename": picture, "data": PIXEL_PNG, "fields": ["Back"]},
    }
    assert anki("guiAddCards", note=note) == 0  # the editor's note is not saved yet
    assert anki("guiAddNoteSetData", note={"fields": {"Back": "open"}}) is True  # now open
    assert anki("retrieveMediaFile", filename=picture) == PIXEL_PNG  # media stored for it
    assert deck_cards(anki, deck) == []  # nothing added to the collection
    # again while open: the window takes the new note
    assert anki("guiAddCards", note={"deckName": deck, "modelName": "Basic (and reversed card)", "fields": {"Front": "f"}}) == 0
    assert anki("guiAddNoteSetData", note={"fields": {"Back": "still Basic-like"}}) is True


def test_gui_add_cards_without_note_and_errors(anki: AnkiProcess) -> None:
    assert anki.error("guiAddCards", note={"deckName": "no such deck", "modelName": "Basic", "fields": {}}) == (
        "deck was not found: no such deck"
    )
    assert anki.error("guiAddCards", note={"deckName": "Default", "modelName": "no such model", "fields": {}}) == (
        "model was not found: no such model"
    )
    assert anki("guiAddNoteSetData", note={}) == NOT_OPEN  # the errors opened nothing
    assert anki("guiAddCards") == 0
    assert anki("guiAddNoteSetData", note={}) is True


def test_gui_add_note_set_data_changes_the_dialog_note(anki: AnkiProcess) -> None:
    deck = unique("SetData")
    anki("createDeck", deck=deck)
    anki("guiAddCards", note={"deckName": "Default", "modelName": "Basic", "fields": {"Front": "a"}, "tags": ["one"]})
    assert anki("guiAddNoteSetData", note={"deckName": deck, "fields": {"Front": "b"}, "tags": ["two"]}, append=True) is True
    # switching the note type changes which fields the dialog's note has
    assert anki("guiAddNoteSetData", note={"modelName": "Cloze"}) is True
    assert anki.error("guiAddNoteSetData", note={"fields": {"Front": "x"}}) == 'Field "Front" not found in current note'
    assert anki("guiAddNoteSetData", note={"fields": {"Text": "{{c1::x}}"}}) is True
    # type and fields in one call: the fields are checked against the new type
    assert anki("guiAddNoteSetData", note={"modelName": "Basic", "fields": {"Front": "y", "Back": "z"}}) is True
    assert anki.error("guiAddNoteSetData", note={"fields": {"Text": "x"}}) == 'Field "Text" not found in current note'
    assert anki.error("guiAddNoteSetData", note={"deckName": "no such deck"}) == 'Deck "no such deck" not found'
    assert anki.error("guiAddNoteSetData", note={"modelName": "no such model"}) == 'Model "no such model" not found'
    # a failing call changed nothing: the note is still a Basic one
    assert anki("guiAddNoteSetData", note={"fields": {"Back": "ok"}}) is True


# --- the main window's screens and the reviewer ------------------------------------------


def test_review_session_driven_through_the_api(anki: AnkiProcess) -> None:
    deck, note_ids = make_deck(anki, "Review", ["question one", "question two"])
    cards = deck_cards(anki, deck)
    assert anki("getIntervals", cards=cards) == [0, 0]
    assert anki("guiCurrentCard") is None  # not reviewing: null, as the seed says

    assert anki("guiDeckReview", name=deck) is True
    assert anki("guiReviewActive") is True
    current = anki("guiCurrentCard")
    assert set(current) == SEED_CURRENT_CARD_KEYS
    card_id = current["cardId"]
    assert card_id in cards
    assert current["deckName"] == deck and current["modelName"] == "Basic"
    assert current["template"] == "Card 1" and current["fieldOrder"] == 0
    front = current["fields"]["Front"]["value"]
    assert front.startswith(("question one", "question two"))
    assert current["fields"] == {"Front": {"value": front, "order": 0}, "Back": {"value": f"back of {front}", "order": 1}}
    assert front in current["question"] and f"back of {front}" in current["answer"]
    assert current["buttons"] == [1, 2, 3, 4]
    assert len(current["nextReviews"]) == 4 and all(isinstance(label, str) and label for label in current["nextReviews"])
    assert ".card" in current["css"]

    assert anki("guiAnswerCard", ease=3) is False  # the answer is not shown yet
    assert anki("guiShowQuestion") is True
    assert anki("guiShowAnswer") is True
    assert anki("guiAnswerCard", ease=5) is False  # only 4 buttons
    assert anki("guiAnswerCard", ease=0) is False
    before = anki("cardsInfo", cards=[card_id])[0]
    assert (before["type"], before["queue"], before["reps"]) == (0, 0, 0)

    started = time.monotonic()
    assert anki("guiAnswerCard", ease=3) is True
    # answered once Anki's reviewer_did_answer_card said the answer is saved, not after
    # the 10 s limit (STEP_TIMEOUT) of a wait nobody settles: the add-on subscribes the
    # reviewer's waits to that hook
    assert time.monotonic() - started < 8
    after = anki("cardsInfo", cards=[card_id])[0]
    assert after["reps"] == 1 and after["type"] == 1 and after["queue"] == 1  # new -> learning
    assert anki("getIntervals", cards=[card_id]) == [-600]  # Good on a new card: the 10 min step
    # the reviewer went on to the other card
    assert anki("guiCurrentCard")["cardId"] != card_id


def test_gui_review_active_and_deck_overview(anki: AnkiProcess) -> None:
    deck, _ = make_deck(anki, "Overview", ["o1"])
    assert anki("guiReviewActive") is False
    assert anki("guiDeckReview", name=deck) is True
    assert anki("guiReviewActive") is True and anki("guiCurrentCard") is not None
    assert anki("guiDeckOverview", name=deck) is True
    assert anki("guiReviewActive") is False and anki("guiCurrentCard") is None
    assert anki("guiDeckOverview", name="no such deck") is False
    # the overview's deck became the current deck
    other, _ = make_deck(anki, "Overview other", ["o2"])
    assert anki("guiDeckOverview", name=other) is True
    assert anki("findCards", query="deck:current") == deck_cards(anki, other)


def test_gui_deck_browser_leaves_review(anki: AnkiProcess) -> None:
    deck, _ = make_deck(anki, "DeckBrowser", ["d1"])
    anki("guiDeckReview", name=deck)
    assert anki("guiReviewActive") is True
    assert anki("guiDeckBrowser") is None
    assert anki("guiReviewActive") is False and anki("guiCurrentCard") is None


def test_gui_deck_review(anki: AnkiProcess) -> None:
    assert anki("guiDeckReview", name="no such deck") is False
    assert anki("guiReviewActive") is False
    deck, _ = make_deck(anki, "DeckReview", ["r1"])
    assert anki("guiDeckReview", name=deck) is True
    assert anki("guiCurrentCard")["cardId"] == deck_cards(anki, deck)[0]
    # a deck with nothing to study: Anki shows its overview instead
    empty = unique("Empty")
    anki("createDeck", deck=empty)
    assert anki("guiDeckReview", name=empty) is True
    assert anki("guiReviewActive") is False


def test_gui_show_question_and_answer_outside_review(anki: AnkiProcess) -> None:
    assert anki("guiShowQuestion") is False
    assert anki("guiShowAnswer") is False
    assert anki("guiAnswerCard", ease=3) is False


def test_gui_start_card_timer(anki: AnkiProcess) -> None:
    assert anki("guiStartCardTimer") is False
    deck, _ = make_deck(anki, "Timer", ["t1"])
    anki("guiDeckReview", name=deck)
    assert anki("guiStartCardTimer") is True
    assert anki("guiShowAnswer") is True
    time.sleep(0.3)
    card = anki("guiCurrentCard")["cardId"]
    assert anki("guiAnswerCard", ease=3) is True
    assert anki("cardsInfo", cards=[card])[0]["reps"] == 1


def test_an_answer_shown_by_the_api_survives_anki_resetting_the_window(anki: AnkiProcess) -> None:
    """Anki loads each screen's page asynchronously and measures it afterwards; a
    screen change that replaces a page still loading makes that measurement fail, and
    Anki then resets the window a second later: the reviewer shows the question again.
    A client that showed the answer can still answer (this made test_gui_start_card_timer
    flaky). The screen changes below make such a reset likely, not certain."""
    for _ in range(12):
        deck, _ = make_deck(anki, "Rapid", ["r"])
        assert anki("guiDeckReview", name=deck) is True
        assert anki("guiShowAnswer") is True
        assert anki("guiAnswerCard", ease=3) is True  # the deck's last card: overview next
        anki("guiDeckBrowser")
        anki("guiDeckReview", name=deck)
    deck, _ = make_deck(anki, "Rapid last", ["r"])
    assert anki("guiDeckReview", name=deck) is True
    assert anki("guiShowAnswer") is True
    time.sleep(1.5)  # longer than Anki's delay before such a reset
    assert anki("guiAnswerCard", ease=3) is True


def test_gui_show_question_takes_back_a_shown_answer(anki: AnkiProcess) -> None:
    deck, _ = make_deck(anki, "Question again", ["q"])
    assert anki("guiDeckReview", name=deck) is True
    assert anki("guiShowAnswer") is True
    assert anki("guiShowQuestion") is True
    assert anki("guiAnswerCard", ease=3) is False  # the client itself went back


def test_gui_play_audio(anki: AnkiProcess) -> None:
    assert anki("guiPlayAudio") is False
    deck, _ = make_deck(anki, "Audio", ["a1"])
    anki("guiDeckReview", name=deck)
    assert anki("guiPlayAudio") is True
    assert anki("guiReviewActive") is True  # replaying changed nothing else


def test_gui_undo_reverts_the_last_answer(anki: AnkiProcess) -> None:
    deck, _ = make_deck(anki, "Undo", ["u1"])
    anki("guiDeckReview", name=deck)
    card = anki("guiCurrentCard")["cardId"]
    anki("guiShowAnswer")
    assert anki("guiAnswerCard", ease=3) is True
    assert anki("cardsInfo", cards=[card])[0]["reps"] == 1
    assert anki("guiUndo") is True
    info = anki("cardsInfo", cards=[card])[0]
    assert (info["reps"], info["type"], info["queue"]) == (0, 0, 0)
    assert anki("getIntervals", cards=[card]) == [0]


# --- import, database check, exit ------------------------------------------------------


def test_gui_import_file_opens_without_blocking(anki: AnkiProcess, tmp_path: Path) -> None:
    csv = tmp_path / "gui-import.csv"
    csv.write_text("front;back\n")
    if anki_version(anki) < (23, 10):  # no import window to open (docs/compatibility.md)
        too_old = "guiImportFile is only supported from Anki version >=23.10"
        assert anki.error("guiImportFile", path=str(csv)) == too_old
        assert anki.error("guiImportFile") == too_old
        return
    started = time.monotonic()
    try:
        assert anki("guiImportFile", path=str(csv)) is None
        assert anki("deckNames")  # Anki still answers while the import window is open
        assert anki("guiImportFile") is None  # the file picker does not block either
        assert anki("deckNames")
        assert time.monotonic() - started < 10
    finally:
        close_windows(anki)
    assert anki.error("guiImportFile", path=str(tmp_path / "missing.apkg")) == (
        f"file does not exist: {tmp_path / 'missing.apkg'}"
    )
    odd = tmp_path / "file.xyz"
    odd.write_text("x")
    assert anki.error("guiImportFile", path=str(odd)) == "Unsupported file type."


def test_gui_check_database_runs_in_the_background(anki: AnkiProcess) -> None:
    deck, _ = make_deck(anki, "CheckDB", ["c1"])
    card = deck_cards(anki, deck)[0]
    # a new card's position above 1,000,000 is one of the things Check Database repairs
    assert anki("setSpecificValueOfCard", card=card, keys=["due"], newValues=[3_000_000], warning_check=True) == [True]
    assert anki("cardsInfo", cards=[card])[0]["due"] == 3_000_000
    assert anki("guiCheckDatabase") is True
    wait_until(lambda: anki("cardsInfo", cards=[card])[0]["due"] == 1_000_000, timeout=20)


def test_gui_exit_anki_answers_first_then_exits_cleanly(tmp_path: Path) -> None:
    base = tmp_path / "exit"
    first = AnkiProcess(base)
    try:
        deck = unique("Kept")
        anki_deck_id = first("createDeck", deck=deck)
        note_id = first("addNote", note={"deckName": deck, "modelName": "Basic", "fields": {"Front": "kept", "Back": "safe"}})
        assert first.envelope("guiExitAnki") == {"result": None, "error": None}
        assert first.proc.poll() is None  # the reply came before Anki went away
        assert first.proc.wait(timeout=20) == 0
    finally:
        first.stop()
    second = AnkiProcess(base)
    try:
        assert second("deckNamesAndIds")[deck] == anki_deck_id
        assert second("findNotes", query=f'"deck:{deck}"') == [note_id]
        info: dict[str, Any] = second("notesInfo", notes=[note_id])[0]
        assert info["fields"]["Front"]["value"] == "kept" and info["fields"]["Back"]["value"] == "safe"
    finally:
        assert second.stop() == 0
