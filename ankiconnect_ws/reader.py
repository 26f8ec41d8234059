"""Read-only collection work off Anki's main thread, the way Anki's ``QueryOp`` does it.

A read that grows with the collection (``findNotes`` over 100,000 notes: one backend
call of ~100 ms; ``notesInfo`` of all of them: ~1 s of row reading and dict building)
held Anki's window for as long on the main thread, even sliced (one search cannot be
cut). Anki's own ``QueryOp`` runs such reads on a background thread while the window
stays live: the Rust backend serializes collection access with its own lock and releases
the GIL while it works, so the main thread only waits if it needs the collection during
one backend call of ours.

Reads run one at a time on one thread of ours, in the order asked (Anki 2.1.66's task
manager has no collection executor to share). A read never changes the collection, so
one that the collection's closing (profile switch, Anki's exit, a full sync) cuts off
leaves nothing half-written: it is answered ``collection is not available`` (see
:func:`~ankiconnect_ws.actions.context.reading`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import TypeVar

from .errors import ANKI_CLOSING, ActionError

__all__ = ["CollectionReader"]

T = TypeVar("T")


class CollectionReader:
    def __init__(self) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ankiconnect-ws-reader")
        self._closed = False

    async def run(self, fn: Callable[[], T]) -> T:
        """From the server loop: ``fn()`` on the reader thread, its result."""
        if self._closed:
            raise ActionError(ANKI_CLOSING)
        # the executor's work item lets go of itself once it has set the exception:
        # a failed read's traceback holds no cycle back to its future
        return await asyncio.wrap_future(self._executor.submit(fn))

    def close(self) -> None:
        """Refuse new reads and drop the queued ones (Anki is exiting); the one under
        way ends by itself, its collection gone."""
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)

