"""Whole note types: listing and reading them, creating one, and editing its
templates' text and CSS, also by find and replace."""

from __future__ import annotations

import copy
import re
from typing import Annotated, Any

from anki.consts import MODEL_CLOZE

from ... import errors
from .._types import (
    CHECKED,
    CardTemplate,
    FieldFont,
    Flag,
    IntOrText,
    ModelStylingUpdate,
    ModelTemplatesUpdate,
    Notetype,
    Styling,
    TemplateTexts,
)
from ..context import col
from ..registry import action, call_with
from ._notetype import NotetypeDict, check_templates, editable_model, find_named, model_by_id, model_named, save

# {{...}} tags without "#", "/" or "}" inside: section tags are left out, {{^X}} is kept.
_TEMPLATE_TAG = re.compile(r"{{([^#/}]+?)}}")


def _by_name(entries: list[dict[str, Any]], **keys: str) -> dict[str, Any]:
    """Each field or template by its name: ``{new key: entry[old key]}`` for ``keys``."""
    return {entry["name"]: {new: entry[old] for new, old in keys.items()} for entry in entries}


def _fields_on_side(template_html: str) -> list[str]:
    names: list[str] = []
    for tag in _TEMPLATE_TAG.findall(template_html):
        name = tag.rsplit(":", 1)[-1].strip()  # drop filters such as "text:"
        if name and name != "FrontSide" and name not in names:
            names.append(name)
    return names


# --- reading -------------------------------------------------------------------


@action()
def modelNames() -> list[str]:
    return [m.name for m in col().models.all_names_and_ids()]


@action()
def modelNamesAndIds() -> dict[str, int]:
    return {m.name: m.id for m in col().models.all_names_and_ids()}


@action()
def findModelsById(modelIds: list[IntOrText]) -> list[Notetype]:
    return [model_by_id(model_id) for model_id in modelIds]


@action()
def findModelsByName(modelNames: list[str]) -> list[Notetype]:
    return [model_named(name) for name in modelNames]


@action()
def modelNameFromId(modelId: IntOrText) -> str:
    return model_by_id(modelId)["name"]


@action()
def modelFieldNames(modelName: str) -> list[str]:
    return [field["name"] for field in model_named(modelName)["flds"]]


@action()
def modelFieldDescriptions(modelName: str) -> list[str]:
    return [field.get("description", "") for field in model_named(modelName)["flds"]]


@action()
def modelFieldFonts(modelName: str) -> dict[str, FieldFont]:
    return _by_name(model_named(modelName)["flds"], font="font", size="size")


@action()
def modelFieldsOnTemplates(modelName: str) -> dict[str, tuple[list[str], list[str]]]:
    result: dict[str, Any] = {}  # [question fields, answer fields] per template
    for template in model_named(modelName)["tmpls"]:
        question = _fields_on_side(template["qfmt"])
        answer = [name for name in _fields_on_side(template["afmt"]) if name not in question]
        result[template["name"]] = [question, answer]
    return result


@action()
def modelTemplates(modelName: str) -> dict[str, TemplateTexts]:
    return _by_name(model_named(modelName)["tmpls"], Front="qfmt", Back="afmt")


@action()
def modelStyling(modelName: str) -> Styling:
    return {"css": model_named(modelName)["css"]}


# --- creating --------------------------------------------------------------------


@action(aliases=("createNewModel",))
def createModel(
    modelName: str,
    inOrderFields: list[str],
    cardTemplates: Annotated[list[CardTemplate], CHECKED],
    css: str | None = None,
    isCloze: Flag = False,
) -> Notetype:
    if len(inOrderFields) == 0:
        raise errors.ActionError(errors.MODEL_NEEDS_FIELDS)
    if len(cardTemplates) == 0:
        raise errors.ActionError(errors.MODEL_NEEDS_TEMPLATES)
    models = col().models
    if isinstance(modelName, str) and models.id_for_name(modelName) is not None:
        raise errors.ActionError(errors.MODEL_NAME_EXISTS)

    notetype = models.new(modelName)
    if isCloze:
        notetype["type"] = MODEL_CLOZE
    if css is not None:
        notetype["css"] = css
    for field_name in inOrderFields:
        if not isinstance(field_name, str):
            raise errors.ActionError(errors.FIELD_NAME_NOT_STRING.format(field_name))
        models.add_field(notetype, models.new_field(field_name))
    for number, card in enumerate(cardTemplates, start=1):
        template = models.new_template(card.get("Name", f"Card {number}"))
        template["qfmt"] = card["Front"]
        template["afmt"] = card["Back"]
        models.add_template(notetype, template)

    check_templates(notetype)
    added = models.add_dict(notetype)
    return models.get(added.id)  # type: ignore[return-value]


# --- editing templates and styling -------------------------------------------------


@action()
def updateModelTemplates(model: ModelTemplatesUpdate) -> None:
    notetype = editable_model(model["name"])
    changed = False
    for template_name, sides in model["templates"].items():
        template = find_named(notetype["tmpls"], template_name)
        if template is None:
            continue
        for side, key in (("Front", "qfmt"), ("Back", "afmt")):
            text = sides.get(side)
            if text and text != template[key]:
                template[key] = text
                changed = True
    if changed:
        save(notetype)


@action()
def updateModelStyling(model: ModelStylingUpdate) -> None:
    notetype = editable_model(model["name"])
    notetype["css"] = model["css"]
    save(notetype)


@action()
def findAndReplaceInModels(**params: Any) -> int:
    """Top-level parameters as upstream's code takes them; the README's (and typed
    clients') form nested in ``model`` is accepted too."""
    if set(params) == {"model"} and isinstance(params["model"], dict):
        params = params["model"]
    return call_with(_find_and_replace_in_models, "findAndReplaceInModels", params)


def _find_and_replace_in_models(
    modelName: Any,
    findText: str,
    replaceText: str,
    front: bool = True,
    back: bool = True,
    css: bool = True,
) -> int:
    if findText == "":
        # "" is found between every two characters: each would get a copy of replaceText
        # (a 2 MB replaceText made a 300 MB stylesheet), never what a client means
        raise errors.ActionError(errors.FIND_TEXT_EMPTY)
    if modelName:
        targets = [editable_model(modelName)]
    else:
        targets = [copy.deepcopy(m) for m in col().models.all()]
    changed_count = 0
    for notetype in targets:
        if _replace_in_model(notetype, findText, replaceText, front, back, css):
            save(notetype)
            changed_count += 1
    return changed_count


def _replace_in_model(
    notetype: NotetypeDict, find: str, replace: str, front: bool, back: bool, css: bool
) -> bool:
    changed = False
    keys = [key for key, wanted in (("qfmt", front), ("afmt", back)) if wanted]
    for template in notetype["tmpls"]:
        for key in keys:
            new_text = template[key].replace(find, replace)
            if new_text != template[key]:
                template[key] = new_text
                changed = True
    if css:
        new_css = notetype["css"].replace(find, replace)
        if new_css != notetype["css"]:
            notetype["css"] = new_css
            changed = True
    return changed
