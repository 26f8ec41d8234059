"""Anki as a whole: import a file, undo, check the database, exit."""

from __future__ import annotations

import concurrent.futures
import functools
import os
from typing import Any

from ... import errors
from ...errors import ActionError
from .._older_anki import require
from ..context import col, gui
from ..registry import action
from ._waiting import resolve, run_step, wait

#: guiExitAnki: the reply must leave before the window closes
EXIT_DELAY_MS = 1000


# --- import ----------------------------------------------------------------------------


@functools.cache
def _non_modal_import_dialog_class() -> type:
    """Anki's import window, without the application-wide modality it sets itself."""
    from aqt.import_export.import_dialog import ImportDialog
    from aqt.qt import Qt

    class NonModalImportDialog(ImportDialog):
        def _setup_ui(self) -> None:
            super()._setup_ui()
            self.setWindowModality(Qt.WindowModality.NonModal)

    return NonModalImportDialog


def _confirm_collection_import(mw: Any, path: str) -> None:
    """A .colpkg replaces the whole collection: Anki asks first; we ask without blocking."""
    from aqt.import_export.importing import ColpkgImporter
    from aqt.qt import QMessageBox, Qt
    from aqt.utils import ask_user_dialog, tr

    def answered(choice: int) -> None:
        if choice == 0:
            ColpkgImporter._import(mw, path)

    box = ask_user_dialog(
        tr.importing_this_will_delete_your_existing_collection(),
        callback=answered,
        buttons=[QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No],
        default_button=1,
        parent=mw,
        modality=Qt.WindowModality.NonModal,
    )
    box.silentlyClose = True  # closed without fuss if the profile closes


def _import_path(mw: Any, path: str) -> None:
    from aqt.import_export import importing
    from aqt.import_export.import_dialog import AnkiPackageArgs, CsvArgs

    if not os.path.isfile(path):
        raise ActionError(errors.IMPORT_FILE_MISSING.format(path))
    name = os.path.basename(path).lower()
    if importing.ColpkgImporter.can_import(name):
        _confirm_collection_import(mw, path)
    elif importing.ApkgImporter.can_import(name):
        _non_modal_import_dialog_class()(mw, AnkiPackageArgs(path))
    elif importing.CsvImporter.can_import(name):
        _non_modal_import_dialog_class()(mw, CsvArgs(path))
    elif importing.MnemosyneImporter.can_import(name):
        importing.MnemosyneImporter.do_import(mw, path)  # converts first, then Anki's window
    else:
        raise ActionError(errors.IMPORT_UNSUPPORTED)


def _pick_file_to_import(mw: Any) -> None:
    """File > Import's file picker, shown without blocking."""
    from anki.lang import without_unicode_isolation
    from aqt.import_export.importing import all_accepted_file_endings
    from aqt.qt import QFileDialog, Qt, qconnect
    from aqt.utils import tooltip, tr

    endings = " ".join(f"*{ending}" for ending in sorted(all_accepted_file_endings(mw)))
    picker = QFileDialog(mw, tr.actions_import())
    picker.setFileMode(QFileDialog.FileMode.ExistingFile)
    picker.setNameFilter(without_unicode_isolation(tr.importing_all_supported_formats(val=f"({endings})")))
    picker.setWindowModality(Qt.WindowModality.NonModal)
    picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    picker.silentlyClose = True

    def chosen(path: str) -> None:
        try:
            _import_path(mw, path)
        except Exception as exc:  # noqa: BLE001 - the user picked it: say so, don't crash
            tooltip(str(exc), parent=mw)

    qconnect(picker.fileSelected, chosen)
    picker.show()


@action()
def guiImportFile(path: str | None = None) -> None:
    require((23, 10), "guiImportFile")  # Anki's import window (aqt.import_export.import_dialog)
    mw = gui()
    col()
    if path is None:
        _pick_file_to_import(mw)
    else:
        _import_path(mw, str(path))


# --- undo ------------------------------------------------------------------------------


def _start_undo() -> "concurrent.futures.Future[Any]":
    """Anki's Edit > Undo, with a future that settles when it is done."""
    from anki.errors import UndoEmpty
    from aqt import gui_hooks
    from aqt.operations import CollectionOp
    from aqt.utils import tooltip, tr

    mw = gui()
    col()
    done: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def undone(out: Any) -> None:
        try:
            gui_hooks.state_did_undo(out)
            tooltip(tr.undo_action_undone(action=out.operation), parent=mw)
        finally:
            resolve(done, True)

    def failed(exc: Exception) -> None:
        # nothing to undo is not an error; anything else is shown without blocking
        if not isinstance(exc, UndoEmpty):
            tooltip(str(exc), parent=mw)
        resolve(done, True)

    CollectionOp(mw, lambda collection: collection.undo()).success(undone).failure(failed).run_in_background()
    return done


@action()
async def guiUndo() -> bool:
    held = errors.GUI_HELD_BY_DIALOG.format("guiUndo")
    await wait(await run_step(lambda _step: _start_undo(), held), held)
    return True


# --- check database, exit --------------------------------------------------------------


def _start_database_check(mw: Any) -> None:
    """Tools > Check Database in the background; the outcome is shown as a tooltip
    (Anki shows problems in a window that would block)."""
    from aqt.utils import tooltip

    def check() -> tuple[str, bool]:
        mw.create_backup_now()
        return mw.col.fix_integrity()

    def finished(future: "concurrent.futures.Future[tuple[str, bool]]") -> None:
        try:
            message, _ok = future.result()
        except Exception as exc:  # noqa: BLE001 - shown, never raised into Qt
            message = str(exc)
        tooltip(message, parent=mw, period=5000)
        mw.reset()

    mw.taskman.with_progress(check, finished)


@action()
def guiCheckDatabase() -> bool:
    mw = gui()
    col()
    _start_database_check(mw)
    return True


@action(needs_collection=False)
def guiExitAnki() -> None:
    """Closes Anki the normal way (collection saved) once this reply has gone out."""
    from ...ui import close_for_exit

    mw = gui()
    mw.progress.single_shot(EXIT_DELAY_MS, lambda: close_for_exit(mw), False)
