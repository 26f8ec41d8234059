"""The action table: one decorated function per action, found by its exact name.

A new action is one function in the right domain module::

    @action()
    def deckNames() -> list[str]:
        return col().decks.all_names()

Parameters arrive as keyword arguments, as in AnkiConnect, and a missing or unknown
parameter is answered with the ``TypeError`` text upstream's Python (3.10+) gives:
``AnkiConnect.createDeck() missing 1 required positional argument: 'deck'``. Clients
match that text, and Python 3.9 (Anki up to 25.02) words it without the class name, so
:meth:`ActionSpec.binding_error` writes it, on every Python, before the call.

Where an action runs:

* ``main_thread=True`` (the default): a plain function, called on Anki's main thread in
  one turn; it may use :func:`~ankiconnect_ws.actions.context.col` and ``gui()``.
* ``main_thread=False``: the function never touches Anki (``version``, ``apiReflect``)
  and runs right on the server thread, so it never waits behind a long batch.
* an ``async def`` action runs on the server thread's event loop; it does its slow I/O
  there (downloads, file reads) and hops to the main thread only for the collection part,
  with ``await on_main(fn)`` - or, for a read that only reads, off it with
  ``await reading(fn)``.
* ``reads=True``: a plain function that only reads the collection (searches, lookups
  that grow with it): it runs on the add-on's reader thread, so Anki's window stays live
  however large the answer (reader.py).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

__all__ = ["ActionSpec", "action", "REGISTRY", "lookup", "names", "call_with"]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


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
    #: only reads the collection: runs on the reader thread where there is one
    reads: bool = False
    #: what Python checks when it binds the params (keyword arguments) to ``func``
    signature: _Signature = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "signature", _Signature.of(self.func))

    def binding_error(self, params: Mapping[str, object]) -> str | None:
        """The TypeError text ``func(**params)`` raises on Python 3.10+ for a missing or
        unknown parameter (None: they bind)."""
        return self.signature.binding_error(self.func.__qualname__, params)


@dataclass(frozen=True)
class _Signature:
    #: the parameters a keyword may name, in order
    positional: tuple[str, ...]
    keyword_only: tuple[str, ...]
    #: those without a default
    required: tuple[str, ...]
    required_keyword_only: tuple[str, ...]
    #: ``**kwargs``: any other keyword is accepted
    any_keyword: bool

    @classmethod
    def of(cls, func: Callable[..., Any]) -> _Signature:
        parameters = inspect.signature(func).parameters.values()
        positional = [p for p in parameters if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
        keyword_only = [p for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]
        return cls(
            positional=tuple(p.name for p in positional),
            keyword_only=tuple(p.name for p in keyword_only),
            required=tuple(p.name for p in positional if p.default is p.empty),
            required_keyword_only=tuple(p.name for p in keyword_only if p.default is p.empty),
            any_keyword=any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters),
        )

    def binding_error(self, name: str, params: Mapping[str, object]) -> str | None:
        # In CPython's order: the first unknown keyword, then the missing positional
        # parameters, then the missing keyword-only ones.
        if not self.any_keyword:
            for key in params:
                if key not in self.positional and key not in self.keyword_only:
                    return f"{name}() got an unexpected keyword argument '{key}'"
        for kind, required in (("positional", self.required), ("keyword-only", self.required_keyword_only)):
            missing = [key for key in required if key not in params]
            if missing:
                plural = "s" if len(missing) > 1 else ""
                return f"{name}() missing {len(missing)} required {kind} argument{plural}: {_listed(missing)}"
        return None


def call_with(func: Callable[..., T], name: str, params: Mapping[str, Any]) -> T:
    """``func(**params)``, a missing or unknown parameter answered as if ``func`` were the
    action ``name`` (for an action that hands its params on to a helper)."""
    message = _Signature.of(func).binding_error(f"AnkiConnect.{name}", params)
    if message is not None:
        raise TypeError(message)
    return func(**params)


def _listed(names: list[str]) -> str:
    """``'a'``, ``'a' and 'b'``, ``'a', 'b', and 'c'``: as Python lists missing arguments."""
    quoted = [f"'{name}'" for name in names]
    if len(quoted) == 1:
        return quoted[0]
    if len(quoted) == 2:
        return f"{quoted[0]} and {quoted[1]}"
    return ", ".join(quoted[:-1]) + f", and {quoted[-1]}"


REGISTRY: dict[str, ActionSpec] = {}


def action(
    name: str | None = None,
    *,
    main_thread: bool = True,
    needs_collection: bool = True,
    reads: bool = False,
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
                reads=reads and main_thread and not is_async,
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
