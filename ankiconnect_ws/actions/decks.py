"""Deck and deck-configuration actions."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any, Literal

from .. import errors
from ._types import CHECKED, PER_ITEM, DeckConfig, DeckConfigUpdate, DeckStats, Flag, IntOrText
from ._checks import deck_id_creating, sql_ids
from .context import col
from .registry import action

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection
    from anki.decks_pb2 import DeckTreeNode

DEFAULT_DECK_ID = 1
DEFAULT_CONFIG_ID = 1


# --- helpers ---------------------------------------------------------------


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _deck_ids_by_exact_name(collection: "Collection") -> dict[str, int]:
    """Every deck id by its exact name, in Anki's order. deleteDecks / getDeckConfig /
    setDeckConfigId match names with it exactly (case-sensitive), unlike Anki's own
    lookups, which ignore case."""
    return {d.name: d.id for d in collection.decks.all_names_and_ids()}


def _config_group(collection: "Collection", config_id: int | None) -> dict[str, Any] | None:
    if config_id is None:
        return None
    group = collection.decks.get_config(config_id)
    # Anki answers an unknown id with the default group: check we got the one asked for.
    if group is None or int(group["id"]) != config_id:
        return None
    return group


def _default_deck_name(collection: "Collection") -> str:
    return collection.decks.get(DEFAULT_DECK_ID)["name"]


# --- decks -------------------------------------------------------------------


@action()
def deckNames() -> list[str]:
    return list(_deck_ids_by_exact_name(col()))  # deck names are unique


@action()
def deckNamesAndIds() -> dict[str, int]:
    return _deck_ids_by_exact_name(col())


@action()
def createDeck(deck: str) -> int:
    collection = col()
    existing = collection.decks.id_for_name(deck)
    if existing:
        return int(existing)
    return int(collection.decks.id(deck, create=True))


@action()
def getDecks(cards: list[Annotated[int, PER_ITEM]]) -> dict[str, list[Any]]:
    """Cards grouped by deck name, in the order given; unknown cards fall under Default."""
    collection = col()
    wanted = {cid for cid in map(_int_or_none, cards) if cid is not None}
    deck_of_card: dict[int, int] = {}
    if wanted:
        deck_of_card = dict(
            collection.db.all(f"select id, did from cards where id in {sql_ids(wanted)}")
        )
    names = {d.id: d.name for d in collection.decks.all_names_and_ids()}
    default_name = _default_deck_name(collection)
    grouped: dict[str, list[Any]] = {}
    for card in cards:
        did = deck_of_card.get(_int_or_none(card))  # type: ignore[arg-type]
        grouped.setdefault(names.get(did, default_name), []).append(card)  # type: ignore[arg-type]
    return grouped


@action()
def changeDeck(cards: list[IntOrText], deck: str) -> None:
    collection = col()
    card_ids = [int(cid) for cid in cards]
    # An empty card list is used by clients to make sure a deck exists.
    deck_id = collection.decks.id(deck, create=True)
    if card_ids:
        # Anki's set_deck also takes the cards out of filtered decks.
        collection.set_deck(card_ids, deck_id)


@action()
def deleteDecks(decks: list[str], cardsToo: Flag = False) -> None:
    collection = col()
    by_name = _deck_ids_by_exact_name(collection)
    deck_ids = [by_name[name] for name in decks if name in by_name]
    if not cardsToo:
        deck_ids = [did for did in deck_ids if did != DEFAULT_DECK_ID]
        _move_cards_to_default_deck(collection, deck_ids)
    if deck_ids:
        collection.decks.remove(deck_ids)


def _move_cards_to_default_deck(collection: "Collection", deck_ids: list[int]) -> None:
    """Rescue the cards of decks about to be removed (and of their subdecks)."""
    doomed = {child for did in deck_ids for child in collection.decks.deck_and_child_ids(did)}
    # Anki cannot delete the Default deck itself, only its cards: keep it out of the set.
    doomed.discard(DEFAULT_DECK_ID)
    if not doomed:
        return
    ids = sql_ids(doomed)
    # Cards in a doomed filtered deck whose home deck survives go home by themselves.
    card_ids = collection.db.list(
        f"select id from cards where (odid = 0 and did in {ids}) or odid in {ids}"
    )
    if card_ids:
        collection.set_deck(card_ids, DEFAULT_DECK_ID)


@action()
def getDeckStats(decks: list[str]) -> dict[str, DeckStats]:
    collection = col()
    deck_ids = [deck_id_creating(collection, name) for name in decks]
    nodes = _due_tree_nodes(collection.sched.deck_due_tree())
    stats: dict[str, dict[str, Any]] = {}
    for name, did in zip(decks, deck_ids):
        stats[str(did)] = _deck_stats(did, nodes.get(did), name)
    return stats


def _due_tree_nodes(root: "DeckTreeNode") -> dict[int, "DeckTreeNode"]:
    found: dict[int, DeckTreeNode] = {}
    pending = list(root.children)
    while pending:
        node = pending.pop()
        found[node.deck_id] = node
        pending.extend(node.children)
    return found


def _deck_stats(did: int, node: "DeckTreeNode | None", name: str) -> dict[str, Any]:
    if node is None:  # Anki hides an empty Default deck from its tree
        return {
            "deck_id": did,
            "name": name.split("::")[-1],
            "new_count": 0,
            "learn_count": 0,
            "review_count": 0,
            "total_in_deck": 0,
        }
    return {
        "deck_id": did,
        "name": node.name,
        "new_count": node.new_count,
        "learn_count": node.learn_count,
        "review_count": node.review_count,
        "total_in_deck": node.total_in_deck,
    }


@action()
def deckNameFromId(deckId: IntOrText) -> str:
    did = _int_or_none(deckId)
    name = col().decks.name_if_exists(did) if did else None  # type: ignore[arg-type]
    if name is None:
        raise errors.ActionError(errors.DECK_NOT_FOUND.format(deckId))
    return name


# --- deck configuration --------------------------------------------------------


@action()
def getDeckConfig(deck: str) -> DeckConfig | Literal[False]:
    collection = col()
    did = _deck_ids_by_exact_name(collection).get(deck)
    if did is None:
        return False
    return collection.decks.config_dict_for_deck_id(did)


@action()
def saveDeckConfig(config: Annotated[DeckConfigUpdate, CHECKED]) -> bool:
    collection = col()
    config_id = _int_or_none(config["id"])
    if _config_group(collection, config_id) is None:
        # Anki would otherwise create a new group under that id.
        return False
    updated = dict(config, id=config_id, mod=int(time.time()), usn=collection.usn())
    try:
        collection.decks.update_config(updated)
    except Exception:  # an invalid group is reported as false, as upstream
        return False
    return True


@action()
def setDeckConfigId(decks: list[str], configId: IntOrText) -> bool:
    collection = col()
    config_id = _int_or_none(configId)
    if _config_group(collection, config_id) is None:
        return False
    by_name = _deck_ids_by_exact_name(collection)
    if any(name not in by_name for name in decks):
        return False
    targets = [collection.decks.get_legacy(by_name[name]) for name in decks]
    # Filtered decks have no config group: refuse before changing anything.
    if any(deck is None or deck.get("dyn") for deck in targets):
        return False
    try:
        for deck in targets:
            deck["conf"] = config_id
            collection.decks.update_dict(deck)
    except Exception:
        return False
    return True


@action()
def cloneDeckConfigId(name: str, cloneFrom: IntOrText = "1") -> int | Literal[False]:
    collection = col()
    source = _config_group(collection, _int_or_none(cloneFrom))
    if source is None:
        return False
    return int(collection.decks.add_config(name, clone_from=source)["id"])


@action()
def removeDeckConfigId(configId: IntOrText) -> bool:
    collection = col()
    config_id = _int_or_none(configId)
    if config_id == DEFAULT_CONFIG_ID or _config_group(collection, config_id) is None:
        return False
    # Decks using the group fall back to the default group; this needs a full sync.
    collection.decks.remove_config(config_id)
    return True
