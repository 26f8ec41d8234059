"""The reviewer: the card under review, showing its sides, answering it."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from ... import errors
from ...errors import ActionError
from ...runner import Continue
from .._checks import is_int
from .._types import FALSE_OTHERWISE, CurrentCard
from ..context import col, gui, on_main
from ..registry import action
from ._waiting import STEP_TIMEOUT, DialogHolds, Step, resolve, run_step, wait

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
async def guiStartCardTimer() -> bool:
    return await _reviewer_step("guiStartCardTimer", lambda reviewer: reviewer.card.start_timer())


def _show_question(reviewer: Any) -> None:
    reviewer._showQuestion()
    ANSWER_WAITS.answer_shown_for = None


def _show_answer(reviewer: Any) -> None:
    reviewer._showAnswer()
    ANSWER_WAITS.answer_shown_for = reviewer.card.id


async def _reviewer_step(name: str, step: Callable[[Any], Any]) -> bool:
    """``step(reviewer)`` during review. Showing a side plays its sounds, and a box
    that a failed playback queued may open inside the step (see _waiting)."""
    return await run_step(lambda _step: _if_reviewing(step), held=errors.GUI_HELD_BY_DIALOG.format(name))


@action()
async def guiShowQuestion() -> bool:
    return await _reviewer_step("guiShowQuestion", _show_question)


@action()
async def guiShowAnswer() -> bool:
    return await _reviewer_step("guiShowAnswer", _show_answer)


@action()
async def guiPlayAudio() -> bool:
    return await _reviewer_step("guiPlayAudio", lambda reviewer: reviewer.replayAudio())


@dataclass(frozen=True)
class Answering:
    """An answer handed to the reviewer."""

    card_id: int
    #: epoch milliseconds before the answer: its review log entry has this id or a later one
    since: int
    #: settled by reviewer_did_answer_card
    saved: "concurrent.futures.Future[Any]"

    def in_review_log(self) -> bool:
        """Main thread: the collection has the answer (Anki's screen may not show it yet)."""
        found = col().db.scalar("select 1 from revlog where cid = ? and id >= ? limit 1", self.card_id, self.since)
        return bool(found)


def _start_answer(ease: Any, step: Step | None = None) -> Answering | Continue | None:
    """Answer the card on show with ``ease``; None if the reviewer cannot take that
    answer now."""
    if not _review_active():
        return None
    mw = gui()
    reviewer = mw.reviewer
    if reviewer.state == "question" and reviewer.card.id == ANSWER_WAITS.answer_shown_for:
        reviewer._showAnswer()  # Anki's reset went back to the question (see AnswerWaits)
    if reviewer.state != "answer":
        return None
    if not is_int(ease) or not 1 <= ease <= col().sched.answerButtons(reviewer.card):
        return None
    if step is not None:
        if step.may_defer(mw):
            # Anki's answer runs the pending closures inside it; one may open a box (a
            # failed playback of the side just shown) and hold the answer half-started.
            # Let them run first in their own event; a box they open runs its nested
            # loop, and we answer inside it.
            return Continue(lambda: _start_answer(ease, step))
        step.commit()
    answering = Answering(int(reviewer.card.id), int(time.time() * 1000), ANSWER_WAITS.expect())
    reviewer._answerCard(ease)
    if answering.saved.done():
        # Saved already: Anki ran the answer's operation to its end inside _answerCard
        # (an event loop turned in there) and the next card may be on show.
        return answering
    if reviewer.state != "transition":  # an add-on's reviewer_will_answer_card said no
        ANSWER_WAITS.forget(answering.saved)
        return None
    return answering


#: how long a dialog may stay open while the saved answer is not reported (see _waiting)
ANSWER_GRACE = 0.4


@action()
async def guiAnswerCard(ease: Annotated[int, FALSE_OTHERWISE]) -> bool:
    """True only once the answer is saved. Under a modal dialog: answered inside its
    nested loop where Anki can, else an error within about a second (see _waiting)."""
    answering = await run_step(lambda step: _start_answer(ease, step),
                               held=errors.ANSWER_HELD_BY_DIALOG, refused=errors.ANSWER_DIALOG_OPEN)
    if answering is None:
        return False
    try:
        # a short grace: whether the answer happened is checked in the review log below
        if await wait(answering.saved, held=errors.ANSWER_HELD_BY_DIALOG, dialog_grace=ANSWER_GRACE) is not None:
            return True
    except DialogHolds:
        # the reviewer's callback waits behind the dialog; the answer itself may be saved
        if await on_main(answering.in_review_log):
            return True
        raise
    if await on_main(answering.in_review_log):
        return True
    raise ActionError(errors.ANSWER_NOT_SAVED.format(int(STEP_TIMEOUT)))
