"""Requests are answered while Anki shows a modal box.

Anki runs closures from its task queue in batches; when one of them opens a modal box
(as Anki does to say that no media player is installed), the rest of that batch waits
until a person closes the box. A probe add-on reproduces that deterministically: a task
holds the main thread while a box is queued behind it, and the test's request arrives
in that window, so a request delivered through the task queue lands behind the box; or
the box is queued as one of our jobs starts an Anki operation, so it opens inside the job.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ankiconnect_ws import errors
from bench.anki_process import AnkiProcess

from ..support.waiting import wait_until

PROBE = '''"""Test probe (tests/e2e/test_modal_box.py): opens a modal box from Anki's task queue."""

import threading
import time
from pathlib import Path

from aqt import gui_hooks, mw
from aqt.qt import QApplication, QTimer
from aqt.utils import showWarning


def _base():
    return Path(mw.pm.base)


def _box():
    (_base() / "modal-open").write_text("1")
    showWarning("modal box from the test probe")  # a nested event loop until closed
    (_base() / "modal-closed").write_text("1")


def _runner():
    import sys

    return sys.modules["ankiconnect_ws.addon"]._instance.runner


def _runner_idle():
    # No drain of ankiconnect-ws is pending: one still pending (a turn past its time
    # budget goes on after a 4 ms timer) would serve the test's request before the box
    # once the hold ends, where the test wants the request behind the box.
    return not _runner()._scheduled


def _hold_then_queue_box():
    # This closure holds the main thread; meanwhile the box is queued as the first
    # closure of the next batch, and the test sends its request.
    queued = threading.Thread(target=lambda: mw.taskman.run_on_main(_box))
    queued.start()
    queued.join()
    (_base() / "modal-holding").write_text("1")
    time.sleep(2.0)


#: set by the test's trigger: the next Anki operation started by one of our jobs opens a box
_armed = False


def _box_inside_our_next_operation():
    # gui_hooks.backend_will_block: Anki fires it as an operation starts, inside the
    # caller - our job. On the main thread run_on_main runs the task queue at once, so
    # the box opens right here, as it would from the operation's run_in_background had
    # the box been pending. (Queued from another thread, the box can instead join a
    # batch Anki already had posted - a background task's callback - and open before
    # our job runs.)
    global _armed
    if _armed and _runner()._depth > 0:
        _armed = False
        (_base() / "modal-in-our-job").write_text("1")
        mw.taskman.run_on_main(_box)


gui_hooks.backend_will_block.append(_box_inside_our_next_operation)


def _hold_until_our_job_is_submitted_then_queue_box():
    # Holds the main thread until ankiconnect-ws has the test's request queued with its
    # drain on the way (submit returned: a drain is posted, or was already scheduled -
    # the runner then posts none), then queues the box: when the main thread goes on,
    # the box is pending (or already open) as our job starts - the race of a failed
    # playback's warning.
    runner = _runner()
    submitted = threading.Event()
    submit = runner.submit

    def submit_and_tell(fn):
        future = submit(fn)
        submitted.set()
        return future

    runner.submit = submit_and_tell
    try:
        (_base() / "modal-holding").write_text("1")
        submitted.wait(10)
    finally:
        del runner.submit
    queued = threading.Thread(target=lambda: mw.taskman.run_on_main(_box))
    queued.start()
    queued.join()


def _alert_in_add_window():
    # An Add window whose page shows a JavaScript alert: Anki answers it with a modal
    # box, and the page's scripts wait for it - so does saving the editor at close.
    import aqt

    where = (_base() / "alert-where").read_text()
    if where == "browser":
        web = aqt.dialogs.open("Browser", mw).editor.web  # the editor of the first card
    elif where == "add":
        web = aqt.dialogs.open("AddCards", mw).editor.web
    else:
        web = mw.web
    web.eval("setTimeout(() => alert('alert from the test probe'), 300)")

    def opened():
        if QApplication.activeModalWidget() is not None:
            (_base() / "modal-open").write_text("1")
        else:
            QTimer.singleShot(50, opened)

    QTimer.singleShot(50, opened)


def _poll():
    trigger = _base() / "modal-trigger"
    if trigger.exists() and _runner_idle():
        trigger.unlink()
        mw.taskman.run_on_main(_hold_then_queue_box)
    trigger = _base() / "modal-inside-trigger"
    if trigger.exists():
        trigger.unlink()
        global _armed
        _armed = True
        (_base() / "modal-armed").write_text("1")
    trigger = _base() / "box-trigger"
    if trigger.exists():
        trigger.unlink()
        # not from here: on the main thread run_on_main runs the queue at once, and a
        # timer whose callback waits in a box does not fire again - nor could this poll
        QTimer.singleShot(0, lambda: mw.taskman.run_on_main(_box))
    trigger = _base() / "box-as-our-job-starts-trigger"
    if trigger.exists():
        trigger.unlink()
        mw.taskman.run_on_main(_hold_until_our_job_is_submitted_then_queue_box)
    trigger = _base() / "alert-trigger"
    if trigger.exists():
        trigger.unlink()
        _alert_in_add_window()
    close = _base() / "modal-close"
    if close.exists():
        # Close what is modal until the probe's box says it closed: another window can
        # be on top of it (Anki 2.1.66, headless, shows its error window for its own
        # toolbar's failing script callback), and closing that one alone left the box open.
        if (_base() / "modal-closed").exists():
            close.unlink()
        else:
            box = QApplication.activeModalWidget()
            if box is not None:
                box.close()


_timer = QTimer(mw)
_timer.timeout.connect(_poll)
_timer.start(20)
'''


#: the probe add-on, for AnkiProcess to write before Anki starts
PROBE_FILES = {"addons21/modal_probe/__init__.py": PROBE}


@pytest.fixture(scope="module")
def anki_with_probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnkiProcess]:
    base = tmp_path_factory.mktemp("anki-modal")
    process = AnkiProcess(base, files=PROBE_FILES)
    try:
        yield process
    finally:
        (base / "modal-close").write_text("1")
        process.stop()


@pytest.fixture(autouse=True)
def box_closed_after(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that failed with the probe's box open or on its way (queued, or armed and
    triggered) closes it here: a box left open would fail the tests after it too."""
    yield
    if "anki_with_probe" not in request.fixturenames:
        return
    base = request.getfixturevalue("anki_with_probe").base
    if any((base / marker).exists() for marker in ("modal-open", "modal-holding", "modal-in-our-job")):
        _close_box(base)


def _close_box(base: Path) -> None:
    (base / "modal-close").write_text("1")
    wait_until(lambda: (base / "modal-closed").exists(), timeout=10)
    wait_until(lambda: not (base / "modal-close").exists(), timeout=10)  # the probe stopped closing
    for marker in ("modal-open", "modal-closed", "modal-holding", "modal-armed", "modal-in-our-job"):
        (base / marker).unlink(missing_ok=True)


def test_requests_are_answered_while_a_modal_box_is_open(anki_with_probe: AnkiProcess) -> None:
    anki = anki_with_probe
    base = anki.base
    anki("deckNames")  # the collection is open
    (base / "modal-trigger").write_text("1")
    wait_until(lambda: (base / "modal-holding").exists(), timeout=10)

    # Sent while the probe holds the main thread, with the box queued before it.
    connection = anki.connection(timeout=10)
    try:
        connection.request("POST", "/", body=b'{"action": "deckNames", "version": 6}')
        reply = connection.getresponse().read()
    except TimeoutError:
        pytest.fail("no reply while the modal box was open")
    finally:
        connection.close()
    assert reply == b'{"result": ["Default"], "error": null}'
    assert (base / "modal-open").exists() and not (base / "modal-closed").exists()

    # More main-thread work, over both transports, with the box still open.
    note = anki("addNote", note={"deckName": "Default", "modelName": "Basic",
                                 "fields": {"Front": "asked during a modal box", "Back": "b"}})
    with anki.ws() as ws:
        ws.send('{"id": 1, "action": "notesInfo", "version": 6, "params": {"notes": [%d]}}' % note)
        assert '"asked during a modal box"' in ws.recv(timeout=10)
    assert not (base / "modal-closed").exists()

    started = time.monotonic()
    _close_box(base)
    assert time.monotonic() - started < 10
    assert anki("findNotes", query=f"nid:{note}") == [note]


def test_requests_are_answered_while_one_of_ours_waits_on_a_modal_box(anki_with_probe: AnkiProcess) -> None:
    """guiUndo starts an Anki operation, and Anki first runs the task queue's pending
    closures - here one that opens a box - inside our job. Later requests must not wait
    for that job.

    The probe queues the box as the operation starts: it once queued it from outside
    while holding the main thread, and a callback Anki had posted meanwhile (its update
    check's) ran the box before our job - guiUndo then answered first."""
    anki = anki_with_probe
    base = anki.base
    (base / "modal-inside-trigger").write_text("1")
    wait_until(lambda: (base / "modal-armed").exists(), timeout=10)
    with anki.ws() as ws:
        ws.send('{"id": "undo", "action": "guiUndo", "version": 6}')
        wait_until(lambda: (base / "modal-open").exists(), timeout=10)
        assert (base / "modal-in-our-job").exists()
        ws.send('{"id": "decks", "action": "deckNames", "version": 6}')
        assert ws.recv(timeout=10) == '{"id":"decks","result":["Default"],"error":null}'
        assert not (base / "modal-closed").exists()
        _close_box(base)
        assert ws.recv(timeout=10) == '{"id":"undo","result":true,"error":null}'


def _review_with_answer_shown(anki: AnkiProcess, deck: str) -> int:
    """A new deck of two cards under review, the answer of the first shown: its id."""
    anki("createDeck", deck=deck)
    for front in ("first", "second"):
        anki("addNote", note={"deckName": deck, "modelName": "Basic", "fields": {"Front": f"{deck} {front}", "Back": "b"}})
    assert anki("guiDeckReview", name=deck) is True
    assert anki("guiShowAnswer") is True
    return anki("guiCurrentCard")["cardId"]


def _reviews(anki: AnkiProcess, card: int) -> int:
    return len(anki("getReviewsOfCards", cards=[card])[str(card)])


def _answer_card_within_a_second(anki: AnkiProcess) -> dict[str, object]:
    with anki.ws() as ws:
        started = time.monotonic()
        ws.send('{"id": "answer", "action": "guiAnswerCard", "version": 6, "params": {"ease": 3}}')
        try:
            reply = json.loads(ws.recv(timeout=10))
        except TimeoutError:
            pytest.fail("guiAnswerCard got no reply while a modal box was open")
        elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"answered after {elapsed:.2f} s"
    return reply


def test_gui_answer_card_answers_under_an_open_modal_box(anki_with_probe: AnkiProcess) -> None:
    """The box's nested loop runs our job and the answer's operation: the card is
    answered there, as in AnkiConnect."""
    anki = anki_with_probe
    card = _review_with_answer_shown(anki, "Under a box")
    (anki.base / "box-trigger").write_text("1")
    wait_until(lambda: (anki.base / "modal-open").exists(), timeout=10)
    reply = _answer_card_within_a_second(anki)
    assert reply == {"id": "answer", "result": True, "error": None}
    assert _reviews(anki, card) == 1  # true means answered
    assert anki("guiCurrentCard")["cardId"] != card  # and the reviewer went on
    assert not (anki.base / "modal-closed").exists()
    _close_box(anki.base)


def test_gui_answer_card_answers_when_a_box_is_pending_as_it_starts(anki_with_probe: AnkiProcess) -> None:
    """The report: a failed playback's warning waits in Anki's task queue as the answer
    starts; Anki's answer would run it inside itself and stay there until someone closes
    the box (no reply at all). The answer lets the box open first and answers inside it."""
    anki = anki_with_probe
    card = _review_with_answer_shown(anki, "Box pending")
    (anki.base / "box-as-our-job-starts-trigger").write_text("1")
    wait_until(lambda: (anki.base / "modal-holding").exists(), timeout=10)
    reply = _answer_card_within_a_second(anki)
    assert (anki.base / "modal-open").exists() and not (anki.base / "modal-closed").exists()
    assert reply == {"id": "answer", "result": True, "error": None}
    assert _reviews(anki, card) == 1
    _close_box(anki.base)


def test_gui_answer_card_held_by_a_box_inside_the_answer_says_so(anki_with_probe: AnkiProcess) -> None:
    """A box that opens inside Anki's own answer (queued as its operation starts) holds
    it half-done until someone closes the box: the reply says so within a second, is
    never true, and the card is answered once the box is closed, as the error said."""
    anki = anki_with_probe
    card = _review_with_answer_shown(anki, "Box inside")
    (anki.base / "modal-inside-trigger").write_text("1")
    wait_until(lambda: (anki.base / "modal-armed").exists(), timeout=10)
    reply = _answer_card_within_a_second(anki)
    assert (anki.base / "modal-in-our-job").exists()
    assert reply == {"id": "answer", "result": None, "error": errors.ANSWER_HELD_BY_DIALOG}
    assert _reviews(anki, card) == 0  # the box holds the answer, the API still answers
    _close_box(anki.base)
    wait_until(lambda: _reviews(anki, card) == 1, timeout=10)


def test_a_headless_exit_is_not_held_by_a_modal_box(tmp_path: Path) -> None:
    """Nobody can answer a box without a screen; a close (SIGTERM, guiExitAnki) must not
    wait for it - Anki shows one, for example, when a page's request fails as the page
    is replaced."""
    base = tmp_path / "anki-exit-modal"
    anki = AnkiProcess(base, files=PROBE_FILES)
    try:
        anki("deckNames")
        (base / "modal-trigger").write_text("1")
        wait_until(lambda: (base / "modal-open").exists(), timeout=10)
        assert anki("deckNames") == ["Default"]  # the box is open and the API answers
    finally:
        code = anki.stop(timeout=30)
    assert code == 0


@pytest.mark.parametrize("where", ["main", "browser", "add"])
def test_a_headless_exit_is_not_held_by_a_page_alert(tmp_path: Path, where: str) -> None:
    """A page's JavaScript alert (Anki shows one when a page's request fails as the page
    is replaced by a fast client) holds the page's scripts, and closing the Add window
    waits for its editor's script: without a screen nobody closes the alert, so the
    exit must (it took the CLI's 30 s stop timeout and a kill in a fuzz run)."""
    base = tmp_path / "anki-exit-alert"
    anki = AnkiProcess(base, files=PROBE_FILES)
    try:
        anki("addNote", note={"deckName": "Default", "modelName": "Basic", "fields": {"Front": "f", "Back": "b"}})
        (base / "alert-where").write_text(where)
        (base / "alert-trigger").write_text("1")
        wait_until(lambda: (base / "modal-open").exists(), timeout=20)
        assert anki("deckNames") == ["Default"]  # the alert is open and the API answers
    finally:
        started = time.monotonic()
        code = anki.stop(timeout=60)
        print(anki.log_tail(80))
    assert code == 0 and time.monotonic() - started < 20
