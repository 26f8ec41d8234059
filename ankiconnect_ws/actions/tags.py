"""Tag actions: add, remove and rename tags on many notes at once; list and clean up tags.

The tags of one note are read and set with ``getNoteTags`` / ``updateNoteTags`` (notes).
"""

from __future__ import annotations

from typing import Annotated, Any

from .. import errors
from ..errors import ActionError
from ._checks import note_ids, tag_text
from ._types import OWN_CHECK, Flag, NoteIds, TagString
from .context import col
from .registry import action


def _tag_string(tags: Any) -> str:
    if not isinstance(tags, str):
        raise ActionError(errors.TAGS_NOT_STRING)
    return tags


@action()
def addTags(notes: NoteIds, tags: TagString, add: Flag = True) -> None:
    ids, text = note_ids(notes), _tag_string(tags)
    if add:
        col().tags.bulk_add(ids, tag_text(text))
    else:
        col().tags.bulk_remove(ids, text)


@action()
def removeTags(notes: NoteIds, tags: TagString) -> None:
    col().tags.bulk_remove(note_ids(notes), _tag_string(tags))


@action()
def getTags() -> list[str]:
    return col().tags.all()


@action()
def clearUnusedTags() -> None:
    col().tags.clear_unused_tags()


#: characters with a meaning in Anki's (Rust) regex syntax
_REGEX_META = set("\\.+*?()|[]{}^$#&-~")


def _whole_tag_pattern(tag: str) -> str:
    """A regex matching exactly ``tag`` (Anki's find-and-replace matches inside tags)."""
    escaped = "".join("\\" + ch if ch in _REGEX_META else ch for ch in tag)
    return f"^{escaped}$"


def _replace_tag(ids: list[int], old: Any, new: Any) -> None:
    old_tag, new_tag = _tag_string(old), tag_text(_tag_string(new))
    if not ids or not old_tag:
        return
    col().tags.find_and_replace(
        ids, _whole_tag_pattern(old_tag), new_tag.replace("$", "$$"), regex=True, match_case=False
    )


@action()
def replaceTags(notes: NoteIds, tag_to_replace: Annotated[str, OWN_CHECK], replace_with_tag: Annotated[str, OWN_CHECK]) -> None:
    _replace_tag(note_ids(notes), tag_to_replace, replace_with_tag)


@action()
def replaceTagsInAllNotes(tag_to_replace: Annotated[str, OWN_CHECK], replace_with_tag: Annotated[str, OWN_CHECK]) -> None:
    _replace_tag(col().db.list("select id from notes"), tag_to_replace, replace_with_tag)
