"""Lookups and the save shared by the model actions: note types by name or id, an
editable copy (never Anki's cached dict), a field or template by name."""

from __future__ import annotations

import copy
from typing import Any

from ... import errors
from .._checks import require_model
from ..context import col

NotetypeDict = dict[str, Any]


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
    col().models.update_dict(notetype)


def find_named(items: list[dict[str, Any]], name: Any) -> dict[str, Any] | None:
    return next((item for item in items if item["name"] == name), None)
