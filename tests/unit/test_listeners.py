"""Which addresses the ServerThread listens on: 127.0.0.1 brings ::1 along (clients that
resolve ``localhost`` to ::1 first must not get ECONNREFUSED), any other address is
listened on alone, and IPv4 decides whether the server is up. Real sockets, no Anki GUI."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional, Tuple

import pytest
from anki.collection import Collection

from ankiconnect_ws.actions.context import Environment
from ankiconnect_ws.config import Config
from ankiconnect_ws.protocol import Dispatcher
from ankiconnect_ws.server import App, ServerThread, thread as thread_module

from ..support.ipv6 import needs_ipv6
from ..support.waiting import wait_until


Outcome = Tuple[Optional[Tuple[str, int]], Optional[str]]


@contextmanager
def serving(tmp_path: Path, host: str, port: int = 0) -> Iterator[tuple[ServerThread, list[Outcome]]]:
    """A ServerThread asked to listen on host:port, and the outcomes it reported so far."""
    col = Collection(str(tmp_path / "c.anki2"))
    config = Config(webBindAddress=host, webBindPort=port)
    app = App(Dispatcher(Environment(collection=lambda: col, settings=lambda: config)), lambda: config)
    server = ServerThread(app, retry_interval=0.05)
    outcomes: list[Outcome] = []
    try:
        server.start(host, port, lambda address, error: outcomes.append((address, error)))
        wait_until(lambda: outcomes, timeout=5)
        yield server, outcomes
    finally:
        server.stop()
        col.close()


def version_over(host: str, port: int) -> bytes:
    """The reply to a version request sent to host:port (http.client sends Host: [::1]:port)."""
    conn = http.client.HTTPConnection(host, port, timeout=5)
    try:
        conn.request("POST", "/", body=b'{"action": "version", "version": 6}')
        response = conn.getresponse()
        return b"%d " % response.status + response.read()
    finally:
        conn.close()


def refused(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def free_port_on_both() -> int:
    """A port free on 127.0.0.1 and on ::1 right now."""
    for _ in range(20):
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as v6:
            v6.bind(("::1", 0))
            port = v6.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as v4:
                try:
                    v4.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port
    raise AssertionError("no port free on both families")


@needs_ipv6
def test_the_default_loopback_bind_answers_on_ipv6_loopback_too(tmp_path: Path) -> None:
    """Port 0 (tests, --port 0): both listeners get the port the first one was given."""
    with serving(tmp_path, "127.0.0.1") as (server, outcomes):
        (address, error), = outcomes
        assert error is None and address is not None and address[0] == "127.0.0.1"
        port = address[1]
        assert server.address == ("127.0.0.1", port)  # what is reported: the IPv4 one
        assert version_over("127.0.0.1", port) == b'200 {"result": 6, "error": null}'
        assert version_over("::1", port) == b'200 {"result": 6, "error": null}'


@needs_ipv6
def test_ipv6_loopback_taken_leaves_the_ipv4_listener_serving(tmp_path: Path) -> None:
    """::1 is a courtesy: its port in use (or no IPv6 at all) is logged, never reported
    as a failure to listen, and 127.0.0.1 serves."""
    port = free_port_on_both()
    holder = socket.create_server(("::1", port), family=socket.AF_INET6)
    try:
        with serving(tmp_path, "127.0.0.1", port) as (_, outcomes):
            assert outcomes == [(("127.0.0.1", port), None)]
            assert version_over("127.0.0.1", port) == b'200 {"result": 6, "error": null}'
    finally:
        holder.close()


def test_no_ipv6_loopback_leaves_the_ipv4_listener_serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine with IPv6 switched off: the companion address cannot be bound
    (192.0.2.1, TEST-NET-1, is on no machine: EADDRNOTAVAIL, as ::1 without IPv6)."""
    monkeypatch.setitem(thread_module.COMPANIONS, "127.0.0.1", "192.0.2.1")
    with serving(tmp_path, "127.0.0.1") as (_, outcomes):
        (address, error), = outcomes
        assert error is None and address is not None
        assert version_over("127.0.0.1", address[1]) == b'200 {"result": 6, "error": null}'


@needs_ipv6
def test_ipv4_taken_means_not_listening_on_ipv6_either_until_it_is_free(tmp_path: Path) -> None:
    """AnkiConnect listens on 127.0.0.1 only: were we on ::1 meanwhile, a client would
    reach one program or the other depending on how it resolves localhost."""
    port = free_port_on_both()
    holder = socket.create_server(("127.0.0.1", port))
    try:
        with serving(tmp_path, "127.0.0.1", port) as (_, outcomes):
            assert outcomes[0][0] is None and "the port is in use" in str(outcomes[0][1])
            assert refused("::1", port)
            holder.close()
            wait_until(lambda: len(outcomes) > 1, timeout=5)
            assert outcomes[1:] == [(("127.0.0.1", port), None)]
            assert version_over("::1", port) == b'200 {"result": 6, "error": null}'
    finally:
        holder.close()


@needs_ipv6
def test_another_bind_address_is_listened_on_alone(tmp_path: Path) -> None:
    """0.0.0.0 stays IPv4 only, as upstream."""
    with serving(tmp_path, "0.0.0.0") as (_, outcomes):
        (address, error), = outcomes
        assert error is None and address is not None
        assert version_over("127.0.0.1", address[1]) == b'200 {"result": 6, "error": null}'
        assert refused("::1", address[1])


@needs_ipv6
def test_the_ipv6_wildcard_serves_both_families(tmp_path: Path) -> None:
    """``::`` means every interface; asyncio makes it IPv6-only, so 0.0.0.0 comes along."""
    with serving(tmp_path, "::") as (_, outcomes):
        (address, error), = outcomes
        assert error is None and address is not None and address[0] == "::"
        assert version_over("::1", address[1]) == b'200 {"result": 6, "error": null}'
        assert version_over("127.0.0.1", address[1]) == b'200 {"result": 6, "error": null}'


@needs_ipv6
def test_saving_the_config_again_retries_a_missing_ipv6_listener(tmp_path: Path) -> None:
    port = free_port_on_both()
    holder = socket.create_server(("::1", port), family=socket.AF_INET6)
    with serving(tmp_path, "127.0.0.1", port) as (server, outcomes):
        holder.close()
        assert refused("::1", port)
        server.rebind("127.0.0.1", port, lambda address, error: outcomes.append((address, error))).result(5)
        assert outcomes[-1] == (("127.0.0.1", port), None)
        assert version_over("::1", port) == b'200 {"result": 6, "error": null}'



@needs_ipv6
def test_moving_to_another_address_on_the_same_port_is_not_blocked_by_our_own_listener(tmp_path: Path) -> None:
    """127.0.0.1 (and ::1) to :: on one port: our old listeners must not make it "in use"."""
    port = free_port_on_both()
    with serving(tmp_path, "127.0.0.1", port) as (server, outcomes):
        server.rebind("::", port, lambda address, error: outcomes.append((address, error))).result(5)
        assert outcomes[-1] == (("::", port), None)
        assert version_over("::1", port) == b'200 {"result": 6, "error": null}'
        assert version_over("127.0.0.1", port) == b'200 {"result": 6, "error": null}'
