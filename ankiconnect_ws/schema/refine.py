"""The one table of hand refinements: what the actions' type hints cannot say.

Everything else in an action's schema comes from its signature (see actions.py). An
entry here may

* ``params``: add keywords to named parameters (descriptions, examples, key patterns);
* ``params_object``: replace the whole params schema (signatures Python cannot type:
  ``findAndReplaceInModels`` takes its parameters at the top level *or* nested in
  ``model``);
* ``result``: add keywords to the result schema.

Facts about where an action may be used are kept here too: which actions work only over
a WebSocket, and which need Anki's main window (the GUI).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .convert import Converter

__all__ = ["Refinement", "REFINEMENTS", "WEBSOCKET_ONLY", "NEEDS_GUI", "ERRORS", "refinement"]

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
            "data": {"description": "the file's content, base64; the first of data, path and url given is used"},
            "path": {"description": "a file on the Anki host"},
            "url": {"description": "an http or https URL to download"},
            "skipHash": {"description": "MD5 (hex): content with this hash is not stored (the result is null)"},
        },
        result={"description": "the stored file name (Anki may change it), or null when skipHash matched"},
    ),
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
    "guiAddCards": Refinement(result={"description": "the Add window's note id: 0 (not saved yet)"}),
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
