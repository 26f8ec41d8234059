"""What Anki versions older than the newest lack, in one place: each function uses
Anki's own call where it exists and the older equivalent elsewhere, so the actions read
the same on every Anki the add-on supports (2.1.66 on). An action that cannot work at
all on an older Anki says so with :func:`require` (errors.ANKI_TOO_OLD), naming the
version it needs; docs/compatibility.md lists those actions.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from anki.buildinfo import version as _anki_version

from .. import errors
from ..errors import ActionError

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection
    from anki.notes import Note

__all__ = ["ANKI_VERSION", "add_notes", "open_dialog", "require", "with_progress"]

#: this Anki's version, comparable: (2, 1, 66), (23, 12, 1), (25, 2, 7)
ANKI_VERSION = tuple(int(part) for part in _anki_version.split(".")[:3] if part.isdigit())


def require(needed: tuple[int, ...], action: str) -> None:
    """ActionError (errors.ANKI_TOO_OLD) unless this Anki is ``needed`` or newer."""
    if ANKI_VERSION < needed:
        shown = ".".join(f"{part:02d}" if index == 1 and needed[0] > 2 else str(part)
                         for index, part in enumerate(needed))
        raise ActionError(errors.ANKI_TOO_OLD.format(action=action, version=shown))


def add_notes(collection: Collection, notes: Sequence[tuple[Note, int]]) -> None:
    """Add each note to its deck: in one backend call (and one undo step) where Anki has
    ``add_notes`` (23.10+), else one ``add_note`` each, as Anki 2.1.66 itself adds them."""
    if hasattr(collection, "add_notes"):
        from anki.collection import AddNoteRequest

        collection.add_notes([AddNoteRequest(note, deck_id) for note, deck_id in notes])
        return
    for note, deck_id in notes:
        collection.add_note(note, deck_id)


def open_dialog(name: str) -> Any | None:
    """The open window of Anki's dialog manager called ``name`` ("Browser", "AddCards"),
    or None. ``getInstance`` is Anki 25.07's; before, the manager's table holds it."""
    import aqt

    get_instance = getattr(aqt.dialogs, "getInstance", None)
    if get_instance is not None:
        return get_instance(name)
    entry = aqt.dialogs._dialogs.get(name)
    return entry[1] if entry else None


def with_progress(taskman: Any, task: Callable[[], Any], on_done: Callable[[Any], None], **options: Any) -> None:
    """``taskman.with_progress`` with the options this Anki knows (``title`` came after
    25.02: older ones show the label alone)."""
    known = inspect.signature(taskman.with_progress).parameters
    taskman.with_progress(task, on_done, **{key: value for key, value in options.items() if key in known})
