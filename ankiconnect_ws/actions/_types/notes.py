"""Shapes of notes and media: the notes to add or update, and what note actions answer."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict, Union

from ...schema.hints import NotRequired, Required, UPSTREAM_CHECK, Keywords, Lenient, open_keys
from .common import OWN_CHECK, FieldText, Flag, IntOrText, Tags

#: note ids, checked by the action ("notes must be a list of note ids")
NoteIds = Annotated[list[int], OWN_CHECK]


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


Media = Union[MediaSpec, list[MediaSpec]]


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


# --- results ---------------------------------------------------------------------------


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


class AddDetail(TypedDict):
    canAdd: bool
    error: NotRequired[str]
