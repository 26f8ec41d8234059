"""Profile actions: list, switch, close. They work while no collection is open."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any

from .. import errors
from .context import gui, on_main, wait_for_anki
from .registry import action

#: a profile switch waits for Anki's windows to close; one that asks the user (unsaved
#: input in the Add window) could wait forever, and every request must get an answer
SWITCH_TIMEOUT = 20.0


async def _settled(outcome: "concurrent.futures.Future[bool] | bool") -> bool:
    if isinstance(outcome, bool):
        return outcome
    try:
        return await wait_for_anki(outcome, SWITCH_TIMEOUT)
    except asyncio.TimeoutError:
        raise errors.ActionError(errors.PROFILE_SWITCH_WAITING) from None


@action(needs_collection=False)
def getProfiles() -> list[str]:
    return list(gui().pm.profiles())


@action(needs_collection=False)
def getActiveProfile() -> str | None:
    mw = gui()
    return mw.pm.name if mw.col is not None else None


def _open_profile(mw: Any, name: str) -> "concurrent.futures.Future[bool]":
    """Main thread: close the current profile (if any) and open ``name``."""
    done: concurrent.futures.Future[bool] = concurrent.futures.Future()

    def opened() -> None:
        if not done.done():
            done.set_result(mw.col is not None)

    def load() -> None:
        mw.pm.load(name)
        diag = getattr(mw, "profileDiag", None)
        if diag is not None and diag.isVisible():
            mw.onOpenProfile(callback=opened)
        else:
            mw.loadProfile(opened)

    if mw.col is not None:
        mw.unloadProfile(load)
    else:
        load()
    return done


@action(needs_collection=False)
async def loadProfile(name: str) -> bool:
    """Switch to profile ``name``; answers once it is open (the server keeps serving)."""

    def start() -> "concurrent.futures.Future[bool] | bool":
        mw = gui()
        if name not in mw.pm.profiles():
            raise errors.ActionError(errors.PROFILE_NOT_FOUND.format(name))
        if mw.pm.name == name and mw.col is not None:
            return True
        return _open_profile(mw, name)

    return await _settled(await on_main(start))


@action(needs_collection=False)
async def unloadProfile() -> bool:
    """Ours: close the open profile and show the profile chooser (File > Switch Profile).

    Returns false when no profile is open. ``loadProfile`` opens one again.
    """

    def start() -> "concurrent.futures.Future[bool] | bool":
        mw = gui()
        if mw.col is None:
            return False
        done: concurrent.futures.Future[bool] = concurrent.futures.Future()

        def closed() -> None:
            mw.showProfileManager()
            done.set_result(True)

        mw.unloadProfile(closed)
        return done

    return await _settled(await on_main(start))
