"""The shapes of the API's structured values, for the actions' type hints.

The API's schema (ankiconnect_ws/schema) is built from these hints: TypedDicts for
objects, aliases for values that need a word more than their Python type (see
:mod:`ankiconnect_ws.schema.hints`). Hints are documentation and schema only: nothing
checks them when an action runs.

No ``from __future__ import annotations`` here: TypedDicts must see ``NotRequired`` as
a type, not as text.
"""

from typing import Annotated, Any, Literal, NotRequired, Required, TypedDict

from ..events.bus import ALL, TOPICS
from ..schema.hints import TRUTHINESS, UPSTREAM_CHECK, Keywords, Lenient, open_keys

#: an item of a batch that the action answers in its place (null, false, ``{}`` or an
#: error detail), so a bad item never fails the whole call
PER_ITEM = Lenient("per item: a bad item is answered in its place, the others go on")
#: the action answers ``false`` for other values, as upstream
FALSE_OTHERWISE = Lenient("other values: the result is false (as upstream)")
#: the action checks the value and answers upstream's error text
CHECKED = Lenient(UPSTREAM_CHECK)
#: the action checks the value and answers its own error text (which clients and tests
#: read, so the schema check must not answer first)
OWN_CHECK = Lenient("checked by the action, with its own error text")

# --- values clients send ---------------------------------------------------------------

#: a flag read by its truthiness, as upstream (``0``, ``""`` and ``null`` are false)
Flag = Annotated[bool, Lenient(TRUTHINESS)]
#: an id some actions take as a number or as its text (they convert with ``int()``)
IntOrText = int | str
#: a field's value: text; a number is stored as its text, null as ""
FieldText = str | int | float | None
#: tags as one string or as a list of strings
Tags = Annotated[str | list[str], OWN_CHECK]
#: tags as one space-separated string
TagString = Annotated[str, Keywords(description="space-separated tags"), OWN_CHECK]
#: an event topic, or "*" for all
Topic = Annotated[str, Keywords(enum=[*TOPICS, ALL])]
Topics = Annotated[Topic | Annotated[list[Topic], Keywords(minItems=1)], OWN_CHECK]
#: an event sequence number
Seq = Annotated[int, Keywords(minimum=0), OWN_CHECK]
#: card ids, checked by the action ("cards must be a list of card ids", "card id must be
#: an integer: x")
CardIds = Annotated[list[int], OWN_CHECK]
CardId = Annotated[int, OWN_CHECK]
#: note ids, checked by the action ("notes must be a list of note ids")
NoteIds = Annotated[list[int], OWN_CHECK]
#: a file path on the Anki host, checked by the action ("path must be a file path string")
FilePath = Annotated[str, OWN_CHECK]
#: a card answer's ease: 1 (Again) to 4 (Easy)
Ease = Annotated[int, Keywords(minimum=1, maximum=4)]


@open_keys
class MediaSpec(TypedDict, total=False):
    """A file to store in the media folder: from the first of ``data`` (base64),
    ``path`` (on the Anki host) or ``url`` that is given."""

    filename: Required[str]
    data: str | None
    path: str | None
    url: str | None
    #: MD5 (hex) of content to skip: a file with this hash is not stored
    skipHash: str | None
    #: fields that get a reference to the stored file (``<img>`` or ``[sound:]``)
    fields: list[str]
    deleteExisting: Flag


Media = MediaSpec | list[MediaSpec]


@open_keys
class DuplicateScopeOptions(TypedDict, total=False):
    deckName: str | None
    checkChildren: Annotated[bool, Lenient(UPSTREAM_CHECK)]
    checkAllModels: Annotated[bool, Lenient(UPSTREAM_CHECK)]


@open_keys
class NoteOptions(TypedDict, total=False):
    allowDuplicate: Annotated[bool, Lenient(UPSTREAM_CHECK)]
    #: "deck" checks duplicates in the note's deck only; any other value: the collection
    duplicateScope: Annotated[Any, Keywords(examples=["deck", "collection"])]
    duplicateScopeOptions: DuplicateScopeOptions | None


@open_keys
class NoteSpec(TypedDict, total=False):
    """A note to add: deck and note type by name, fields by name (case-insensitive,
    unknown names ignored)."""

    deckName: Required[str]
    modelName: Required[str]
    fields: Required[dict[str, FieldText]]
    tags: Tags | None
    options: NoteOptions | None
    audio: Media | None
    video: Media | None
    picture: Media | None


@open_keys
class NoteFieldsUpdate(TypedDict, total=False):
    """updateNoteFields: new values for some fields (exact names) of the note ``id``."""

    id: Required[IntOrText]
    fields: Required[dict[str, FieldText]]
    audio: Media | None
    video: Media | None
    picture: Media | None


@open_keys
class NoteUpdate(TypedDict, total=False):
    """updateNote: fields, tags or both of the note ``id``."""

    id: Required[IntOrText]
    fields: dict[str, FieldText] | None
    tags: Tags | None
    audio: Media | None
    video: Media | None
    picture: Media | None


@open_keys
class NoteModelChange(TypedDict, total=False):
    """updateNoteModel: the note ``id`` gets note type ``modelName``, these fields
    (case-insensitive names, the others blank) and these tags (none if omitted)."""

    id: Required[IntOrText]
    modelName: Required[str]
    fields: Required[dict[str, FieldText]]
    tags: Tags


@open_keys
class GuiNote(TypedDict, total=False):
    """A note for Anki's Add window: every key is optional."""

    deckName: str | None
    modelName: str | None
    fields: dict[str, FieldText] | None
    tags: Tags | None
    audio: Media | None
    video: Media | None
    picture: Media | None


@open_keys
class CardTemplate(TypedDict, total=False):
    """A card template; ``Name`` defaults to "Card 1", "Card 2", ..."""

    Name: str
    Front: Required[str]
    Back: Required[str]


@open_keys
class NamedCardTemplate(TypedDict):
    Name: str
    Front: str
    Back: str


@open_keys
class TemplateSides(TypedDict, total=False):
    """New template sides: an empty or missing side is left as it is."""

    Front: str | None
    Back: str | None


@open_keys
class ModelTemplatesUpdate(TypedDict):
    name: str
    templates: dict[str, TemplateSides]


@open_keys
class ModelStylingUpdate(TypedDict):
    name: str
    css: str


@open_keys
class CardEase(TypedDict):
    cardId: int
    ease: Ease


@open_keys
class ReorderCards(TypedDict):
    columnId: str
    order: Literal["ascending", "descending"]


@open_keys
class DeckConfigUpdate(TypedDict):
    """A deck options group as getDeckConfig gives it; ``id`` names the group to save."""

    id: IntOrText


@open_keys
class MultiItem(TypedDict, total=False):
    """A request inside ``multi``: answered as its own request (own key and version,
    errors in place)."""

    action: Required[str]
    version: int
    key: str | None
    params: dict[str, Any]


#: the review-log columns id, cid, usn, ease, ivl, lastIvl, factor, time, type
ReviewRow = Annotated[
    tuple[int, int, int, int, int, int, int, int, int],
    Keywords(description="id (ms), cardId, usn, ease, ivl, lastIvl, factor, time (ms), type"),
]

# --- results ---------------------------------------------------------------------------


class NotFound(TypedDict):
    """``{}``: the id asked for was not found."""


class FieldValue(TypedDict):
    value: str
    order: int


class NoteInfo(TypedDict):
    noteId: int
    profile: str
    tags: list[str]
    fields: dict[str, FieldValue]
    modelName: str
    mod: int
    cards: list[int]


class NoteModTime(TypedDict):
    noteId: int
    mod: int


class CardModTime(TypedDict):
    cardId: int
    mod: int


class CardInfo(TypedDict):
    cardId: int
    fields: dict[str, FieldValue]
    fieldOrder: int
    question: str
    answer: str
    modelName: str
    ord: int
    deckName: str
    css: str
    factor: int
    interval: int
    note: int
    type: int
    queue: int
    due: int
    reps: int
    lapses: int
    left: int
    mod: int
    nextReviews: list[str]
    flags: int


class CurrentCard(TypedDict):
    cardId: int
    fields: dict[str, FieldValue]
    fieldOrder: int
    question: str
    answer: str
    buttons: list[int]
    nextReviews: list[str]
    modelName: str
    deckName: str
    css: str
    template: str


class AddDetail(TypedDict):
    canAdd: bool
    error: NotRequired[str]


class DeckStats(TypedDict):
    deck_id: int
    name: str
    new_count: int
    learn_count: int
    review_count: int
    total_in_deck: int


@open_keys
class DeckConfig(TypedDict):
    """Anki's deck options group (legacy dict form)."""

    id: int
    name: str


@open_keys
class Notetype(TypedDict):
    """Anki's note type (legacy dict form)."""

    id: int
    name: str
    type: int
    css: str
    flds: list[dict[str, Any]]
    tmpls: list[dict[str, Any]]


class FieldFont(TypedDict):
    font: str
    size: int


class TemplateTexts(TypedDict):
    Front: str
    Back: str


class Styling(TypedDict):
    css: str


class Review(TypedDict):
    id: int
    usn: int
    ease: int
    ivl: int
    lastIvl: int
    factor: int
    time: int
    type: int


class ApiReflection(TypedDict):
    scopes: list[str]
    actions: NotRequired[list[str]]


class PermissionGranted(TypedDict):
    permission: Literal["granted"]
    requireApikey: bool
    version: int


class PermissionDenied(TypedDict):
    permission: Literal["denied"]


class AddDialogClosed(TypedDict):
    """guiAddNoteSetData's result (not an error) when the Add window is not open."""

    error: str
    code: int


class SubscriptionState(TypedDict):
    subscribed: list[str]
    seq: int
    run: str


# serverStatus


class ServerFigures(TypedDict):
    version: str
    apiVersion: int
    address: str | None
    startedAt: int | None
    uptime: float | None


class AnkiFigures(TypedDict, total=False):
    """Empty when no add-on runs (unit tests)."""

    version: str
    profile: str | None
    collectionOpen: bool
    state: str
    sync: Literal["idle", "syncing"]
    permissionPrompts: list[str]
    permissionPromptsShown: int


class RecentRequest(TypedDict):
    time: int
    action: str | None
    ms: float
    ok: bool
    error: str | None
    protocol: str
    origin: str


class Refusal(TypedDict):
    time: int
    protocol: str
    reason: str
    value: str
    action: str | None


class TrafficTotals(TypedDict):
    http: int
    ws: int
    errors: int
    refused: int


class Traffic(TypedDict):
    totals: TrafficTotals
    #: [second, http requests, WebSocket requests, errors] for the last 120 seconds
    perSecond: list[tuple[int, int, int, int]]
    recent: list[RecentRequest]
    refused: list[Refusal]


class ClientFigures(TypedDict):
    origin: str
    connectedAt: int
    inFlight: int
    topics: list[str]
    queued: int
    resets: int


class EventFigures(TypedDict):
    seq: int
    #: events kept for replay, and their size in bytes
    buffered: int
    bufferedBytes: int
    subscribers: int
    resets: int
    run: str
    queueSize: int


class PermissionRequest(TypedDict):
    origin: str
    waiting: int
    since: int


class ServerStatus(TypedDict):
    server: ServerFigures
    anki: AnkiFigures
    traffic: NotRequired[Traffic]
    clients: NotRequired[list[ClientFigures]]
    events: NotRequired[EventFigures]
    permissionRequests: list[PermissionRequest]


# --- shapes only the schema needs --------------------------------------------------------

#: setSpecificValueOfCard: false for bad input, [true] once saved, [[false, why]] if not
SpecificValueOutcome = Literal[False] | tuple[Literal[True]] | tuple[tuple[Literal[False], str]]

_FlagTrue = Annotated[bool, Lenient(TRUTHINESS), Keywords(default=True)]


class FindAndReplace(TypedDict):
    """findAndReplaceInModels' parameters: ``findText`` replaced by ``replaceText`` in
    the note type ``modelName`` (every note type if it is empty or null)."""

    modelName: str | None
    findText: str
    replaceText: str
    front: NotRequired[_FlagTrue]
    back: NotRequired[_FlagTrue]
    css: NotRequired[_FlagTrue]
