"""Deck actions."""

from __future__ import annotations

from typing import Any

from .context import col
from .registry import action


@action()
def deckNames() -> list[str]:
    return [d.name for d in col().decks.all_names_and_ids()]


@action()
def deckNamesAndIds() -> dict[str, int]:
    return {d.name: d.id for d in col().decks.all_names_and_ids()}


@action()
def createDeck(deck: Any) -> int:
    collection = col()
    existing = collection.decks.id_for_name(deck)
    if existing:
        return int(existing)
    return int(collection.decks.id(deck, create=True))
