"""The action table: one decorated function per action, found by its exact name.

A new action is one function in the right domain module::

    @action()
    def deckNames() -> list[str]:
        return col().decks.all_names()

Parameters arrive as keyword arguments, as in AnkiConnect, so a missing or unknown
parameter produces the same ``TypeError`` text upstream gives (we set ``__qualname__``
to ``AnkiConnect.<name>`` for that, Python >= 3.10 builds the message from it).

Where an action runs:

* ``main_thread=True`` (the default): a plain function, called on Anki's main thread in
  one turn; it may use :func:`~ankiconnect_ws.actions.context.col` and ``gui()``.
* ``main_thread=False``: the function never touches Anki (``version``, ``apiReflect``)
  and runs right on the server thread, so it never waits behind a long batch.
* an ``async def`` action runs on the server thread's event loop; it does its slow I/O
  there (downloads, file reads) and hops to the main thread only for the collection part,
  with ``await on_main(fn)``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

__all__ = ["ActionSpec", "action", "REGISTRY", "lookup", "names"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class ActionSpec:
    name: str
    func: Callable[..., Any]
    #: runs on Anki's main thread (plain functions) - False for pure actions
    main_thread: bool
    #: ``async def``: runs on the server loop and calls ``on_main`` itself
    is_async: bool
    #: needs an open collection. Read for main-thread actions only: the dispatcher checks
    #: it before the call, so they all answer ``collection is not available`` alike. An
    #: ``async`` action reaches the collection through ``col()`` inside ``on_main``,
    #: which raises that same error when none is open; pure actions never touch it.
    needs_collection: bool


REGISTRY: dict[str, ActionSpec] = {}


def action(
    name: str | None = None,
    *,
    main_thread: bool = True,
    needs_collection: bool = True,
    aliases: tuple[str, ...] = (),
) -> Callable[[F], F]:
    """Register ``func`` as the action ``name`` (default: the function's own name)."""

    def register(func: F) -> F:
        action_name = name or func.__name__
        is_async = inspect.iscoroutinefunction(func)
        for each in (action_name, *aliases):
            if each in REGISTRY:
                raise ValueError(f"action {each!r} registered twice")
            REGISTRY[each] = ActionSpec(
                name=each,
                func=func,
                main_thread=main_thread and not is_async,
                is_async=is_async,
                needs_collection=needs_collection and (main_thread or is_async),
            )
        func.__qualname__ = f"AnkiConnect.{action_name}"
        return func

    return register


def lookup(name: object) -> ActionSpec | None:
    if not isinstance(name, str):
        return None
    return REGISTRY.get(name)


def names() -> list[str]:
    """Every registered action name, sorted like AnkiConnect's ``apiReflect``."""
    return sorted(REGISTRY)
