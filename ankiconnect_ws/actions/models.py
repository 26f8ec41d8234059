"""Model (note type) actions: listing, creating, and editing fields, templates and CSS.

Edits work on a deep copy of the note type and are saved with one ``update_dict`` call,
so a failed check never leaves Anki's cached note type half-changed.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from anki.consts import MODEL_CLOZE

from .. import errors
from ._types import (
    CHECKED,
    CardTemplate,
    FieldFont,
    Flag,
    IntOrText,
    ModelStylingUpdate,
    ModelTemplatesUpdate,
    NamedCardTemplate,
    Notetype,
    Styling,
    TemplateTexts,
)
from ._checks import is_int, require_model
from .context import col
from .registry import action

NotetypeDict = dict[str, Any]

# {{...}} tags without "#", "/" or "}" inside: section tags are left out, {{^X}} is kept.
_TEMPLATE_TAG = re.compile(r"{{([^#/}]+?)}}")


# --- helpers ---------------------------------------------------------------


def _model(name: Any) -> NotetypeDict:
    return require_model(col(), name)


def _model_by_id(model_id: Any) -> NotetypeDict:
    try:
        notetype = col().models.get(int(model_id))
    except (TypeError, ValueError):
        notetype = None
    if notetype is None:
        raise errors.ActionError(errors.MODEL_NOT_FOUND.format(model_id))
    return notetype


def _editable_model(name: Any) -> NotetypeDict:
    # models.get() hands out Anki's cached dict: never change that one in place.
    return copy.deepcopy(_model(name))


def _save(notetype: NotetypeDict) -> None:
    col().models.update_dict(notetype)


def _find_named(items: list[dict[str, Any]], name: Any) -> dict[str, Any] | None:
    return next((item for item in items if item["name"] == name), None)


@dataclass(frozen=True)
class _Parts:
    """A note type's fields or its card templates: entries found by name, edited alike."""

    key: str  # "flds" or "tmpls"
    #: the error for a missing entry, formatted with the model's and the entry's name
    not_found: str
    #: the ModelManager methods that move and remove an entry
    reposition: str
    remove: str


FIELDS = _Parts("flds", errors.FIELD_NOT_FOUND, "reposition_field", "remove_field")
TEMPLATES = _Parts("tmpls", errors.TEMPLATE_NOT_FOUND, "reposition_template", "remove_template")


def _part(notetype: NotetypeDict, parts: _Parts, model_name: Any, name: Any) -> dict[str, Any]:
    part = _find_named(notetype[parts.key], name)
    if part is None:
        raise errors.ActionError(parts.not_found.format(model_name, name))
    return part


def _edit_part(
    parts: _Parts, model_name: Any, name: Any, change: Callable[[NotetypeDict, dict[str, Any]], None]
) -> None:
    """``change`` the entry ``name`` in a copy of the note type, then save the copy."""
    notetype = _editable_model(model_name)
    change(notetype, _part(notetype, parts, model_name, name))
    _save(notetype)


def _rename(parts: _Parts, model_name: Any, old_name: Any, new_name: Any) -> None:
    _edit_part(parts, model_name, old_name, lambda _notetype, part: part.update(name=new_name))


def _reposition(parts: _Parts, model_name: Any, name: Any, index: Any) -> None:
    move = getattr(col().models, parts.reposition)
    _edit_part(parts, model_name, name, lambda notetype, part: move(notetype, part, index))


def _remove(parts: _Parts, model_name: Any, name: Any) -> None:
    remove = getattr(col().models, parts.remove)
    _edit_part(parts, model_name, name, lambda notetype, part: remove(notetype, part))


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
    return [_model_by_id(model_id) for model_id in modelIds]


@action()
def findModelsByName(modelNames: list[str]) -> list[Notetype]:
    return [_model(name) for name in modelNames]


@action()
def modelNameFromId(modelId: IntOrText) -> str:
    return _model_by_id(modelId)["name"]


@action()
def modelFieldNames(modelName: str) -> list[str]:
    return [field["name"] for field in _model(modelName)["flds"]]


@action()
def modelFieldDescriptions(modelName: str) -> list[str]:
    return [field.get("description", "") for field in _model(modelName)["flds"]]


@action()
def modelFieldFonts(modelName: str) -> dict[str, FieldFont]:
    return {
        field["name"]: {"font": field["font"], "size": field["size"]}
        for field in _model(modelName)["flds"]
    }


@action()
def modelFieldsOnTemplates(modelName: str) -> dict[str, tuple[list[str], list[str]]]:
    result: dict[str, Any] = {}  # [question fields, answer fields] per template
    for template in _model(modelName)["tmpls"]:
        question = _fields_on_side(template["qfmt"])
        answer = [name for name in _fields_on_side(template["afmt"]) if name not in question]
        result[template["name"]] = [question, answer]
    return result


@action()
def modelTemplates(modelName: str) -> dict[str, TemplateTexts]:
    return {
        template["name"]: {"Front": template["qfmt"], "Back": template["afmt"]}
        for template in _model(modelName)["tmpls"]
    }


@action()
def modelStyling(modelName: str) -> Styling:
    return {"css": _model(modelName)["css"]}


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

    added = models.add_dict(notetype)
    return models.get(added.id)  # type: ignore[return-value]


# --- editing templates and styling -------------------------------------------------


@action()
def updateModelTemplates(model: ModelTemplatesUpdate) -> None:
    notetype = _editable_model(model["name"])
    changed = False
    for template_name, sides in model["templates"].items():
        template = _find_named(notetype["tmpls"], template_name)
        if template is None:
            continue
        for side, key in (("Front", "qfmt"), ("Back", "afmt")):
            text = sides.get(side)
            if text and text != template[key]:
                template[key] = text
                changed = True
    if changed:
        _save(notetype)


@action()
def updateModelStyling(model: ModelStylingUpdate) -> None:
    notetype = _editable_model(model["name"])
    notetype["css"] = model["css"]
    _save(notetype)


@action()
def findAndReplaceInModels(**params: Any) -> int:
    """Top-level parameters as upstream's code takes them; the README's (and typed
    clients') form nested in ``model`` is accepted too."""
    if set(params) == {"model"} and isinstance(params["model"], dict):
        params = params["model"]
    return _find_and_replace_in_models(**params)


def _find_and_replace_in_models(
    modelName: Any,
    findText: str,
    replaceText: str,
    front: bool = True,
    back: bool = True,
    css: bool = True,
) -> int:
    if modelName:
        targets = [_editable_model(modelName)]
    else:
        targets = [copy.deepcopy(m) for m in col().models.all()]
    changed_count = 0
    for notetype in targets:
        if _replace_in_model(notetype, findText, replaceText, front, back, css):
            _save(notetype)
            changed_count += 1
    return changed_count


_find_and_replace_in_models.__qualname__ = "AnkiConnect.findAndReplaceInModels"  # same TypeError text


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


@action()
def modelTemplateRename(modelName: str, oldTemplateName: str, newTemplateName: str) -> None:
    """Rename a card template; its cards keep it."""
    _rename(TEMPLATES, modelName, oldTemplateName, newTemplateName)


@action()
def modelTemplateReposition(modelName: str, templateName: str, index: int) -> None:
    """Move a card template to ``index`` (0-based); its cards move with it."""
    _reposition(TEMPLATES, modelName, templateName, index)


@action()
def modelTemplateAdd(modelName: str, template: Annotated[NamedCardTemplate, CHECKED]) -> None:
    notetype = _editable_model(modelName)
    name, front, back = template["Name"], template["Front"], template["Back"]
    target = _find_named(notetype["tmpls"], name)
    if target is None:
        target = col().models.new_template(name)
        col().models.add_template(notetype, target)
    # An existing template of that name is updated (upstream drops the change unsaved).
    target["qfmt"] = front
    target["afmt"] = back
    _save(notetype)


@action()
def modelTemplateRemove(modelName: str, templateName: str) -> None:
    """Remove a card template and delete its cards."""
    _remove(TEMPLATES, modelName, templateName)


# --- editing fields ------------------------------------------------------------------


@action()
def modelFieldRename(modelName: str, oldFieldName: str, newFieldName: str) -> None:
    """Rename a field; Anki renames its references in the templates as well."""
    _rename(FIELDS, modelName, oldFieldName, newFieldName)


@action()
def modelFieldReposition(modelName: str, fieldName: str, index: int) -> None:
    """Move a field to ``index`` (0-based); each note's content moves with it."""
    _reposition(FIELDS, modelName, fieldName, index)


@action()
def modelFieldAdd(modelName: str, fieldName: str, index: int | None = None) -> None:
    models = col().models
    notetype = _editable_model(modelName)
    field = _find_named(notetype["flds"], fieldName)
    if field is None:
        if not isinstance(fieldName, str):
            raise errors.ActionError(errors.FIELD_NAME_NOT_STRING.format(fieldName))
        field = models.new_field(fieldName)
        models.add_field(notetype, field)
    elif index is None:
        return  # already there and nothing to move
    if index is not None:
        models.reposition_field(notetype, field, index)
    _save(notetype)


@action()
def modelFieldRemove(modelName: str, fieldName: str) -> None:
    """Remove a field, its content in every note and its references in the templates."""
    _remove(FIELDS, modelName, fieldName)


@action()
def modelFieldSetFont(modelName: str, fieldName: str, font: Annotated[str, CHECKED]) -> None:
    def set_font(_notetype: NotetypeDict, field: dict[str, Any]) -> None:
        if not isinstance(font, str):
            raise errors.ActionError(errors.FONT_NOT_STRING.format(font))
        field["font"] = font

    _edit_part(FIELDS, modelName, fieldName, set_font)


@action()
def modelFieldSetFontSize(modelName: str, fieldName: str, fontSize: Annotated[int, CHECKED]) -> None:
    def set_size(_notetype: NotetypeDict, field: dict[str, Any]) -> None:
        if not is_int(fontSize):
            raise errors.ActionError(errors.FONT_SIZE_NOT_INT.format(fontSize))
        field["size"] = fontSize

    _edit_part(FIELDS, modelName, fieldName, set_size)


@action()
def modelFieldSetDescription(modelName: str, fieldName: str, description: Annotated[str, CHECKED]) -> bool:
    notetype = _editable_model(modelName)
    field = _part(notetype, FIELDS, modelName, fieldName)
    if not isinstance(description, str):
        raise errors.ActionError(errors.DESCRIPTION_NOT_STRING.format(description))
    if "description" not in field:  # note types from very old Anki versions
        return False
    field["description"] = description
    _save(notetype)
    return True
