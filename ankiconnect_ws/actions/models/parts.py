"""A note type's fields and card templates: renaming, moving, adding and removing them,
and a field's font, size and description. Fields and templates are edited alike
(:class:`_Parts` says which list and which Anki calls)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from ... import errors
from .._checks import is_int
from .._types import CHECKED, NamedCardTemplate
from ..context import col
from ..registry import action
from ._notetype import NotetypeDict, editable_model, find_named, save


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
    part = find_named(notetype[parts.key], name)
    if part is None:
        raise errors.ActionError(parts.not_found.format(model_name, name))
    return part


def _edit_part(
    parts: _Parts, model_name: Any, name: Any, change: Callable[[NotetypeDict, dict[str, Any]], None]
) -> None:
    """``change`` the entry ``name`` in a copy of the note type, then save the copy."""
    notetype = editable_model(model_name)
    change(notetype, _part(notetype, parts, model_name, name))
    save(notetype)


def _rename(parts: _Parts, model_name: Any, old_name: Any, new_name: Any) -> None:
    _edit_part(parts, model_name, old_name, lambda _notetype, part: part.update(name=new_name))


def _reposition(parts: _Parts, model_name: Any, name: Any, index: Any) -> None:
    move = getattr(col().models, parts.reposition)
    _edit_part(parts, model_name, name, lambda notetype, part: move(notetype, part, index))


def _remove(parts: _Parts, model_name: Any, name: Any) -> None:
    remove = getattr(col().models, parts.remove)
    _edit_part(parts, model_name, name, lambda notetype, part: remove(notetype, part))


# --- card templates ------------------------------------------------------------------


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
    notetype = editable_model(modelName)
    name, front, back = template["Name"], template["Front"], template["Back"]
    target = find_named(notetype["tmpls"], name)
    if target is None:
        target = col().models.new_template(name)
        col().models.add_template(notetype, target)
    # An existing template of that name is updated (upstream drops the change unsaved).
    target["qfmt"] = front
    target["afmt"] = back
    save(notetype)


@action()
def modelTemplateRemove(modelName: str, templateName: str) -> None:
    """Remove a card template and delete its cards."""
    _remove(TEMPLATES, modelName, templateName)


# --- fields ------------------------------------------------------------------


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
    notetype = editable_model(modelName)
    field = find_named(notetype["flds"], fieldName)
    if field is None:
        if not isinstance(fieldName, str):
            raise errors.ActionError(errors.FIELD_NAME_NOT_STRING.format(fieldName))
        field = models.new_field(fieldName)
        models.add_field(notetype, field)
    elif index is None:
        return  # already there and nothing to move
    if index is not None:
        models.reposition_field(notetype, field, index)
    save(notetype)


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
        if not 0 <= fontSize <= 65535:  # Anki stores it in 16 bits and refuses more with its JSON error
            raise errors.ActionError(errors.FONT_SIZE_OUT_OF_RANGE.format(fontSize))
        field["size"] = fontSize

    _edit_part(FIELDS, modelName, fieldName, set_size)


@action()
def modelFieldSetDescription(modelName: str, fieldName: str, description: Annotated[str, CHECKED]) -> bool:
    notetype = editable_model(modelName)
    field = _part(notetype, FIELDS, modelName, fieldName)
    if not isinstance(description, str):
        raise errors.ActionError(errors.DESCRIPTION_NOT_STRING.format(description))
    if "description" not in field:  # note types from very old Anki versions
        return False
    field["description"] = description
    save(notetype)
    return True
