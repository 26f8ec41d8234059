"""Waiting for a step Anki finishes later on its main thread.

The step is started on the main thread and hands back a future; the action awaits it on
the server loop (never on the main thread), with a time limit, so the client's next
request already sees the result and a step Anki never finishes cannot hold the reply.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any

from ..context import wait_for_anki

__all__ = ["STEP_TIMEOUT", "resolve", "wait", "after_editor_saved"]

#: how long an action waits for Anki to finish a step it started (editor save, answer)
STEP_TIMEOUT = 10.0


def resolve(future: "concurrent.futures.Future[Any]", value: Any = None, error: BaseException | None = None) -> None:
    """Settle ``future`` unless it is settled already (or was given up after a timeout)."""
    if future.done():
        return
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)
    except concurrent.futures.InvalidStateError:
        pass


async def wait(future: "concurrent.futures.Future[Any] | None", timeout: float = STEP_TIMEOUT) -> Any:
    """The future's result; None if Anki did not get there in time (the step may still run)."""
    if future is None:
        return None
    try:
        return await wait_for_anki(future, timeout)
    except asyncio.TimeoutError:
        return None


def after_editor_saved(editor: Any, step: Callable[[], Any]) -> "concurrent.futures.Future[Any]":
    """Run ``step`` once ``editor`` saved its pending edits, as Anki does before a search.

    Qt calls the callback later; an exception there must not reach Anki's error dialog,
    it goes to the waiting action instead.
    """
    done: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def run() -> None:
        try:
            resolve(done, step())
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            resolve(done, error=exc)

    if editor is None:
        run()
    else:
        editor.call_after_note_saved(run)
    return done
