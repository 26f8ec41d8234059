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
from anki.collection import Collection as _Collection

from .. import errors
from ..errors import ActionError

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection
    from anki.notes import Note

__all__ = ["ANKI_VERSION", "add_notes", "column_sorting", "export_anki_package", "import_anki_package",
           "open_dialog", "require", "set_add_dialog_deck", "set_add_dialog_note_type", "start_media_sync",
           "sync_collection", "update_note", "with_progress", "commit", "commit_before_sync", "begin_after_sync",
           "KEEPS_A_TRANSACTION"]

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


def update_note(collection: Collection, note: Note) -> Any:
    """Save ``note`` without an undo step of its own (the API's batch is one change) where
    Anki can (23.10+); older ones make one, as Anki's own editor does."""
    if _UPDATE_NOTE_CAN_SKIP_UNDO:
        return collection.update_note(note, skip_undo_entry=True)
    return collection.update_note(note)


def column_sorting(column: Any, notes_mode: bool) -> int:
    """How the Browser sorts by ``column``: Anki 23.10+ says it per mode, older ones once."""
    if hasattr(column, "sorting_cards"):
        return column.sorting_notes if notes_mode else column.sorting_cards
    return column.sorting


def export_anki_package(collection: Collection, out_path: str, deck_id: int, scheduling: bool) -> None:
    """An .apkg of one deck, in the legacy format every Anki imports. Deck options go with
    the scheduling where Anki can leave them out (23.10+); older ones always include them."""
    from anki.collection import DeckIdLimit

    try:
        from anki.collection import ExportAnkiPackageOptions
    except ImportError:
        collection.export_anki_package(out_path=out_path, limit=DeckIdLimit(deck_id), with_scheduling=scheduling,
                                       with_media=True, legacy_support=True)
        return
    options = ExportAnkiPackageOptions(with_scheduling=scheduling, with_deck_configs=scheduling, with_media=True,
                                       legacy=True)
    collection.export_anki_package(out_path=out_path, options=options, limit=DeckIdLimit(deck_id))


def import_anki_package(collection: Collection, package: str) -> Any:
    """Import an .apkg, notes already present updated if newer, with whatever scheduling
    and deck options it carries; the result's ``changes`` say what changed. Before 23.10
    Anki's importer has no options, and does just that."""
    try:
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
        from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition
    except ImportError:
        return collection.import_anki_package(package)
    if_newer = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
    options = ImportAnkiPackageOptions(merge_notetypes=False, update_notes=if_newer, update_notetypes=if_newer,
                                       with_scheduling=True, with_deck_configs=True)
    return collection.import_anki_package(ImportAnkiPackageRequest(package_path=package, options=options))


def set_add_dialog_note_type(dialog: Any, note_type_id: int) -> None:
    """Switch the Add window to a note type, as its chooser does (the fields are carried
    over); ``set_note_type`` is 24.11's name for it."""
    if hasattr(dialog, "set_note_type"):
        dialog.set_note_type(note_type_id)
    else:
        dialog.notetype_chooser.selected_notetype_id = note_type_id


def set_add_dialog_deck(dialog: Any, deck_id: int) -> None:
    if hasattr(dialog, "set_deck"):
        dialog.set_deck(deck_id)
    else:
        dialog.deck_chooser.selected_deck_id = deck_id


def sync_collection(collection: Collection, auth: Any, sync_media: bool) -> Any:
    """The collection part of a normal sync (background thread). From 23.10 the backend
    also learns whether media will be synced next; 2.1.66 takes the login alone."""
    if "sync_media" in inspect.signature(collection.sync_collection).parameters:
        return collection.sync_collection(auth, sync_media)
    return collection.sync_collection(auth)


def start_media_sync(mw: Any) -> None:
    """Media sync after a normal sync, as Anki's own Sync button starts it."""
    syncer = mw.media_syncer
    if hasattr(syncer, "start_monitoring"):  # 23.10+: the backend already started it
        syncer.start_monitoring()
    else:
        syncer.start()


#: Anki before 23.10 keeps the collection in an open transaction that it commits now and
#: then (``save()``, at the latest every 5 minutes); 23.10 on commits each change itself
KEEPS_A_TRANSACTION = "trx" in inspect.signature(_Collection.save).parameters
#: decided once: update_note is called per note of a batch
_UPDATE_NOTE_CAN_SKIP_UNDO = "skip_undo_entry" in inspect.signature(_Collection.update_note).parameters


def commit(collection: Collection | None) -> None:
    """Commit what the API changed (after each main-thread turn), so that a crash or a
    kill of an older Anki loses none of it; nothing to do from 23.10 on."""
    if KEEPS_A_TRANSACTION and collection is not None and collection.db is not None:
        collection.save()


def commit_before_sync(collection: Collection) -> None:
    """The backend syncs outside Python's transaction (older Ankis): commit, open none."""
    if KEEPS_A_TRANSACTION:
        collection.save(trx=False)


def begin_after_sync(collection: Collection) -> None:
    if KEEPS_A_TRANSACTION and collection.db is not None:
        collection.db.begin()
