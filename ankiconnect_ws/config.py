"""Typed settings: the add-on's config (AnkiConnect's keys plus ours) and env overrides.

Validated once per load; an invalid value is reported in one clear message and replaced
by its safe default, so a typo in the config dialog never stops the server.
"""

from __future__ import annotations

import difflib
import os
import secrets
from dataclasses import dataclass, fields, replace
from typing import Any, Mapping

__all__ = ["Config", "load_config", "ENV_OVERRIDES"]

#: environment variable -> config key. The environment wins over the config file, so a
#: launcher (or a container) can move the port without touching the profile.
ENV_OVERRIDES = {
    "ANKICONNECT_BIND_ADDRESS": "webBindAddress",
    "ANKICONNECT_BIND_PORT": "webBindPort",
    "ANKICONNECT_CORS_ORIGIN": "webCorsOrigin",
    "ANKICONNECT_API_KEY": "apiKey",
}


@dataclass(frozen=True)
class Config:
    # --- AnkiConnect's keys (same names, same defaults) ---
    apiKey: str | None = None
    apiLogPath: str | None = None
    apiVersion: int = 6
    webBindAddress: str = "127.0.0.1"
    webBindPort: int = 8765
    webCorsOriginList: tuple[str, ...] = ("http://localhost",)
    webCorsOrigin: str | None = None
    ignoreOriginList: tuple[str, ...] = ()
    webTimeout: int = 10000  # ms, media downloads by URL
    # --- ours: limits (see docs and config.md) ---
    maxBodyBytes: int = 256 * 1024 * 1024
    maxHeaderBytes: int = 64 * 1024
    headerTimeout: float = 10.0  # s to receive a full request head (the first: from the accept)
    idleTimeout: float = 300.0  # s an idle keep-alive HTTP connection is kept
    bodyTimeout: float = 60.0  # s to receive a whole request body (from the end of its head)
    maxConnections: int = 256
    maxInFlightPerConnection: int = 64  # WebSocket requests running at once per socket
    wsMaxMessageBytes: int = 256 * 1024 * 1024
    wsPingInterval: float = 20.0  # s; 0 disables
    wsPingTimeout: float = 20.0
    eventBufferSize: int = 10000
    eventBufferBytes: int = 32 * 1024 * 1024  # the replay buffer's frames, and each subscriber's unread ones
    subscriberQueueSize: int = 1000
    extraHostNames: tuple[str, ...] = ()  # more Host names accepted on loopback
    permissionPromptTimeout: float = 60.0  # s a requestPermission prompt waits for the user
    maxMediaFileBytes: int = 100 * 1024 * 1024  # media by url or path (storeMediaFile, notes)
    validateParams: bool = True  # params checked against the action's schema before it runs
    # --- ours: the host system ---
    preventAppNap: bool = True  # macOS (Anki 25.09+): no App Nap while the server runs

    @property
    def cors_origins(self) -> tuple[str, ...]:
        """webCorsOriginList plus the deprecated single webCorsOrigin, as upstream."""
        if self.webCorsOrigin:
            return (*self.webCorsOriginList, self.webCorsOrigin)
        return self.webCorsOriginList


_TUPLE_KEYS = {"webCorsOriginList", "ignoreOriginList", "extraHostNames"}
_OPTIONAL_STR = {"apiKey", "apiLogPath", "webCorsOrigin"}
#: the largest integer accepted (JSON's safe integers): a bigger count cannot be used
#: (a buffer of 10**30 events cannot even be created) and is surely a typo
MAX_INTEGER = 2**53
#: the least value of limits that would shut every client out below it (0 connections,
#: a 0-byte body, a request head that must arrive in no time)
MINIMUM = {"maxConnections": 1, "maxBodyBytes": 1024, "maxHeaderBytes": 1024, "wsMaxMessageBytes": 1024,
           "headerTimeout": 1, "bodyTimeout": 1}


def _check(key: str, value: Any, default: Any) -> Any:
    """Return ``value`` converted to the type of ``default``; raise ValueError if it can't."""
    if key in _TUPLE_KEYS:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a list of strings")
        return tuple(value)
    if key in _OPTIONAL_STR:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ValueError("must be a string or null")
        if key == "apiLogPath" and "\0" in value:  # open() would raise ValueError, not OSError
            raise ValueError("must not contain a NUL character")
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be an integer")
        if value > MAX_INTEGER:
            raise ValueError(f"must be at most {MAX_INTEGER}")
        if key == "webBindPort" and not 0 <= value <= 65535:
            raise ValueError("must be a port number (0-65535)")
        if key != "webBindPort" and value < 0:
            raise ValueError("must not be negative")
        return value
    if isinstance(default, float):
        # NaN and Infinity: Anki's config editor reads them (Python's json does); a NaN
        # timeout would expire at once
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_INTEGER:
            raise ValueError(f"must be a number from 0 to {MAX_INTEGER}")
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str) or not value:
            raise ValueError("must be a non-empty string")
        return value
    return value


def load_config(
    raw: Mapping[str, Any] | None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Config, list[str]]:
    """Build a Config from the add-on's merged config dict and the environment.

    Returns the config and a list of problems (empty when all is well). Unknown keys are
    kept out, silently unless they look like a misspelt key (they may belong to a newer
    version of this add-on).
    """
    environ = os.environ if environ is None else environ
    defaults = Config()
    values: dict[str, Any] = {}
    problems: list[str] = []
    merged = dict(raw or {})
    for env_name, key in ENV_OVERRIDES.items():
        if environ.get(env_name):
            merged[key] = environ[env_name]
    for f in fields(Config):
        if f.name not in merged:
            continue
        default = getattr(defaults, f.name)
        try:
            value = _check(f.name, merged[f.name], default)
            if f.name in MINIMUM and value < MINIMUM[f.name]:
                raise ValueError(f"must be at least {MINIMUM[f.name]}")
            values[f.name] = value
        except ValueError as exc:
            if f.name == "apiKey":
                # The user meant to require a key: an unusable one must not open the API.
                values[f.name] = secrets.token_urlsafe(32)  # a key no client can send
                problems.append(f"apiKey {exc} (got {merged[f.name]!r}); every request is refused until it is fixed")
                continue
            problems.append(f"{f.name} {exc} (got {merged[f.name]!r}); using {default!r}")
    problems += _misspelt_keys(merged)
    return replace(defaults, **values), problems


def _misspelt_keys(raw: Mapping[str, Any]) -> list[str]:
    """``webBindport`` for ``webBindPort``: otherwise the setting is ignored without a word."""
    known = {f.name.lower(): f.name for f in fields(Config)}
    problems = []
    for key in raw:
        if not isinstance(key, str) or key in known.values():
            continue
        close = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.85)
        if close:
            problems.append(f"unknown key {key!r} is ignored: did you mean {known[close[0]]!r}?")
    return problems
