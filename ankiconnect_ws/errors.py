"""The error strings of the actions, in one place: AnkiConnect's own and those of our
checks. Actions raise them as ``ActionError(errors.NAME)`` or ``.format(...)``-ed.

Clients match these by substring (see spec/clients.md), so they are part of the API:
change one only on purpose, and docs/compatibility.md must say so.

Not here: what the API answers about a request before any action runs - invalid JSON,
AnkiConnect's request schema, a refused host or origin - which is written where the
request is read (protocol.py, server/); and the text of exceptions that Anki or Python
raise inside an action, which reaches the client as ``str(exc)``, as upstream.
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

ANKI_CLOSING = "Anki is closing"
NO_MAIN_WINDOW = "this action needs Anki's main window"
ACTION_NAME_NOT_STRING = "action names must be strings, not {}"

# --- models ---
MODEL_NEEDS_FIELDS = "Must provide at least one field for inOrderFields"
MODEL_NEEDS_TEMPLATES = "Must provide at least one card for cardTemplates"
MODEL_NAME_EXISTS = "Model name already exists"
FIELD_NAME_NOT_STRING = "field name should be a string: {}"
FONT_NOT_STRING = "font should be a string: {}"
FONT_SIZE_NOT_INT = "fontSize should be an integer: {}"
FONT_SIZE_OUT_OF_RANGE = "fontSize must be from 0 to 65535: {}"
DESCRIPTION_NOT_STRING = "description should be a string: {}"

# --- notes and media ---
OPTION_NOT_BOOLEAN = 'option parameter "{}" must be boolean'
NOTE_OPTIONS_NOT_OBJECT = 'option parameter "{}" must be an object'
NOTE_NOT_OBJECT = "note must be an object: {}"
NOTES_NOT_LIST = "notes must be a list of note objects"
NOTE_FIELDS_NOT_OBJECT = 'note parameter "fields" must be an object'
FIELD_VALUE_NOT_STRING = "field value must be a string: {}"
NOTE_FIELDS_OR_TAGS = 'Must provide a "fields" or "tags" property.'
TAGS_NOT_STRING_LIST = "Must provide tags as a list of strings"
TAGS_NOT_STRING = "tags must be a space-separated string"
NOTES_NOT_ID_LIST = "notes must be a list of note ids"
NOTES_OR_QUERY = 'Must provide either "notes" or a "query"'
NOTE_ID_REQUIRED = "Note ID is required"
MODEL_NAME_REQUIRED = "Model name is required"
FIELDS_NOT_DICT = "Fields must be provided as a dictionary"
MODEL_NAME_NOT_FOUND = "Model '{}' not found"
MEDIA_SOURCE_MISSING = 'You must provide a "data", "path", or "url" field.'
MEDIA_INVALID_NAME = "invalid media file name: {}"
MEDIA_INVALID_PATTERN = "invalid media file name pattern: {}"
MEDIA_OBJECT_INVALID = "media entry must be an object: {}"
DOWNLOAD_STATUS = "{} download failed with return code {}"
DOWNLOAD_FAILED = "{} download failed: {}"
DOWNLOAD_TIMEOUT = "{} download failed: no answer within {} ms"
DOWNLOAD_SCHEME = "{} download failed: only http and https URLs are supported"
DOWNLOAD_DEADLINE = "{} download failed: not finished within {} ms"
DOWNLOAD_TOO_LARGE = "{} download failed: larger than {} bytes (maxMediaFileBytes)"
MEDIA_PATH_INVALID = "path must be a file path string: {}"
MEDIA_PATH_NOT_FILE = "path is not a regular file: {}"
MEDIA_PATH_TOO_LARGE = "path is larger than {1} bytes (maxMediaFileBytes): {0}"
MEDIA_PATH_COLLECTION = "path is a database file of the open collection: {}"
MEDIA_NAME_IS_LINK = "media file is a symbolic link: {}"

# --- cards and statistics ---
CARDS_NOT_A_LIST = "cards must be a list of card ids"
CARD_ID_INVALID = "card id must be an integer: {}"
EASE_FACTORS_MISMATCH = "easeFactors must be a list with one value per card"
EASE_FACTOR_INVALID = "ease factor must be an integer: {}"
CARD_KEY_UNKNOWN = "card has no value named: {}"
ANSWERS_NOT_A_LIST = "answers must be a list of {\"cardId\", \"ease\"} objects"
ANSWER_EASE_INVALID = "ease must be an integer from 1 to 4: {}"
START_ID_INVALID = "startID must be an integer: {}"
REVIEWS_NOT_A_LIST = "reviews must be a list of 9-value lists"
REVIEW_INVALID = "a review must be a list of 9 integers: {}"
REVIEW_OUT_OF_RANGE = "a review's {} must be from {} to {}: {}"
REVIEW_ID_EXISTS = "a review with this id already exists: {}"

# --- gui and profiles ---
REORDER_NOT_DICT = "reorderCards should be a dict: {}"
REORDER_KEYS_MISSING = 'Must provide a "columnId" and a "order" property"'
REORDER_INVALID_ORDER = "invalid card order: {}"
REORDER_INVALID_COLUMN = "invalid columnId: {}"
ADD_DIALOG_NOT_OPEN = "Add Note dialog is not open"
ADD_DIALOG_DECK_NOT_FOUND = 'Deck "{}" not found'
ADD_DIALOG_MODEL_NOT_FOUND = 'Model "{}" not found'
ADD_DIALOG_FIELD_NOT_FOUND = 'Field "{}" not found in current note'
IMPORT_FILE_MISSING = "file does not exist: {}"
IMPORT_UNSUPPORTED = "Unsupported file type."
PROFILE_NOT_FOUND = "profile was not found: {}"
PROFILE_SWITCH_WAITING = "the profile did not close: Anki is waiting for an answer in one of its windows (unsaved input?)"
# a GUI step that a modal dialog (a warning box, a page's alert) holds on Anki's main thread
ANSWER_DIALOG_OPEN = "cannot answer the card: a dialog is open in Anki (close it first)"
ANSWER_HELD_BY_DIALOG = "a dialog is open in Anki: the card will be answered once it is closed"
ANSWER_NOT_SAVED = "the card was not answered: Anki did not save the answer within {} s"
GUI_HELD_BY_DIALOG = "a dialog is open in Anki: {} goes on once it is closed"

# --- collection, sync and packages ---
SYNC_AUTH_NOT_CONFIGURED = "sync: auth not configured"
SYNC_STATUS_NOT_ACCEPTED = (
    "Sync status {} not one of [0, 1] - see SyncCollectionResponse.ChangesRequired for the list of"
    " sync statuses: https://github.com/ankitects/anki/blob/main/proto/anki/sync.proto"
)
SYNC_CANCELLED = "sync: cancelled"
PACKAGE_PATH_INVALID = "path must be a file path string: {}"
PACKAGE_NOT_FOUND = "package file was not found: {}"
PACKAGE_PATH_COLLECTION = "path would replace a database file of the open collection: {}"

# --- live events (subscribe, unsubscribe) ---
WEBSOCKET_ONLY = "{} is only available over a WebSocket connection"
EVENTS_INVALID = "events must be a non-empty list of topics"
EVENT_TOPIC_UNKNOWN = "unknown event topic: {}"
SINCE_INVALID = "since must be a sequence number (a non-negative integer)"

# --- input that would crash Anki's own parsers ---
SEARCH_TOO_DEEP = "Invalid search: brackets nested more than {} levels deep"
TEMPLATE_TOO_DEEP = "card template {} nests its sections more than {} levels deep"
TAG_TOO_DEEP = "tag nested more than {} levels deep: {}"
FIND_TEXT_EMPTY = "findText must not be empty"

# --- params checked against the action's schema (validation.py) ---
#: e.g. ``getDeckStats: parameter "decks" must be an array, got a string`` or
#: ``addNotes: parameter "notes[0]" needs the key "fields"``
PARAM_INVALID = '{action}: parameter "{param}" {problem}'
PARAM_TYPE = "must be {expected}, got {got}"
PARAM_KEY_MISSING = 'needs the key "{key}"'
PARAM_KEY_UNKNOWN = 'has an unknown key "{key}"'
PARAM_RULE = "is invalid: {rule}"

#: an action that needs what an older Anki lacks (upstream words it so for guiImportFile
#: before 2.1.52); docs/compatibility.md lists them
ANKI_TOO_OLD = "{action} is only supported from Anki version >={version}"


class ActionError(Exception):
    """An error whose message is sent to the client as-is (``str(exc)``).

    Any exception raised by an action is reported the same way, exactly like
    AnkiConnect reports ``str(e)``; this class just marks the ones we raise on purpose.
    """


class CollectionUnavailable(ActionError):
    """No collection is open (profile manager showing, profile switch, full sync...)."""

    def __init__(self) -> None:
        super().__init__(COLLECTION_NOT_AVAILABLE)
