"""Deck and deck-configuration actions on a real Collection."""

from __future__ import annotations

from anki.collection import Collection

from ..support.local_api import LocalApi


def _add_card(collection: Collection, deck: str, front: str) -> int:
    """One Basic note in ``deck`` (created if needed); returns its card id."""
    did = collection.decks.id(deck, create=True)
    note = collection.new_note(collection.models.by_name("Basic"))
    note["Front"] = front
    collection.add_note(note, did)
    return note.card_ids()[0]


def _deck_of(collection: Collection, card_id: int) -> int:
    return collection.db.scalar("select did from cards where id = ?", card_id)


def _filtered_deck(collection: Collection, name: str, search: str) -> int:
    deck = collection.sched.get_or_create_filtered_deck(0)
    deck.name = name
    deck.config.search_terms[0].search = search
    del deck.config.search_terms[1:]
    return collection.sched.add_or_update_filtered_deck(deck).id


# --- decks -------------------------------------------------------------------


def test_get_decks_groups_cards_by_deck_name(api: LocalApi, collection: Collection) -> None:
    tokyo = _add_card(collection, "Japanese::Tokyo", "a")
    default = _add_card(collection, "Default", "b")
    tokyo2 = _add_card(collection, "Japanese::Tokyo", "c")
    assert api("getDecks", cards=[tokyo, default, tokyo2]) == {
        "Japanese::Tokyo": [tokyo, tokyo2],
        "Default": [default],
    }


def test_get_decks_puts_unknown_cards_under_default(api: LocalApi, collection: Collection) -> None:
    tokyo = _add_card(collection, "Tokyo", "a")
    assert api("getDecks", cards=[123, tokyo]) == {"Default": [123], "Tokyo": [tokyo]}
    assert api("getDecks", cards=[]) == {}


def test_change_deck_moves_cards_and_creates_the_deck(api: LocalApi, collection: Collection) -> None:
    first, second = _add_card(collection, "Default", "a"), _add_card(collection, "Default", "b")
    stay = _add_card(collection, "Default", "c")
    assert api("changeDeck", cards=[first, second], deck="Japanese::JLPT N3") is None
    target = collection.decks.id_for_name("Japanese::JLPT N3")
    assert target
    assert [_deck_of(collection, c) for c in (first, second, stay)] == [target, target, 1]


def test_change_deck_with_no_cards_only_ensures_the_deck(api: LocalApi, collection: Collection) -> None:
    assert api("changeDeck", cards=[], deck="Empty") is None
    assert "Empty" in api("deckNames")


def test_change_deck_takes_cards_out_of_filtered_decks(api: LocalApi, collection: Collection) -> None:
    card = _add_card(collection, "Home", "a")
    filtered = _filtered_deck(collection, "Filtered", "deck:Home")
    assert _deck_of(collection, card) == filtered
    api("changeDeck", cards=[card], deck="Target")
    did, odid = collection.db.first("select did, odid from cards where id = ?", card)
    assert (did, odid) == (collection.decks.id_for_name("Target"), 0)


def test_change_deck_refuses_a_filtered_target(api: LocalApi, collection: Collection) -> None:
    card = _add_card(collection, "Home", "a")
    other = _add_card(collection, "Other", "b")
    _filtered_deck(collection, "Filtered", "deck:Other")
    assert api.error("changeDeck", cards=[card], deck="Filtered") == (
        "Cards can't be manually moved into a filtered deck."
    )
    assert _deck_of(collection, card) == collection.decks.id_for_name("Home")
    assert other


def test_delete_decks_with_cards(api: LocalApi, collection: Collection) -> None:
    doomed = _add_card(collection, "Japanese::JLPT N5", "a")
    child = _add_card(collection, "Japanese::JLPT N5::Kanji", "b")
    kept = _add_card(collection, "Easy Spanish", "c")
    assert api("deleteDecks", decks=["Japanese::JLPT N5", "Nope"], cardsToo=True) is None
    assert set(api("deckNames")) == {"Default", "Japanese", "Easy Spanish"}
    assert collection.db.list("select id from cards") == [kept]
    assert doomed and child


def test_delete_decks_matches_names_exactly(api: LocalApi, collection: Collection) -> None:
    _add_card(collection, "Spanish", "a")
    api("deleteDecks", decks=["spanish"], cardsToo=True)
    assert "Spanish" in api("deckNames")
    assert collection.card_count() == 1


def test_delete_decks_without_cards_too_moves_cards_to_default(
    api: LocalApi, collection: Collection
) -> None:
    card = _add_card(collection, "Old", "a")
    child = _add_card(collection, "Old::Child", "b")
    in_default = _add_card(collection, "Default", "c")
    api("deleteDecks", decks=["Old", "Default"])
    assert api("deckNames") == ["Default"]
    assert [_deck_of(collection, c) for c in (card, child, in_default)] == [1, 1, 1]


def test_get_deck_stats(api: LocalApi, collection: Collection) -> None:
    _add_card(collection, "Japanese::JLPT N5", "a")
    _add_card(collection, "Japanese::JLPT N5", "b")
    n5 = collection.decks.id_for_name("Japanese::JLPT N5")
    stats = api("getDeckStats", decks=["Japanese::JLPT N5"])
    assert stats == {
        str(n5): {
            "deck_id": n5,
            "name": "JLPT N5",
            "new_count": 2,
            "learn_count": 0,
            "review_count": 0,
            "total_in_deck": 2,
        }
    }


def test_get_deck_stats_creates_unknown_decks_like_upstream(api: LocalApi) -> None:
    stats = api("getDeckStats", decks=["Brand::New"])
    new_id = api("deckNamesAndIds")["Brand::New"]
    assert stats[str(new_id)]["name"] == "New"
    assert stats[str(new_id)]["total_in_deck"] == 0


def test_deck_name_from_id(api: LocalApi) -> None:
    tokyo = api("createDeck", deck="Japanese::Tokyo")
    assert api("deckNameFromId", deckId=tokyo) == "Japanese::Tokyo"
    assert api("deckNameFromId", deckId=1) == "Default"
    assert api.error("deckNameFromId", deckId=424242) == "deck was not found: 424242"


# --- deck configuration ----------------------------------------------------------


def test_get_deck_config(api: LocalApi) -> None:
    config = api("getDeckConfig", deck="Default")
    assert config["id"] == 1 and config["name"] == "Default"
    assert {"new", "rev", "lapse", "maxTaken"} <= set(config)
    assert api("getDeckConfig", deck="default") is False  # exact match only
    assert api("getDeckConfig", deck="Missing") is False


def test_save_deck_config(api: LocalApi, collection: Collection) -> None:
    config = api("getDeckConfig", deck="Default")
    config["maxTaken"] = 42
    config["new"]["perDay"] = 7
    assert api("saveDeckConfig", config=config) is True
    saved = collection.decks.get_config(1)
    assert (saved["maxTaken"], saved["new"]["perDay"]) == (42, 7)


def test_save_deck_config_refuses_unknown_groups(api: LocalApi, collection: Collection) -> None:
    config = api("getDeckConfig", deck="Default")
    config["id"] = 424242
    assert api("saveDeckConfig", config=config) is False
    assert [c["id"] for c in collection.decks.all_config()] == [1]
    del config["id"]
    assert api.error("saveDeckConfig", config=config) == "'id'"


def test_set_deck_config_id(api: LocalApi, collection: Collection) -> None:
    api("createDeck", deck="Japanese")
    group = api("cloneDeckConfigId", name="Japanese settings")
    assert api("setDeckConfigId", decks=["Default", "Japanese"], configId=str(group)) is True
    assert collection.decks.get(1)["conf"] == group
    assert collection.decks.by_name("Japanese")["conf"] == group


def test_set_deck_config_id_returns_false_and_changes_nothing(
    api: LocalApi, collection: Collection
) -> None:
    api("createDeck", deck="Japanese")
    group = api("cloneDeckConfigId", name="Other")
    assert api("setDeckConfigId", decks=["Default", "Missing"], configId=group) is False
    assert api("setDeckConfigId", decks=["Default", "japanese"], configId=group) is False
    assert api("setDeckConfigId", decks=["Default"], configId=424242) is False
    assert collection.decks.get(1)["conf"] == 1


def test_clone_deck_config_id(api: LocalApi, collection: Collection) -> None:
    config = api("getDeckConfig", deck="Default")
    config["maxTaken"] = 33
    api("saveDeckConfig", config=config)
    clone = api("cloneDeckConfigId", name="Copy of Default", cloneFrom=1)
    assert isinstance(clone, int) and clone != 1
    copied = collection.decks.get_config(clone)
    assert (copied["name"], copied["maxTaken"]) == ("Copy of Default", 33)
    from_default = api("cloneDeckConfigId", name="Second copy")
    assert collection.decks.get_config(from_default)["maxTaken"] == 33
    assert api("cloneDeckConfigId", name="Nope", cloneFrom=424242) is False
    assert len(collection.decks.all_config()) == 3


def test_remove_deck_config_id(api: LocalApi, collection: Collection) -> None:
    group = api("cloneDeckConfigId", name="Temporary")
    api("setDeckConfigId", decks=["Default"], configId=group)
    assert api("removeDeckConfigId", configId=group) is True
    assert [c["id"] for c in collection.decks.all_config()] == [1]
    assert collection.decks.get(1)["conf"] == 1  # decks fall back to the default group


def test_remove_deck_config_id_refuses_default_and_missing(
    api: LocalApi, collection: Collection
) -> None:
    assert api("removeDeckConfigId", configId=1) is False
    assert api("removeDeckConfigId", configId=424242) is False
    assert [c["id"] for c in collection.decks.all_config()] == [1]
