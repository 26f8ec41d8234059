"""Whether this machine can listen on IPv6 loopback (::1): the IPv6 tests need it."""

from __future__ import annotations

import socket

import pytest


def can_bind_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


needs_ipv6 = pytest.mark.skipif(not can_bind_ipv6_loopback(), reason="this machine has no IPv6 loopback")
