"""Whole-collection actions: AnkiWeb sync, add-on upgrade, reload, .apkg export and import.

Network I/O never runs on Anki's main thread: ``sync`` hands the collection sync to
Anki's own background task runner (``mw.taskman``), as Anki's Sync button does, and
``upgrade`` asks AnkiWeb from a worker thread. Package export/import are one
main-thread turn each (the backend does the work in Rust).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
from typing import TYPE_CHECKING, Any

from .. import errors
from ..errors import ActionError
from ._older_anki import (
    begin_after_sync, commit_before_sync, export_anki_package, import_anki_package, start_media_sync, sync_collection,
    with_progress,
)
from ._types import FilePath, Flag
from .context import col, env, gui, on_main
from .registry import action

if TYPE_CHECKING:  # pragma: no cover
    from anki.collection import Collection
    from anki.sync_pb2 import SyncAuth

log = logging.getLogger("ankiconnect_ws")

#: how long ``upgrade`` waits for AnkiWeb's "is there a newer version" answer
UPDATE_CHECK_TIMEOUT = 5.0
#: how often the sync progress window refreshes (ms), as in Anki's own sync
SYNC_PROGRESS_INTERVAL = 150


# --- sync ------------------------------------------------------------------------------


@action()
async def sync() -> None:
    """Sync the collection with AnkiWeb (or the profile's custom sync server)."""
    finished = await on_main(_start_sync)
    await asyncio.wrap_future(finished)


def _start_sync() -> "concurrent.futures.Future[None]":
    collection = col()
    mw = gui()
    auth = mw.pm.sync_auth()
    if auth is None:
        raise ActionError(errors.SYNC_AUTH_NOT_CONFIGURED)
    return _CollectionSync(mw, collection, auth).start()


class _CollectionSync:
    """One normal sync, run like Anki's Sync button but with no dialogs: the outcome
    (null or an error message) goes to the API caller instead of a message box.

    The backend holds the collection for the whole sync, so any collection call on the
    main thread would freeze Anki until it ends. The ``sync_will_start`` /
    ``sync_did_finish`` hooks fired here make the add-on answer ``collection is not
    available`` meanwhile, exactly as for a sync started from Anki's Sync button.
    """

    def __init__(self, mw: Any, collection: "Collection", auth: "SyncAuth") -> None:
        self.mw = mw
        self.collection = collection
        self.auth = auth
        self.sync_media = bool(mw.pm.media_syncing_enabled())
        self.done: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._timer: Any = None

    def start(self) -> "concurrent.futures.Future[None]":
        from aqt import gui_hooks
        from aqt.qt import QTimer, qconnect
        from aqt.sync import on_normal_sync_timer
        from aqt.utils import tr

        gui_hooks.sync_will_start()
        self._timer = QTimer(self.mw)
        qconnect(self._timer.timeout, lambda: on_normal_sync_timer(self.mw))
        self._timer.start(SYNC_PROGRESS_INTERVAL)
        collection, auth, media = self.collection, self.auth, self.sync_media
        commit_before_sync(collection)
        try:
            with_progress(
                self.mw.taskman,
                lambda: sync_collection(collection, auth, media),
                self._finished,
                label=tr.sync_checking(),
                title=tr.sync_checking(),
                immediate=True,
            )
        except Exception:
            self._stop_timer()
            begin_after_sync(collection)
            gui_hooks.sync_did_finish()
            raise
        return self.done

    def _stop_timer(self) -> None:
        self._timer.stop()
        self._timer.deleteLater()

    def _finished(self, task: "concurrent.futures.Future[Any]") -> None:
        """Main thread, once the background sync ended (successfully or not)."""
        self._stop_timer()
        try:
            self._apply(task)
        except Exception as exc:  # noqa: BLE001 - every failure is the caller's answer
            self.done.set_exception(exc if isinstance(exc, ActionError) else ActionError(_message(exc)))
        else:
            self.done.set_result(None)
        finally:
            self._refresh_gui()

    def _apply(self, task: "concurrent.futures.Future[Any]") -> None:
        from anki.errors import Interrupted, SyncError, SyncErrorKind

        begin_after_sync(self.collection)
        if self.collection.db is not None:
            self.collection._load_scheduler()  # a sync may change the scheduler version
        try:
            out = task.result()
        except Interrupted:  # the Cancel button of the progress window
            raise ActionError(errors.SYNC_CANCELLED) from None
        except SyncError as exc:
            if exc.kind is SyncErrorKind.AUTH:  # the login expired: forget it, as Anki does
                self.mw.pm.clear_sync_auth()
            raise ActionError(_message(exc)) from None
        pm = self.mw.pm
        pm.set_host_number(out.host_number)
        if out.new_endpoint:
            pm.set_current_sync_url(out.new_endpoint)
        if out.server_message:
            _tooltip(out.server_message)
        if out.required not in (out.NO_CHANGES, out.NORMAL_SYNC):
            # A full sync means choosing which side to overwrite: only the user can.
            raise ActionError(errors.SYNC_STATUS_NOT_ACCEPTED.format(out.required))
        if self.sync_media:
            start_media_sync(self.mw)

    def _refresh_gui(self) -> None:
        """What Anki does after its own sync: reload caches, tell add-ons, redraw."""
        from aqt import gui_hooks

        try:
            if self.mw.col is self.collection and self.collection.db is not None:
                self.collection.models._clear_cache()
            gui_hooks.sync_did_finish()
            self.mw.reset()
            self.mw.toolbar.redraw()
        except Exception:  # noqa: BLE001 - the sync is over; a stale screen is no API error
            log.exception("refresh after sync failed")


def _message(exc: BaseException) -> str:
    from anki.lang import without_unicode_isolation

    return without_unicode_isolation(str(exc)).strip() or type(exc).__name__


def _tooltip(text: str) -> None:
    from aqt.utils import tooltip

    tooltip(text, period=10000)


# --- upgrade ---------------------------------------------------------------------------


@action(needs_collection=False)
async def upgrade() -> bool:
    """Install a newer version of this add-on from AnkiWeb; true once installed.

    False when the add-on was not installed from AnkiWeb, is up to date, or AnkiWeb
    cannot be reached in time. The update takes effect when Anki restarts.
    """
    target = await on_main(_ankiweb_target)
    if target is None:
        return False
    manager, addon_id = target
    try:
        infos = await asyncio.wait_for(asyncio.to_thread(_fetch_update_info, addon_id), UPDATE_CHECK_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - offline, timeout, AnkiWeb error: no update
        log.info("add-on update check failed: %s", exc)
        return False
    if not await on_main(lambda: _has_update(manager, infos)):
        return False
    installed = await asyncio.to_thread(_download_and_install, manager, addon_id)
    if installed:
        await on_main(_tell_restart)
    return installed


def _ankiweb_target() -> tuple[Any, int] | None:
    """Anki's add-on manager and our AnkiWeb id (None: not installed from AnkiWeb)."""
    manager = gui().addonManager
    addon_id = manager.addon_meta(manager.addonFromModule(__name__)).ankiweb_id()
    return None if addon_id is None else (manager, addon_id)


def _fetch_update_info(addon_id: int) -> list[Any]:
    from aqt.addons import fetch_update_info

    return fetch_update_info([addon_id])


def _has_update(manager: Any, infos: list[Any]) -> bool:
    manager.update_supported_versions(infos)
    return bool(manager.get_updated_addons(infos))


def _download_and_install(manager: Any, addon_id: int) -> bool:
    """Worker thread, like Anki's own add-on downloader."""
    from anki.httpclient import HttpClient
    from aqt.addons import InstallOk, download_and_install_addon

    with HttpClient() as client:
        _, outcome = download_and_install_addon(manager, client, addon_id)
    if not isinstance(outcome, InstallOk):
        log.warning("add-on update failed: %s", outcome)
    return isinstance(outcome, InstallOk)


def _tell_restart() -> None:
    from aqt.utils import tr

    _tooltip(tr.addons_download_complete_please_restart_anki_to())


# --- reload ----------------------------------------------------------------------------


@action()
def reloadCollection() -> None:
    """Re-read what Python keeps of the collection and redraw Anki's screens.

    For changes made behind Anki's back (another program writing the database).
    """
    collection = col()
    collection._clear_caches()  # the note type cache
    collection._load_scheduler()
    mw = env().mw
    if mw is not None:
        mw.reset()


# --- packages --------------------------------------------------------------------------


def _package_path(path: Any) -> str:
    if not isinstance(path, str) or not path:
        raise ActionError(errors.PACKAGE_PATH_INVALID.format(path))
    return path


#: SQLite's files of a database, by the suffix after its name
_DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _is_database_file(collection: "Collection", path: str) -> bool:
    """Whether ``path`` names a database file of the open collection (or of its media).

    Anki writes an export to a new file that it renames over ``path``: over the live
    collection, every change is then written to a deleted file and lost, and the next
    start finds a zip where the collection was. Names are compared without case (as
    macOS and Windows do), the folder by identity (links and ``..`` do not hide it).
    """
    from anki.media import media_paths_from_col_path

    folder, name = os.path.split(os.path.abspath(path))
    databases = (collection.path, media_paths_from_col_path(collection.path)[1])
    names = {os.path.basename(db).lower() + suffix for db in databases for suffix in _DATABASE_SUFFIXES}
    try:
        return name.lower() in names and os.path.samefile(folder, os.path.dirname(collection.path))
    except OSError:  # the folder does not exist: Anki's own error says so
        return False


@action(needs_collection=False)
def exportPackage(deck: str, path: FilePath, includeSched: Flag = False) -> bool:
    """Write ``deck`` (with its subdecks and media) to an .apkg at ``path``."""
    out_path = _package_path(path)  # before anything else: a bad path is always an error
    collection = env().collection()
    if collection is None:  # upstream answers false here, not an error
        return False
    if _is_database_file(collection, out_path):
        raise ActionError(errors.PACKAGE_PATH_COLLECTION.format(path))
    deck_id = collection.decks.id_for_name(deck) if isinstance(deck, str) else None
    if not deck_id:
        return False
    # due dates and review history, with their deck options; legacy: the format upstream
    # writes, which every Anki version can import
    export_anki_package(collection, out_path, deck_id, scheduling=bool(includeSched))
    return True


@action()
def importPackage(path: FilePath) -> bool:
    """Import the .apkg at ``path``; notes already present are updated if newer."""
    collection = col()
    package = _package_path(path)
    if not os.path.isfile(package):
        raise ActionError(errors.PACKAGE_NOT_FOUND.format(package))
    # scheduling and deck options: whatever the package carries, as upstream's importer did
    result = import_anki_package(collection, package)
    _announce(result.changes)
    return True


def _announce(changes: Any) -> None:
    """Let Anki's screens (deck list, browser) show the imported notes, once the
    request is done."""
    environment = env()
    if environment.mw is not None:
        environment.screens.add(changes)
