"""A note type's fields and card templates: renaming, moving, adding and removing them,
and a field's font, size and description. Fields and templates are edited alike
(:class:`_Parts` finds an entry by name in the right list; each action names its Anki call)."""

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

    def find(self, notetype: NotetypeDict, model_name: Any, name: Any) -> dict[str, Any]:
        part = find_named(notetype[self.key], name)
        if part is None:
            raise errors.ActionError(self.not_found.format(model_name, name))
        return part

    def edit(self, model_name: Any, name: Any, change: Callable[..., None], *args: Any) -> None:
        """Call ``change(notetype, entry, *args)`` on a copy of the note type, then save
        the copy. ``change`` is mostly one of Anki's ModelManager methods."""
        notetype = editable_model(model_name)
        change(notetype, self.find(notetype, model_name, name), *args)
        save(notetype)


FIELDS = _Parts("flds", errors.FIELD_NOT_FOUND)
TEMPLATES = _Parts("tmpls", errors.TEMPLATE_NOT_FOUND)


# --- card templates ------------------------------------------------------------------


def _rename_template(_notetype: NotetypeDict, template: dict[str, Any], name: str) -> None:
    # Anki's ModelManager has rename_field but no rename_template: the name is all there is.
    template["name"] = name


@action()
def modelTemplateRename(modelName: str, oldTemplateName: str, newTemplateName: str) -> None:
    """Rename a card template; its cards keep it."""
    TEMPLATES.edit(modelName, oldTemplateName, _rename_template, newTemplateName)


@action()
def modelTemplateReposition(modelName: str, templateName: str, index: int) -> None:
    """Move a card template to ``index`` (0-based); its cards move with it."""
    TEMPLATES.edit(modelName, templateName, col().models.reposition_template, index)


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
    TEMPLATES.edit(modelName, templateName, col().models.remove_template)


# --- fields ------------------------------------------------------------------


@action()
def modelFieldRename(modelName: str, oldFieldName: str, newFieldName: str) -> None:
    """Rename a field; Anki renames its references in the templates as well."""
    FIELDS.edit(modelName, oldFieldName, col().models.rename_field, newFieldName)


@action()
def modelFieldReposition(modelName: str, fieldName: str, index: int) -> None:
    """Move a field to ``index`` (0-based); each note's content moves with it."""
    FIELDS.edit(modelName, fieldName, col().models.reposition_field, index)


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
    FIELDS.edit(modelName, fieldName, col().models.remove_field)


@action()
def modelFieldSetFont(modelName: str, fieldName: str, font: Annotated[str, CHECKED]) -> None:
    def set_font(_notetype: NotetypeDict, field: dict[str, Any]) -> None:
        if not isinstance(font, str):
            raise errors.ActionError(errors.FONT_NOT_STRING.format(font))
        field["font"] = font

    FIELDS.edit(modelName, fieldName, set_font)


@action()
def modelFieldSetFontSize(modelName: str, fieldName: str, fontSize: Annotated[int, CHECKED]) -> None:
    def set_size(_notetype: NotetypeDict, field: dict[str, Any]) -> None:
        if not is_int(fontSize):
            raise errors.ActionError(errors.FONT_SIZE_NOT_INT.format(fontSize))
        if not 0 <= fontSize <= 65535:  # Anki stores it in 16 bits and refuses more with its JSON error
            raise errors.ActionError(errors.FONT_SIZE_OUT_OF_RANGE.format(fontSize))
        field["size"] = fontSize

    FIELDS.edit(modelName, fieldName, set_size)


@action()
def modelFieldSetDescription(modelName: str, fieldName: str, description: Annotated[str, CHECKED]) -> bool:
    notetype = editable_model(modelName)
    field = FIELDS.find(notetype, modelName, fieldName)
    if not isinstance(description, str):
        raise errors.ActionError(errors.DESCRIPTION_NOT_STRING.format(description))
    if "description" not in field:  # note types from very old Anki versions
        return False
    field["description"] = description
    save(notetype)
    return True
