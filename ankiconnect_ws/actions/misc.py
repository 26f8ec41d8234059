"""Miscellaneous actions: version, multi, apiReflect, requestPermission, profiles, sync."""

from __future__ import annotations

import asyncio
from typing import Any

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
                    raise TypeError(f"action names must be strings, not {type(name).__name__}")
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
    answer = await on_main(lambda: prompt(info.origin))
    timeout = cfg.permissionPromptTimeout if cfg is not None else 60.0
    try:
        return granted if await wait_for_anki(answer, timeout) else denied
    except asyncio.TimeoutError:
        # Nobody answered: withdraw the question rather than leave the request hanging.
        await on_main(lambda: answer.withdraw())
        return denied
