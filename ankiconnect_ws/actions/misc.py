"""The API about itself: version, apiReflect, multi, requestPermission."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from .. import errors
from ._types import CHECKED, PER_ITEM, ApiReflection, MultiItem, PermissionDenied, PermissionGranted
from .context import PermissionPrompt, dispatcher, env, on_main, request_info, wait_for_anki
from .registry import action, names


def _config_api_version() -> int:
    return env().config.apiVersion


@action(main_thread=False)
def version() -> int:
    return _config_api_version()


@action(main_thread=False)
def apiReflect(
    scopes: Annotated[list[Any], CHECKED], actions: Annotated[list[str] | None, CHECKED] = None
) -> ApiReflection:
    if not isinstance(scopes, list):
        raise errors.ActionError(errors.SCOPES_INVALID)
    if actions is not None and not isinstance(actions, list):
        raise errors.ActionError(errors.ACTIONS_INVALID)
    result: ApiReflection = {"scopes": []}
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


@action(needs_collection=False)
async def multi(actions: list[Annotated[MultiItem, PER_ITEM]]) -> list[Any]:
    """Each item goes through the full handler: its own key, version and errors; a
    long list never holds the server or Anki's window (see Dispatcher.handle_many)."""
    return await dispatcher().handle_many(actions, request_info())


@action(needs_collection=False)
async def requestPermission(origin: Any = None, allowed: Any = None) -> PermissionGranted | PermissionDenied:
    """Let a web origin ask for access; the prompt never blocks the server.

    Who asks and whether it is trusted come from the transport (the HTTP ``Origin``
    header, the WebSocket handshake), never from the client: the server fills in
    ``origin`` and ``allowed`` as upstream does (protocol.admit), and they are read
    here from the caller instead.
    """
    environment = env()
    info = request_info()
    cfg = environment.config
    granted: PermissionGranted = {"permission": "granted", "requireApikey": bool(cfg.apiKey), "version": cfg.apiVersion}
    if info.trusted:
        return granted
    denied: PermissionDenied = {"permission": "denied"}
    if info.origin in cfg.ignoreOriginList:
        return denied
    prompt = environment.permission_prompt
    if prompt is None:  # no GUI (unit tests): nobody can say yes
        return denied
    timeout = cfg.permissionPromptTimeout
    # One prompt per origin: a page that calls thirty times gets one window, and all
    # thirty calls get its answer.
    said_yes = await environment.permission_questions.ask(info.origin, lambda: _ask_user(prompt, info.origin, timeout))
    return granted if said_yes else denied


async def _ask_user(prompt: PermissionPrompt, origin: str, timeout: float) -> bool:
    shown = await on_main(lambda: prompt(origin))
    try:
        said_yes: bool = await wait_for_anki(shown.answer, timeout)
        return said_yes
    except asyncio.TimeoutError:
        # Nobody answered: withdraw the question rather than leave the request hanging.
        await on_main(shown.withdraw)
        return False
