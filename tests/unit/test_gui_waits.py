"""How the GUI actions wait for Anki (actions/gui): the parts that need no window."""

from __future__ import annotations

import concurrent.futures

from ankiconnect_ws.actions.gui._waiting import resolve
from ankiconnect_ws.actions.gui.reviewer import AnswerWaits


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
