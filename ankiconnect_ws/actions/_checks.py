"""Checks of client values and checked lookups, shared by the action modules.

Each check raises the :mod:`~ankiconnect_ws.errors` string its callers' clients expect;
where actions answer a missing thing with different words, the message is a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .. import errors
from ..errors import ActionError

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection
    from anki.models import NotetypeDict
    from anki.notes import Note

__all__ = [
    "is_int",
    "field_text",
    "tag_list",
    "tag_text",
    "search_query",
    "sql_ids",
    "chunks",
    "card_id",
    "card_ids",
    "card_rows",
    "require_cards",
    "note_ids",
    "find_model",
    "require_model",
    "find_deck_id",
    "require_deck_id",
    "deck_id_creating",
    "set_fields_exactly",
]

#: ids or checksums per ``in (...)`` list: far below SQLite's statement size limit
_SQL_CHUNK = 5000


# --- values ----------------------------------------------------------------------------


def is_int(value: Any) -> bool:
    """A JSON integer: ``true``/``false`` are Python ints too, but never an id or a count."""
    return isinstance(value, int) and not isinstance(value, bool)


def field_text(name: Any, value: Any) -> str:
    """A field value as Anki stores it; numbers are accepted as their text, null as ""."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ActionError(errors.FIELD_VALUE_NOT_STRING.format(name))


def tag_list(tags: Any) -> list[str]:
    """``tags`` given as one string or a list of strings (Anki splits on spaces)."""
    if isinstance(tags, str):
        return [tag_text(tags)]
    if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags):
        return [tag_text(tag) for tag in tags]
    raise ActionError(errors.TAGS_NOT_STRING_LIST)


#: Anki's Browser builds its sidebar's tree from every tag of the collection: a tag of
#: more than 100 levels (``a::b::...``) breaks it (a protobuf decoding error, an error box
#: each time a Browser opens), 20,000 levels stall Anki for seconds, and 60,000 overflow
#: the stack, so that Anki crashes whenever a Browser opens, until the tag is gone.
MAX_TAG_DEPTH = 100


def tag_text(text: str) -> str:
    """``text`` (tags separated by spaces) if none of its tags nests too deep to be shown."""
    if text.count("::") >= MAX_TAG_DEPTH:
        for tag in text.split():
            if tag.count("::") >= MAX_TAG_DEPTH:
                shown = tag if len(tag) <= 80 else tag[:80] + "..."
                raise ActionError(errors.TAG_TOO_DEEP.format(MAX_TAG_DEPTH, shown))
    return text


#: Anki's search parser recurses once per bracket level, in Rust on the main thread: a
#: few thousand levels (5,000 to 8,000 on an 8 MiB stack, fewer on a smaller one) overflow
#: the stack and Anki dies with a segmentation fault instead of an error. SQLite refuses a
#: search deeper than 1,000 terms anyway, so no working search comes near this.
MAX_SEARCH_DEPTH = 200
#: what can open or close a group: an escaped character (``\(`` is no bracket), a
#: quoted text (its brackets are text; an unclosed quote runs to the end) or a bracket
_SEARCH_TOKEN = re.compile(r'\\.|"(?:[^"\\]|\\.)*"?|[()]', re.DOTALL)


def search_query(query: Any) -> Any:
    """``query`` if Anki can parse it without crashing: its brackets nest at most
    MAX_SEARCH_DEPTH deep (counted as Anki's parser sees them, quotes and escapes apart)."""
    if not isinstance(query, str) or query.count("(") <= MAX_SEARCH_DEPTH:
        return query  # (a query that is no text is Anki's to refuse)
    depth = 0
    for token in _SEARCH_TOKEN.finditer(query):
        bracket = token.group()
        if bracket == "(":
            depth += 1
            if depth > MAX_SEARCH_DEPTH:
                raise ActionError(errors.SEARCH_TOO_DEEP.format(MAX_SEARCH_DEPTH))
        elif bracket == ")":
            depth = max(0, depth - 1)
    return query


def sql_ids(ids: Iterable[int]) -> str:
    """An SQL ``(...)`` list of the distinct ``ids``. Each goes through ``int()``: no text
    a client sent can reach the SQL."""
    return "(" + ",".join(str(int(each)) for each in dict.fromkeys(ids)) + ")"


def chunks(values: list[int], size: int = _SQL_CHUNK) -> Iterator[list[int]]:
    """``values`` in slices of ``size``: one ``in (...)`` list each."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- cards and notes -------------------------------------------------------------------


def card_id(value: Any) -> int:
    if not is_int(value):
        raise ActionError(errors.CARD_ID_INVALID.format(value))
    return value


def card_ids(cards: Any) -> list[int]:
    """The ids as given (order and repeats kept), all checked to be integers."""
    if not isinstance(cards, list):
        raise ActionError(errors.CARDS_NOT_A_LIST)
    return [card_id(each) for each in cards]


def card_rows(collection: "Collection", columns: str, ids: list[int]) -> dict[int, list[Any]]:
    """``select id, <columns> from cards`` for ``ids``, in one query, keyed by card id."""
    if not ids:
        return {}
    rows = collection.db.all(f"select id, {columns} from cards where id in {sql_ids(ids)}")
    return {row[0]: row for row in rows}


def require_cards(found: dict[int, Any], ids: list[int]) -> None:
    """``Card was not found`` for the first of ``ids`` missing from ``found``."""
    for cid in ids:
        if cid not in found:
            raise ActionError(errors.CARD_NOT_FOUND.format(cid))


def note_ids(notes: Any) -> list[int]:
    """Note ids for an action that changes them: every entry must be an integer."""
    if not isinstance(notes, list) or not all(is_int(each) for each in notes):
        raise ActionError(errors.NOTES_NOT_ID_LIST)
    # once each: Anki's bulk tag operations fail on an id given twice (a UNIQUE constraint)
    return list(dict.fromkeys(notes))


def set_fields_exactly(note: "Note", fields: Any) -> None:
    """Set the fields of ``note`` named exactly (case-sensitive) in ``fields``; other
    names are ignored, as upstream."""
    if not isinstance(fields, dict):
        raise ActionError(errors.NOTE_FIELDS_NOT_OBJECT)
    for name, value in fields.items():
        if name in note:
            note[name] = field_text(name, value)


# --- note types and decks by name ------------------------------------------------------


def find_model(collection: "Collection", name: Any) -> "NotetypeDict | None":
    """The note type ``name`` (Anki's lookup; a name that is no string finds nothing)."""
    return collection.models.by_name(name) if isinstance(name, str) else None


def require_model(collection: "Collection", name: Any, missing: str = errors.MODEL_NOT_FOUND) -> "NotetypeDict":
    """The note type ``name``, or the error ``missing`` formatted with the name."""
    model = find_model(collection, name)
    if model is None:
        raise ActionError(missing.format(name))
    return model


def find_deck_id(collection: "Collection", name: Any) -> int | None:
    """The id of the deck ``name`` (case-insensitive, as Anki's lookup), or None."""
    return collection.decks.id_for_name(name) if isinstance(name, str) else None


def require_deck_id(collection: "Collection", name: Any, missing: str = errors.DECK_NOT_FOUND) -> int:
    """The id of the deck ``name``, or the error ``missing`` formatted with the name."""
    deck_id = find_deck_id(collection, name)
    if deck_id is None:
        raise ActionError(missing.format(name))
    return deck_id


def deck_id_creating(collection: "Collection", name: Any) -> int:
    """The id of the deck ``name``, created if missing - as upstream's lookups that use
    Anki's ``decks.id()`` (getDeckStats, cardReviews, getLatestReviewID)."""
    return int(collection.decks.id(name, create=True))
