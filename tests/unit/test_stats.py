"""Statistics actions (reference §1.4) on a real Collection."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from anki.collection import Collection
from anki.scheduler.v3 import CardAnswer

from ankiconnect_ws.actions.stats import REVLOG_COLUMNS, REVLOG_RANGES

from ..support.local_api import LocalApi

DEFAULT_DECK = 1
REVIEW_KEYS = ["id", "usn", "ease", "ivl", "lastIvl", "factor", "time", "type"]


def add_card(collection: Collection, front: str, deck_id: int = DEFAULT_DECK) -> int:
    note = collection.new_note(collection.models.by_name("Basic"))
    note["Front"] = front
    collection.add_note(note, deck_id)
    return note.cards()[0].id


def answer(collection: Collection, cid: int, rating: CardAnswer.Rating.V = CardAnswer.GOOD) -> None:
    card = collection.get_card(cid)
    card.start_timer()
    states = collection._backend.get_scheduling_states(cid)
    collection.sched.answer_card(collection.sched.build_answer(card=card, states=states, rating=rating))


def ms(year: int, month: int, day: int, hour: int) -> int:
    """A local wall-clock time as a review id."""
    return int(datetime(year, month, day, hour).timestamp() * 1000)


def review(review_id: int, cid: int, ease: int = 3) -> list[int]:
    return [review_id, cid, -1, ease, 1, -600, 2500, 4000, 1]


def revlog(collection: Collection) -> list[list[int]]:
    return collection.db.all("select id, cid, usn, ease, ivl, lastIvl, factor, time, type from revlog order by id")


@pytest.fixture
def two_decks(collection: Collection) -> tuple[int, int]:
    """A card in Default and one in "Other", each answered once."""
    other = collection.decks.id("Other")
    first, second = add_card(collection, "one"), add_card(collection, "two", other)
    answer(collection, first)
    answer(collection, second)
    return first, second


# --- counts and report ----------------------------------------------------------------------


def test_reviewed_today_counts_only_since_the_day_started(api: LocalApi, collection: Collection) -> None:
    assert api("getNumCardsReviewedToday") == 0
    cid = add_card(collection, "x")
    answer(collection, cid, CardAnswer.AGAIN)
    answer(collection, cid, CardAnswer.GOOD)
    day_start = collection.sched.day_cutoff - 86400
    api("insertReviews", reviews=[review((day_start - 60) * 1000, cid)])
    assert api("getNumCardsReviewedToday") == 2


def test_reviewed_by_day_uses_the_day_cutoff(api: LocalApi, collection: Collection) -> None:
    """A review counts for the day that began at the last cutoff (Anki's "next day
    starts at", 4 am by default; the collection fixture puts it 12 hours from now)."""
    assert api("getNumCardsReviewedByDay") == []
    cutoff = time.localtime(collection.sched.day_cutoff).tm_hour
    day_start = datetime(2024, 3, 10, cutoff)
    cid = add_card(collection, "x")
    at = [day_start - timedelta(hours=2),  # before the day's start: still March 9th
          day_start + timedelta(hours=1), day_start + timedelta(hours=19),
          day_start - timedelta(days=2) + timedelta(hours=8)]
    api("insertReviews", reviews=[review(int(moment.timestamp() * 1000), cid) for moment in at])
    assert api("getNumCardsReviewedByDay") == [["2024-03-10", 2], ["2024-03-09", 1], ["2024-03-08", 1]]


def test_collection_stats_html(api: LocalApi, collection: Collection) -> None:
    empty = api("getCollectionStatsHTML")
    assert isinstance(empty, str) and empty.startswith("<center>")
    answer(collection, add_card(collection, "x"))
    report = api("getCollectionStatsHTML", wholeCollection=False)
    assert "Studied" in report and "Studied" not in empty
    assert api.error("getCollectionStatsHTML", whole=True) == (
        "AnkiConnect.getCollectionStatsHTML() got an unexpected keyword argument 'whole'"
    )


def test_collection_not_available(api: LocalApi) -> None:
    api.col = None
    for name in ("getNumCardsReviewedToday", "getNumCardsReviewedByDay", "getCollectionStatsHTML"):
        assert api.error(name) == "collection is not available"


# --- the review log -----------------------------------------------------------------------------


def test_card_reviews_by_deck_and_start_id(api: LocalApi, collection: Collection, two_decks: tuple[int, int]) -> None:
    first, second = two_decks
    rows = revlog(collection)
    in_default = [row for row in rows if row[1] == first]
    assert api("cardReviews", deck="Default", startID=0) == in_default
    assert len(in_default[0]) == 9
    assert api("cardReviews", deck="other", startID=0) == [row for row in rows if row[1] == second]
    assert api("cardReviews", deck="Default", startID=in_default[-1][0]) == []
    assert api.error("cardReviews", deck="Default", startID="0") == "startID must be an integer: 0"


def test_card_reviews_creates_a_missing_deck(api: LocalApi, collection: Collection) -> None:
    assert collection.decks.id_for_name("Fresh") is None
    assert api("cardReviews", deck="Fresh", startID=0) == []
    assert collection.decks.id_for_name("Fresh") is not None


def test_latest_review_id(api: LocalApi, collection: Collection, two_decks: tuple[int, int]) -> None:
    first, second = two_decks
    latest = collection.db.scalar("select max(id) from revlog where cid = ?", second)
    assert api("getLatestReviewID", deck="Other") == latest
    assert api("getLatestReviewID", deck="Default") < latest
    assert api("getLatestReviewID", deck="Brand new") == 0
    assert collection.decks.id_for_name("Brand new") is not None
    assert api.error("getLatestReviewID") == (
        "AnkiConnect.getLatestReviewID() missing 1 required positional argument: 'deck'"
    )


def test_reviews_of_cards(api: LocalApi, collection: Collection, two_decks: tuple[int, int]) -> None:
    first, second = two_decks
    unreviewed = add_card(collection, "never")
    answer(collection, first)
    result = api("getReviewsOfCards", cards=[first, unreviewed, str(second)])
    assert list(result) == [str(first), str(unreviewed), str(second)]
    assert result[str(unreviewed)] == [] and result[str(second)] == []  # string ids are not looked up
    expected = [dict(zip(REVIEW_KEYS, row[:1] + row[2:])) for row in revlog(collection) if row[1] == first]
    assert result[str(first)] == expected and len(expected) == 2
    assert api.error("getReviewsOfCards", cards=first) == "cards must be a list of card ids"


def test_insert_reviews(api: LocalApi, collection: Collection) -> None:
    cid = add_card(collection, "x")
    rows = [review(1_700_000_000_000, cid, ease=1), review(1_700_000_100_000, cid, ease=3)]
    assert api("insertReviews", reviews=rows) is None
    assert revlog(collection) == rows
    assert api("cardReviews", deck="Default", startID=0) == rows


def test_insert_reviews_rejects_text_and_changes_nothing(api: LocalApi, collection: Collection) -> None:
    cid = add_card(collection, "x")
    injected = [1, cid, -1, 3, 1, 0, 2500, 100, "1); delete from revlog; --"]
    assert api.error("insertReviews", reviews=[review(5, cid), injected]) == (
        f"a review must be a list of 9 integers: {injected}"
    )
    assert api.error("insertReviews", reviews=[review(5, cid)[:8]]) == (
        f"a review must be a list of 9 integers: {review(5, cid)[:8]}"
    )
    api("insertReviews", reviews=[review(7, cid)])
    # one clash fails the whole batch
    assert api.error("insertReviews", reviews=[review(8, cid), review(7, cid)]) == (
        "a review with this id already exists: 7"
    )
    assert api.error("insertReviews", reviews=[review(9, cid), review(9, cid)]) == (
        "a review with this id already exists: 9"
    )
    assert [row[0] for row in revlog(collection)] == [7]


def test_insert_reviews_refuses_values_anki_cannot_read_back(api: LocalApi, collection: Collection) -> None:
    """Anki reads the review log into fixed-width integers: an ease of 300 or a negative
    time stored as-is makes its Check Database fail (found by the schema fuzz)."""
    cid = add_card(collection, "x")
    for column, value in (("ease", 300), ("ease", -1), ("ivl", 2**31), ("lastIvl", -(2**31) - 1),
                          ("factor", -1), ("time", 2**31), ("type", 256)):
        row = review(11, cid)
        row[REVLOG_COLUMNS.index(column)] = value
        low, high = REVLOG_RANGES[REVLOG_COLUMNS.index(column)]
        assert api.error("insertReviews", reviews=[review(10, cid), row]) == (
            f"a review's {column} must be from {low} to {high}: {row}"
        )
    assert revlog(collection) == []
    # the limits themselves are stored, and Anki's Check Database finds nothing to fix
    edge = [1_700_000_000_000, cid, -(2**31), 255, 2**31 - 1, -(2**31), 2**32 - 1, 2**31 - 1, 0]
    api("insertReviews", reviews=[edge])
    assert revlog(collection) == [edge]
    assert collection.fix_integrity() == ("Database rebuilt and optimized.", True)
    assert revlog(collection) == [edge]
