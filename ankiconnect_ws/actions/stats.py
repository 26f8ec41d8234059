"""Statistics actions: review counts, the review log and the stats report."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

from .. import errors
from ._types import OWN_CHECK, PER_ITEM, Flag, Review, ReviewRow
from ._checks import deck_id_creating, is_int, sql_ids
from .context import col
from .registry import action

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection

#: The review-log columns, in the order cardReviews gives and insertReviews takes them.
REVLOG_COLUMNS = ("id", "cid", "usn", "ease", "ivl", "lastIvl", "factor", "time", "type")
_I32, _U32, _I64 = (-(2**31), 2**31 - 1), (0, 2**32 - 1), (-(2**63), 2**63 - 1)
#: what each column may hold: Anki reads the review log into fixed-width integers, and a
#: value out of range makes its Check Database fail (upstream stores anything); a time
#: above the i32 range is one Check Database calls invalid and rewrites
REVLOG_RANGES = (_I64, _I64, _I32, (0, 255), _I32, _I32, _U32, (0, _I32[1]), (0, 255))

SECONDS_PER_DAY = 86400


# --- counts and report -------------------------------------------------------------


@action()
def getNumCardsReviewedToday() -> int:
    collection = col()
    day_start_ms = (collection.sched.day_cutoff - SECONDS_PER_DAY) * 1000
    return collection.db.scalar("select count() from revlog where id > ?", day_start_ms)


@action()
def getNumCardsReviewedByDay() -> list[tuple[str, int]]:
    collection = col()
    # A review done before the day cutoff (4 am by default) belongs to the day before.
    cutoff_hour = time.localtime(collection.sched.day_cutoff).tm_hour
    rows = collection.db.all(
        "select date(id / 1000 - ?, 'unixepoch', 'localtime') as day, count()"
        " from revlog group by day order by day desc",
        cutoff_hour * 3600,
    )
    return [[day, count] for day, count in rows]  # type: ignore[misc]  # a JSON pair


@action()
def getCollectionStatsHTML(wholeCollection: Flag = True) -> str:
    report = col().stats()
    report.wholeCollection = bool(wholeCollection)
    return report.report()


# --- the review log ---------------------------------------------------------------------


@action()
def cardReviews(deck: str, startID: Annotated[int, OWN_CHECK]) -> list[ReviewRow]:
    collection = col()
    if not is_int(startID):
        raise errors.ActionError(errors.START_ID_INVALID.format(startID))
    columns = ", ".join(f"r.{column}" for column in REVLOG_COLUMNS)
    return collection.db.all(
        f"select {columns} from revlog r join cards c on c.id = r.cid"
        " where c.did = ? and r.id > ? order by r.id",
        deck_id_creating(collection, deck),
        startID,
    )


@action()
def getLatestReviewID(deck: str) -> int:
    collection = col()
    latest = collection.db.scalar(
        "select max(r.id) from revlog r join cards c on c.id = r.cid where c.did = ?",
        deck_id_creating(collection, deck),
    )
    return latest or 0


@action()
def getReviewsOfCards(cards: Annotated[list[Annotated[int, PER_ITEM]], OWN_CHECK]) -> dict[str, list[Review]]:
    collection = col()
    if not isinstance(cards, list):
        raise errors.ActionError(errors.CARDS_NOT_A_LIST)
    reviews: dict[str, list[Review]] = {str(cid): [] for cid in cards}
    # As upstream, only integer ids are looked up; others (e.g. strings) keep [].
    ids = {cid for cid in cards if is_int(cid)}
    if ids:
        columns = ", ".join(REVLOG_COLUMNS)
        rows = collection.db.all(f"select {columns} from revlog where cid in {sql_ids(ids)} order by id")
        for row in rows:
            review: Any = dict(zip(REVLOG_COLUMNS, row))
            cid = review.pop("cid")  # the card id is the key, not part of each review
            reviews[str(cid)].append(review)
    return reviews


@action()
def insertReviews(reviews: Annotated[list[ReviewRow], OWN_CHECK]) -> None:
    collection = col()
    rows = _checked_reviews(reviews)
    if not rows:
        return
    _refuse_existing_ids(collection, [row[0] for row in rows])
    placeholders = ", ".join("?" * len(REVLOG_COLUMNS))
    # Bound parameters, never spliced text (upstream builds the SQL from the values).
    collection.db.executemany(
        f"insert into revlog ({', '.join(REVLOG_COLUMNS)}) values ({placeholders})", rows
    )


def _checked_reviews(reviews: Any) -> list[list[int]]:
    if not isinstance(reviews, list):
        raise errors.ActionError(errors.REVIEWS_NOT_A_LIST)
    rows = []
    for review in reviews:
        valid = (
            isinstance(review, (list, tuple))
            and len(review) == len(REVLOG_COLUMNS)
            and all(is_int(value) for value in review)
        )
        if not valid:
            raise errors.ActionError(errors.REVIEW_INVALID.format(review))
        for column, value, (low, high) in zip(REVLOG_COLUMNS, review, REVLOG_RANGES):
            if not low <= value <= high:
                raise errors.ActionError(errors.REVIEW_OUT_OF_RANGE.format(column, low, high, review))
        rows.append(list(review))
    return rows


def _refuse_existing_ids(collection: "Collection", review_ids: list[int]) -> None:
    """All or nothing: a clashing id fails the call before anything is written."""
    seen: set[int] = set()
    for review_id in review_ids:
        if review_id in seen:
            raise errors.ActionError(errors.REVIEW_ID_EXISTS.format(review_id))
        seen.add(review_id)
    clash = collection.db.scalar(f"select min(id) from revlog where id in {sql_ids(seen)}")
    if clash is not None:
        raise errors.ActionError(errors.REVIEW_ID_EXISTS.format(clash))
