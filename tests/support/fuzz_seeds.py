"""Values from the live collection for the schema fuzz (test_schema_fuzz.py).

Random strings and ids almost never name an existing note type, deck, note or card, so
without help most actions would only ever answer "not found" and their success paths and
result schemas would go untested. :class:`Pool` reads what the collection holds before
each operation is fuzzed; :func:`seed` swaps, in a generated request, the values of
parameters that name things (by parameter name, and only where the generated value has
the matching JSON type) for real ones drawn through Hypothesis (so derandomized runs stay
reproducible). Everything else of the request stays as generated.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

Draw = Callable[[st.SearchStrategy[Any]], Any]

#: the run's own note type: actions that change note types act only on those made in the
#: run, so the stock ones (the pool's notes and the schema's examples use Basic) stay usable
FUZZ_MODEL = "Fuzz Basic"
MODEL_CHANGING = {
    "modelFieldAdd", "modelFieldRemove", "modelFieldRename", "modelFieldReposition", "modelFieldSetDescription",
    "modelFieldSetFont", "modelFieldSetFontSize", "modelTemplateAdd", "modelTemplateRemove", "modelTemplateRename",
    "modelTemplateReposition", "updateModelStyling", "updateModelTemplates", "findAndReplaceInModels",
}
#: the deck the pool's notes live in (re-created when a case deletes it)
FUZZ_DECK = "Schema fuzz"
MIN_NOTES = 10
_unique = itertools.count()


@dataclass
class Pool:
    notes: list[int] = field(default_factory=list)
    cards: list[int] = field(default_factory=list)
    decks: dict[str, int] = field(default_factory=dict)
    #: note type name -> (id, field names, template names)
    models: dict[str, tuple[int, list[str], list[str]]] = field(default_factory=dict)
    stock_models: frozenset[str] = frozenset()

    def refresh(self, call: Callable[..., Any]) -> None:
        """Read the collection again (cases of the last operation changed it); top the
        fuzz deck's notes up when cases deleted them."""
        if len(call("findNotes", query=f'"deck:{FUZZ_DECK}"')) < MIN_NOTES:
            add_notes(call, MIN_NOTES)
        self.notes = call("findNotes", query="deck:*")
        self.cards = call("findCards", query="deck:*")
        self.decks = call("deckNamesAndIds")
        names = call("modelNames")
        self.models = {m["name"]: (m["id"], [f["name"] for f in m["flds"]], [t["name"] for t in m["tmpls"]])
                       for m in call("findModelsByName", modelNames=names)}
        if not self.stock_models:
            self.stock_models = frozenset(name for name in self.models if not name.startswith(FUZZ_MODEL))

    def model_names(self, action: str) -> list[str]:
        if action in MODEL_CHANGING:
            return [name for name in self.models if name not in self.stock_models] or [FUZZ_MODEL]
        return list(self.models)


def add_notes(call: Callable[..., Any], count: int) -> None:
    call("createDeck", deck=FUZZ_DECK)
    call("addNotes", notes=[{"deckName": FUZZ_DECK, "modelName": "Basic", "tags": ["fuzz"],
                             "fields": {"Front": f"front {next(_unique)}", "Back": "back"}} for _ in range(count)])


def create_fuzz_model(call: Callable[..., Any]) -> None:
    call("createModel", modelName=FUZZ_MODEL, inOrderFields=["Front", "Back"],
         cardTemplates=[{"Name": "Card 1", "Front": "{{Front}}", "Back": "{{FrontSide}}<hr id=answer>{{Back}}"}])


def seed(action: str, params: dict[str, Any], pool: Pool, draw: Draw) -> None:
    """Swap the values that name things in ``params`` for real ones (in place)."""
    models = pool.model_names(action)
    model = params.get("modelName") if params.get("modelName") in models else draw(st.sampled_from(models))
    _, fields, templates = pool.models.get(model, (0, ["Front", "Back"], ["Card 1"]))

    def one(items: list[Any]) -> Any:
        return draw(st.sampled_from(items)) if items else 0

    def ids(value: list[Any], items: list[Any]) -> list[Any]:
        return [one(items) for _ in value or [0]]

    for key, value in list(params.items()):
        if key in ("notes", "cards") and isinstance(value, list):
            if all(isinstance(each, dict) for each in value) and value:
                for each in value:
                    seed_note(each, pool, draw)
            else:
                params[key] = ids(value, pool.notes if key == "notes" else pool.cards)
        elif key == "note" and isinstance(value, dict):
            seed_note(value, pool, draw)
        elif key == "note" and isinstance(value, (int, str)):
            params[key] = one(pool.notes)
        elif key == "card" and isinstance(value, (int, str)):
            params[key] = one(pool.cards)
        elif ((key in ("deck", "deckName") and isinstance(value, str) and action != "createDeck")
              or (key == "name" and action in ("guiDeckOverview", "guiDeckReview"))):
            params[key] = one(list(pool.decks))
        elif key == "decks" and isinstance(value, list):
            params[key] = ids(value, list(pool.decks))
        elif key == "deckId" and isinstance(value, (int, str)):
            params[key] = one(list(pool.decks.values()))
        elif key == "modelId" and isinstance(value, (int, str)):
            params[key] = one([entry[0] for entry in pool.models.values()])
        elif key == "modelIds" and isinstance(value, list):
            params[key] = ids(value, [entry[0] for entry in pool.models.values()])
        elif key == "modelName" and isinstance(value, str) and action not in ("createModel", "createNewModel"):
            params[key] = model
        elif key == "modelNames" and isinstance(value, list):
            params[key] = ids(value, list(pool.models))
        elif key in ("fieldName", "oldFieldName") and isinstance(value, str) and action != "modelFieldAdd":
            params[key] = one(fields)
        elif key in ("templateName", "oldTemplateName") and isinstance(value, str):
            params[key] = one(templates)
        elif key == "model" and isinstance(value, dict):
            value["name"] = model
            if isinstance(value.get("templates"), dict) and templates and fields:
                value["templates"] = {one(templates): {"Front": f"{_ref(fields[0])} {_text(value)}",
                                                       "Back": "{{FrontSide}}"}}
        elif key == "template" and isinstance(value, dict) and fields:  # modelTemplateAdd
            value.update(Name=f"Card {next(_unique)}", Front=f"{_ref(fields[0])} {value.get('Front', '')}",
                         Back="{{FrontSide}}")
        elif key == "inOrderFields" and isinstance(value, list):  # createModel: names Anki takes
            params[key] = [f"Field {i}" for i in range(max(1, len(value)))]
            params["cardTemplates"] = [{"Name": f"Card {i + 1}", "Front": "{{Field 0}}", "Back": "{{FrontSide}}"}
                                       for i in range(max(1, len(params.get("cardTemplates") or [])))]
            if isinstance(params.get("modelName"), str):
                params["modelName"] = f"{FUZZ_MODEL} {next(_unique)}"
        elif key == "data" and isinstance(value, str):  # storeMediaFile: the content as base64
            params[key] = base64.b64encode(value.encode()).decode()
        elif key == "days" and isinstance(value, str):
            params[key] = draw(st.sampled_from(["0", "1!", "3-7", "5"]))


def seed_note(note: dict[str, Any], pool: Pool, draw: Draw) -> None:
    """A note object: an existing id, deck and note type, and the note type's fields
    (the first one made unique: a duplicate or empty first field is refused)."""
    for media in ("audio", "video", "picture"):  # their random data would refuse the note
        note.pop(media, None)
    if "id" in note:
        note["id"] = draw(st.sampled_from(pool.notes)) if pool.notes else 0
    if "deckName" in note:
        note["deckName"] = draw(st.sampled_from(list(pool.decks)))
    if "modelName" in note or "fields" in note:
        model = draw(st.sampled_from([name for name in pool.models if name != "Cloze"] or ["Basic"]))
        if "modelName" in note:
            note["modelName"] = model
        fields = pool.models.get(model, (0, ["Front"], []))[1]
        texts = note.get("fields") if isinstance(note.get("fields"), dict) else {}
        texts = [text for text in texts.values() if isinstance(text, str)]
        note["fields"] = {name: (texts[i] if i < len(texts) else "") for i, name in enumerate(fields)}
        if fields:
            note["fields"][fields[0]] = f"fuzz {next(_unique)} {note['fields'][fields[0]]}"


def _ref(field_name: str) -> str:
    """A template's reference to a field."""
    return "{{" + field_name + "}}"


def _text(value: dict[str, Any]) -> str:
    return str(value.get("css", ""))[:40]
