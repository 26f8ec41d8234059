"""Card actions (reference §1.9) on a real Collection."""

from __future__ import annotations

import time

import pytest
from anki.collection import Collection
from anki.consts import QUEUE_TYPE_SUSPENDED
from anki.scheduler.v3 import CardAnswer

from ..support.local_api import LocalApi

DEFAULT_DECK = 1
UNKNOWN_CARD = 1234
#: ankiconnect_ws.actions._checks.MAX_SEARCH_DEPTH
MAX_SEARCH_DEPTH = 200


def add_note(collection: Collection, front: str, back: str = "back", model: str = "Basic") -> list[int]:
    note = collection.new_note(collection.models.by_name(model))
    note["Front"] = front
    note["Back"] = back
    collection.add_note(note, DEFAULT_DECK)
    return [card.id for card in note.cards()]


def answer(collection: Collection, cid: int, rating: CardAnswer.Rating.V) -> None:
    card = collection.get_card(cid)
    card.start_timer()
    states = collection._backend.get_scheduling_states(cid)
    collection.sched.answer_card(collection.sched.build_answer(card=card, states=states, rating=rating))


def queue_of(collection: Collection, cid: int) -> int:
    return collection.get_card(cid).queue


@pytest.fixture
def cards(collection: Collection) -> list[int]:
    """Three new Basic cards, one per note."""
    return [add_note(collection, f"front {i}")[0] for i in range(3)]


# --- ease factors and raw values ---------------------------------------------------------


def test_ease_factors_round_trip(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    assert api("setEaseFactors", cards=[cards[0], UNKNOWN_CARD, cards[1]], easeFactors=[2100, 2200, 3000]) == [
        True,
        False,
        True,
    ]
    assert collection.get_card(cards[0]).factor == 2100
    assert collection.get_card(cards[1]).factor == 3000
    assert api("getEaseFactors", cards=[cards[1], UNKNOWN_CARD, cards[0], cards[2]]) == [3000, None, 2100, 0]


def test_ease_factor_errors_change_nothing(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    assert api.error("setEaseFactors", cards=cards[:2], easeFactors=[2000]) == (
        "easeFactors must be a list with one value per card"
    )
    assert api.error("setEaseFactors", cards=cards[:2], easeFactors=[2000, "x"]) == (
        "ease factor must be an integer: x"
    )
    assert collection.get_card(cards[0]).factor == 0
    assert api.error("getEaseFactors", cards="1") == "cards must be a list of card ids"
    assert api.error("getEaseFactors", cards=["1"]) == "card id must be an integer: 1"


def test_set_specific_value_of_card(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    cid = cards[0]
    assert api("setSpecificValueOfCard", card=cid, keys=["flags", "due"], newValues=[3, 42]) == [True]
    card = collection.get_card(cid)
    assert (card.flags, card.due) == (3, 42)
    # risky keys need warning_check
    assert api("setSpecificValueOfCard", card=cid, keys=["ivl"], newValues=[9]) is False
    assert collection.get_card(cid).ivl == 0
    assert api("setSpecificValueOfCard", card=cid, keys=["ivl"], newValues=[9], warning_check=True) == [True]
    assert collection.get_card(cid).ivl == 9


def test_set_specific_value_of_card_bad_input(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    cid = cards[0]
    assert api("setSpecificValueOfCard", card=[cid], keys=["due"], newValues=[1]) is False
    assert api("setSpecificValueOfCard", card=cid, keys="due", newValues=[1]) is False
    assert api("setSpecificValueOfCard", card=cid, keys=["due", "flags"], newValues=[1]) is False
    assert api("setSpecificValueOfCard", card=cid, keys=["foo"], newValues=[1]) == [
        [False, "card has no value named: foo"]
    ]
    # values are not converted; a wrong type fails the save and stores nothing
    failed = api("setSpecificValueOfCard", card=cid, keys=["flags", "due"], newValues=[2, "soon"])
    assert failed[0][0] is False and isinstance(failed[0][1], str) and len(failed) == 1
    assert collection.get_card(cid).flags == 0
    assert api.error("setSpecificValueOfCard", card=UNKNOWN_CARD, keys=["due"], newValues=[1]) == (
        "Card was not found: 1234"
    )


# --- suspension ----------------------------------------------------------------------------


def test_suspend_and_unsuspend_report_changes(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    assert api("suspend", cards=cards[:1]) is True
    assert api("suspend", cards=cards[:1]) is False
    # Upstream skips items after an already-suspended one; every card must be handled.
    assert api("suspend", cards=[cards[0], cards[0], cards[1], cards[2]]) is True
    assert all(queue_of(collection, cid) == QUEUE_TYPE_SUSPENDED for cid in cards)
    assert api("unsuspend", cards=cards[:2]) is True
    assert [queue_of(collection, cid) == QUEUE_TYPE_SUSPENDED for cid in cards] == [False, False, True]
    assert api("unsuspend", cards=cards[:2]) is False
    assert api("suspend", cards=cards, suspend=False) is True
    assert queue_of(collection, cards[2]) == 0


def test_suspend_unknown_card_fails_before_changing(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    assert api.error("suspend", cards=[cards[0], UNKNOWN_CARD]) == "Card was not found: 1234"
    assert queue_of(collection, cards[0]) == 0
    collection.sched.suspend_cards([cards[0]])
    assert api.error("unsuspend", cards=[cards[0], UNKNOWN_CARD]) == "Card was not found: 1234"
    assert queue_of(collection, cards[0]) == QUEUE_TYPE_SUSPENDED


def test_suspended_and_are_suspended(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    collection.sched.suspend_cards([cards[1]])
    assert api("suspended", card=cards[1]) is True
    assert api("suspended", card=cards[0]) is False
    assert api("areSuspended", cards=[cards[0], cards[1], UNKNOWN_CARD]) == [False, True, None]
    assert api.error("suspended", card=UNKNOWN_CARD) == "Card was not found: 1234"


# --- due dates and intervals ------------------------------------------------------------------


def test_are_due(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    new, short_step, review = cards
    answer(collection, short_step, CardAnswer.GOOD)  # 10 minute step: within learn-ahead
    answer(collection, review, CardAnswer.EASY)  # graduates, due in days
    assert api("areDue", cards=[new, short_step, review]) == [True, True, False]
    api("setDueDate", cards=[review], days="0")
    assert api("areDue", cards=[review]) == [True]
    assert api.error("areDue", cards=[new, UNKNOWN_CARD]) == "Card was not found: 1234"


def test_are_due_long_learning_step_waits_for_its_time(api: LocalApi, collection: Collection) -> None:
    config = collection.decks.config_dict_for_deck_id(DEFAULT_DECK)
    config["new"]["delays"] = [1.0, 60.0]
    collection.decks.update_config(config)
    # (the collection fixture starts the day 12 h from now: the step stays within the day)
    waiting = add_note(collection, "waiting")[0]
    answer(collection, waiting, CardAnswer.GOOD)  # one hour step
    assert collection.db.scalar("select ivl from revlog where cid = ?", waiting) == -3600
    assert api("areDue", cards=[waiting]) == [False]
    # the same step logged two hours ago has passed
    two_hours_ago_ms = int((time.time() - 7200) * 1000)
    collection.db.execute("update revlog set id = ? where cid = ?", two_hours_ago_ms, waiting)
    assert api("areDue", cards=[waiting]) == [True]


def test_are_due_without_review_log_does_not_crash(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    api("relearnCards", cards=[cards[0]])
    assert collection.db.scalar("select count() from revlog") == 0
    assert api("areDue", cards=[cards[0]]) == [True]


def test_get_intervals(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    new, learning, review = cards
    answer(collection, learning, CardAnswer.GOOD)
    answer(collection, review, CardAnswer.GOOD)
    answer(collection, review, CardAnswer.GOOD)
    assert api("getIntervals", cards=[new, learning, review]) == [0, -600, 1]
    assert api("getIntervals", cards=[new, learning, review], complete=True) == [0, [-600], [-600, 1]]
    assert api.error("getIntervals", cards=[UNKNOWN_CARD]) == "Card was not found: 1234"


def test_set_due_date(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    assert api("setDueDate", cards=cards[:2], days="1!") is True
    for cid in cards[:2]:
        card = collection.get_card(cid)
        assert (card.type, card.due, card.ivl) == (2, collection.sched.today + 1, 1)
    assert collection.get_card(cards[2]).type == 0
    assert api.error("setDueDate", cards=cards, days="soon") == "soon"


def test_forget_cards(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    answer(collection, cards[0], CardAnswer.EASY)
    assert collection.get_card(cards[0]).type == 2
    assert api("forgetCards", cards=[cards[0]]) is None
    card = collection.get_card(cards[0])
    assert (card.type, card.queue, card.reps) == (0, 0, 1)  # counts are kept
    assert collection.db.scalar("select count() from revlog where cid = ?", cards[0]) == 2  # logged
    assert api.error("forgetCards", cards=[None]) == "card id must be an integer: None"


def test_relearn_cards(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    answer(collection, cards[0], CardAnswer.EASY)
    before = collection.get_card(cards[0]).mod
    time.sleep(1.01)
    assert api("relearnCards", cards=[cards[0], UNKNOWN_CARD]) is None
    card = collection.get_card(cards[0])
    assert (card.type, card.queue) == (3, 1)
    assert card.due <= time.time() and card.mod > before
    assert collection.get_card(cards[1]).type == 0
    assert api.error("relearnCards", cards=5) == "cards must be a list of card ids"


def test_answer_cards(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    answers = [{"cardId": cards[0], "ease": 4}, {"cardId": UNKNOWN_CARD, "ease": 3}, {"cardId": cards[1], "ease": 1}]
    assert api("answerCards", answers=answers) == [True, False, True]
    assert collection.get_card(cards[0]).type == 2
    assert collection.db.list("select ease from revlog order by id") == [4, 1]


def test_answer_cards_validates_everything_first(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    assert api.error("answerCards", answers=[{"cardId": cards[0], "ease": 3}, {"cardId": cards[1]}]) == "'ease'"
    assert api.error("answerCards", answers=[{"cardId": cards[0], "ease": 3}, {"cardId": cards[1], "ease": 5}]) == (
        "ease must be an integer from 1 to 4: 5"
    )
    assert collection.db.scalar("select count() from revlog") == 0


# --- lookups --------------------------------------------------------------------------------


def test_find_cards(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    assert api("findCards") == []
    assert sorted(api("findCards", query="")) == sorted(cards)
    assert api("findCards", query='"front:front 1"') == [cards[1]]
    assert "(" in api.error("findCards", query="(")


def test_searches_nested_too_deeply_for_anki_are_refused(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    """Anki's search parser overflows the main thread's stack (a crash, not an error) at a
    few thousand bracket levels; we stop at MAX_SEARCH_DEPTH. A real crash is shown in
    tests/e2e/test_hostile_parsers.py; here the limit is checked just past its edge."""
    deepest = "(" * MAX_SEARCH_DEPTH + '"front:front 1"' + ")" * MAX_SEARCH_DEPTH
    assert api("findCards", query=deepest) == [cards[1]]
    too_deep = "(" + deepest + ")"
    expected = f"Invalid search: brackets nested more than {MAX_SEARCH_DEPTH} levels deep"
    assert api.error("findCards", query=too_deep) == expected
    assert api.error("findNotes", query=too_deep) == expected
    assert api.error("notesInfo", query=too_deep) == expected
    # brackets that are text (quoted or escaped) are not groups: Anki parses these flat
    as_text = ['"' + "(" * 1000 + '"', "\\(" * 1000, "(a) " * 300]
    for query in as_text:
        assert isinstance(api("findCards", query=query), list)


def test_cards_to_notes(api: LocalApi, collection: Collection) -> None:
    both = add_note(collection, "two sided", model="Basic (and reversed card)")
    single = add_note(collection, "one sided")
    assert len(both) == 2
    nids = api("cardsToNotes", cards=[*both, single[0], UNKNOWN_CARD])
    assert sorted(nids) == sorted({collection.get_card(both[0]).nid, collection.get_card(single[0]).nid})
    assert api.error("cardsToNotes", cards=[1.5]) == "card id must be an integer: 1.5"


def test_cards_mod_time(api: LocalApi, collection: Collection, cards: list[int]) -> None:
    api("setEaseFactors", cards=[cards[0]], easeFactors=[2000])
    mod = collection.get_card(cards[0]).mod
    assert api("cardsModTime", cards=[cards[0], UNKNOWN_CARD]) == [{"cardId": cards[0], "mod": mod}, {}]
    assert api.error("cardsModTime", cards=None) == "cards must be a list of card ids"


def test_cards_info(api: LocalApi, collection: Collection) -> None:
    front, back = add_note(collection, "<b>hello</b>", "world", model="Basic (and reversed card)")
    answer(collection, back, CardAnswer.GOOD)
    info_front, unknown, info_back = api("cardsInfo", cards=[front, UNKNOWN_CARD, back])
    assert unknown == {}
    assert set(info_front) == {
        "cardId", "fields", "fieldOrder", "question", "answer", "modelName", "ord", "deckName", "css",
        "factor", "interval", "note", "type", "queue", "due", "reps", "lapses", "left", "mod",
        "nextReviews", "flags",
    }
    notetype = collection.models.by_name("Basic (and reversed card)")
    card = collection.get_card(back)
    assert info_back["cardId"] == back
    assert info_back["fields"] == {"Front": {"value": "<b>hello</b>", "order": 0}, "Back": {"value": "world", "order": 1}}
    assert info_back["fieldOrder"] == info_back["ord"] == 1
    assert info_front["fieldOrder"] == 0
    assert info_back["question"].startswith("<style>") and info_back["question"].endswith("world")
    assert "<b>hello</b>" in info_back["answer"] and "<hr id=answer>" in info_back["answer"]
    assert info_back["modelName"] == "Basic (and reversed card)"
    assert info_back["deckName"] == "Default"
    assert info_back["css"] == notetype["css"]
    assert (info_back["type"], info_back["queue"], info_back["due"]) == (card.type, card.queue, card.due)
    assert (info_back["reps"], info_back["lapses"], info_back["left"]) == (1, 0, card.left)
    assert (info_back["interval"], info_back["factor"], info_back["mod"]) == (card.ivl, card.factor, card.mod)
    assert info_back["note"] == card.nid and info_back["flags"] == 0
    assert len(info_front["nextReviews"]) == 4
    assert all(isinstance(each, str) and each for each in info_front["nextReviews"])
    assert api.error("cardsInfo", cards=["x"]) == "card id must be an integer: x"


def test_cards_info_many_cards_is_quick(api: LocalApi, collection: Collection) -> None:
    ids = [add_note(collection, f"card {i}")[0] for i in range(300)]
    started = time.perf_counter()
    infos = api("cardsInfo", cards=ids)
    assert [info["cardId"] for info in infos] == ids
    assert time.perf_counter() - started < 3
