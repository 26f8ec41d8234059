"""Who may talk to us: the CORS/origin decision, the Host check and loopback rules.

Pure functions of (request facts, config) so they are tested without sockets.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..config import Config

__all__ = ["OriginDecision", "decide_origin", "host_allowed", "is_loopback_bind"]

DEFAULT_CORS_ORIGIN = "http://localhost"
_EXTENSION_SCHEMES = ("chrome-extension://", "moz-extension://", "safari-web-extension://")
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")


@dataclass(frozen=True)
class OriginDecision:
    allowed: bool
    #: value for Access-Control-Allow-Origin
    cors_origin: str


def decide_origin(origin: str | None, config: Config) -> OriginDecision:
    """AnkiConnect's ``allowOrigin``: list, ``*``, implicit localhost-family origins."""
    trusted = config.cors_origins
    if "*" in trusted:
        return OriginDecision(True, "*")
    if origin is None:
        # curl, scripts, a top-level browser GET: no Origin header, not a cross-site call
        return OriginDecision(True, DEFAULT_CORS_ORIGIN)
    if origin in trusted:
        return OriginDecision(True, origin)
    if DEFAULT_CORS_ORIGIN in trusted and _implicitly_local(origin):
        return OriginDecision(True, origin)
    return OriginDecision(False, DEFAULT_CORS_ORIGIN)


def _implicitly_local(origin: str) -> bool:
    # Upstream's rule, kept exactly: https with a port is *not* included.
    return (
        origin in ("http://127.0.0.1", "https://127.0.0.1")
        or origin.startswith("http://127.0.0.1:")
        or origin.startswith(_EXTENSION_SCHEMES)
    )


def is_loopback_bind(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8765
        end = host.find("]")
        port = host[end + 1 :]
        if end == -1 or (port and not (port[0] == ":" and port[1:].isdigit())):
            return ""  # "[::1]evil.example" names no host we know
        return host[: end + 1]
    name, _, port = host.rpartition(":")
    if name and port.isdigit():
        return name
    return host


def host_allowed(host: str | None, config: Config) -> bool:
    """DNS-rebinding defence: on loopback only loopback names may appear in ``Host``.

    A page on evil.example that rebinds its name to 127.0.0.1 still sends
    ``Host: evil.example``, so refusing foreign names stops it reaching the API.
    Bound beyond loopback we cannot know the machine's names, so every Host passes
    (and the README asks for an apiKey there).
    """
    if not is_loopback_bind(config.webBindAddress):
        return True
    if host is None:  # HTTP/1.0 without Host
        return True
    name = _host_name(host)
    allowed = {*_LOOPBACK_NAMES, *(n.lower() for n in config.extraHostNames)}
    if name in allowed:
        return True
    if name.startswith("["):
        name = name[1:-1]
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
