"""End-to-end tests, over real HTTP on the shared real Anki, for every action of
spec/ankiconnect-reference.md section 1 that the other e2e files do not already cover
with result shape, effect and main error case: model editing, the newer note, tag and
card actions, statistics, profiles, a few deck and media actions, apiReflect and
requestPermission.

Every test makes its own uniquely named decks, notes, tags and note types (never the
built-in ones, never the Default deck's options), and leaves Anki with "User 1" open.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ..support.catalogue import UPSTREAM_122
from bench.anki_process import AnkiProcess
from ..support.messages import missing, unexpected
from .conftest import SECOND_PROFILE

DUPLICATE = "cannot create note because it is a duplicate"
EMPTY = "cannot create note because it is empty"
UNKNOWN_ID = 424242  # no card, note, deck or note type has this id


def unique(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:10]}"


def token() -> str:
    """A unique word (no spaces): for tags, media names and search markers."""
    return uuid.uuid4().hex[:12]


class Kit:
    """Makes uniquely named things in the shared Anki and reads them back."""

    def __init__(self, anki: AnkiProcess) -> None:
        self.anki = anki

    def deck(self, label: str = "More") -> str:
        name = unique(label)
        self.anki("createDeck", deck=name)
        return name

    def note(self, deck: str, front: str | None = None, back: str = "back", model: str = "Basic",
             tags: list[str] | None = None, fields: dict[str, str] | None = None) -> int:
        spec = {
            "deckName": deck,
            "modelName": model,
            "fields": fields or {"Front": front or unique("front"), "Back": back},
            "tags": tags or [],
        }
        return self.anki("addNote", note=spec)

    def cards(self, nid: int) -> list[int]:
        return self.info(nid)["cards"]

    def card(self, deck: str | None = None) -> int:
        return self.cards(self.note(deck or self.deck()))[0]

    def info(self, nid: int) -> dict[str, Any]:
        return self.anki("notesInfo", notes=[nid])[0]

    def card_info(self, cid: int) -> dict[str, Any]:
        return self.anki("cardsInfo", cards=[cid])[0]

    def values(self, nid: int) -> dict[str, str]:
        return {name: field["value"] for name, field in self.info(nid)["fields"].items()}

    def model(self, fields: tuple[str, ...] = ("Word", "Meaning"),
              templates: list[dict[str, str]] | None = None, css: str = ".card { color: navy; }") -> str:
        """A note type of our own (the built-in ones are shared by every test)."""
        name = unique("Vocab")
        templates = templates or [{"Name": "Recall", "Front": "{{Word}}", "Back": "{{FrontSide}}<hr id=answer>{{Meaning}}"}]
        self.anki("createModel", modelName=name, inOrderFields=list(fields), cardTemplates=templates, css=css)
        return name

    def template_names(self, model: str) -> list[str]:
        return list(self.anki("modelTemplates", modelName=model))


@pytest.fixture
def kit(anki: AnkiProcess) -> Kit:
    return Kit(anki)


# --- misc -------------------------------------------------------------------------------


def test_api_reflect(anki: AnkiProcess) -> None:
    everything = anki("apiReflect", scopes=["actions"], actions=None)
    assert everything["scopes"] == ["actions"]
    listed = everything["actions"]
    assert listed == sorted(listed) and len(set(listed)) == len(listed)
    assert set(UPSTREAM_122) <= set(listed)
    # a list keeps only real actions, in the order given
    assert anki("apiReflect", scopes=["actions"], actions=["deckNames", "nope", "addNote"]) == {
        "scopes": ["actions"], "actions": ["deckNames", "addNote"],
    }
    assert anki("apiReflect", scopes=["other"]) == {"scopes": []}  # unknown scopes are dropped
    assert anki.error("apiReflect", scopes="actions") == "scopes has invalid value"
    assert anki.error("apiReflect", scopes=["actions"], actions="deckNames") == "actions has invalid value"


def test_request_permission_for_trusted_callers(anki: AnkiProcess) -> None:
    granted = {"permission": "granted", "requireApikey": False, "version": 6}
    assert anki("requestPermission") == granted
    # a local page is trusted (http://localhost is in webCorsOriginList) and may read the reply
    status, headers, body = anki.post({"action": "requestPermission", "version": 6},
                                      {"Origin": "http://127.0.0.1:5000"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:5000"
    assert json.loads(body) == {"result": granted, "error": None}
    # the server fills in origin/allowed: anything else from the client is a TypeError
    assert anki.error("requestPermission", foo=1) == unexpected("requestPermission", "foo")


def test_request_permission_denies_an_ignored_origin_without_a_prompt(tmp_path: Path) -> None:
    ignored = "http://ignored.example"
    other = AnkiProcess(tmp_path / "perm", config={"ignoreOriginList": [ignored]})
    try:
        started = time.monotonic()
        status, headers, body = other.post({"action": "requestPermission", "version": 6}, {"Origin": ignored})
        assert time.monotonic() - started < 5  # answered at once, no dialog waited for
        assert status == 200 and headers["Access-Control-Allow-Origin"] == ignored  # the page may read it
        assert json.loads(body) == {"result": {"permission": "denied"}, "error": None}
        # denied means denied: the origin still gets 403 for real actions
        status, _, body = other.post({"action": "deckNames", "version": 6}, {"Origin": ignored})
        assert status == 403 and body == b""
    finally:
        assert other.stop() == 0


# --- profiles ---------------------------------------------------------------------------


def test_profiles_list_switch_and_report_the_active_one(anki: AnkiProcess) -> None:
    profiles = anki("getProfiles")
    assert {"User 1", SECOND_PROFILE} <= set(profiles) and all(isinstance(p, str) for p in profiles)
    assert anki("getActiveProfile") == "User 1"
    marker = unique("Only in User 1")
    anki("createDeck", deck=marker)
    user1_media = Path(anki("getMediaDirPath"))
    try:
        assert anki("loadProfile", name=SECOND_PROFILE) is True
        assert anki("getActiveProfile") == SECOND_PROFILE
        assert marker not in anki("deckNames")  # really another collection
        assert Path(anki("getMediaDirPath")) == (anki.base / SECOND_PROFILE / "collection.media").resolve()
        assert anki("loadProfile", name=SECOND_PROFILE) is True  # already open: nothing to do
        assert anki("getActiveProfile") == SECOND_PROFILE
        # no profile open: no active profile, the list still answers
        assert anki("unloadProfile") is True
        assert anki("getActiveProfile") is None
        assert set(anki("getProfiles")) == set(profiles)
    finally:
        assert anki("loadProfile", name="User 1") is True
    assert anki("getActiveProfile") == "User 1"
    assert marker in anki("deckNames") and Path(anki("getMediaDirPath")) == user1_media
    assert anki.error("loadProfile", name="Nobody") == "profile was not found: Nobody"
    assert anki("getActiveProfile") == "User 1"
    assert anki.error("getProfiles", foo=1) == unexpected("getProfiles", "foo")
    assert anki.error("getActiveProfile", foo=1) == unexpected("getActiveProfile", "foo")


# --- decks ------------------------------------------------------------------------------


def test_get_deck_stats(anki: AnkiProcess, kit: Kit) -> None:
    parent = kit.deck("Stats")
    child = f"{parent}::Child {token()}"
    anki("createDeck", deck=child)
    kit.note(parent)
    kit.note(child)
    kit.note(child)
    ids = anki("deckNamesAndIds")
    stats = anki("getDeckStats", decks=[child, parent])
    assert list(stats) == [str(ids[child]), str(ids[parent])]  # keys: deck ids as strings
    assert stats[str(ids[child])] == {
        "deck_id": ids[child], "name": child.split("::")[-1],  # the leaf name only
        "new_count": 2, "learn_count": 0, "review_count": 0, "total_in_deck": 2,
    }
    parent_stats = stats[str(ids[parent])]
    assert parent_stats["name"] == parent and parent_stats["new_count"] == 3  # subdecks count too
    assert parent_stats["total_in_deck"] == 1  # the deck's own cards
    # the counts follow the collection: a card answered "good" moves to learning
    anki("answerCards", answers=[{"cardId": anki("findCards", query=f'"deck:{child}"')[0], "ease": 3}])
    after = anki("getDeckStats", decks=[child])[str(ids[child])]
    assert (after["new_count"], after["learn_count"], after["total_in_deck"]) == (1, 1, 2)
    # as upstream, an unknown name is created
    made = unique("Made by stats")
    (made_stats,) = anki("getDeckStats", decks=[made]).values()
    assert made in anki("deckNames") and made_stats["deck_id"] == anki("deckNamesAndIds")[made]
    assert made_stats["total_in_deck"] == 0
    assert anki.error("getDeckStats") == missing("getDeckStats", "decks")


def test_deck_name_from_id(anki: AnkiProcess, kit: Kit) -> None:
    parent = kit.deck("Named")
    child = f"{parent}::Child"
    did = anki("createDeck", deck=child)
    assert anki("deckNameFromId", deckId=did) == child
    assert anki("deckNameFromId", deckId=anki("deckNamesAndIds")[parent]) == parent
    anki("deleteDecks", decks=[child], cardsToo=True)
    assert anki.error("deckNameFromId", deckId=did) == f"deck was not found: {did}"
    assert anki.error("deckNameFromId", deckId=UNKNOWN_ID) == f"deck was not found: {UNKNOWN_ID}"


# --- models: creating and reading -------------------------------------------------------


def test_create_model(anki: AnkiProcess, kit: Kit) -> None:
    name = unique("Created")
    css = ".card { color: teal; }"
    created = anki("createModel", modelName=name, inOrderFields=["Word", "Meaning"], css=css, cardTemplates=[
        {"Name": "Recall", "Front": "{{Word}}", "Back": "{{FrontSide}}<hr id=answer>{{Meaning}}"},
        {"Front": "{{Meaning}}", "Back": "{{Word}}"},  # Name defaults to "Card <n>"
    ])
    assert created["name"] == name and created["type"] == 0 and created["css"] == css
    assert [f["name"] for f in created["flds"]] == ["Word", "Meaning"]
    assert [t["name"] for t in created["tmpls"]] == ["Recall", "Card 2"]
    assert created["tmpls"][1]["qfmt"] == "{{Meaning}}"
    assert anki("modelNamesAndIds")[name] == created["id"]
    nid = kit.note(kit.deck(), model=name, fields={"Word": "gato", "Meaning": "cat"})
    assert len(kit.cards(nid)) == 2  # one card per template
    cloze = anki("createModel", modelName=unique("Cloze"), inOrderFields=["Text"], isCloze=True,
                 cardTemplates=[{"Front": "{{cloze:Text}}", "Back": "{{cloze:Text}}"}])
    assert cloze["type"] == 1 and cloze["css"]  # Anki's default styling when css is not given
    cloze_note = kit.note(kit.deck(), model=cloze["name"], fields={"Text": "{{c1::a}} {{c2::b}}"})
    assert len(kit.cards(cloze_note)) == 2
    before = anki("modelNames")
    template = [{"Front": "{{A}}", "Back": "{{A}}"}]
    assert anki.error("createModel", modelName=name, inOrderFields=["A"], cardTemplates=template) == (
        "Model name already exists"
    )
    assert anki.error("createModel", modelName="basic", inOrderFields=["A"], cardTemplates=template) == (
        "Model name already exists"  # Anki's note type names ignore case
    )
    fresh = unique("Refused")
    assert anki.error("createModel", modelName=fresh, inOrderFields=[], cardTemplates=template) == (
        "Must provide at least one field for inOrderFields"
    )
    assert anki.error("createModel", modelName=fresh, inOrderFields=["A"], cardTemplates=[]) == (
        "Must provide at least one card for cardTemplates"
    )
    assert anki("modelNames") == before


def test_find_models_by_id(anki: AnkiProcess, kit: Kit) -> None:
    name = kit.model()
    ids = anki("modelNamesAndIds")
    found = anki("findModelsById", modelIds=[ids[name], ids["Basic"]])
    assert [m["name"] for m in found] == [name, "Basic"] and [m["id"] for m in found] == [ids[name], ids["Basic"]]
    assert [f["name"] for f in found[0]["flds"]] == ["Word", "Meaning"]
    assert found[0]["tmpls"][0]["qfmt"] == "{{Word}}" and found[0]["css"] == ".card { color: navy; }"
    anki("modelFieldRename", modelName=name, oldFieldName="Meaning", newFieldName="Gloss")
    assert [f["name"] for f in anki("findModelsById", modelIds=[ids[name]])[0]["flds"]] == ["Word", "Gloss"]
    assert anki.error("findModelsById", modelIds=[ids[name], UNKNOWN_ID]) == f"model was not found: {UNKNOWN_ID}"


def test_find_models_by_name(anki: AnkiProcess, kit: Kit) -> None:
    name = kit.model()
    found = anki("findModelsByName", modelNames=[name, "Basic (and reversed card)"])
    assert [m["name"] for m in found] == [name, "Basic (and reversed card)"]
    assert found[0]["id"] == anki("modelNamesAndIds")[name] and len(found[1]["tmpls"]) == 2
    anki("updateModelStyling", model={"name": name, "css": ".card { color: olive; }"})
    assert anki("findModelsByName", modelNames=[name])[0]["css"] == ".card { color: olive; }"
    nope = unique("Nope")
    assert anki.error("findModelsByName", modelNames=[name, nope]) == f"model was not found: {nope}"


def test_model_name_from_id(anki: AnkiProcess, kit: Kit) -> None:
    name = kit.model()
    mid = anki("modelNamesAndIds")[name]
    assert anki("modelNameFromId", modelId=mid) == name
    assert anki("modelNameFromId", modelId=anki("modelNamesAndIds")["Basic"]) == "Basic"
    assert anki.error("modelNameFromId", modelId=UNKNOWN_ID) == f"model was not found: {UNKNOWN_ID}"


# --- models: fields -----------------------------------------------------------------------


def test_model_field_descriptions_and_set_description(anki: AnkiProcess, kit: Kit) -> None:
    name = kit.model()
    assert anki("modelFieldDescriptions", modelName=name) == ["", ""]
    assert anki("modelFieldSetDescription", modelName=name, fieldName="Meaning", description="in English") is True
    assert anki("modelFieldDescriptions", modelName=name) == ["", "in English"]
    assert anki("findModelsByName", modelNames=[name])[0]["flds"][1]["description"] == "in English"
    assert anki.error("modelFieldSetDescription", modelName=name, fieldName="Meaning", description=5) == (
        "description should be a string: 5"
    )
    assert anki.error("modelFieldSetDescription", modelName=name, fieldName="Nope", description="x") == (
        f"field was not found in {name}: Nope"
    )
    assert anki("modelFieldDescriptions", modelName=name) == ["", "in English"]  # unchanged
    assert anki.error("modelFieldDescriptions", modelName="Nope") == "model was not found: Nope"


def test_model_field_fonts_and_set_font_and_size(anki: AnkiProcess, kit: Kit) -> None:
    name = kit.model()
    fonts = anki("modelFieldFonts", modelName=name)
    assert list(fonts) == ["Word", "Meaning"]
    assert all(set(v) == {"font", "size"} and isinstance(v["font"], str) and isinstance(v["size"], int)
               for v in fonts.values())
    assert anki("modelFieldSetFont", modelName=name, fieldName="Word", font="Courier New") is None
    assert anki("modelFieldSetFontSize", modelName=name, fieldName="Meaning", fontSize=31) is None
    assert anki("modelFieldFonts", modelName=name) == {
        "Word": {"font": "Courier New", "size": fonts["Word"]["size"]},
        "Meaning": {"font": fonts["Meaning"]["font"], "size": 31},
    }
    saved = anki("findModelsByName", modelNames=[name])[0]["flds"]
    assert (saved[0]["font"], saved[1]["size"]) == ("Courier New", 31)
    assert anki.error("modelFieldSetFont", modelName=name, fieldName="Word", font=12) == "font should be a string: 12"
    assert anki.error("modelFieldSetFontSize", modelName=name, fieldName="Word", fontSize="big") == (
        "fontSize should be an integer: big"
    )
    assert anki.error("modelFieldSetFont", modelName=name, fieldName="Nope", font="Arial") == (
        f"field was not found in {name}: Nope"
    )
    assert anki.error("modelFieldSetFontSize", modelName="Nope", fieldName="Word", fontSize=10) == (
        "model was not found: Nope"
    )
    assert anki("modelFieldFonts", modelName=name)["Word"] == {"font": "Courier New", "size": fonts["Word"]["size"]}
    assert anki.error("modelFieldFonts", modelName="Nope") == "model was not found: Nope"


def test_model_field_add_rename_reposition_remove(anki: AnkiProcess, kit: Kit) -> None:
    name = kit.model()
    nid = kit.note(kit.deck(), model=name, fields={"Word": "gato", "Meaning": "cat"})

    assert anki("modelFieldAdd", modelName=name, fieldName="Example") is None
    assert anki("modelFieldAdd", modelName=name, fieldName="Hint", index=0) is None
    assert anki("modelFieldNames", modelName=name) == ["Hint", "Word", "Meaning", "Example"]
    assert kit.values(nid) == {"Hint": "", "Word": "gato", "Meaning": "cat", "Example": ""}
    assert anki("modelFieldAdd", modelName=name, fieldName="Example") is None  # already there: no change
    assert anki("modelFieldNames", modelName=name) == ["Hint", "Word", "Meaning", "Example"]
    assert anki.error("modelFieldAdd", modelName="Nope", fieldName="x") == "model was not found: Nope"

    assert anki("modelFieldRename", modelName=name, oldFieldName="Meaning", newFieldName="Gloss") is None
    assert anki("modelFieldNames", modelName=name) == ["Hint", "Word", "Gloss", "Example"]
    assert kit.values(nid)["Gloss"] == "cat"  # the content moves with the field
    assert "{{Gloss}}" in anki("modelTemplates", modelName=name)["Recall"]["Back"]  # and templates follow
    assert anki.error("modelFieldRename", modelName=name, oldFieldName="Meaning", newFieldName="X") == (
        f"field was not found in {name}: Meaning"
    )

    assert anki("modelFieldReposition", modelName=name, fieldName="Example", index=0) is None
    assert anki("modelFieldNames", modelName=name) == ["Example", "Hint", "Word", "Gloss"]
    assert [f["order"] for f in kit.info(nid)["fields"].values()] == [0, 1, 2, 3]
    assert kit.info(nid)["fields"]["Word"] == {"value": "gato", "order": 2}
    assert anki.error("modelFieldReposition", modelName=name, fieldName="Nope", index=0) == (
        f"field was not found in {name}: Nope"
    )

    assert anki("modelFieldRemove", modelName=name, fieldName="Hint") is None
    assert anki("modelFieldNames", modelName=name) == ["Example", "Word", "Gloss"]
    assert kit.values(nid) == {"Example": "", "Word": "gato", "Gloss": "cat"}
    assert anki.error("modelFieldRemove", modelName=name, fieldName="Hint") == f"field was not found in {name}: Hint"
    assert anki("modelFieldNames", modelName=name) == ["Example", "Word", "Gloss"]


# --- models: templates and styling --------------------------------------------------------


def test_model_templates_and_update_model_templates(anki: AnkiProcess, kit: Kit) -> None:
    name = kit.model()
    back = "{{FrontSide}}<hr id=answer>{{Meaning}}"
    assert anki("modelTemplates", modelName=name) == {"Recall": {"Front": "{{Word}}", "Back": back}}
    cid = kit.cards(kit.note(kit.deck(), model=name, fields={"Word": "gato", "Meaning": "cat"}))[0]
    update = {"name": name, "templates": {
        "Recall": {"Front": "<i>{{Word}}</i>", "Back": ""},  # an empty side is left alone
        "Unknown": {"Front": "ignored"},  # templates that do not exist are ignored
    }}
    assert anki("updateModelTemplates", model=update) is None
    assert anki("modelTemplates", modelName=name) == {"Recall": {"Front": "<i>{{Word}}</i>", "Back": back}}
    assert kit.card_info(cid)["question"].endswith("<i>gato</i>")  # cards render the new template
    assert anki.error("updateModelTemplates", model={"name": "Nope", "templates": {}}) == "model was not found: Nope"
    assert anki.error("modelTemplates", modelName="Nope") == "model was not found: Nope"


def test_model_styling_and_update_model_styling(anki: AnkiProcess, kit: Kit) -> None:
    name = kit.model(css=".card { color: navy; }")
    assert anki("modelStyling", modelName=name) == {"css": ".card { color: navy; }"}
    cid = kit.cards(kit.note(kit.deck(), model=name, fields={"Word": "w", "Meaning": "m"}))[0]
    assert anki("updateModelStyling", model={"name": name, "css": ".card { color: red; }"}) is None
    assert anki("modelStyling", modelName=name) == {"css": ".card { color: red; }"}
    assert kit.card_info(cid)["css"] == ".card { color: red; }"
    assert anki.error("updateModelStyling", model={"name": "Nope", "css": ""}) == "model was not found: Nope"
    assert anki.error("modelStyling", modelName="Nope") == "model was not found: Nope"
    assert anki("modelStyling", modelName=name) == {"css": ".card { color: red; }"}


def test_find_and_replace_in_models(anki: AnkiProcess, kit: Kit) -> None:
    mark, new = f"mark{token()}", f"new{token()}"
    name = kit.model(css=f".{mark} {{ color: red; }}", templates=[
        {"Name": "Recall", "Front": f"{{{{Word}}}} <span class={mark}></span>", "Back": f"{mark} {{{{Meaning}}}}"},
    ])
    assert anki("findAndReplaceInModels", modelName=name, findText=mark, replaceText=new,
                front=True, back=False, css=False) == 1
    templates = anki("modelTemplates", modelName=name)["Recall"]
    assert new in templates["Front"] and mark not in templates["Front"] and templates["Back"].startswith(mark)
    assert mark in anki("modelStyling", modelName=name)["css"]
    # no model name: every model is searched; only ours contains the marker
    assert anki("findAndReplaceInModels", modelName=None, findText=mark, replaceText=new) == 1
    assert anki("modelTemplates", modelName=name)["Recall"]["Back"] == f"{new} {{{{Meaning}}}}"
    assert anki("modelStyling", modelName=name)["css"] == f".{new} {{ color: red; }}"
    assert anki("findAndReplaceInModels", modelName=name, findText=mark, replaceText=new) == 0  # nothing left
    assert anki.error("findAndReplaceInModels", modelName="Nope", findText=mark, replaceText=new) == (
        "model was not found: Nope"
    )


def test_model_template_add_rename_reposition_remove(anki: AnkiProcess, kit: Kit) -> None:
    name = kit.model()
    nid = kit.note(kit.deck(), model=name, fields={"Word": "gato", "Meaning": "cat"})
    assert len(kit.cards(nid)) == 1

    reverse = {"Name": "Reverse", "Front": "{{Meaning}}", "Back": "{{FrontSide}}<hr id=answer>{{Word}}"}
    assert anki("modelTemplateAdd", modelName=name, template=reverse) is None
    assert kit.template_names(name) == ["Recall", "Reverse"]
    cards = kit.cards(nid)
    assert len(cards) == 2  # Anki makes the new card for existing notes
    assert kit.card_info(cards[1])["question"].endswith("cat")
    # the same Name again updates that template (upstream silently drops the change)
    assert anki("modelTemplateAdd", modelName=name, template={**reverse, "Front": "<b>{{Meaning}}</b>"}) is None
    assert anki("modelTemplates", modelName=name)["Reverse"]["Front"] == "<b>{{Meaning}}</b>"
    assert anki.error("modelTemplateAdd", modelName="Nope", template=reverse) == "model was not found: Nope"
    assert anki.error("modelTemplateAdd", modelName=name, template={"Name": "X", "Front": "{{Word}}"}) == "'Back'"
    assert kit.template_names(name) == ["Recall", "Reverse"]

    assert anki("modelTemplateRename", modelName=name, oldTemplateName="Reverse", newTemplateName="Production") is None
    assert kit.template_names(name) == ["Recall", "Production"]
    assert kit.cards(nid) == cards  # same cards, renamed template
    assert anki.error("modelTemplateRename", modelName=name, oldTemplateName="Reverse", newTemplateName="X") == (
        f"template was not found in {name}: Reverse"
    )

    assert anki("modelTemplateReposition", modelName=name, templateName="Production", index=0) is None
    assert kit.template_names(name) == ["Production", "Recall"]
    assert kit.card_info(cards[1])["ord"] == 0 and kit.card_info(cards[0])["ord"] == 1  # cards follow
    assert anki.error("modelTemplateReposition", modelName=name, templateName="Nope", index=0) == (
        f"template was not found in {name}: Nope"
    )

    assert anki("modelTemplateRemove", modelName=name, templateName="Recall") is None
    assert kit.template_names(name) == ["Production"]
    assert kit.cards(nid) == [cards[1]]  # the template's cards are gone
    assert anki("cardsInfo", cards=[cards[0]]) == [{}]
    assert anki.error("modelTemplateRemove", modelName=name, templateName="Recall") == (
        f"template was not found in {name}: Recall"
    )
    assert kit.template_names(name) == ["Production"]


# --- notes: checks before adding -----------------------------------------------------------


def test_can_add_note(anki: AnkiProcess, kit: Kit) -> None:
    deck = kit.deck()
    front = unique("can add")
    picture = f"_can_add_{token()}.png"
    note = {"deckName": deck, "modelName": "Basic", "fields": {"Front": front, "Back": "b"},
            "picture": {"filename": picture, "data": base64.b64encode(b"png").decode(), "fields": ["Back"]}}
    assert anki("canAddNote", note=note) is True
    # only a check: nothing is added and no media file is stored
    assert anki("findNotes", query=f'"deck:{deck}"') == []
    assert anki("getMediaFilesNames", pattern=picture) == []
    kit.note(deck, front)
    assert anki("canAddNote", note=note) is False  # now a duplicate
    assert anki("canAddNote", note={**note, "options": {"allowDuplicate": True}}) is True
    assert anki("canAddNote", note={**note, "modelName": "Nope"}) is False  # any failure is false
    assert anki("canAddNote", note={**note, "fields": {"Front": ""}}) is False
    assert anki.error("canAddNote") == missing("canAddNote", "note")


def test_can_add_note_with_error_detail(anki: AnkiProcess, kit: Kit) -> None:
    deck = kit.deck()
    front = unique("detail")
    note = {"deckName": deck, "modelName": "Basic", "fields": {"Front": front, "Back": "b"}}
    assert anki("canAddNoteWithErrorDetail", note=note) == {"canAdd": True}
    assert anki("findNotes", query=f'"deck:{deck}"') == []
    kit.note(deck, front)
    assert anki("canAddNoteWithErrorDetail", note=note) == {"canAdd": False, "error": DUPLICATE}
    assert anki("canAddNoteWithErrorDetail", note={**note, "fields": {"Front": " "}}) == {"canAdd": False, "error": EMPTY}
    nope = unique("No deck")
    assert anki("canAddNoteWithErrorDetail", note={**note, "deckName": nope}) == {
        "canAdd": False, "error": f"deck was not found: {nope}",
    }
    assert nope not in anki("deckNames")
    assert anki.error("canAddNoteWithErrorDetail") == missing("canAddNoteWithErrorDetail", "note")


def test_can_add_notes_with_error_detail(anki: AnkiProcess, kit: Kit) -> None:
    deck = kit.deck()
    taken = unique("taken")
    kit.note(deck, taken)
    free = {"deckName": deck, "modelName": "Basic", "fields": {"Front": unique("free"), "Back": "b"}}
    dup = {**free, "fields": {"Front": taken, "Back": "b"}}
    bad_model = {**free, "modelName": "Nope"}
    assert anki("canAddNotesWithErrorDetail", notes=[free, dup, bad_model]) == [
        {"canAdd": True},
        {"canAdd": False, "error": DUPLICATE},
        {"canAdd": False, "error": "model was not found: Nope"},
    ]
    assert len(anki("findNotes", query=f'"deck:{deck}"')) == 1  # nothing was added
    assert anki("canAddNotesWithErrorDetail", notes=[]) == []
    assert anki.error("canAddNotesWithErrorDetail", notes={"a": 1}) == "notes must be a list of note objects"


# --- notes: updating ----------------------------------------------------------------------


def test_update_note(anki: AnkiProcess, kit: Kit) -> None:
    nid = kit.note(kit.deck(), "front", "back", tags=["old"])
    assert anki("updateNote", note={"id": nid, "fields": {"Back": "new back", "Unknown": "x"}, "tags": ["t1", "t2"]}) is None
    info = kit.info(nid)
    assert kit.values(nid) == {"Front": "front", "Back": "new back"} and sorted(info["tags"]) == ["t1", "t2"]
    assert anki("updateNote", note={"id": nid, "tags": ["only"]}) is None  # tags alone
    assert kit.values(nid) == {"Front": "front", "Back": "new back"} and kit.info(nid)["tags"] == ["only"]
    assert anki("updateNote", note={"id": nid, "fields": {"Front": "f2"}}) is None  # fields alone
    assert kit.values(nid)["Front"] == "f2" and kit.info(nid)["tags"] == ["only"]
    assert anki.error("updateNote", note={"id": nid}) == 'Must provide a "fields" or "tags" property.'
    assert anki.error("updateNote", note={"id": nid, "fields": {"Back": "lost"}, "tags": 5}) == (
        "Must provide tags as a list of strings"
    )
    assert kit.values(nid)["Back"] == "new back"  # all or nothing
    assert anki.error("updateNote", note={"id": UNKNOWN_ID, "tags": ["x"]}) == f"Note was not found: {UNKNOWN_ID}"


def test_update_note_model(anki: AnkiProcess, kit: Kit) -> None:
    name = kit.model(fields=("Word", "Meaning", "Extra"))
    nid = kit.note(kit.deck(), "front", "back", tags=["kept?"])
    old_cards = kit.cards(nid)
    assert anki.error("updateNoteModel", note={"id": nid, "modelName": "Nope", "fields": {}}) == "Model 'Nope' not found"
    assert anki.error("updateNoteModel", note={"modelName": name, "fields": {}}) == "Note ID is required"
    assert anki.error("updateNoteModel", note={"id": UNKNOWN_ID, "modelName": name, "fields": {}}) == (
        f"Note was not found: {UNKNOWN_ID}"
    )
    assert kit.info(nid)["modelName"] == "Basic"  # the errors changed nothing
    note = {"id": nid, "modelName": name, "fields": {"word": "gato", "Meaning": "cat", "Nope": "x"}}
    assert anki("updateNoteModel", note=note) is None
    info = kit.info(nid)
    assert info["modelName"] == name and info["noteId"] == nid
    # every field is set from the request (names ignore case); no tags given clears them
    assert kit.values(nid) == {"Word": "gato", "Meaning": "cat", "Extra": ""} and info["tags"] == []
    assert len(info["cards"]) == 1 and kit.card_info(info["cards"][0])["modelName"] == name
    assert info["cards"] == old_cards[:1]
    assert anki("updateNoteModel", note={"id": nid, "modelName": name, "fields": {"Extra": "e"}, "tags": ["t"]}) is None
    assert kit.values(nid) == {"Word": "", "Meaning": "", "Extra": "e"} and kit.info(nid)["tags"] == ["t"]


def test_update_note_tags_and_get_note_tags(anki: AnkiProcess, kit: Kit) -> None:
    nid = kit.note(kit.deck(), tags=["old1", "old2"])
    assert sorted(anki("getNoteTags", note=nid)) == ["old1", "old2"]
    assert anki("updateNoteTags", note=nid, tags=["new1", "new2"]) is None
    assert sorted(anki("getNoteTags", note=nid)) == ["new1", "new2"] == sorted(kit.info(nid)["tags"])
    assert anki("updateNoteTags", note=nid, tags="solo") is None  # one string: one tag
    assert anki("getNoteTags", note=nid) == ["solo"]
    assert anki.error("updateNoteTags", note=nid, tags=[1]) == "Must provide tags as a list of strings"
    assert anki("getNoteTags", note=nid) == ["solo"]
    assert anki.error("updateNoteTags", note=UNKNOWN_ID, tags=["x"]) == f"Note was not found: {UNKNOWN_ID}"
    assert anki.error("getNoteTags", note=UNKNOWN_ID) == f"Note was not found: {UNKNOWN_ID}"


# --- tags -----------------------------------------------------------------------------------


def test_replace_tags(anki: AnkiProcess, kit: Kit) -> None:
    deck = kit.deck()
    old, new = f"old_{token()}", f"new_{token()}"
    first, second, untouched = (kit.note(deck, tags=[old, "other"]) for _ in range(3))
    assert anki("replaceTags", notes=[first, second, UNKNOWN_ID], tag_to_replace=old.upper(), replace_with_tag=new) is None
    assert sorted(anki("getNoteTags", note=first)) == sorted([new, "other"]) == sorted(anki("getNoteTags", note=second))
    assert sorted(anki("getNoteTags", note=untouched)) == sorted([old, "other"])  # not in the list
    assert anki.error("replaceTags", notes="all", tag_to_replace=old, replace_with_tag=new) == (
        "notes must be a list of note ids"
    )
    assert anki.error("replaceTags", notes=[untouched], tag_to_replace=old) == missing("replaceTags", "replace_with_tag")
    assert old in anki("getNoteTags", note=untouched)


def test_replace_tags_in_all_notes(anki: AnkiProcess, kit: Kit) -> None:
    old, new, child = f"old_{token()}", f"new_{token()}", f"kid_{token()}"
    notes = [kit.note(kit.deck(), tags=[old]), kit.note(kit.deck(), tags=[old, "keep"])]
    with_child = kit.note(kit.deck(), tags=[f"{old}::{child}"])
    assert anki("replaceTagsInAllNotes", tag_to_replace=old, replace_with_tag=new) is None
    assert anki("getNoteTags", note=notes[0]) == [new]
    assert sorted(anki("getNoteTags", note=notes[1])) == sorted([new, "keep"])
    assert anki("getNoteTags", note=with_child) == [f"{old}::{child}"]  # only whole tags
    assert anki("findNotes", query=f"tag:{old}") == [with_child]  # Anki's tag: search includes child tags
    assert anki.error("replaceTagsInAllNotes", tag_to_replace=5, replace_with_tag=new) == (
        "tags must be a space-separated string"
    )
    assert anki.error("replaceTagsInAllNotes", tag_to_replace=new) == missing("replaceTagsInAllNotes", "replace_with_tag")
    assert sorted(anki("findNotes", query=f"tag:{new}")) == sorted(notes)


def test_clear_unused_tags(anki: AnkiProcess, kit: Kit) -> None:
    unused, used = f"unused_{token()}", f"used_{token()}"
    nid = kit.note(kit.deck(), tags=[unused, used])
    anki("removeTags", notes=[nid], tags=unused)
    assert unused in anki("getTags")  # Anki keeps a tag nobody uses in its list...
    assert anki("clearUnusedTags") is None
    tags = anki("getTags")
    assert unused not in tags and used in tags  # ...until it is cleared
    assert anki.error("clearUnusedTags", tags=[unused]) == unexpected("clearUnusedTags", "tags")


# --- notes: mod times and removal -------------------------------------------------------------


def test_notes_mod_time_and_cards_mod_time(anki: AnkiProcess, kit: Kit) -> None:
    nid = kit.note(kit.deck())
    cid = kit.cards(nid)[0]
    notes = anki("notesModTime", notes=[nid, UNKNOWN_ID, "x"])
    assert notes == [{"noteId": nid, "mod": kit.info(nid)["mod"]}, {}, {}]
    cards = anki("cardsModTime", cards=[cid, UNKNOWN_ID])
    assert cards == [{"cardId": cid, "mod": kit.card_info(cid)["mod"]}, {}]
    assert abs(notes[0]["mod"] - time.time()) < 60 and abs(cards[0]["mod"] - time.time()) < 60  # seconds
    time.sleep(1.1)  # mod times are in seconds
    anki("updateNoteFields", note={"id": nid, "fields": {"Back": "changed"}})
    anki("setEaseFactors", cards=[cid], easeFactors=[2200])
    assert anki("notesModTime", notes=[nid])[0]["mod"] > notes[0]["mod"]
    assert anki("cardsModTime", cards=[cid])[0]["mod"] > cards[0]["mod"]
    assert anki.error("notesModTime", notes=nid) == "notes must be a list of note ids"
    assert anki.error("cardsModTime", cards=None) == "cards must be a list of card ids"


def test_remove_empty_notes(anki: AnkiProcess, kit: Kit) -> None:
    name = kit.model(fields=("A", "B"), templates=[{"Name": "Only", "Front": "{{A}}", "Back": "{{B}}"}])
    unused_model = kit.model()
    deck = kit.deck()
    emptied = kit.note(deck, model=name, fields={"A": "a", "B": "b"})
    kept = kit.note(deck, model=name, fields={"A": "a2", "B": "b2"})
    anki("updateNoteFields", note={"id": emptied, "fields": {"A": ""}})  # its only card is now blank
    assert anki("removeEmptyNotes") is None
    assert anki("notesInfo", notes=[emptied, kept])[0] == {} and kit.info(kept)["noteId"] == kept
    assert anki("findNotes", query=f'"deck:{deck}"') == [kept]
    # note types are not touched (upstream deleted every note type without notes)
    assert {name, unused_model} <= set(anki("modelNames"))
    assert anki.error("removeEmptyNotes", notes=[kept]) == unexpected("removeEmptyNotes", "notes")


# --- cards ------------------------------------------------------------------------------------


def test_get_ease_factors_and_set_ease_factors(anki: AnkiProcess, kit: Kit) -> None:
    deck = kit.deck()
    first, second = kit.card(deck), kit.card(deck)
    before = anki("getEaseFactors", cards=[first, second, UNKNOWN_ID])
    assert before[2] is None and all(isinstance(f, int) for f in before[:2])
    assert anki("setEaseFactors", cards=[first, second, UNKNOWN_ID], easeFactors=[2100, 2700, 2500]) == [True, True, False]
    assert anki("getEaseFactors", cards=[second, first]) == [2700, 2100]
    assert kit.card_info(first)["factor"] == 2100
    assert anki.error("setEaseFactors", cards=[first, second], easeFactors=[1300]) == (
        "easeFactors must be a list with one value per card"
    )
    assert anki.error("setEaseFactors", cards=[first, second], easeFactors=[1300, "x"]) == (
        "ease factor must be an integer: x"
    )
    assert anki("getEaseFactors", cards=[first, second]) == [2100, 2700]  # all or nothing
    assert anki.error("getEaseFactors", cards=str(first)) == "cards must be a list of card ids"


def test_set_specific_value_of_card(anki: AnkiProcess, kit: Kit) -> None:
    cid = kit.card()
    assert anki("setSpecificValueOfCard", card=cid, keys=["flags", "due"], newValues=[3, 777]) == [True]
    info = kit.card_info(cid)
    assert (info["flags"], info["due"]) == (3, 777)
    # risky keys need warning_check
    assert anki("setSpecificValueOfCard", card=cid, keys=["reps"], newValues=[5]) is False
    assert kit.card_info(cid)["reps"] == 0
    assert anki("setSpecificValueOfCard", card=cid, keys=["reps"], newValues=[5], warning_check=True) == [True]
    assert kit.card_info(cid)["reps"] == 5
    assert anki("setSpecificValueOfCard", card=cid, keys=["flags"], newValues=[1, 2]) is False  # lengths differ
    # an unknown key is reported, and nothing of that call is saved
    assert anki("setSpecificValueOfCard", card=cid, keys=["flags", "nope"], newValues=[1, 2]) == [
        [False, "card has no value named: nope"]
    ]
    assert kit.card_info(cid)["flags"] == 3
    assert anki.error("setSpecificValueOfCard", card=UNKNOWN_ID, keys=["due"], newValues=[1]) == (
        f"Card was not found: {UNKNOWN_ID}"
    )


def test_suspended(anki: AnkiProcess, kit: Kit) -> None:
    cid = kit.card()
    assert anki("suspended", card=cid) is False
    anki("suspend", cards=[cid])
    assert anki("suspended", card=cid) is True and kit.card_info(cid)["queue"] == -1
    anki("unsuspend", cards=[cid])
    assert anki("suspended", card=cid) is False
    assert anki.error("suspended", card=UNKNOWN_ID) == f"Card was not found: {UNKNOWN_ID}"
    assert anki.error("suspended", card="x") == "card id must be an integer: x"


def test_forget_cards(anki: AnkiProcess, kit: Kit) -> None:
    cid = kit.card()
    position = kit.card_info(cid)["due"]
    anki("answerCards", answers=[{"cardId": cid, "ease": 4}])
    answered = kit.card_info(cid)
    assert answered["type"] == 2 and answered["interval"] > 0
    assert anki("forgetCards", cards=[cid]) is None
    info = kit.card_info(cid)
    assert (info["type"], info["queue"], info["interval"]) == (0, 0, 0)  # new again
    assert info["due"] == position and info["reps"] == 1  # old position back, counts kept
    assert anki.error("forgetCards", cards=[None]) == "card id must be an integer: None"


def test_relearn_cards(anki: AnkiProcess, kit: Kit) -> None:
    cid = kit.card()
    anki("answerCards", answers=[{"cardId": cid, "ease": 4}])
    assert kit.card_info(cid)["type"] == 2
    before = time.time()
    assert anki("relearnCards", cards=[cid]) is None
    info = kit.card_info(cid)
    assert (info["type"], info["queue"]) == (3, 1)  # relearning, in the learning queue
    assert before - 2 <= info["due"] <= time.time() + 2  # due now (a timestamp in learning)
    assert anki("areDue", cards=[cid]) == [True]
    assert anki.error("relearnCards", cards=5) == "cards must be a list of card ids"


def test_answer_cards(anki: AnkiProcess, kit: Kit) -> None:
    deck = kit.deck()
    first, second = kit.card(deck), kit.card(deck)
    assert anki("answerCards", answers=[{"cardId": first, "ease": 3}, {"cardId": UNKNOWN_ID, "ease": 3}]) == [True, False]
    info = kit.card_info(first)
    assert info["reps"] == 1 and info["type"] == 1  # "good" on a new card: learning
    (review,) = anki("getReviewsOfCards", cards=[first])[str(first)]
    assert review["ease"] == 3
    # every answer is checked first: a bad one answers none
    assert anki.error("answerCards", answers=[{"cardId": second, "ease": 3}, {"cardId": first, "ease": 5}]) == (
        "ease must be an integer from 1 to 4: 5"
    )
    assert anki.error("answerCards", answers=[{"cardId": second}]) == "'ease'"
    assert kit.card_info(second)["reps"] == 0 and kit.card_info(first)["reps"] == 1


def test_set_due_date(anki: AnkiProcess, kit: Kit) -> None:
    deck = kit.deck()
    today, ranged, fixed = kit.card(deck), kit.card(deck), kit.card(deck)
    assert anki("setDueDate", cards=[today], days="0") is True
    now = kit.card_info(today)
    assert (now["type"], now["queue"]) == (2, 2) and anki("areDue", cards=[today]) == [True]
    assert anki("setDueDate", cards=[ranged], days="3-7") is True
    assert now["due"] + 3 <= kit.card_info(ranged)["due"] <= now["due"] + 7
    assert anki("areDue", cards=[ranged]) == [False]
    assert anki("setDueDate", cards=[fixed], days="5!") is True  # "!" sets the interval too
    info = kit.card_info(fixed)
    assert (info["due"], info["interval"]) == (now["due"] + 5, 5)
    assert anki.error("setDueDate", cards=[fixed], days="soon") == "soon"  # Anki's own refusal
    assert kit.card_info(fixed)["due"] == now["due"] + 5
    assert anki.error("setDueDate", cards=fixed, days="1") == "cards must be a list of card ids"


# --- media ------------------------------------------------------------------------------------


def test_get_media_files_names(anki: AnkiProcess) -> None:
    prefix = f"_names_{token()}"
    names = [f"{prefix}_a.txt", f"{prefix}_b.txt"]
    for name in names:
        anki("storeMediaFile", filename=name, data=base64.b64encode(b"x").decode())
    assert anki("getMediaFilesNames", pattern=f"{prefix}_*") == names
    assert anki("getMediaFilesNames", pattern=f"{prefix}_?.txt") == names
    assert set(names) <= set(anki("getMediaFilesNames"))  # default pattern "*"
    anki("deleteMediaFile", filename=names[0])
    assert anki("getMediaFilesNames", pattern=f"{prefix}*") == names[1:]
    assert anki.error("getMediaFilesNames", pattern="../*") == "invalid media file name pattern: ../*"


def test_get_media_dir_path(anki: AnkiProcess) -> None:
    path = anki("getMediaDirPath")
    folder = Path(path)
    assert folder.is_absolute() and folder.is_dir()
    assert folder.resolve() == (anki.base / "User 1" / "collection.media").resolve()
    name = f"_dir_{token()}.txt"
    anki("storeMediaFile", filename=name, data=base64.b64encode(b"here").decode())
    assert (folder / name).read_bytes() == b"here"
    assert anki.error("getMediaDirPath", pattern="*") == unexpected("getMediaDirPath", "pattern")


# --- statistics ---------------------------------------------------------------------------------


def studied_today(html: str) -> int:
    """The card count of the stats report's "Today" section."""
    text = html.replace("\u2068", "").replace("\u2069", "")
    match = re.search(r"Studied (\d+) cards?", text)
    return int(match.group(1)) if match else 0


def test_get_num_cards_reviewed_today(anki: AnkiProcess, kit: Kit) -> None:
    before = anki("getNumCardsReviewedToday")
    assert isinstance(before, int)
    deck = kit.deck()
    anki("answerCards", answers=[{"cardId": kit.card(deck), "ease": 3}, {"cardId": kit.card(deck), "ease": 1}])
    assert anki("getNumCardsReviewedToday") == before + 2
    assert anki.error("getNumCardsReviewedToday", deck=deck) == unexpected("getNumCardsReviewedToday", "deck")


def test_get_num_cards_reviewed_by_day(anki: AnkiProcess, kit: Kit, day_start_hour: int) -> None:
    # reviews before the day's start belong to the day before
    today = (datetime.now() - timedelta(hours=day_start_hour)).strftime("%Y-%m-%d")

    def count_today() -> int:
        days = anki("getNumCardsReviewedByDay")
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", day) and isinstance(n, int) for day, n in days)
        assert [day for day, _ in days] == sorted((day for day, _ in days), reverse=True)  # newest first
        return dict(days).get(today, 0)

    before = count_today()
    anki("answerCards", answers=[{"cardId": kit.card(), "ease": 3}])
    assert count_today() == before + 1
    assert anki.error("getNumCardsReviewedByDay", days=1) == unexpected("getNumCardsReviewedByDay", "days")


def test_get_collection_stats_html(anki: AnkiProcess, kit: Kit) -> None:
    html = anki("getCollectionStatsHTML", wholeCollection=True)
    assert isinstance(html, str) and "<h1>Today</h1>" in html and "<script>" in html
    before = studied_today(html)
    anki("answerCards", answers=[{"cardId": kit.card(), "ease": 3}])
    assert studied_today(anki("getCollectionStatsHTML")) == before + 1  # wholeCollection defaults to true
    assert "<h1>Today</h1>" in anki("getCollectionStatsHTML", wholeCollection=False)
    assert anki.error("getCollectionStatsHTML", whole=True) == unexpected("getCollectionStatsHTML", "whole")


def test_card_reviews(anki: AnkiProcess, kit: Kit) -> None:
    deck = kit.deck()
    first, second = kit.card(deck), kit.card(deck)
    kit.card(kit.deck())  # reviews of other decks are not listed
    assert anki("cardReviews", deck=deck, startID=0) == []
    anki("answerCards", answers=[{"cardId": first, "ease": 3}, {"cardId": second, "ease": 1}])
    reviews = anki("cardReviews", deck=deck, startID=0)
    assert len(reviews) == 2 and all(len(r) == 9 and all(isinstance(v, int) for v in r) for r in reviews)
    assert [(r[1], r[3]) for r in reviews] == [(first, 3), (second, 1)]  # [id, cid, usn, ease, ...]
    assert reviews[0][0] < reviews[1][0] and abs(reviews[0][0] / 1000 - time.time()) < 60
    assert anki("cardReviews", deck=deck, startID=reviews[0][0]) == reviews[1:]  # only newer ids
    made = unique("Made by reviews")
    assert anki("cardReviews", deck=made, startID=0) == [] and made in anki("deckNames")  # as upstream
    assert anki.error("cardReviews", deck=deck, startID="0") == "startID must be an integer: 0"


def test_get_latest_review_id(anki: AnkiProcess, kit: Kit) -> None:
    deck = kit.deck()
    cid = kit.card(deck)
    assert anki("getLatestReviewID", deck=deck) == 0
    anki("answerCards", answers=[{"cardId": cid, "ease": 3}])
    anki("answerCards", answers=[{"cardId": cid, "ease": 3}])
    latest = anki("getLatestReviewID", deck=deck)
    assert latest == anki("cardReviews", deck=deck, startID=0)[-1][0] == max(
        r["id"] for r in anki("getReviewsOfCards", cards=[cid])[str(cid)]
    )
    assert anki.error("getLatestReviewID") == missing("getLatestReviewID", "deck")


def test_get_reviews_of_cards(anki: AnkiProcess, kit: Kit) -> None:
    deck = kit.deck()
    reviewed, fresh = kit.card(deck), kit.card(deck)
    anki("answerCards", answers=[{"cardId": reviewed, "ease": 1}])
    anki("answerCards", answers=[{"cardId": reviewed, "ease": 3}])
    result = anki("getReviewsOfCards", cards=[reviewed, fresh, str(reviewed)])
    assert list(result) == [str(reviewed), str(fresh)]  # keys: card ids as strings; "id" strings alike
    assert result[str(fresh)] == []
    first, second = result[str(reviewed)]
    assert set(first) == {"id", "usn", "ease", "ivl", "lastIvl", "factor", "time", "type"}
    assert (first["ease"], second["ease"]) == (1, 3) and first["id"] < second["id"]
    assert [first["id"], second["id"]] == [r[0] for r in anki("cardReviews", deck=deck, startID=0)]
    assert anki.error("getReviewsOfCards", cards=reviewed) == "cards must be a list of card ids"


def test_insert_reviews(anki: AnkiProcess, kit: Kit) -> None:
    deck = kit.deck()
    cid = kit.card(deck)
    # ids (ms) from 2001, so "today" counts are not disturbed
    rid = 1_000_000_000_000 + int(uuid.uuid4().int % 10**9) * 1000
    rows = [[rid, cid, -1, 3, 4, 0, 2500, 6000, 1], [rid + 1, cid, -1, 4, 10, 4, 2650, 3000, 1]]
    assert anki("insertReviews", reviews=rows) is None
    assert anki("cardReviews", deck=deck, startID=0) == rows
    logged = anki("getReviewsOfCards", cards=[cid])[str(cid)]
    assert logged[0] == {"id": rid, "usn": -1, "ease": 3, "ivl": 4, "lastIvl": 0, "factor": 2500, "time": 6000, "type": 1}
    # all or nothing: one clashing id refuses the whole batch
    assert anki.error("insertReviews", reviews=[[rid + 2, cid, -1, 3, 4, 0, 2500, 6000, 1], rows[0]]) == (
        f"a review with this id already exists: {rid}"
    )
    injected = [rid + 3, cid, -1, 3, 4, 0, 2500, 6000, "1); delete from revlog; --"]
    assert anki.error("insertReviews", reviews=[injected]) == f"a review must be a list of 9 integers: {injected}"
    assert anki("cardReviews", deck=deck, startID=0) == rows
