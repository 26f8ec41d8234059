"""Lookups and the save shared by the model actions: note types by name or id, an
editable copy (never Anki's cached dict), a field or template by name."""

from __future__ import annotations

import copy
import re
from typing import Any

from ... import errors
from .._checks import require_model
from ..context import col

NotetypeDict = dict[str, Any]

#: Anki parses a template in Rust on the main thread when it is saved, recursing once per
#: ``{{#X}}``/``{{^X}}`` section: some 10,000 nested sections overflow an 8 MiB stack
#: (fewer on a smaller one) and Anki dies with a segmentation fault instead of an error.
MAX_TEMPLATE_DEPTH = 200
#: a section's opening or closing tag, also in Anki's alternative ``<% %>`` delimiters
_SECTION_TAG = re.compile(r"(?:\{\{|<%)\s*([#^/])")


def model_named(name: Any) -> NotetypeDict:
    return require_model(col(), name)


def model_by_id(model_id: Any) -> NotetypeDict:
    try:
        notetype = col().models.get(int(model_id))
    except (TypeError, ValueError):
        notetype = None
    if notetype is None:
        raise errors.ActionError(errors.MODEL_NOT_FOUND.format(model_id))
    return notetype


def editable_model(name: Any) -> NotetypeDict:
    # models.get() hands out Anki's cached dict: never change that one in place.
    return copy.deepcopy(model_named(name))


def save(notetype: NotetypeDict) -> None:
    check_templates(notetype)
    col().models.update_dict(notetype)


def find_named(items: list[dict[str, Any]], name: Any) -> dict[str, Any] | None:
    return next((item for item in items if item["name"] == name), None)


def check_templates(notetype: NotetypeDict) -> None:
    """An error for a template whose sections nest too deep for Anki to parse."""
    for template in notetype["tmpls"]:
        for text in (template["qfmt"], template["afmt"]):
            if isinstance(text, str) and _nests_too_deep(text):
                raise errors.ActionError(errors.TEMPLATE_TOO_DEEP.format(template["name"], MAX_TEMPLATE_DEPTH))


def _nests_too_deep(text: str) -> bool:
    if text.count("#") + text.count("^") <= MAX_TEMPLATE_DEPTH:
        return False  # too few sections to matter
    depth = 0
    for tag in _SECTION_TAG.finditer(text):
        depth = max(0, depth - 1) if tag.group(1) == "/" else depth + 1
        if depth > MAX_TEMPLATE_DEPTH:
            return True
    return False
