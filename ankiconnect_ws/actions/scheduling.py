"""Scheduling actions: due dates, intervals, forgetting, relearning, answering."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

from anki.consts import CARD_TYPE_NEW, CARD_TYPE_RELEARNING, QUEUE_TYPE_LRN
from anki.scheduler.v3 import CardAnswer

from .. import errors
from ._types import CHECKED, CardEase, CardIds, Flag
from ._checks import card_id, card_ids, card_rows, is_int, require_cards, sql_ids
from .context import col
from .registry import action

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection

#: Anki treats learning cards as due this long before their time ("learn ahead"); the
#: seed promises that steps longer than this are only due once they really are.
LEARN_AHEAD_SECS = 1200

#: answerCards' ease (1-4) as the scheduler's rating
RATINGS = {1: CardAnswer.AGAIN, 2: CardAnswer.HARD, 3: CardAnswer.GOOD, 4: CardAnswer.EASY}


def _revlog_intervals(collection: "Collection", ids: list[int]) -> dict[int, list[int]]:
    """Every logged interval per card, oldest first."""
    intervals: dict[int, list[int]] = {}
    if ids:
        rows = collection.db.all(
            f"select cid, ivl from revlog where cid in {sql_ids(ids)} order by id"
        )
        for cid, ivl in rows:
            intervals.setdefault(cid, []).append(ivl)
    return intervals


# --- due dates and intervals ---------------------------------------------------


@action(reads=True)
def areDue(cards: CardIds) -> list[bool]:
    collection = col()
    ids = card_ids(cards)
    types = {cid: row[1] for cid, row in card_rows(collection, "type", ids).items()}
    require_cards(types, ids)
    if not ids:
        return []
    due_now = set(collection.find_cards(f"cid:{','.join(map(str, set(ids)))} is:due"))
    last_review = _last_reviews(collection, ids)
    now = time.time()

    def is_due(cid: int) -> bool:
        if types[cid] == CARD_TYPE_NEW:
            return True
        review_id, ivl = last_review.get(cid, (0, 0))
        if ivl < -LEARN_AHEAD_SECS:
            return review_id / 1000 - ivl <= now
        # Also the path for a card without any review (imported with its schedule).
        return cid in due_now

    return [is_due(cid) for cid in ids]


def _last_reviews(collection: "Collection", ids: list[int]) -> dict[int, tuple[int, int]]:
    """(review id, interval) of each card's latest review."""
    rows = collection.db.all(
        # SQLite takes the bare ``ivl`` from the row that holds max(id).
        f"select cid, max(id), ivl from revlog where cid in {sql_ids(ids)} group by cid"
    )
    return {cid: (review_id, ivl) for cid, review_id, ivl in rows}


@action(reads=True)
def getIntervals(cards: CardIds, complete: Flag = False) -> list[int | list[int]]:
    collection = col()
    ids = card_ids(cards)
    rows = card_rows(collection, "type, ivl", ids)
    require_cards(rows, ids)
    logged = _revlog_intervals(collection, ids)

    def intervals(cid: int) -> Any:
        card_type, current_ivl = rows[cid][1], rows[cid][2]
        if card_type == CARD_TYPE_NEW:
            return 0
        history = logged.get(cid, [])
        if complete:
            return history
        # A card scheduled without any review (imported, for instance) has no log.
        return history[-1] if history else current_ivl

    return [intervals(cid) for cid in ids]


@action()
def setDueDate(cards: CardIds, days: str) -> bool:
    col().sched.set_due_date(card_ids(cards), days)
    return True


# --- forgetting, relearning, answering ----------------------------------------------


@action()
def forgetCards(cards: CardIds) -> None:
    col().sched.schedule_cards_as_new(card_ids(cards), restore_position=True, reset_counts=False)


@action()
def relearnCards(cards: CardIds) -> None:
    ids = card_ids(cards)
    if not ids:
        return
    collection = col()
    now = int(time.time())
    # Anki has no "relearn" operation. mod and usn are set so the change syncs; due is
    # "now" because a learning card's due is a timestamp (its old value was a day number).
    collection.db.execute(
        f"update cards set type = ?, queue = ?, due = ?, mod = ?, usn = ? where id in {sql_ids(ids)}",
        CARD_TYPE_RELEARNING,
        QUEUE_TYPE_LRN,
        now,
        now,
        collection.usn(),
    )


@action()
def answerCards(answers: list[Annotated[CardEase, CHECKED]]) -> list[bool]:
    collection = col()
    if not isinstance(answers, list):
        raise errors.ActionError(errors.ANSWERS_NOT_A_LIST)
    checked: list[tuple[int, int]] = []
    for answer in answers:
        cid, ease = card_id(answer["cardId"]), answer["ease"]
        if not is_int(ease) or ease not in RATINGS:
            raise errors.ActionError(errors.ANSWER_EASE_INVALID.format(ease))
        checked.append((cid, ease))
    existing = card_rows(collection, "id", [cid for cid, _ in checked])
    results = []
    for cid, ease in checked:
        if cid in existing:
            _answer(collection, cid, ease)
        results.append(cid in existing)
    return results


def _answer(collection: "Collection", cid: int, ease: int) -> None:
    card = collection.get_card(cid)
    card.start_timer()
    states = collection._backend.get_scheduling_states(cid)
    collection.sched.answer_card(
        collection.sched.build_answer(card=card, states=states, rating=RATINGS[ease])
    )
