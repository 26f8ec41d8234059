"""Run callables on Anki's main thread and hand their results back as futures.

The collection is not thread-safe, so every collection access goes through here. Jobs
are queued and drained in short turns: many small requests share one trip through Qt's
event loop, and a long queue never holds the main thread for more than ``budget``
seconds at a time before letting Qt repaint.

Requests must be answered while Anki shows a modal box. The box's nested event loop keeps
delivering Qt events and firing timers, but not the rest of whatever called it:

* ``post`` must hand the drain to Qt's event queue itself (see ``qt_post.py``), never
  to a batch of callables such as ``mw.taskman.run_on_main``: if a closure earlier in
  that batch opens a box, our drain would wait until someone closes it.
* when one of *our* jobs ends up in a nested loop (an action that opened a dialog, or
  Anki code it called that ran a pending closure that did), the drain on the stack is
  stuck. The ``watchdog`` timer runs while a drain is on the stack; since timers only
  fire from an event loop, its firing proves a nested loop, and it drains from there.

Nothing here keeps a job's input or result alive after its future is done: Anki turns
automatic garbage collection off, so a reference cycle would hold a whole batch until
the next full collection, minutes later.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import functools
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from .errors import ANKI_CLOSING, ActionError

__all__ = ["MainThreadRunner", "Continue"]


class Continue:
    """Returned by a job that has more to do: ``fn`` runs in a later main-thread turn
    (after Qt had its turn), and its result - or next Continue - completes the job."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn

T = TypeVar("T")
Job = tuple[Callable[[], Any], concurrent.futures.Future]


class Watchdog(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


class MainThreadRunner:
    def __init__(
        self,
        post: Callable[[Callable[[], None]], None],
        budget: float = 0.003,
        post_later: Callable[[Callable[[], None], int], None] | None = None,
        pause_ms: int = 4,
        watchdog: Callable[[Callable[[], None]], Watchdog] | None = None,
        after_turn: Callable[[], None] | None = None,
        results_wait_for_turn: Callable[[], bool] | None = None,
    ) -> None:
        """``post(fn)`` must call ``fn`` soon on the main thread, as a Qt event of its own.

        ``post_later(fn, ms)`` (main thread, e.g. ``QTimer.singleShot``) continues a long
        queue after a pause: a re-posted event would run before Qt's timers and starve
        them (a 10 ms timer was seen 770 ms late under a request flood), while a timer
        takes its turn with the others, so Anki keeps painting and ticking.

        ``watchdog(fn)`` makes a repeating main-thread timer that calls ``fn``; it runs
        only while a drain is on the stack (see the module docstring).

        ``after_turn()`` is called on the main thread after each turn that ran jobs
        (change detection: what the jobs changed becomes events). While
        ``results_wait_for_turn()`` is true (change detection is on), the turn's futures
        are completed after it: the events a request caused reach the server loop before
        its reply does, so a client that subscribes ``since`` an earlier event after the
        reply finds them in the replay, and a WebSocket sees them before the reply.
        Otherwise each future is completed as its job ends: the server thread then
        answers and takes new requests while the turn goes on, instead of in one burst
        after it (under a flood of small requests the bursts held Anki's timers back:
        bench/mainthread.py's lag p99 went from 6 to 35 ms).
        """
        self._post = post
        self._post_later = post_later
        self._pause_ms = pause_ms
        self._budget = budget
        self._queue: collections.deque[Job] = collections.deque()
        self._lock = threading.Lock()
        self._scheduled = False
        self._closed = False
        #: drains on the main thread's stack (more than one: nested event loops)
        self._depth = 0
        self._watchdog = watchdog(self._rescue) if watchdog is not None else None
        self._after_turn_observer = after_turn
        self._results_wait_for_turn = results_wait_for_turn or (lambda: False)
        #: jobs between two slices (main thread only): the next step of each, by its future
        self._between_slices: dict[concurrent.futures.Future, Callable[[], Any]] = {}

    def submit(self, fn: Callable[[], T]) -> "concurrent.futures.Future[T]":
        """Thread-safe: queue ``fn`` for the main thread."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                future.set_exception(ActionError(ANKI_CLOSING))
                return future
            self._queue.append((fn, future))
            must_post = not self._scheduled
            self._scheduled = True
        if must_post:
            self._post(self._drain)
        return future

    async def run(self, fn: Callable[[], T]) -> T:
        """From the server loop: run ``fn`` on the main thread and await its result."""
        return await asyncio.wrap_future(self.submit(fn))

    def _drain(self) -> None:
        done: list[Callable[[], None]] = []
        self._enter()
        try:
            self._drain_turn(done)
        finally:
            self._leave()
            self._after_turn()
            _complete(done)

    def _enter(self) -> None:
        self._depth += 1
        if self._depth == 1 and self._watchdog is not None:
            self._watchdog.start()

    def _leave(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._watchdog is not None:
            self._watchdog.stop()

    def _rescue(self) -> None:
        """The watchdog fired: a drain on the stack waits in a nested event loop."""
        if self._depth > 0:
            self._drain()

    def _after_turn(self) -> None:
        if self._after_turn_observer is None:
            return
        try:
            self._after_turn_observer()
        except Exception:  # an observer must never break the runner
            import logging

            logging.getLogger("ankiconnect_ws").exception("after_turn observer failed")

    def _later(self, fn: Callable[[], None]) -> None:
        """Continue in a later main-thread turn, after Qt had its own."""
        if self._post_later is not None:
            self._post_later(fn, self._pause_ms)
        else:
            self._post(fn)

    def _drain_turn(self, done: list[Callable[[], None]]) -> None:
        deadline = time.monotonic() + self._budget
        while True:
            with self._lock:
                if not self._queue:
                    self._scheduled = False
                    return
                fn, future = self._queue.popleft()
            if future.set_running_or_notify_cancel():
                self._run(fn, future, done)
            if time.monotonic() >= deadline:
                self._later(self._drain)  # yield to Qt (paint, input, timers)
                return

    def _run(self, fn: Callable[[], Any], future: concurrent.futures.Future,
             done: list[Callable[[], None]]) -> None:
        """Run one job (or slice); how to complete its future goes to ``done``, for the
        end of the turn, or is done now when results need not wait for the turn."""
        try:
            result = fn()
        except BaseException as exc:  # never let an action reach Qt's error dialog
            complete = functools.partial(future.set_exception, _without_tracebacks(exc))
        else:
            if not isinstance(result, Continue):
                complete = functools.partial(future.set_result, result)
            elif self._closed:
                complete = functools.partial(future.set_exception, ActionError(ANKI_CLOSING))
            else:
                # The next slice runs on the main thread itself after a pause, without a
                # round trip through the server thread (or at once, by finish_started).
                self._between_slices[future] = result.fn
                self._later(lambda: self._next_slice(future))
                return
        if self._results_wait_for_turn():
            done.append(complete)
        else:
            complete()

    def _next_slice(self, future: concurrent.futures.Future) -> None:
        step = self._between_slices.pop(future, None)
        if step is not None:  # else finish_started ran it already
            self._continue(step, future)

    def finish_started(self) -> None:
        """Main thread, before the collection closes (a profile switch, Anki's exit, a
        full sync) or Anki's sync takes it: run the rest of every job already between
        its slices now. An
        ``addNotes`` batch half added to one collection, then answered with an error
        (or continued in the next profile's collection), would be a half-written change."""
        while self._between_slices:
            future, step = self._between_slices.popitem()
            self._continue(step, future)

    def _continue(self, step: Callable[[], Any], future: concurrent.futures.Future) -> None:
        """One more slice of a long job; it is a turn too, so observers see its changes."""
        done: list[Callable[[], None]] = []
        self._enter()
        try:
            self._run(step, future, done)
        finally:
            self._leave()
            self._after_turn()
            _complete(done)

    def close(self) -> None:
        """Refuse new jobs and fail the queued ones (Anki is exiting)."""
        with self._lock:
            self._closed = True
            jobs = list(self._queue)
            self._queue.clear()
        for _, future in jobs:
            if future.set_running_or_notify_cancel():
                future.set_exception(ActionError(ANKI_CLOSING))


def _complete(done: list[Callable[[], None]]) -> None:
    for complete in done:
        complete()
    done.clear()  # the results go with their futures, not with this frame


def _without_tracebacks(exc: BaseException) -> BaseException:
    """``exc`` with no traceback on it or on the exceptions it was raised from.

    A traceback holds its frames, each frame its callers, and one of those is ``_run``,
    whose ``future`` will hold ``exc``: a reference cycle that keeps the failed job's
    input alive until a full garbage collection (minutes, in Anki). The reply needs
    only the message.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        pending += (current.__cause__, current.__context__)
    return exc
