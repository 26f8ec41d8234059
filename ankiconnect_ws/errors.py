"""Every error string the API can return, in one place.

Clients match these by substring (see spec/clients.md), so they are part of the API:
change one only on purpose, and docs/compatibility.md must say so.
"""

from __future__ import annotations

__all__ = [
    "ActionError",
    "CollectionUnavailable",
    "COLLECTION_NOT_AVAILABLE",
    "UNSUPPORTED_ACTION",
    "INVALID_API_KEY",
]

COLLECTION_NOT_AVAILABLE = "collection is not available"
UNSUPPORTED_ACTION = "unsupported action"
INVALID_API_KEY = "valid api key must be provided"
SCOPES_INVALID = "scopes has invalid value"
ACTIONS_INVALID = "actions has invalid value"

MODEL_NOT_FOUND = "model was not found: {}"
DECK_NOT_FOUND = "deck was not found: {}"
FIELD_NOT_FOUND = "field was not found in {}: {}"
TEMPLATE_NOT_FOUND = "template was not found in {}: {}"
CARD_NOT_FOUND = "Card was not found: {}"
NOTE_NOT_FOUND = "Note was not found: {}"

NOTE_EMPTY = "cannot create note because it is empty"
NOTE_DUPLICATE = "cannot create note because it is a duplicate"
NOTE_UNKNOWN_REASON = "cannot create note for unknown reason"

GUI_REVIEW_NOT_ACTIVE = "Gui review is not currently active."
ANKI_CLOSING = "Anki is closing"

# --- decks and deck config ---

# --- models ---

# --- notes and media ---

# --- cards and statistics ---

# --- gui and profiles ---


class ActionError(Exception):
    """An error whose message is sent to the client as-is (``str(exc)``).

    Any exception raised by an action is reported the same way, exactly like
    AnkiConnect reports ``str(e)``; this class just marks the ones we raise on purpose.
    """


class CollectionUnavailable(ActionError):
    """No collection is open (profile manager showing, profile switch, full sync...)."""

    def __init__(self) -> None:
        super().__init__(COLLECTION_NOT_AVAILABLE)
