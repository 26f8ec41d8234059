"""Shapes of note types (models), their card templates and fields, and of deck options."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from ...schema.hints import NotRequired, Required, TRUTHINESS, Keywords, Lenient, open_keys
from .common import IntOrText


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
class DeckConfigUpdate(TypedDict):
    """A deck options group as getDeckConfig gives it; ``id`` names the group to save."""

    id: IntOrText


# --- results ---------------------------------------------------------------------------


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


# --- shapes only the schema needs --------------------------------------------------------

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
