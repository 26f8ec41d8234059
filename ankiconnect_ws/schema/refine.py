"""The one table of hand refinements: what the actions' type hints cannot say.

Everything else in an action's schema comes from its signature (see actions.py). An
entry here may

* ``params``: add keywords to named parameters (descriptions, examples, key patterns);
* ``params_object``: replace the whole params schema (signatures Python cannot type:
  ``findAndReplaceInModels`` takes its parameters at the top level *or* nested in
  ``model``);
* ``result``: add keywords to the result schema.

:data:`PARAM_EXAMPLES` gives ``examples`` to a parameter of that name in every action
that has it (names that mean the same thing everywhere), taken from a new collection's
stock note type Basic (fields Front and Back, template Card 1) and deck Default; an
action's own entry wins. tests/unit/test_schema.py checks that every example is valid.

Facts about where an action may be used are kept here too: which actions work only over
a WebSocket, and which need Anki's main window (the GUI).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .convert import Converter

__all__ = ["Refinement", "REFINEMENTS", "PARAM_EXAMPLES", "WEBSOCKET_ONLY", "NEEDS_GUI", "ERRORS", "refinement"]

JsonSchema = dict[str, Any]

#: keys of an object keyed by ids (JSON object keys are strings)
_ID_KEYS = {"propertyNames": {"pattern": "^-?[0-9]+$"}}


@dataclass(frozen=True)
class Refinement:
    params: dict[str, JsonSchema] = field(default_factory=dict)
    params_object: Callable[[Converter], JsonSchema] | None = None
    result: JsonSchema = field(default_factory=dict)


def _find_and_replace_params(converter: Converter) -> JsonSchema:
    from ..actions._types import FindAndReplace

    top_level = converter.schema(FindAndReplace)
    return {
        "anyOf": [
            top_level,
            {
                "type": "object",
                "properties": {"model": top_level},
                "required": ["model"],
                "additionalProperties": False,
                "description": "the README's form: the same parameters nested in model",
            },
        ]
    }


#: examples of parameters by name, for every action that has one (see the module doc)
PARAM_EXAMPLES: dict[str, list[Any]] = {
    "modelName": ["Basic"],
    "modelNames": [["Basic", "Cloze"]],
    "deck": ["Default"],
    "deckName": ["Default"],
    "fieldName": ["Front"],
    "oldFieldName": ["Front"],
    "newFieldName": ["Question"],
    "templateName": ["Card 1"],
    "oldTemplateName": ["Card 1"],
    "newTemplateName": ["Recognition"],
    "query": ["deck:Default"],
    "filename": ["hello.txt"],
}

_BASIC_BACK = "{{FrontSide}}<hr id=answer>{{Back}}"
_NOTE_EXAMPLE = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": "bonjour", "Back": "hello"},
                 "tags": ["french"]}
_NEW_MODEL = {
    "modelName": {"examples": ["Basic (example)"]},
    "inOrderFields": {"examples": [["Front", "Back"]]},
    "cardTemplates": {"examples": [[{"Name": "Card 1", "Front": "{{Front}}", "Back": _BASIC_BACK}]]},
    "css": {"examples": [".card { font-family: arial; font-size: 20px; }"]},
}
_NOTE_PARAM = {"note": {"examples": [_NOTE_EXAMPLE]}}
_NOTES_PARAM = {"notes": {"examples": [[_NOTE_EXAMPLE, {**_NOTE_EXAMPLE, "fields": {"Front": "merci", "Back": "thank you"}}]]}}

_SERVER_FILLED = "ignored: the server fills it in from the connection (the caller's origin, and whether it is trusted)"

REFINEMENTS: dict[str, Refinement] = {
    "findAndReplaceInModels": Refinement(params_object=_find_and_replace_params),
    "requestPermission": Refinement(
        params={"origin": {"description": _SERVER_FILLED}, "allowed": {"description": _SERVER_FILLED}},
    ),
    "multi": Refinement(
        params={"actions": {"description": "requests, each answered as its own request (own key and version)"}},
        result={
            "description": "one reply per request, in order: {result, error} for version 5 and newer and"
            " for every error, the bare result for version 4 and older (the default)",
        },
    ),
    "getDeckStats": Refinement(result={**_ID_KEYS, "description": "keyed by deck id"}),
    "getReviewsOfCards": Refinement(result={"description": "keyed by the card ids as given"}),
    "getDecks": Refinement(result={"description": "the cards as given, by deck name; unknown ones under Default"}),
    "setDueDate": Refinement(
        params={"days": {"examples": ["0", "1!", "3-7"], "description": "Anki's set due date: days from today,"
                         " a range, ! to reset the interval"}},
    ),
    "storeMediaFile": Refinement(
        params={
            "data": {"description": "the file's content, base64; the first of data, path and url given is used",
                     "examples": ["SGVsbG8sIHdvcmxkIQ=="]},
            "path": {"description": "a file on the Anki host"},
            "url": {"description": "an http or https URL to download"},
            "skipHash": {"description": "MD5 (hex): content with this hash is not stored (the result is null)"},
        },
        result={"description": "the stored file name (Anki may change it), or null when skipHash matched"},
    ),
    "addNote": Refinement(params=_NOTE_PARAM),
    "canAddNote": Refinement(params=_NOTE_PARAM),
    "canAddNoteWithErrorDetail": Refinement(params=_NOTE_PARAM),
    "guiAddCards": Refinement(params=_NOTE_PARAM, result={"description": "the Add window's note id: 0 (not saved yet)"}),
    "addNotes": Refinement(params=_NOTES_PARAM),
    "canAddNotes": Refinement(params=_NOTES_PARAM),
    "canAddNotesWithErrorDetail": Refinement(params=_NOTES_PARAM),
    "createModel": Refinement(params=_NEW_MODEL),
    "createNewModel": Refinement(params=_NEW_MODEL),
    "modelFieldAdd": Refinement(params={"fieldName": {"examples": ["Example"]}}),
    "modelFieldSetFont": Refinement(params={"font": {"examples": ["Arial"]}}),
    "modelFieldSetFontSize": Refinement(params={"fontSize": {"examples": [20]}}),
    "modelFieldSetDescription": Refinement(params={"description": {"examples": ["the word to translate"]}}),
    "modelTemplateAdd": Refinement(params={"template": {"examples": [
        {"Name": "Card 2", "Front": "{{Back}}", "Back": "{{FrontSide}}<hr id=answer>{{Front}}"}]}}),
    "updateModelTemplates": Refinement(params={"model": {"examples": [
        {"name": "Basic", "templates": {"Card 1": {"Front": "<b>{{Front}}</b>", "Back": _BASIC_BACK}}}]}}),
    "updateModelStyling": Refinement(params={"model": {"examples": [
        {"name": "Basic", "css": ".card { font-size: 24px; }"}]}}),
    "notesInfo": Refinement(
        params={"notes": {"description": "note ids; one of notes and query is needed"},
                "query": {"description": "a search; it wins over notes"}},
    ),
    "updateNote": Refinement(params={"note": {"description": "needs fields, tags or both"}}),
    "subscribe": Refinement(
        params={
            "since": {"description": "the last seq seen: missed events still buffered are sent first"},
            "run": {"description": "the run of an earlier subscribe reply (seq restarts in every Anki run)"},
        },
    ),
    "exportPackage": Refinement(params={"path": {"minLength": 1}}),
    "importPackage": Refinement(params={"path": {"minLength": 1}}),
}

#: answered only over a WebSocket (over HTTP: "<action> is only available over a
#: WebSocket connection")
WEBSOCKET_ONLY = frozenset({"subscribe", "unsubscribe"})

#: need Anki's main window, besides the gui actions (actions/gui/)
NEEDS_GUI = frozenset({"getProfiles", "getActiveProfile", "loadProfile", "unloadProfile", "sync", "upgrade"})

#: error strings (errors.py constant names) an action answers that its code does not
#: name through errors.py (errors_scan.py finds the rest): literal texts, or errors
#: raised by what it calls outside its own function's reach
ERRORS: dict[str, tuple[str, ...]] = {
    "subscribe": ("EVENTS_INVALID", "EVENT_TOPIC_UNKNOWN", "SINCE_INVALID"),
    "unsubscribe": ("EVENTS_INVALID", "EVENT_TOPIC_UNKNOWN"),
}

_NONE = Refinement()


def refinement(action: str) -> Refinement:
    return REFINEMENTS.get(action, _NONE)
