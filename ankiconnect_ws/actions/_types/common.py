"""Markers and value shapes every domain uses: how lenient a parameter is, flags, ids,
field texts, tags, file paths.
"""

from __future__ import annotations

from typing import Annotated, Optional, TypedDict, Union

from ...schema.hints import TRUTHINESS, UPSTREAM_CHECK, Keywords, Lenient

#: an item of a batch that the action answers in its place (null, false, ``{}`` or an
#: error detail), so a bad item never fails the whole call
PER_ITEM = Lenient("per item: a bad item is answered in its place, the others go on")
#: the action answers ``false`` for other values, as upstream
FALSE_OTHERWISE = Lenient("other values: the result is false (as upstream)")
#: the action checks the value and answers upstream's error text
CHECKED = Lenient(UPSTREAM_CHECK)
#: the action checks the value and answers its own error text (which clients and tests
#: read, so the schema check must not answer first)
OWN_CHECK = Lenient("checked by the action, with its own error text")


# --- values clients send ---------------------------------------------------------------

#: a flag read by its truthiness, as upstream (``0``, ``""`` and ``null`` are false)
Flag = Annotated[bool, Lenient(TRUTHINESS)]
#: an id some actions take as a number or as its text (they convert with ``int()``)
IntOrText = Union[int, str]
#: a field's value: text; a number is stored as its text, null as ""
FieldText = Optional[Union[str, int, float]]
#: tags as one string or as a list of strings
Tags = Annotated[Union[str, list[str]], OWN_CHECK]
#: tags as one space-separated string
TagString = Annotated[str, Keywords(description="space-separated tags"), OWN_CHECK]
#: a file path on the Anki host, checked by the action ("path must be a file path string")
FilePath = Annotated[str, OWN_CHECK]


# --- results ---------------------------------------------------------------------------


class NotFound(TypedDict):
    """``{}``: the id asked for was not found."""
