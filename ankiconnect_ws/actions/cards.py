"""Card actions: ease factors and raw values, suspension, lookups and card info.

Due dates, intervals and answers are in :mod:`.scheduling`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from anki.consts import QUEUE_TYPE_SUSPENDED
from anki.template import TemplateRenderContext

from .. import errors
from ._types import FALSE_OTHERWISE, OWN_CHECK, CardId, CardIds, CardInfo, CardModTime, Flag, NotFound, SpecificValueOutcome
from ._checks import card_id, card_ids, card_rows, is_int, require_cards, search_query, sql_ids
from .context import col, reading
from .registry import action

if TYPE_CHECKING:  # pragma: no cover
    from anki.cards import Card
    from anki.collection import Collection
    from anki.notes import Note

#: Keys ``setSpecificValueOfCard`` refuses without ``warning_check`` (upstream's list).
RISKY_CARD_KEYS = frozenset(
    "did id ivl lapses left mod nid odid odue ord queue reps type usn".split()
)
#: Every card value ``setSpecificValueOfCard`` may set (attribute names of anki's Card).
CARD_KEYS = RISKY_CARD_KEYS | {"due", "factor", "flags", "custom_data", "original_position"}

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


def _queues(collection: "Collection", ids: list[int]) -> dict[int, int]:
    return {cid: row[1] for cid, row in card_rows(collection, "queue", ids).items()}


def _set_suspended(cards: Any, suspend: bool) -> bool:
    """Change the cards that are not yet in the wanted state; True if there were any."""
    collection = col()
    ids = card_ids(cards)
    queues = _queues(collection, ids)
    require_cards(queues, ids)
    to_change = [cid for cid in dict.fromkeys(ids) if (queues[cid] == QUEUE_TYPE_SUSPENDED) != suspend]
    if not to_change:
        return False
    if suspend:
        collection.sched.suspend_cards(to_change)
    else:
        collection.sched.unsuspend_cards(to_change)
    return True


# --- ease factors and raw values ---------------------------------------------


@action(reads=True)
def getEaseFactors(cards: CardIds) -> list[int | None]:
    ids = card_ids(cards)
    factors = {cid: row[1] for cid, row in card_rows(col(), "factor", ids).items()}
    return [factors.get(cid) for cid in ids]


@action()
def setEaseFactors(cards: CardIds, easeFactors: Annotated[list[int], OWN_CHECK]) -> list[bool]:
    collection = col()
    ids = card_ids(cards)
    if not isinstance(easeFactors, list) or len(easeFactors) != len(ids):
        raise errors.ActionError(errors.EASE_FACTORS_MISMATCH)
    for factor in easeFactors:
        if not is_int(factor):
            raise errors.ActionError(errors.EASE_FACTOR_INVALID.format(factor))
    existing = card_rows(collection, "factor", ids)
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
    card: Annotated[int, FALSE_OTHERWISE],
    keys: Annotated[list[str], FALSE_OTHERWISE],
    newValues: Annotated[list[Any], FALSE_OTHERWISE],
    warning_check: Flag = False,
) -> SpecificValueOutcome:
    if isinstance(card, list) or not isinstance(keys, list) or not isinstance(newValues, list):
        return False
    if len(keys) != len(newValues):
        return False
    if not warning_check and any(key in RISKY_CARD_KEYS for key in keys):
        return False
    collection = col()
    cid = card_id(card)
    require_cards(card_rows(collection, "id", [cid]), [cid])
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
def suspend(cards: CardIds, suspend: Flag = True) -> bool:
    return _set_suspended(cards, bool(suspend))


@action()
def unsuspend(cards: CardIds) -> bool:
    return _set_suspended(cards, False)


@action(reads=True)
def suspended(card: CardId) -> bool:
    cid = card_id(card)
    queues = _queues(col(), [cid])
    require_cards(queues, [cid])
    return queues[cid] == QUEUE_TYPE_SUSPENDED


@action(reads=True)
def areSuspended(cards: CardIds) -> list[bool | None]:
    ids = card_ids(cards)
    queues = _queues(col(), ids)
    return [queues[cid] == QUEUE_TYPE_SUSPENDED if cid in queues else None for cid in ids]


# --- lookups -----------------------------------------------------------------------


@action(reads=True)
def findCards(query: str | None = None) -> list[int]:
    if query is None:
        return []
    return [int(cid) for cid in col().find_cards(search_query(query))]


@action(reads=True)
def cardsToNotes(cards: CardIds) -> list[int]:
    ids = card_ids(cards)
    if not ids:
        return []
    return col().db.list(f"select distinct nid from cards where id in {sql_ids(ids)}")


@action(reads=True)
def cardsModTime(cards: CardIds) -> list[CardModTime | NotFound]:
    ids = card_ids(cards)
    mods = {cid: row[1] for cid, row in card_rows(col(), "mod", ids).items()}
    return [{"cardId": cid, "mod": mods[cid]} if cid in mods else {} for cid in ids]


@action()
async def cardsInfo(cards: CardIds) -> list[CardInfo | NotFound]:
    # Read and rendered off the main thread (~0.1 ms per card: 10,000 cards held Anki's
    # window for a second, even sliced). Rendering runs Anki's render hooks there too, as
    # Anki's own plain-text card export does in its background operation.
    ids = card_ids(cards)
    return await reading(lambda: _cards_info(ids))


def _cards_info(ids: list[int]) -> list[dict[str, Any]]:
    collection = col()
    rows = card_rows(collection, ", ".join(INFO_COLUMNS.values()), ids)
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
