"""The server thread: one asyncio loop in one daemon thread owns every socket.

Qt's main thread never touches a socket and never waits for this thread: it asks for
things (start, rebind, stop) with thread-safe calls and gets told the outcome through a
callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Optional

from .app import App
from .http import HttpConnection
from .websocket import drop_traceback

__all__ = ["ServerThread"]

log = logging.getLogger("ankiconnect_ws.server")

BoundCallback = Callable[[Optional[tuple[str, int]], Optional[str]], None]


#: seconds between tries of a port in use
RETRY_INTERVAL = 5.0

#: address asked for -> one more listened on, on the same port, where the system allows.
#: 127.0.0.1 brings ::1: many clients (Node 17+, MCP bridges) resolve ``localhost`` to ::1
#: first and would get ECONNREFUSED. "::" means every interface, but asyncio makes it
#: IPv6-only, so 0.0.0.0 comes along. The first one decides whether we listen.
COMPANIONS = {"127.0.0.1": "::1", "::": "0.0.0.0"}
#: tries of port 0 to find a port free for both listeners
PORT_ZERO_TRIES = 5


class ServerThread:
    def __init__(self, app: App, name: str = "ankiconnect-ws", retry_interval: float = RETRY_INTERVAL) -> None:
        self.app = app
        self.retry_interval = retry_interval
        #: tries the port asked for again while it is in use (see _retry)
        self._retrying: asyncio.Task[None] | None = None
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        #: the COMPANIONS listener, while there is one
        self._companion: asyncio.base_events.Server | None = None
        #: each connection's task and its HTTP state (for closing an idle one when full)
        self._connections: dict[asyncio.Task[object], HttpConnection] = {}
        self.address: tuple[str, int] | None = None
        self._started = threading.Event()

    # --- called from any thread --------------------------------------------------------

    def start(self, host: str, port: int, on_bound: BoundCallback | None = None) -> None:
        self._thread.start()
        self._started.wait()
        self.rebind(host, port, on_bound)

    def rebind(self, host: str, port: int, on_bound: BoundCallback | None = None) -> "Future[None]":
        """(Re)listen on host:port; open connections are kept."""
        return asyncio.run_coroutine_threadsafe(self._listen(host, port, on_bound), self.loop)

    @property
    def open_connections(self) -> int:
        """Connections being served right now (HTTP and WebSocket)."""
        return len(self._connections)

    def call(self, fn: Callable[..., object], *args: object) -> None:
        """Run ``fn(*args)`` on the server thread soon (e.g. publishing an event);
        dropped once the loop is closed (Anki is exiting)."""
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(fn, *args)

    def stop(self, timeout: float = 2.0) -> None:
        """Close every connection and the listener; wait at most ``timeout`` seconds."""
        if not self._thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop)
        with contextlib.suppress(Exception):
            future.result(timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)

    # --- server thread ---------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        try:
            self.loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                self.loop.close()

    async def _listen(self, host: str, port: int, on_bound: BoundCallback | None) -> None:
        self._stop_retrying()
        if self._server is not None and self.address is not None:
            if (host, port) == self.address or (port == 0 and host == self.address[0]):
                if self._companion is None:  # its port was taken, say: try again
                    self._companion = await self._open_companion(host, self.address[1])
                if on_bound:
                    on_bound(self.address, None)
                return
        if self.address is not None and port == self.address[1]:
            # another address on the same port: our own listeners would hold it ("in use")
            self._close_listeners()
            self.address = None
        try:
            server, companion = await self._open_pair(host, port)
        except OSError as exc:
            log.error("ankiconnect-ws: cannot listen on %s: %s", _shown(host, port), exc)
            if on_bound:
                on_bound(None, f"cannot listen on {_shown(host, port)}: {_reason(exc)}")
            if exc.errno == errno.EADDRINUSE:  # (an old listener, if any, serves meanwhile)
                self._retrying = asyncio.create_task(self._retry(host, port, on_bound))
            return
        self._adopt(server, companion, host, on_bound)

    async def _retry(self, host: str, port: int, on_bound: BoundCallback | None) -> None:
        """The port asked for is in use: try again now and then, so that the other
        program closing (or an Anki that is still exiting) needs no restart."""
        while True:
            await asyncio.sleep(self.retry_interval)
            try:
                server, companion = await self._open_pair(host, port)
            except OSError:
                continue
            self._retrying = None
            self._adopt(server, companion, host, on_bound)
            return

    def _stop_retrying(self) -> None:
        if self._retrying is not None:
            self._retrying.cancel()
            self._retrying = None

    async def _open_pair(self, host: str, port: int) -> tuple[asyncio.base_events.Server, asyncio.base_events.Server | None]:
        """The listener on host:port (OSError if it cannot be opened), and its companion
        on the same port if the address has one and it can be opened."""
        server = await self._open(host, port)
        companion_host = COMPANIONS.get(host)
        if companion_host is None:
            return server, None
        for _ in range(PORT_ZERO_TRIES if port == 0 else 0):
            try:
                return server, await self._open(companion_host, _port_of(server))
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    break
            server.close()  # port 0 picked a port in use on the other family: pick again
            server = await self._open(host, 0)
        return server, await self._open_companion(host, _port_of(server))

    async def _open_companion(self, host: str, port: int) -> asyncio.base_events.Server | None:
        """The companion listener of host (see COMPANIONS), or None. Never an error: IPv6
        may be switched off, or another program may hold the port there."""
        companion_host = COMPANIONS.get(host)
        if companion_host is None:
            return None
        try:
            return await self._open(companion_host, port)
        except OSError as exc:
            log.warning("ankiconnect-ws: listening on %s only, not on %s: %s",
                        _shown(host, port), _shown(companion_host, port), _reason(exc))
            return None

    async def _open(self, host: str, port: int) -> asyncio.base_events.Server:
        return await asyncio.start_server(
            self._on_connection,
            host,
            port,
            family=socket.AF_UNSPEC,
            # asyncio's default: SO_REUSEADDR on Unix only (a restart may bind while old
            # connections linger). On Windows it would let us bind a port that
            # AnkiConnect (or anything) already listens on, so both would get requests.
            backlog=128,
            limit=2**16,
        )

    def _adopt(self, server: asyncio.base_events.Server, companion: asyncio.base_events.Server | None, host: str,
               on_bound: BoundCallback | None) -> None:
        """Serve from ``server`` (and ``companion``) from now on, instead of the previous listeners."""
        self._close_listeners()
        self._server, self._companion = server, companion
        self.address = (host, _port_of(server))
        also = f" and {_shown(COMPANIONS[host], self.address[1])}" if companion is not None else ""
        log.info("ankiconnect-ws listening on %s%s", _shown(*self.address), also)
        if on_bound:
            on_bound(self.address, None)

    def _close_listeners(self) -> None:
        for listener in (self._server, self._companion):
            if listener is not None:
                listener.close()
        self._server = self._companion = None

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._connections) >= self.app.settings().maxConnections and not self._close_an_idle_connection():
            writer.close()  # every slot is busy with a request or a WebSocket
            return
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        task = asyncio.current_task()
        assert task is not None
        connection = HttpConnection(self.app, reader, writer)
        self._connections[task] = connection
        try:
            await connection.run()
        except asyncio.CancelledError:
            pass  # shutting down, or closed to make room; the socket is closed by run()
        finally:
            self._connections.pop(task, None)
            # a reset leaves its error in the reader (see websocket.drop_traceback)
            drop_traceback(reader.exception())

    def _close_an_idle_connection(self) -> bool:
        """Make room for a new client: close the connection that has waited longest for a
        request head (silent since accepted, or idle between keep-alive requests), so
        that idle sockets cannot shut out a client with something to say."""
        idle = [(conn.waiting_since, task) for task, conn in self._connections.items() if conn.waiting_since is not None]
        if not idle:
            return False
        _, task = min(idle, key=lambda pair: pair[0])
        del self._connections[task]
        task.cancel()
        log.debug("connection limit reached: closed the longest idle connection")
        return True

    async def _shutdown(self) -> None:
        self._stop_retrying()
        self._close_listeners()
        # WebSocket clients get a proper close frame ("going away").
        for session in list(self.app.sessions):
            with contextlib.suppress(Exception):
                session.close(1001, "Anki is closing")
                await asyncio.wait_for(session.drain(), 0.5)
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=1.0)


def _port_of(server: asyncio.base_events.Server) -> int:
    return int(server.sockets[0].getsockname()[1])


def _shown(host: str, port: int) -> str:
    """host:port as in a URL: [::1]:8765."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _reason(exc: OSError) -> str:
    """Why the listener could not be opened, in the user's terms."""
    if exc.errno == errno.EADDRINUSE:  # the usual case: AnkiConnect itself is still enabled
        return "the port is in use (is AnkiConnect, or another program, listening there?)"
    return str(exc.strerror or exc)
