"""Transport overhead: the ``version`` action over HTTP and WebSocket, against a bare echo server.

``version`` does no collection work (it runs on the server loop), so its cost is the
transport: parsing, dispatch, envelope, framing. Measured against the real Anki (started
through the CLI) and against a reference in this process: a bare asyncio HTTP/1.1 server
answering a fixed JSON to every POST (keep-alive) and a ``websockets.asyncio`` server
echoing ``{"id": .., "result": 6, "error": null}``, both in a background thread (pass
``--reference-process`` to run them in a child process instead, so they do not share
this process's GIL with the client). Both are driven by the same client code.

Figures:
  * sequential round trips (one request at a time): HTTP keep-alive (one ``http.client``
    connection), HTTP with a new TCP connection per request, WebSocket (sync client);
  * throughput with 1 and 8 concurrent clients: WebSocket clients pipeline (each keeps
    ``--inflight`` requests in flight), HTTP keep-alive clients send one request at a
    time per connection; latency under load is printed too.

    .venv/bin/python bench/transport.py [--quick] [--reference-process]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from websockets.asyncio.client import connect as ws_connect_async
from websockets.asyncio.server import serve as ws_serve
from websockets.sync.client import connect as ws_connect_sync

from _anki import machine, percentile, start_anki, summary

REQUEST = {"action": "version", "version": 6}
REQUEST_BODY = json.dumps(REQUEST).encode()

# --- the reference server ---------------------------------------------------------------

_REFERENCE_BODY = b'{"result": 6, "error": null}'
_REFERENCE_REPLY = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(_REFERENCE_BODY)).encode()
    + b"\r\n\r\n"
    + _REFERENCE_BODY
)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


async def _reference_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(_content_length(head))
            writer.write(_REFERENCE_REPLY)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _reference_ws(ws) -> None:  # noqa: ANN001 - websockets ServerConnection
    async for message in ws:
        request = json.loads(message)
        await ws.send(json.dumps({"id": request.get("id"), "result": 6, "error": None}))


async def _serve_reference(ready: Callable[[int, int], None]) -> None:
    http_server = await asyncio.start_server(_reference_http, "127.0.0.1", 0)
    async with ws_serve(_reference_ws, "127.0.0.1", 0, max_size=None, compression=None) as ws_server:
        ready(http_server.sockets[0].getsockname()[1], ws_server.sockets[0].getsockname()[1])
        await asyncio.Future()  # until the process ends


def reference_in_thread() -> tuple[int, int]:
    ports: list[int] = []
    started = threading.Event()

    def ready(http_port: int, ws_port: int) -> None:
        ports.extend((http_port, ws_port))
        started.set()

    threading.Thread(target=lambda: asyncio.run(_serve_reference(ready)), daemon=True).start()
    if not started.wait(10):
        raise RuntimeError("reference server did not start")
    return ports[0], ports[1]


def reference_in_process() -> tuple[subprocess.Popen, int, int]:
    proc = subprocess.Popen([sys.executable, __file__, "--serve-reference"], stdout=subprocess.PIPE, text=True)
    http_port, ws_port = map(int, proc.stdout.readline().split())  # type: ignore[union-attr]
    return proc, http_port, ws_port


# --- the client code (the same for both servers) -------------------------------------


@dataclass
class Target:
    name: str
    host: str
    http_port: int
    ws_port: int

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.ws_port}/"


def _check(reply: bytes | str) -> None:
    if json.loads(reply).get("result") != 6:
        raise RuntimeError(f"unexpected reply {reply!r}")


def _http_once(conn: http.client.HTTPConnection) -> bytes:
    conn.request("POST", "/", body=REQUEST_BODY, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {body!r}")
    return body


def seq_http_keepalive(target: Target, count: int, warmup: int) -> list[float]:
    conn = http.client.HTTPConnection(target.host, target.http_port, timeout=30)
    times: list[float] = []
    try:
        for i in range(warmup + count):
            start = time.perf_counter()
            body = _http_once(conn)
            elapsed = (time.perf_counter() - start) * 1000
            if i >= warmup:
                times.append(elapsed)
        _check(body)
    finally:
        conn.close()
    return times


def seq_http_new_connection(target: Target, count: int, warmup: int) -> list[float]:
    times: list[float] = []
    for i in range(warmup + count):
        start = time.perf_counter()
        conn = http.client.HTTPConnection(target.host, target.http_port, timeout=30)
        try:
            body = _http_once(conn)
        finally:
            conn.close()
        elapsed = (time.perf_counter() - start) * 1000
        if i >= warmup:
            times.append(elapsed)
    _check(body)
    return times


def seq_ws(target: Target, count: int, warmup: int) -> list[float]:
    times: list[float] = []
    with ws_connect_sync(target.ws_url, max_size=None, compression=None, open_timeout=10) as ws:
        for i in range(warmup + count):
            start = time.perf_counter()
            ws.send(json.dumps({"id": i, **REQUEST}))
            reply = ws.recv(timeout=30)
            elapsed = (time.perf_counter() - start) * 1000
            if i >= warmup:
                times.append(elapsed)
        _check(reply)
    return times


@dataclass
class Load:
    """Requests completed inside the measuring window, and their latencies."""

    window_start: float
    window_end: float
    latencies: list[float] = field(default_factory=list)

    def record(self, sent: float, done: float) -> None:
        if self.window_start <= done <= self.window_end:
            self.latencies.append((done - sent) * 1000)

    @property
    def rate(self) -> float:
        return len(self.latencies) / (self.window_end - self.window_start)


async def _ws_client(url: str, inflight: int, load: Load) -> None:
    async with ws_connect_async(url, max_size=None, compression=None, open_timeout=10) as ws:
        slots = asyncio.Semaphore(inflight)
        sent: dict[int, float] = {}

        async def receive() -> None:
            async for message in ws:
                reply = json.loads(message)
                load.record(sent.pop(reply["id"]), time.perf_counter())
                slots.release()

        receiver = asyncio.create_task(receive())
        request_id = 0
        while time.perf_counter() < load.window_end:
            await slots.acquire()
            request_id += 1
            sent[request_id] = time.perf_counter()
            await ws.send(json.dumps({"id": request_id, **REQUEST}))
        for _ in range(inflight):  # let the requests in flight finish
            await asyncio.wait_for(slots.acquire(), 30)
        receiver.cancel()


async def _http_client(target: Target, load: Load) -> None:
    reader, writer = await asyncio.open_connection(target.host, target.http_port)
    request = (
        f"POST / HTTP/1.1\r\nHost: {target.host}:{target.http_port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(REQUEST_BODY)}\r\n\r\n"
    ).encode() + REQUEST_BODY
    try:
        while time.perf_counter() < load.window_end:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            body = await reader.readexactly(_content_length(head))
            load.record(start, time.perf_counter())
        _check(body)
    finally:
        writer.close()


def throughput(target: Target, transport: str, clients: int, inflight: int, seconds: float,
               warmup: float) -> Load:
    async def run() -> Load:
        now = time.perf_counter()
        load = Load(now + warmup, now + warmup + seconds)
        if transport == "ws":
            jobs = [_ws_client(target.ws_url, inflight, load) for _ in range(clients)]
        else:
            jobs = [_http_client(target, load) for _ in range(clients)]
        await asyncio.gather(*jobs)
        return load

    return asyncio.run(run())


# --- output -----------------------------------------------------------------------------


def _ratio(ours: float, reference: float) -> str:
    return f"{ours / reference:.2f}x" if reference else "n/a"


def report_latency(label: str, ours: list[float], reference: list[float]) -> None:
    print(f"{label}")
    print(f"    ours:      {summary(ours)}")
    print(f"    reference: {summary(reference)}")
    print(f"    ratio ours/reference: median {_ratio(statistics.median(ours), statistics.median(reference))}, "
          f"p99 {_ratio(percentile(ours, 99), percentile(reference, 99))}")


def report_load(label: str, ours: Load, reference: Load) -> None:
    print(f"{label}")
    for name, load in (("ours", ours), ("reference", reference)):
        print(f"    {name + ':':<10} {load.rate:,.0f} req/s; latency under load {summary(load.latencies)}")
    print(f"    ratio ours/reference: throughput {_ratio(ours.rate, reference.rate)} (higher is better), "
          f"median latency {_ratio(statistics.median(ours.latencies), statistics.median(reference.latencies))}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="short run (about 20 s)")
    parser.add_argument("--count", type=int, default=None, help="sequential requests per case")
    parser.add_argument("--seconds", type=float, default=None, help="measuring window per throughput case")
    parser.add_argument("--inflight", type=int, default=32, help="requests in flight per WebSocket client")
    parser.add_argument("--reference-process", action="store_true",
                        help="run the reference server in a child process instead of a thread")
    parser.add_argument("--serve-reference", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_reference:
        asyncio.run(_serve_reference(lambda h, w: print(h, w, flush=True)))
        return
    count = args.count or (300 if args.quick else 3000)
    seconds = args.seconds or (1.0 if args.quick else 4.0)
    warmup_requests, warmup_seconds = (50, 0.3) if args.quick else (200, 1.0)

    child = None
    if args.reference_process:
        child, ref_http, ref_ws = reference_in_process()
    else:
        ref_http, ref_ws = reference_in_thread()
    anki = start_anki("transport")
    try:
        ours = Target("ours", anki.host, anki.port, anki.port)
        reference = Target("reference", "127.0.0.1", ref_http, ref_ws)
        print(f"machine: {machine()}")
        where = "child process" if child else "background thread"
        print(f"reference server: bare asyncio HTTP + websockets.asyncio echo in a {where}")
        print(f"sequential: {count} requests per case after {warmup_requests} warm-up requests")
        results: dict[str, tuple[list[float], list[float]]] = {}
        for label, fn, n in (
            ("version round trip, HTTP keep-alive (one connection)", seq_http_keepalive, count),
            ("version round trip, HTTP new TCP connection per request", seq_http_new_connection, count // 3),
            ("version round trip, WebSocket", seq_ws, count),
        ):
            results[label] = (fn(ours, n, warmup_requests), fn(reference, n, warmup_requests))
            report_latency(label, *results[label])
        print(f"throughput: {seconds:g} s window after {warmup_seconds:g} s warm-up; "
              f"WebSocket clients keep {args.inflight} requests in flight each")
        loads: dict[tuple[str, int], Load] = {}
        for transport, clients in (("ws", 1), ("ws", 8), ("http", 1), ("http", 8)):
            mine = throughput(ours, transport, clients, args.inflight, seconds, warmup_seconds)
            theirs = throughput(reference, transport, clients, args.inflight, seconds, warmup_seconds)
            loads[(transport, clients)] = mine
            name = "WebSocket" if transport == "ws" else "HTTP keep-alive"
            report_load(f"version throughput, {name}, {clients} client{'s' if clients > 1 else ''}", mine, theirs)

        ws_rtt = statistics.median(results["version round trip, WebSocket"][0])
        ws8 = loads[("ws", 8)].rate
        print("targets:")
        print(f"    WebSocket version, 8 clients >= 4,000 req/s: {ws8:,.0f} req/s -> {'MET' if ws8 >= 4000 else 'MISSED'}")
        print(f"    WebSocket version round trip p50 < 1 ms: {ws_rtt:.3f} ms -> {'MET' if ws_rtt < 1 else 'MISSED'}")
    finally:
        anki.stop()
        shutil.rmtree(anki.base.parent, ignore_errors=True)
        if child is not None:
            child.terminate()
            child.wait()


if __name__ == "__main__":
    main()
