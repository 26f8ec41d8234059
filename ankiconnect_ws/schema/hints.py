"""Markers the action modules put in their type hints where a Python type alone does not
say what the API accepts. Plain data: this module imports nothing of ours, so the
action modules can use it without importing the schema builder.

* ``Annotated[T, Keywords(minimum=1)]``: JSON Schema keywords added to ``T``'s schema.
* ``Annotated[T, Lenient("why")]``: ``T`` is what clients should send, but the action
  itself accepts or checks other values too (upstream's leniency, or upstream's own
  error text for a wrong value). The schema shows ``T`` with ``"x-lenient": "why"``; a
  validator that keeps upstream's behaviour checks nothing below that point (see
  :func:`ankiconnect_ws.schema.validation_schema`).
* ``@open_keys`` on a TypedDict: other keys are allowed (and ignored by the action).
  Without it a TypedDict's schema says ``additionalProperties: false``.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["Keywords", "Lenient", "open_keys", "is_open", "TRUTHINESS", "UPSTREAM_CHECK", "Required", "NotRequired"]

#: Python 3.11's TypedDict markers, for the TypedDicts' hints. Those hints are text that
#: only the schema builder evaluates, on Python 3.11+. Anki up to 25.02 runs Python 3.9,
#: which lacks these: there the built add-on's schemas come prebuilt, nothing evaluates
#: the hints, and the names only need to exist.
Required: Any = getattr(typing, "Required", None)
NotRequired: Any = getattr(typing, "NotRequired", None)

T = TypeVar("T", bound=type)

#: a flag read by its truthiness, as upstream: any value is accepted
TRUTHINESS = "any value, read as true or false (as upstream)"
#: the action checks the value itself and answers upstream's exact error text
UPSTREAM_CHECK = "checked by the action, with upstream's error text"

_OPEN: set[type] = set()


class Keywords(dict[str, Any]):
    """JSON Schema keywords to merge into a type's schema (``Annotated`` metadata)."""

    def __init__(self, **keywords: Any) -> None:
        super().__init__(keywords)

    def __hash__(self) -> int:  # Annotated metadata may be hashed (typing caches)
        return id(self)


@dataclass(frozen=True)
class Lenient:
    """The action accepts (or checks, with upstream's wording) more than the type says."""

    reason: str


def open_keys(cls: T) -> T:
    """Mark a TypedDict whose objects may carry other keys (the action ignores them)."""
    _OPEN.add(cls)
    return cls


def is_open(cls: type) -> bool:
    return cls in _OPEN
