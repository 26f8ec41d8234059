"""Miscellaneous actions: version, multi, apiReflect, requestPermission, profiles, sync."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .. import errors
from .context import env, on_main, request_info, wait_for_anki
from .registry import action, names


def _config_api_version() -> int:
    cfg = env().config
    return cfg.apiVersion if cfg is not None else 6


@action(main_thread=False)
def version() -> int:
    return _config_api_version()


@action(main_thread=False)
def apiReflect(scopes: Any, actions: Any = None) -> dict[str, Any]:
    if not isinstance(scopes, list):
        raise errors.ActionError(errors.SCOPES_INVALID)
    if actions is not None and not isinstance(actions, list):
        raise errors.ActionError(errors.ACTIONS_INVALID)
    result: dict[str, Any] = {"scopes": []}
    if "actions" in scopes:
        known = names()
        if actions is None:
            listed = known
        else:
            registered = set(known)
            listed = []
            for name in actions:
                if not isinstance(name, str):
                    raise TypeError(errors.ACTION_NAME_NOT_STRING.format(type(name).__name__))
                if name in registered:
                    listed.append(name)
        result["scopes"].append("actions")
        result["actions"] = listed
    return result


@action()
async def multi(actions: Any) -> list[Any]:
    """Each item goes through the full handler: its own key, version and errors; a
    long list never holds the server or Anki's window (see Dispatcher.handle_many)."""
    return await env().services["dispatcher"].handle_many(actions, request_info())


T = TypeVar("T")


@dataclass
class _Question(Generic[T]):
    answer: "asyncio.Future[T]"
    since: float
    waiting: int = 0


class OpenQuestions:
    """At most one open question per key (server loop only): whoever asks while it is
    open waits for the same answer instead of asking again."""

    def __init__(self) -> None:
        self._open: dict[str, _Question[Any]] = {}

    async def ask(self, key: str, question: Callable[[], Awaitable[T]]) -> T:
        entry = self._open.get(key)
        if entry is None or entry.answer.done():
            entry = _Question(asyncio.ensure_future(question()), time.time())
            self._open[key] = entry
            entry.answer.add_done_callback(lambda _answer, entry=entry: self._forget(key, entry))
        entry.waiting += 1
        try:
            # shielded: one asker giving up (its connection closed) must not withdraw
            # the question from the others
            return await asyncio.shield(entry.answer)
        finally:
            entry.waiting -= 1

    def _forget(self, key: str, entry: _Question[Any]) -> None:
        if self._open.get(key) is entry:
            del self._open[key]

    def snapshot(self) -> list[dict[str, Any]]:
        """The open questions, for serverStatus."""
        return [
            {"origin": key, "waiting": entry.waiting, "since": int(entry.since * 1000)}
            for key, entry in self._open.items()
            if not entry.answer.done()
        ]


@action()
async def requestPermission(origin: Any = None, allowed: Any = None) -> dict[str, Any]:
    """Let a web origin ask for access; the prompt never blocks the server.

    Who asks and whether it is trusted come from the transport (the HTTP ``Origin``
    header, the WebSocket handshake), never from the client: the HTTP layer fills in
    ``origin`` and ``allowed`` as upstream does, and they are ignored here.
    """
    environment = env()
    info = request_info()
    cfg = environment.config
    granted = {"permission": "granted", "requireApikey": bool(cfg and cfg.apiKey), "version": _config_api_version()}
    if info.trusted:
        return granted
    denied = {"permission": "denied"}
    if cfg is not None and info.origin in cfg.ignoreOriginList:
        return denied
    prompt = environment.services.get("permission_prompt")
    if prompt is None:  # no GUI (unit tests): nobody can say yes
        return denied
    timeout = cfg.permissionPromptTimeout if cfg is not None else 60.0
    questions = environment.services.setdefault("permission_questions", OpenQuestions())
    # One prompt per origin: a page that calls thirty times gets one window, and all
    # thirty calls get its answer.
    said_yes = await questions.ask(info.origin, lambda: _ask_user(prompt, info.origin, timeout))
    return granted if said_yes else denied


async def _ask_user(prompt: Callable[[str], Any], origin: str, timeout: float) -> bool:
    answer = await on_main(lambda: prompt(origin))
    try:
        return bool(await wait_for_anki(answer, timeout))
    except asyncio.TimeoutError:
        # Nobody answered: withdraw the question rather than leave the request hanging.
        await on_main(lambda: answer.withdraw())
        return False
