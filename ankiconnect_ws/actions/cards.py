"""Card actions: scheduling state, suspension, lookups and card info."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from anki.consts import CARD_TYPE_NEW, CARD_TYPE_RELEARNING, QUEUE_TYPE_LRN, QUEUE_TYPE_SUSPENDED
from anki.scheduler.v3 import CardAnswer
from anki.template import TemplateRenderContext

from .. import errors
from .context import col, on_main_sliced
from .registry import action

if TYPE_CHECKING:  # pragma: no cover
    from anki.cards import Card
    from anki.collection import Collection
    from anki.notes import Note

#: Anki treats learning cards as due this long before their time ("learn ahead"); the
#: seed promises that steps longer than this are only due once they really are.
LEARN_AHEAD_SECS = 1200

#: Keys ``setSpecificValueOfCard`` refuses without ``warning_check`` (upstream's list).
RISKY_CARD_KEYS = frozenset(
    "did id ivl lapses left mod nid odid odue ord queue reps type usn".split()
)
#: Every card value ``setSpecificValueOfCard`` may set (attribute names of anki's Card).
CARD_KEYS = RISKY_CARD_KEYS | {"due", "factor", "flags", "custom_data", "original_position"}

RATINGS = {1: CardAnswer.AGAIN, 2: CardAnswer.HARD, 3: CardAnswer.GOOD, 4: CardAnswer.EASY}

#: cardsInfo's scalar keys and the ``cards`` columns they come from, in one query.
INFO_COLUMNS = {
    "note": "nid",
    "deckId": "did",
    "ord": "ord",
    "mod": "mod",
    "type": "type",
    "queue": "queue",
    "due": "due",
    "interval": "ivl",
    "factor": "factor",
    "reps": "reps",
    "lapses": "lapses",
    "left": "left",
    "flags": "flags",
}


# --- helpers -----------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _card_id(value: Any) -> int:
    if not _is_int(value):
        raise errors.ActionError(errors.CARD_ID_INVALID.format(value))
    return value


def _card_ids(cards: Any) -> list[int]:
    """The ids as given (order and repeats kept), all checked to be integers."""
    if not isinstance(cards, list):
        raise errors.ActionError(errors.CARDS_NOT_A_LIST)
    return [_card_id(each) for each in cards]


def _in_list(ids: Iterable[int]) -> str:
    """An SQL ``(...)`` list; only ever built from ids checked by :func:`_card_ids`."""
    return "(" + ",".join(str(int(each)) for each in set(ids)) + ")"


def _rows_by_id(collection: "Collection", columns: str, ids: list[int]) -> dict[int, list[Any]]:
    """``select id, <columns> from cards`` for ``ids``, in one query, keyed by card id."""
    if not ids:
        return {}
    rows = collection.db.all(f"select id, {columns} from cards where id in {_in_list(ids)}")
    return {row[0]: row for row in rows}


def _require_cards(found: dict[int, Any], ids: list[int]) -> None:
    for cid in ids:
        if cid not in found:
            raise errors.ActionError(errors.CARD_NOT_FOUND.format(cid))


def _queues(collection: "Collection", ids: list[int]) -> dict[int, int]:
    return {cid: row[1] for cid, row in _rows_by_id(collection, "queue", ids).items()}


def _revlog_intervals(collection: "Collection", ids: list[int]) -> dict[int, list[int]]:
    """Every logged interval per card, oldest first."""
    intervals: dict[int, list[int]] = {}
    if ids:
        rows = collection.db.all(
            f"select cid, ivl from revlog where cid in {_in_list(ids)} order by id"
        )
        for cid, ivl in rows:
            intervals.setdefault(cid, []).append(ivl)
    return intervals


def _set_suspended(cards: Any, suspend: bool) -> bool:
    """Change the cards that are not yet in the wanted state; True if there were any."""
    collection = col()
    ids = _card_ids(cards)
    queues = _queues(collection, ids)
    _require_cards(queues, ids)
    to_change = [cid for cid in dict.fromkeys(ids) if (queues[cid] == QUEUE_TYPE_SUSPENDED) != suspend]
    if not to_change:
        return False
    if suspend:
        collection.sched.suspend_cards(to_change)
    else:
        collection.sched.unsuspend_cards(to_change)
    return True


# --- ease factors and raw values ---------------------------------------------


@action()
def getEaseFactors(cards: Any) -> list[int | None]:
    ids = _card_ids(cards)
    factors = {cid: row[1] for cid, row in _rows_by_id(col(), "factor", ids).items()}
    return [factors.get(cid) for cid in ids]


@action()
def setEaseFactors(cards: Any, easeFactors: Any) -> list[bool]:
    collection = col()
    ids = _card_ids(cards)
    if not isinstance(easeFactors, list) or len(easeFactors) != len(ids):
        raise errors.ActionError(errors.EASE_FACTORS_MISMATCH)
    for factor in easeFactors:
        if not _is_int(factor):
            raise errors.ActionError(errors.EASE_FACTOR_INVALID.format(factor))
    existing = _rows_by_id(collection, "factor", ids)
    changed: dict[int, "Card"] = {}
    for cid, factor in zip(ids, easeFactors):
        if cid in existing:
            card = changed.get(cid) or collection.get_card(cid)
            card.factor = factor
            changed[cid] = card
    if changed:
        collection.update_cards(list(changed.values()))
    return [cid in existing for cid in ids]


@action()
def setSpecificValueOfCard(
    card: Any, keys: Any, newValues: Any, warning_check: Any = False
) -> Any:
    if isinstance(card, list) or not isinstance(keys, list) or not isinstance(newValues, list):
        return False
    if len(keys) != len(newValues):
        return False
    if not warning_check and any(key in RISKY_CARD_KEYS for key in keys):
        return False
    collection = col()
    cid = _card_id(card)
    _require_cards(_rows_by_id(collection, "id", [cid]), [cid])
    target = collection.get_card(cid)
    try:
        for key, value in zip(keys, newValues):
            if key not in CARD_KEYS:
                raise errors.ActionError(errors.CARD_KEY_UNKNOWN.format(key))
            setattr(target, key, value)
        # One save for all keys: either every value is stored or none is.
        collection.update_card(target)
    except Exception as exc:  # the reply carries the reason, as upstream does
        return [[False, str(exc)]]
    return [True]


# --- suspension ----------------------------------------------------------------


@action()
def suspend(cards: Any, suspend: Any = True) -> bool:
    return _set_suspended(cards, bool(suspend))


@action()
def unsuspend(cards: Any) -> bool:
    return _set_suspended(cards, False)


@action()
def suspended(card: Any) -> bool:
    cid = _card_id(card)
    queues = _queues(col(), [cid])
    _require_cards(queues, [cid])
    return queues[cid] == QUEUE_TYPE_SUSPENDED


@action()
def areSuspended(cards: Any) -> list[bool | None]:
    ids = _card_ids(cards)
    queues = _queues(col(), ids)
    return [queues[cid] == QUEUE_TYPE_SUSPENDED if cid in queues else None for cid in ids]


# --- due dates and intervals ---------------------------------------------------


@action()
def areDue(cards: Any) -> list[bool]:
    collection = col()
    ids = _card_ids(cards)
    types = {cid: row[1] for cid, row in _rows_by_id(collection, "type", ids).items()}
    _require_cards(types, ids)
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
        f"select cid, max(id), ivl from revlog where cid in {_in_list(ids)} group by cid"
    )
    return {cid: (review_id, ivl) for cid, review_id, ivl in rows}


@action()
def getIntervals(cards: Any, complete: Any = False) -> list[Any]:
    collection = col()
    ids = _card_ids(cards)
    rows = _rows_by_id(collection, "type, ivl", ids)
    _require_cards(rows, ids)
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
def setDueDate(cards: Any, days: Any) -> bool:
    col().sched.set_due_date(_card_ids(cards), days)
    return True


@action()
def forgetCards(cards: Any) -> None:
    col().sched.schedule_cards_as_new(_card_ids(cards), restore_position=True, reset_counts=False)


@action()
def relearnCards(cards: Any) -> None:
    collection = col()
    ids = _card_ids(cards)
    if not ids:
        return
    now = int(time.time())
    # Anki has no "relearn" operation. mod and usn are set so the change syncs; due is
    # "now" because a learning card's due is a timestamp (its old value was a day number).
    collection.db.execute(
        f"update cards set type = ?, queue = ?, due = ?, mod = ?, usn = ? where id in {_in_list(ids)}",
        CARD_TYPE_RELEARNING,
        QUEUE_TYPE_LRN,
        now,
        now,
        collection.usn(),
    )


@action()
def answerCards(answers: Any) -> list[bool]:
    collection = col()
    if not isinstance(answers, list):
        raise errors.ActionError(errors.ANSWERS_NOT_A_LIST)
    checked: list[tuple[int, int]] = []
    for answer in answers:
        cid, ease = _card_id(answer["cardId"]), answer["ease"]
        if not _is_int(ease) or ease not in RATINGS:
            raise errors.ActionError(errors.ANSWER_EASE_INVALID.format(ease))
        checked.append((cid, ease))
    existing = _rows_by_id(collection, "id", [cid for cid, _ in checked])
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


# --- lookups -----------------------------------------------------------------------


@action()
def findCards(query: Any = None) -> list[int]:
    if query is None:
        return []
    return [int(cid) for cid in col().find_cards(query)]


@action()
def cardsToNotes(cards: Any) -> list[int]:
    ids = _card_ids(cards)
    if not ids:
        return []
    return col().db.list(f"select distinct nid from cards where id in {_in_list(ids)}")


@action()
def cardsModTime(cards: Any) -> list[dict[str, int]]:
    ids = _card_ids(cards)
    mods = {cid: row[1] for cid, row in _rows_by_id(col(), "mod", ids).items()}
    return [{"cardId": cid, "mod": mods[cid]} if cid in mods else {} for cid in ids]


@action()
async def cardsInfo(cards: Any) -> list[dict[str, Any]]:
    # rendering is per card (~0.2 ms each): slices keep Anki responsive on big lists
    return await on_main_sliced(_card_ids(cards), _cards_info)


def _cards_info(ids: list[int]) -> list[dict[str, Any]]:
    collection = col()
    rows = _rows_by_id(collection, ", ".join(INFO_COLUMNS.values()), ids)
    deck_names = {d.id: d.name for d in collection.decks.all_names_and_ids()} if rows else {}
    notes: dict[int, "Note"] = {}
    notetypes: dict[int, dict[str, Any]] = {}
    infos = []
    for cid in ids:
        row = rows.get(cid)
        if row is None:
            infos.append({})
            continue
        base = dict(zip(INFO_COLUMNS, row[1:]))
        nid = base["note"]
        if nid not in notes:
            notes[nid] = collection.get_note(nid)
        note = notes[nid]
        if note.mid not in notetypes:
            notetypes[note.mid] = collection.models.get(note.mid)
        infos.append(_card_info(collection, cid, base, note, notetypes[note.mid], deck_names))
    return infos


def _card_info(
    collection: "Collection",
    cid: int,
    base: dict[str, Any],
    note: "Note",
    notetype: dict[str, Any],
    deck_names: dict[int, str],
) -> dict[str, Any]:
    card = collection.get_card(cid)
    rendered = TemplateRenderContext(collection, card, note).render()
    states = collection._backend.get_scheduling_states(cid)
    return {
        "cardId": cid,
        "fields": {
            field["name"]: {"value": note.fields[field["ord"]], "order": field["ord"]}
            for field in notetype["flds"]
        },
        "fieldOrder": base["ord"],
        "question": rendered.question_and_style(),
        "answer": rendered.answer_and_style(),
        "modelName": notetype["name"],
        "ord": base["ord"],
        "deckName": deck_names.get(base["deckId"], ""),
        "css": notetype["css"],
        "factor": base["factor"],
        "interval": base["interval"],
        "note": base["note"],
        "type": base["type"],
        "queue": base["queue"],
        "due": base["due"],
        "reps": base["reps"],
        "lapses": base["lapses"],
        "left": base["left"],
        "mod": base["mod"],
        "nextReviews": list(collection.sched.describe_next_states(states)),
        "flags": base["flags"],
    }
