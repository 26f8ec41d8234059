"""Model (note type) actions on a real Collection."""

from __future__ import annotations

from typing import Any

import pytest
from anki.collection import Collection

from ..support.local_api import LocalApi

SEED_MODEL = {
    "modelName": "newModelName",
    "inOrderFields": ["Field1", "Field2", "Field3"],
    "css": "Optional CSS with default to builtin css",
    "cardTemplates": [{"Front": "Front html {{Field1}}", "Back": "Back html {{Field2}}"}],
}


def _stored(collection: Collection, name: str) -> dict[str, Any]:
    notetype = collection.models.by_name(name)
    assert notetype is not None
    return notetype


def _make_model(api: LocalApi) -> dict[str, Any]:
    return api(
        "createModel",
        modelName="Vocab",
        inOrderFields=["Word", "Meaning", "Notes"],
        css=".card {}",
        cardTemplates=[
            {"Name": "Recognition", "Front": "{{Word}}", "Back": "{{FrontSide}}{{Meaning}}"},
            {"Name": "Recall", "Front": "{{Meaning}}", "Back": "{{Word}}"},
        ],
    )


# --- reading -------------------------------------------------------------------


def test_model_names_and_ids(api: LocalApi, collection: Collection) -> None:
    names = api("modelNames")
    assert {"Basic", "Basic (and reversed card)", "Cloze"} <= set(names)
    ids = api("modelNamesAndIds")
    assert set(ids) == set(names)
    assert ids["Basic"] == _stored(collection, "Basic")["id"]


def test_find_models_by_id_and_name(api: LocalApi, collection: Collection) -> None:
    basic = _stored(collection, "Basic")
    cloze = _stored(collection, "Cloze")
    by_id = api("findModelsById", modelIds=[cloze["id"], basic["id"]])
    assert [m["name"] for m in by_id] == ["Cloze", "Basic"]
    assert by_id[1]["flds"][0]["name"] == "Front" and by_id[1]["flds"][1]["ord"] == 1
    by_name = api("findModelsByName", modelNames=["Basic", "Cloze"])
    assert [m["id"] for m in by_name] == [basic["id"], cloze["id"]]
    assert api.error("findModelsById", modelIds=[basic["id"], 424242]) == (
        "model was not found: 424242"
    )
    assert api.error("findModelsByName", modelNames=["Basic", "Nope"]) == "model was not found: Nope"


def test_model_name_from_id(api: LocalApi, collection: Collection) -> None:
    assert api("modelNameFromId", modelId=_stored(collection, "Cloze")["id"]) == "Cloze"
    assert api.error("modelNameFromId", modelId=424242) == "model was not found: 424242"


def test_model_field_names_descriptions_and_fonts(api: LocalApi, collection: Collection) -> None:
    assert api("modelFieldNames", modelName="Basic") == ["Front", "Back"]
    assert api("modelFieldDescriptions", modelName="Basic") == ["", ""]
    assert api("modelFieldFonts", modelName="Basic") == {
        "Front": {"font": "Arial", "size": 20},
        "Back": {"font": "Arial", "size": 20},
    }
    for name in ("modelFieldNames", "modelFieldDescriptions", "modelFieldFonts"):
        assert api.error(name, modelName="Nope") == "model was not found: Nope"


def test_model_fields_on_templates(api: LocalApi) -> None:
    assert api("modelFieldsOnTemplates", modelName="Basic (and reversed card)") == {
        "Card 1": [["Front"], ["Back"]],
        "Card 2": [["Back"], ["Front"]],
    }
    api(
        "createModel",
        modelName="Tags",
        inOrderFields=["A", "B", "C"],
        cardTemplates=[{
            "Name": "T",
            "Front": "{{#A}}{{text:A}}{{/A}} {{^B}}x{{/B}} {{ C }}",
            "Back": "{{FrontSide}} {{A}} {{hint:B}}",
        }],
    )
    assert api("modelFieldsOnTemplates", modelName="Tags") == {"T": [["A", "^B", "C"], ["B"]]}
    assert api.error("modelFieldsOnTemplates", modelName="Nope") == "model was not found: Nope"


def test_model_templates_and_styling(api: LocalApi, collection: Collection) -> None:
    basic = _stored(collection, "Basic")
    assert api("modelTemplates", modelName="Basic") == {
        "Card 1": {"Front": basic["tmpls"][0]["qfmt"], "Back": basic["tmpls"][0]["afmt"]}
    }
    assert api("modelStyling", modelName="Basic") == {"css": basic["css"]}
    assert api.error("modelTemplates", modelName="Nope") == "model was not found: Nope"
    assert api.error("modelStyling", modelName="Nope") == "model was not found: Nope"


# --- creating --------------------------------------------------------------------


@pytest.mark.parametrize("action", ["createModel", "createNewModel"])
def test_create_model_seed_request(api: LocalApi, collection: Collection, action: str) -> None:
    created = api(action, **SEED_MODEL)
    stored = _stored(collection, "newModelName")
    assert created["id"] == stored["id"]
    assert created["name"] == "newModelName" and created["type"] == 0
    assert [f["name"] for f in stored["flds"]] == ["Field1", "Field2", "Field3"]
    assert stored["css"] == "Optional CSS with default to builtin css"
    assert [(t["name"], t["qfmt"], t["afmt"]) for t in stored["tmpls"]] == [
        ("Card 1", "Front html {{Field1}}", "Back html {{Field2}}")
    ]


def test_create_model_names_templates_and_cloze(api: LocalApi, collection: Collection) -> None:
    made = _make_model(api)
    assert [t["name"] for t in made["tmpls"]] == ["Recognition", "Recall"]
    assert made["css"] == ".card {}"
    cloze = api(
        "createModel",
        modelName="My Cloze",
        inOrderFields=["Text"],
        cardTemplates=[{"Front": "{{cloze:Text}}", "Back": "{{cloze:Text}}"}],
        isCloze=True,
    )
    assert _stored(collection, "My Cloze")["type"] == 1 and cloze["type"] == 1
    default_css = _stored(collection, "Basic")["css"]
    plain = api("createModel", modelName="Plain", inOrderFields=["F"],
                cardTemplates=[{"Front": "{{F}}", "Back": "x"}, {"Front": "x{{F}}", "Back": "y"}])
    assert plain["css"] == default_css
    assert [t["name"] for t in plain["tmpls"]] == ["Card 1", "Card 2"]


def test_create_model_errors(api: LocalApi) -> None:
    before = api("modelNames")
    template = [{"Front": "{{A}}", "Back": "b"}]
    assert api.error("createModel", modelName="X", inOrderFields=[], cardTemplates=template) == (
        "Must provide at least one field for inOrderFields"
    )
    assert api.error("createModel", modelName="X", inOrderFields=["A"], cardTemplates=[]) == (
        "Must provide at least one card for cardTemplates"
    )
    assert api.error("createModel", modelName="basic", inOrderFields=["A"], cardTemplates=template) == (
        "Model name already exists"
    )
    assert api.error("createModel", modelName="X", inOrderFields=["A"],
                     cardTemplates=[{"Front": "{{A}}"}]) == "'Back'"
    assert api("modelNames") == before


# --- editing templates and styling -------------------------------------------------


def test_update_model_templates(api: LocalApi, collection: Collection) -> None:
    _make_model(api)
    result = api("updateModelTemplates", model={"name": "Vocab", "templates": {
        "Recognition": {"Front": "<b>{{Word}}</b>"},
        "Recall": {"Front": "", "Back": "{{Word}} {{Notes}}"},
        "Unknown": {"Front": "ignored"},
    }})
    assert result is None
    templates = {t["name"]: (t["qfmt"], t["afmt"]) for t in _stored(collection, "Vocab")["tmpls"]}
    assert templates == {
        "Recognition": ("<b>{{Word}}</b>", "{{FrontSide}}{{Meaning}}"),
        "Recall": ("{{Meaning}}", "{{Word}} {{Notes}}"),
    }
    assert api.error("updateModelTemplates", model={"name": "Nope", "templates": {}}) == (
        "model was not found: Nope"
    )


def test_update_model_styling(api: LocalApi, collection: Collection) -> None:
    assert api("updateModelStyling", model={"name": "Basic", "css": "p { color: red; }"}) is None
    assert _stored(collection, "Basic")["css"] == "p { color: red; }"
    assert api.error("updateModelStyling", model={"name": "Nope", "css": ""}) == (
        "model was not found: Nope"
    )


def test_find_and_replace_in_models(api: LocalApi, collection: Collection) -> None:
    _make_model(api)
    assert api("findAndReplaceInModels", modelName="Vocab", findText="{{Word}}",
               replaceText="{{kanji:Word}}", front=True, back=False, css=False) == 1
    templates = _stored(collection, "Vocab")["tmpls"]
    assert templates[0]["qfmt"] == "{{kanji:Word}}" and templates[1]["afmt"] == "{{Word}}"
    assert api("findAndReplaceInModels", modelName="Vocab", findText="nothing here",
               replaceText="x") == 0
    # a falsy modelName means every model
    assert api("findAndReplaceInModels", modelName="", findText="arial", replaceText="serif") >= 2
    assert "serif" in _stored(collection, "Basic")["css"]
    assert "serif" in _stored(collection, "Cloze")["css"]
    assert api.error("findAndReplaceInModels", modelName="Nope", findText="a", replaceText="b") == (
        "model was not found: Nope"
    )
    # the README's nested form works too; binding errors read as upstream's
    assert api("findAndReplaceInModels", model={"modelName": "Vocab", "findText": "{{kanji:Word}}",
                                                "replaceText": "{{Word}}", "back": False, "css": False}) == 1
    assert _stored(collection, "Vocab")["tmpls"][0]["qfmt"] == "{{Word}}"
    assert api.error("findAndReplaceInModels", modelName="Vocab") == (
        "AnkiConnect.findAndReplaceInModels() missing 2 required positional arguments: 'findText' and 'replaceText'"
    )


def test_find_and_replace_of_empty_text_is_an_error(api: LocalApi, collection: Collection) -> None:
    """An empty findText matches between every two characters: every model's templates
    and CSS grew by a copy of replaceText per character (a 200 KB request made a 30 MB
    stylesheet). Nothing changes."""
    before = [_stored(collection, name) for name in ("Basic", "Cloze")]
    assert api.error("findAndReplaceInModels", modelName="Basic", findText="", replaceText="x" * 1000,
                     front=False, back=False) == "findText must not be empty"
    assert api.error("findAndReplaceInModels", modelName="", findText="", replaceText="x") == (
        "findText must not be empty"
    )
    assert [_stored(collection, name) for name in ("Basic", "Cloze")] == before


#: ankiconnect_ws.actions.models._notetype.MAX_TEMPLATE_DEPTH
MAX_TEMPLATE_DEPTH = 200


def _nested_sections(depth: int, opening: str = "{{#Word}}", closing: str = "{{/Word}}") -> str:
    return opening * depth + "{{Word}}" + closing * depth


def test_templates_nested_too_deeply_for_anki_are_refused(api: LocalApi, collection: Collection) -> None:
    """Anki parses a template when it is saved, recursing once per section: some 10,000
    nested sections crash it (a stack overflow in Rust, no error; shown for real in
    tests/e2e/test_hostile_parsers.py). Past MAX_TEMPLATE_DEPTH every way of saving a
    template is refused, and nothing is saved."""
    _make_model(api)
    deepest = _nested_sections(MAX_TEMPLATE_DEPTH)
    api("updateModelTemplates", model={"name": "Vocab", "templates": {"Recognition": {"Front": deepest}}})
    saved = _stored(collection, "Vocab")["tmpls"]
    assert saved[0]["qfmt"] == deepest

    too_deep = "{{Meaning}}" + _nested_sections(MAX_TEMPLATE_DEPTH + 1, "{{ ^Word }}")
    with_other_delimiters = "{{=<% %>=}}" + _nested_sections(MAX_TEMPLATE_DEPTH + 1, "<%#Word%>", "<%/Word%>")
    error = "card template {} nests its sections more than " + str(MAX_TEMPLATE_DEPTH) + " levels deep"
    assert api.error("updateModelTemplates", model={"name": "Vocab", "templates": {
        "Recognition": {"Front": "{{Word}}"}, "Recall": {"Back": too_deep}}}) == error.format("Recall")
    assert api.error("modelTemplateAdd", modelName="Vocab", template={
        "Name": "Deep", "Front": with_other_delimiters, "Back": ""}) == error.format("Deep")
    assert api.error("findAndReplaceInModels", modelName="Vocab", findText="{{Meaning}}",
                     replaceText=too_deep, back=False, css=False) == error.format("Recall")
    assert api.error("createModel", modelName="Deep", inOrderFields=["Word"],
                     cardTemplates=[{"Name": "Only", "Front": too_deep, "Back": ""}]) == error.format("Only")
    assert _stored(collection, "Vocab")["tmpls"] == saved
    assert collection.models.by_name("Deep") is None


def test_model_template_rename(api: LocalApi, collection: Collection) -> None:
    _make_model(api)
    assert api("modelTemplateRename", modelName="Vocab", oldTemplateName="Recall",
               newTemplateName="Production") is None
    assert [t["name"] for t in _stored(collection, "Vocab")["tmpls"]] == ["Recognition", "Production"]
    assert api.error("modelTemplateRename", modelName="Vocab", oldTemplateName="Recall",
                     newTemplateName="X") == "template was not found in Vocab: Recall"


def test_model_template_reposition(api: LocalApi, collection: Collection) -> None:
    _make_model(api)
    assert api("modelTemplateReposition", modelName="Vocab", templateName="Recall", index=0) is None
    assert [t["name"] for t in _stored(collection, "Vocab")["tmpls"]] == ["Recall", "Recognition"]
    assert api.error("modelTemplateReposition", modelName="Vocab", templateName="Nope",
                     index=0) == "template was not found in Vocab: Nope"


def test_model_template_add(api: LocalApi, collection: Collection) -> None:
    assert api("modelTemplateAdd", modelName="Basic",
               template={"Name": "Reverse", "Front": "{{Back}}", "Back": "{{Front}}"}) is None
    templates = {t["name"]: (t["qfmt"], t["afmt"]) for t in _stored(collection, "Basic")["tmpls"]}
    assert templates["Reverse"] == ("{{Back}}", "{{Front}}") and len(templates) == 2
    # an existing name updates that template instead of silently doing nothing
    api("modelTemplateAdd", modelName="Basic",
        template={"Name": "Reverse", "Front": "R {{Back}}", "Back": "{{Front}}!"})
    templates = {t["name"]: (t["qfmt"], t["afmt"]) for t in _stored(collection, "Basic")["tmpls"]}
    assert templates["Reverse"] == ("R {{Back}}", "{{Front}}!") and len(templates) == 2
    assert api.error("modelTemplateAdd", modelName="Nope",
                     template={"Name": "a", "Front": "b", "Back": "c"}) == "model was not found: Nope"


def test_model_template_remove(api: LocalApi, collection: Collection) -> None:
    _make_model(api)
    assert api("modelTemplateRemove", modelName="Vocab", templateName="Recognition") is None
    assert [t["name"] for t in _stored(collection, "Vocab")["tmpls"]] == ["Recall"]
    assert api.error("modelTemplateRemove", modelName="Vocab", templateName="Recognition") == (
        "template was not found in Vocab: Recognition"
    )


# --- editing fields ------------------------------------------------------------------


def test_model_field_rename_updates_templates(api: LocalApi, collection: Collection) -> None:
    _make_model(api)
    assert api("modelFieldRename", modelName="Vocab", oldFieldName="Word",
               newFieldName="Term") is None
    stored = _stored(collection, "Vocab")
    assert [f["name"] for f in stored["flds"]] == ["Term", "Meaning", "Notes"]
    assert stored["tmpls"][0]["qfmt"] == "{{Term}}"
    assert api.error("modelFieldRename", modelName="Vocab", oldFieldName="Word",
                     newFieldName="X") == "field was not found in Vocab: Word"


def test_model_field_reposition(api: LocalApi, collection: Collection) -> None:
    _make_model(api)
    assert api("modelFieldReposition", modelName="Vocab", fieldName="Notes", index=0) is None
    assert [f["name"] for f in _stored(collection, "Vocab")["flds"]] == ["Notes", "Word", "Meaning"]
    assert api.error("modelFieldReposition", modelName="Vocab", fieldName="Nope", index=0) == (
        "field was not found in Vocab: Nope"
    )


def test_model_field_add(api: LocalApi, collection: Collection) -> None:
    _make_model(api)
    assert api("modelFieldAdd", modelName="Vocab", fieldName="Reading") is None
    assert api("modelFieldAdd", modelName="Vocab", fieldName="Audio", index=1) is None
    names = [f["name"] for f in _stored(collection, "Vocab")["flds"]]
    assert names == ["Word", "Audio", "Meaning", "Notes", "Reading"]
    # an existing field is not added twice, but still moved to the index
    api("modelFieldAdd", modelName="Vocab", fieldName="Reading", index=0)
    names = [f["name"] for f in _stored(collection, "Vocab")["flds"]]
    assert names == ["Reading", "Word", "Audio", "Meaning", "Notes"]
    assert api.error("modelFieldAdd", modelName="Nope", fieldName="x") == "model was not found: Nope"


def test_model_field_remove(api: LocalApi, collection: Collection) -> None:
    _make_model(api)
    assert api("modelFieldRemove", modelName="Vocab", fieldName="Notes") is None
    assert [f["name"] for f in _stored(collection, "Vocab")["flds"]] == ["Word", "Meaning"]
    assert api.error("modelFieldRemove", modelName="Vocab", fieldName="Notes") == (
        "field was not found in Vocab: Notes"
    )


def test_model_field_set_font_and_size(api: LocalApi, collection: Collection) -> None:
    assert api("modelFieldSetFont", modelName="Basic", fieldName="Front", font="Noto Sans") is None
    assert api("modelFieldSetFontSize", modelName="Basic", fieldName="Back", fontSize=32) is None
    assert api("modelFieldFonts", modelName="Basic") == {
        "Front": {"font": "Noto Sans", "size": 20},
        "Back": {"font": "Arial", "size": 32},
    }
    assert api.error("modelFieldSetFont", modelName="Basic", fieldName="Front", font=12) == (
        "font should be a string: 12"
    )
    assert api.error("modelFieldSetFontSize", modelName="Basic", fieldName="Front",
                     fontSize="big") == "fontSize should be an integer: big"
    for size in (-1, 65536):  # Anki's own answer was its JSON error ("expected u16")
        assert api.error("modelFieldSetFontSize", modelName="Basic", fieldName="Front",
                         fontSize=size) == f"fontSize must be from 0 to 65535: {size}"
    assert api.error("modelFieldSetFont", modelName="Basic", fieldName="Nope", font="x") == (
        "field was not found in Basic: Nope"
    )
    assert _stored(collection, "Basic")["flds"][0]["font"] == "Noto Sans"


def test_model_field_set_description(api: LocalApi, collection: Collection) -> None:
    assert api("modelFieldSetDescription", modelName="Basic", fieldName="Back",
               description="the answer") is True
    assert _stored(collection, "Basic")["flds"][1]["description"] == "the answer"
    assert api("modelFieldDescriptions", modelName="Basic") == ["", "the answer"]
    assert api.error("modelFieldSetDescription", modelName="Basic", fieldName="Back",
                     description=None) == "description should be a string: None"
    assert api.error("modelFieldSetDescription", modelName="Nope", fieldName="Back",
                     description="x") == "model was not found: Nope"
