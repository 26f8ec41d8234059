"""The main-thread runner: delivery, nested event loops, and no reference cycles.

Anki switches automatic garbage collection off and collects every 15 minutes, so a
reference cycle keeps a whole batch alive for that long. These tests therefore check
reachability with the collector off (tests/unit/conftest.py switches it off as Anki
does): an object must go the moment its last reference does.
"""

from __future__ import annotations

import asyncio
import gc
import queue
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from anki.collection import Collection

from ankiconnect_ws import validation
from ankiconnect_ws.actions.context import Environment, RequestInfo, bind, on_main_sliced
from ankiconnect_ws.errors import ActionError
from ankiconnect_ws.protocol import Dispatcher
from ankiconnect_ws.runner import Continue, MainThreadRunner


class Batch(list):  # a list that can be watched with a weak reference
    pass


class FakeWatchdog:
    """Stands in for the Qt timer: the tests fire it where a nested loop would."""

    def __init__(self, fn: Callable[[], None]) -> None:
        self.fn = fn
        self.running = False

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False

    def fire(self) -> None:
        if self.running:
            self.fn()


def test_many_jobs_share_one_post() -> None:
    posted: list[Callable[[], None]] = []
    runner = MainThreadRunner(posted.append)
    futures = [runner.submit(lambda i=i: i * 2) for i in range(5)]
    assert len(posted) == 1
    posted.pop()()
    assert [f.result(0) for f in futures] == [0, 2, 4, 6, 8]
    runner.submit(lambda: None)
    assert len(posted) == 1  # the queue ran dry: the next job posts again


def test_a_job_stuck_in_a_nested_loop_does_not_hold_back_later_jobs() -> None:
    """A job that opens a modal box stays on the stack until the box closes; the
    watchdog (a timer, which only fires from an event loop) drains from inside it."""
    posted: list[Callable[[], None]] = []
    watchdogs: list[FakeWatchdog] = []

    def make_watchdog(fn: Callable[[], None]) -> FakeWatchdog:
        watchdogs.append(FakeWatchdog(fn))
        return watchdogs[-1]

    runner = MainThreadRunner(posted.append, watchdog=make_watchdog)
    order: list[str] = []
    later: list[Any] = []

    def modal_job() -> str:
        later.append(runner.submit(lambda: order.append("later") or "later"))
        assert not posted  # the stuck drain still counts as scheduled: nothing posted
        watchdogs[0].fire()  # the box's nested event loop fires the timer
        order.append("modal closed")
        return "modal"

    first = runner.submit(modal_job)
    posted.pop()()
    assert order == ["later", "modal closed"]
    assert first.result(0) == "modal" and later[0].result(0) == "later"
    assert not watchdogs[0].running  # stopped once no drain is on the stack
    watchdogs[0].fire()  # a stray firing outside a drain runs nothing
    assert order == ["later", "modal closed"]


def test_slices_continue_on_the_main_thread() -> None:
    posted: list[Callable[[], None]] = []
    later: list[Callable[[], None]] = []
    runner = MainThreadRunner(posted.append, post_later=lambda fn, ms: later.append(fn))
    steps = iter([Continue(lambda: Continue(lambda: "done"))])
    future = runner.submit(lambda: next(steps))
    posted.pop()()
    while later:
        later.pop()()
    assert future.result(0) == "done"


def test_a_turns_changes_are_observed_before_its_jobs_complete() -> None:
    """after_turn turns what the jobs changed into events; completing the futures after
    it lets those events reach the server loop before the replies do (a client that
    subscribes after the reply finds them in the replay)."""
    posted: list[Callable[[], None]] = []
    later: list[Callable[[], None]] = []
    seen: list[list[bool]] = []
    futures: list[Any] = []
    runner = MainThreadRunner(posted.append, post_later=lambda fn, ms: later.append(fn),
                              after_turn=lambda: seen.append([f.done() for f in futures]),
                              results_wait_for_turn=lambda: True)

    def fail() -> None:
        raise ActionError("no")

    futures += [runner.submit(lambda: 1), runner.submit(fail),
                runner.submit(lambda: Continue(lambda: "sliced"))]
    posted.pop()()
    assert seen == [[False, False, False]]
    assert futures[0].result(0) == 1 and str(futures[1].exception(0)) == "no" and not futures[2].done()
    later.pop()()  # the slice is a turn of its own
    assert seen[1] == [True, True, False] and futures[2].result(0) == "sliced"


def test_without_change_detection_each_job_completes_as_it_ends() -> None:
    """Nobody subscribed: replies need not wait for the turn's end, and the server
    thread answers while the turn goes on (no burst after it, which held Anki's timers)."""
    posted: list[Callable[[], None]] = []
    futures: list[Any] = []
    runner = MainThreadRunner(posted.append, results_wait_for_turn=lambda: False)
    futures += [runner.submit(lambda: futures[0].done()), runner.submit(lambda: futures[0].done())]
    posted.pop()()
    assert [f.result(0) for f in futures] == [False, True]  # the first was done when the second ran


def test_a_failed_job_is_freed_at_once() -> None:
    runner_posts: list[Callable[[], None]] = []
    runner = MainThreadRunner(runner_posts.append)
    batch = Batch(range(1000))
    watch = weakref.ref(batch)

    def failing(items: list[int]) -> None:
        try:
            {}["missing"]  # an error inside Anki, turned into ours: a chained exception
        except KeyError:
            raise ActionError(f"bad batch of {len(items)}") from None

    future = runner.submit(lambda items=batch: failing(items))
    del batch
    runner_posts.pop()()
    assert str(future.exception(0)) == "bad batch of 1000"
    del future
    assert watch() is None


def test_a_sliced_batch_is_freed_at_once() -> None:
    environment = Environment(collection=lambda: None)
    batch = Batch(range(1000))
    watch = weakref.ref(batch)

    async def run() -> list[int]:
        with bind(environment):
            return await on_main_sliced(batch, lambda part: [x * 2 for x in part], budget=1e-9, first=10)

    results = asyncio.run(run())
    assert results[:3] == [0, 2, 4] and len(results) == 1000
    del batch
    assert watch() is None


# --- the whole path: dispatcher, runner, a main thread, a server loop -----------------


class Threads:
    """The test thread plays Anki's main thread; a second thread runs the server loop."""

    def __init__(self, collection: Collection) -> None:
        self.main_jobs: queue.Queue[Callable[[], None]] = queue.Queue()
        self.runner = MainThreadRunner(self.main_jobs.put, post_later=lambda fn, ms: self.main_jobs.put(fn))
        self.dispatcher = Dispatcher(Environment(collection=lambda: collection, run_on_main=self.runner.run))

    def request(self, request: dict[str, Any]) -> Any:
        replies: list[Any] = []

        def server() -> None:
            replies.append(asyncio.run(self.dispatcher.handle(request, RequestInfo())))

        thread = threading.Thread(target=server)
        thread.start()
        while thread.is_alive():
            try:
                self.main_jobs.get(timeout=0.01)()
            except queue.Empty:
                pass
        thread.join()
        return replies[0]


def _garbage_after(threads: Threads, request: dict[str, Any]) -> list[str]:
    """Type names of the objects that only the cycle collector could free."""
    gc.collect()
    threads.request(request)
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        names = sorted({type(o).__name__ for o in gc.garbage})
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
    return names


def _notes(count: int, tag: str) -> list[dict[str, Any]]:
    return [{"deckName": "Default", "modelName": "Basic", "fields": {"Front": f"{tag} {i}", "Back": "b"}}
            for i in range(count)]


def test_requests_leave_no_cycles_behind(tmp_path: Path) -> None:
    collection = Collection(str(tmp_path / "cycles.anki2"))
    try:
        threads = Threads(collection)
        threads.request({"action": "deckNames", "version": 6})  # warm up (imports, caches)
        validation.prepare()  # the params validators, as the add-on builds them at start-up
        added = threads.request({"action": "addNotes", "version": 6, "params": {"notes": _notes(300, "warm")}})
        ids = added["result"]
        cases = {
            "addNotes": {"action": "addNotes", "version": 6, "params": {"notes": _notes(300, "batch")}},
            "notesInfo": {"action": "notesInfo", "version": 6, "params": {"notes": ids}},
            "cardsInfo": {"action": "cardsInfo", "version": 6, "params": {"cards": list(collection.find_cards(""))}},
            "error on the main thread": {"action": "deleteNotes", "version": 6, "params": {"notes": "x"}},
            "params the schema refuses": {"action": "getDeckStats", "version": 6, "params": {"decks": "x"}},
            "error in an async action": {"action": "updateNoteFields", "version": 6,
                                         "params": {"note": {"id": 1, "fields": {}}}},
            "wrong parameters": {"action": "deckNames", "version": 6, "params": {"nope": 1}},
        }
        leaks = {name: _garbage_after(threads, request) for name, request in cases.items()}
        assert leaks == {name: [] for name in cases}
    finally:
        collection.close()


def test_a_job_between_slices_is_finished_before_the_collection_closes() -> None:
    """Anki calls finish_started from profile_will_close: the rest of a sliced batch runs
    then, on the collection it began on, instead of failing halfway (or going on in the
    next profile's collection)."""
    posted: list[Callable[[], None]] = []
    later: list[Callable[[], None]] = []
    runner = MainThreadRunner(posted.append, post_later=lambda fn, _ms: later.append(fn))
    ran: list[int] = []

    def step(i: int) -> Any:
        ran.append(i)
        return Continue(lambda: step(i + 1)) if i < 3 else "all"

    future = runner.submit(lambda: step(0))
    posted.pop()()
    assert ran == [0] and not future.done()
    runner.finish_started()
    assert future.result(0) == "all" and ran == [0, 1, 2, 3]
    for fn in later:  # the pause's timer fires later and finds nothing left to do
        fn()
    assert ran == [0, 1, 2, 3]
