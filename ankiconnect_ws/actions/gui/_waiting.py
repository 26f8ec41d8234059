"""Waiting for a step Anki finishes later on its main thread.

The step is started on the main thread and hands back a future; the action awaits it on
the server loop (never on the main thread), with a time limit, so the client's next
request already sees the result and a step Anki never finishes cannot hold the reply.

A modal dialog (a warning box Anki opens from its task queue, a page's alert) runs a
nested event loop: our requests are still served inside it, but a step can be held by
it - the step's own main-thread job when the box opened inside it, or Anki's callback
that finishes the step when it waits behind the box. Nobody may be there to close the
box, so a held step is answered within about a second with an error that says so,
never with a result it did not get.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ...errors import ActionError
from ...runner import Continue
from ..context import col, on_main

__all__ = [
    "STEP_TIMEOUT",
    "DIALOG_POLL",
    "DialogHolds",
    "Step",
    "dialog_open",
    "resolve",
    "run_step",
    "wait",
    "after_editor_saved",
]

T = TypeVar("T")

#: how long an action waits for Anki to finish a step it started (editor save, answer)
STEP_TIMEOUT = 10.0
#: how often a waiting action asks the main thread whether a modal dialog holds it
DIALOG_POLL = 0.2
#: how long a modal dialog may stay open while a step's callback is pending before the
#: wait gives up: the callback may be held behind the dialog, or merely slow inside its
#: nested loop (a Browser search under a box left open took over 0.4 s)
DIALOG_GRACE = 3.0
#: how long a step may defer to the task queue's pending closures (see Step.may_defer)
DEFER_LIMIT = 0.5


class DialogHolds(ActionError):
    """A modal dialog on Anki's main thread holds the step; the message says what then."""


def dialog_open() -> bool:
    """Main thread: a modal dialog is open. Anki's progress window is application-modal
    too, but it is only shown (no nested loop) and goes away by itself."""
    from aqt.progress import ProgressDialog
    from aqt.qt import QApplication

    widget = QApplication.activeModalWidget()
    return widget is not None and not isinstance(widget, ProgressDialog)


def task_queue_pending(mw: Any) -> bool:
    """Main thread: Anki's task queue has closures its next batch will run. Anki's
    ``run_in_background`` (every operation) runs them first, inside its caller: one
    that opens a box (no media player installed) would hold the caller."""
    return bool(getattr(getattr(mw, "taskman", None), "_closures", None))


class Step:
    """One GUI action's main-thread job, as its watcher (:func:`run_step`) sees it.

    Main thread only. ``commit()`` marks the point after which Anki does the change
    whatever happens (it answers the card once a box opened inside it is closed);
    before it, a step held by a dialog is abandoned and changes nothing.
    """

    __slots__ = ("running", "committed", "abandoned", "refused", "_defer_until")

    def __init__(self, refused: str | None) -> None:
        #: the job is on the main thread's stack (seen from a later job: held in a nested loop)
        self.running = False
        self.committed = refused is None  # no way back: a held step goes on later
        self.abandoned = False
        self.refused = refused
        self._defer_until = time.monotonic() + DEFER_LIMIT

    def may_defer(self, mw: Any) -> bool:
        """True while the step should let Anki's pending closures run first, in their
        own event (a box they open then holds them, not this step), for a short while."""
        return task_queue_pending(mw) and time.monotonic() < self._defer_until

    def commit(self) -> None:
        """Called right before the change: raises if the watcher gave up the step."""
        if self.abandoned:
            raise ActionError(self.refused)
        self.committed = True

    def verdict(self, held: str) -> str | None:
        """Main thread, from a later job: the error to answer with if a dialog holds
        the step, else None."""
        if not (self.running and dialog_open()):
            return None
        if not self.committed:
            self.abandoned = True  # the step raises at commit() once the dialog closes
            return self.refused
        return held


def _watched(fn: Callable[[], Any], step: Step) -> Callable[[], Any]:
    def job() -> Any:
        step.running = True
        try:
            out = fn()
        finally:
            step.running = False
        if isinstance(out, Continue):
            return Continue(_watched(out.fn, step))
        return out

    return job


def _forget(task: "asyncio.Future[Any]") -> None:
    """Nobody awaits ``task`` any more: take its outcome so asyncio does not log it."""
    task.add_done_callback(lambda done: done.cancelled() or done.exception())


async def run_step(fn: Callable[[Step], T], held: str, refused: str | None = None,
                   needs_collection: bool = True) -> T:
    """``fn(step)`` on the main thread, its result; a :class:`DialogHolds` error within
    about ``DIALOG_POLL`` seconds if a modal dialog holds the job: ``refused`` if the
    job had not committed (it is abandoned), else ``held`` (it goes on once closed).

    A later job sees whether the step is still on the main thread's stack: it can only
    be there, under that later job, if it waits in a nested event loop.
    Without an open collection (``needs_collection``) the answer is ``collection is not
    available``, as for the actions that run on the main thread in one turn.
    """
    step = Step(refused)

    def first() -> Any:
        if needs_collection:
            col()
        return fn(step)

    job = asyncio.ensure_future(on_main(_watched(first, step)))
    check: asyncio.Future[str | None] | None = None
    while True:
        waiting = {job} if check is None else {job, check}
        await asyncio.wait(waiting, timeout=DIALOG_POLL, return_when=asyncio.FIRST_COMPLETED)
        if job.done():
            if check is not None:
                _forget(check)
            return job.result()
        if check is not None and check.done():
            verdict = check.result()
            check = None
            if verdict is not None:
                _forget(job)
                raise DialogHolds(verdict)
        if check is None:
            check = asyncio.ensure_future(on_main(lambda: step.verdict(held)))


async def wait(future: "concurrent.futures.Future[Any] | None", held: str,
               timeout: float = STEP_TIMEOUT, dialog_grace: float = DIALOG_GRACE) -> Any:
    """The future's result; None if Anki did not get there in ``timeout`` seconds (the
    step may still run); :class:`DialogHolds` (``held``) if a modal dialog stays open
    for ``dialog_grace`` seconds while the future is pending (Anki's callback that would
    settle it may wait behind the dialog's batch)."""
    if future is None:
        return None
    if future.done():
        return future.result()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    settled = asyncio.wrap_future(future)
    check: asyncio.Future[bool] | None = None
    seen_since: float | None = None  # loop time of the first of the checks in a row that saw a dialog
    try:
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            waiting = {settled} if check is None else {settled, check}
            await asyncio.wait(waiting, timeout=min(DIALOG_POLL, remaining), return_when=asyncio.FIRST_COMPLETED)
            if settled.done():
                return settled.result()
            if check is not None and check.done():
                if not check.result():
                    seen_since = None
                elif seen_since is None:
                    seen_since = loop.time()
                check = None
                if seen_since is not None and loop.time() - seen_since >= dialog_grace:
                    raise DialogHolds(held)
            if check is None:
                check = asyncio.ensure_future(on_main(dialog_open))
    finally:
        if check is not None:
            _forget(check)
        if not settled.done():
            _forget(settled)


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
