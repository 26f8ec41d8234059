"""The reviewer: the card under review, showing its sides, answering it."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Annotated, Any

from .._checks import is_int
from .._types import FALSE_OTHERWISE, CurrentCard
from ..context import col, gui, on_main
from ..registry import action
from ._waiting import resolve, wait

__all__ = ["AnswerWaits", "ANSWER_WAITS"]


class AnswerWaits:
    """The ``guiAnswerCard`` calls waiting for the reviewer to save their answer.

    Main thread only. Anki reports a saved answer through its ``reviewer_did_answer_card``
    hook; the add-on subscribes :meth:`card_answered` to it once, with its other hooks,
    when it starts (a hook added or removed while Anki runs the hooks could make Anki
    skip the next add-on's hook).
    """

    def __init__(self) -> None:
        self._pending: list["concurrent.futures.Future[Any]"] = []
        #: the card whose answer guiShowAnswer showed last. When clients change screens
        #: faster than a person, a page replaced before Anki measured it makes Anki
        #: reset the window a second later, and the reviewer shows that card's question
        #: again; the client, which showed the answer, must still be able to answer.
        self.answer_shown_for: int | None = None

    def expect(self) -> "concurrent.futures.Future[Any]":
        """A future settled by the next saved answer."""
        done: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._pending.append(done)
        return done

    def forget(self, future: "concurrent.futures.Future[Any]") -> None:
        """No answer is coming for ``future`` (the reviewer did not take it)."""
        self._pending.remove(future)

    def card_answered(self, *_args: Any) -> None:
        """``reviewer_did_answer_card``: the answer is saved (the next card shows right after)."""
        while self._pending:
            resolve(self._pending.pop(), True)


#: the one instance, created with the module: a wait may outlive the request that began it
ANSWER_WAITS = AnswerWaits()


def _review_active() -> bool:
    mw = gui()
    return mw.state == "review" and mw.reviewer.card is not None


def _if_reviewing(step: Callable[[Any], Any]) -> bool:
    """Run ``step(reviewer)`` during review: True; outside review nothing happens: False."""
    if not _review_active():
        return False
    step(gui().reviewer)
    return True


@action()
def guiReviewActive() -> bool:
    return _review_active()


@action()
def guiCurrentCard() -> CurrentCard | None:
    """The card under review, or null outside review (as the README says)."""
    if not _review_active():
        return None
    collection = col()
    reviewer = gui().reviewer
    card = reviewer.card
    note = card.note()
    model = note.note_type()
    buttons = [int(ease) for ease, _label in reviewer._answerButtonList()]
    labels = collection.sched.describe_next_states(reviewer._v3.states) if reviewer._v3 else []
    return {
        "cardId": int(card.id),
        "fields": {name: {"value": value, "order": order} for order, (name, value) in enumerate(note.items())},
        "fieldOrder": int(card.ord),
        "question": card.question(),
        "answer": card.answer(),
        "buttons": buttons,
        "nextReviews": [labels[ease - 1] if 0 < ease <= len(labels) else "" for ease in buttons],
        "modelName": model["name"],
        "deckName": collection.decks.name(card.did),
        "css": model["css"],
        "template": card.template()["name"],
    }


@action()
def guiStartCardTimer() -> bool:
    return _if_reviewing(lambda reviewer: reviewer.card.start_timer())


def _show_question(reviewer: Any) -> None:
    reviewer._showQuestion()
    ANSWER_WAITS.answer_shown_for = None


def _show_answer(reviewer: Any) -> None:
    reviewer._showAnswer()
    ANSWER_WAITS.answer_shown_for = reviewer.card.id


@action()
def guiShowQuestion() -> bool:
    return _if_reviewing(_show_question)


@action()
def guiShowAnswer() -> bool:
    return _if_reviewing(_show_answer)


@action()
def guiPlayAudio() -> bool:
    return _if_reviewing(lambda reviewer: reviewer.replayAudio())


def _start_answer(ease: Any) -> "concurrent.futures.Future[Any] | None":
    """Answer the card on show with ``ease``: a future settled once the answer is saved,
    None if the reviewer cannot take that answer now."""
    if not _review_active():
        return None
    reviewer = gui().reviewer
    if reviewer.state == "question" and reviewer.card.id == ANSWER_WAITS.answer_shown_for:
        reviewer._showAnswer()  # Anki's reset went back to the question (see AnswerWaits)
    if reviewer.state != "answer":
        return None
    if not is_int(ease) or not 1 <= ease <= col().sched.answerButtons(reviewer.card):
        return None
    done = ANSWER_WAITS.expect()
    reviewer._answerCard(ease)
    if done.done():
        # Saved already: Anki ran the answer's operation to its end inside _answerCard
        # (an event loop turned in there) and the next card may be on show.
        return done
    if reviewer.state != "transition":  # an add-on's reviewer_will_answer_card said no
        ANSWER_WAITS.forget(done)
        return None
    return done


@action()
async def guiAnswerCard(ease: Annotated[int, FALSE_OTHERWISE]) -> bool:
    answering = await on_main(lambda: _start_answer(ease))
    if answering is None:
        return False
    await wait(answering)
    return True
