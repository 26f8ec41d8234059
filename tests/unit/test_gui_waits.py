"""How the GUI actions wait for Anki (actions/gui): the parts that need no window."""

from __future__ import annotations

import concurrent.futures
from types import SimpleNamespace
from typing import Any

from anki.collection import Collection
from anki.decks import DeckId

from ankiconnect_ws.actions.context import Environment, bind
from ankiconnect_ws.actions.gui._waiting import resolve
from ankiconnect_ws.actions.gui.reviewer import ANSWER_WAITS, AnswerWaits, _start_answer


def test_a_saved_answer_settles_every_waiting_answer_call() -> None:
    waits = AnswerWaits()
    first, second = waits.expect(), waits.expect()
    assert not first.done() and not second.done()
    waits.card_answered("reviewer", "card", 3)  # the hook's arguments are not needed
    assert first.result() is True and second.result() is True
    later = waits.expect()
    assert not later.done()  # only the answers saved after it settle it


def test_a_refused_answer_is_forgotten() -> None:
    waits = AnswerWaits()
    refused, kept = waits.expect(), waits.expect()
    waits.forget(refused)
    waits.card_answered()
    assert not refused.done()
    assert kept.result() is True


def test_resolve_settles_once() -> None:
    future: concurrent.futures.Future[object] = concurrent.futures.Future()
    resolve(future, "first")
    resolve(future, "second")
    resolve(future, error=RuntimeError("late"))
    assert future.result() == "first"


class _InstantReviewer:
    """Stands in for Anki's reviewer (no window in unit tests): its ``_answerCard``
    saves the answer before it returns, as Anki's does when an event loop turns inside
    it under load - a timing the real window gives only now and then (it failed
    guiAnswerCard once with "list.remove(x): x not in list")."""

    def __init__(self, card: Any) -> None:
        self.card, self.state = card, "answer"

    def _answerCard(self, ease: int) -> None:
        ANSWER_WAITS.card_answered(self, self.card, ease)  # reviewer_did_answer_card
        self.state = "question"  # the next card is on show already


def test_an_answer_saved_before_answer_card_returns_counts(collection: Collection) -> None:
    note = collection.new_note(collection.models.by_name("Basic"))
    note["Front"] = "q"
    collection.add_note(note, DeckId(1))
    window = SimpleNamespace(state="review", reviewer=_InstantReviewer(note.cards()[0]))
    with bind(Environment(collection=lambda: collection, mw=window)):  # type: ignore[arg-type]
        answering = _start_answer(3)
    assert answering is not None and answering.saved.result(0) is True
