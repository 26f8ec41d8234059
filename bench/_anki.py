"""Shared by the benchmarks: start the real Anki through the CLI on a throw-away base."""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from anki_process import AnkiProcess  # this folder's: see its docstring


def start_anki(name: str = "bench", files: dict[str, str | bytes] | None = None, **kwargs) -> AnkiProcess:
    """Start Anki on a fresh base; ``files`` (path relative to the base -> content) are
    written before Anki starts, e.g. an extra add-on under ``addons21/``."""
    base = Path(tempfile.mkdtemp(prefix=f"ankiconnect-ws-{name}-")) / "base"
    return AnkiProcess(base, files=files, **kwargs)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} ms, p99 {percentile(values, 99):.3f} ms, n={len(values)}"


def ratio(ours: float, reference: float) -> str:
    return f"{ours / reference:.2f}x" if reference else "n/a"


def compare(label: str, ours: list[float], reference: list[float]) -> None:
    """Print both summaries and ours/reference for the median and p99 (above 1: we are slower)."""
    print(label)
    print(f"    ours:      {summary(ours)}")
    print(f"    reference: {summary(reference)}")
    print(f"    ratio ours/reference: median {ratio(statistics.median(ours), statistics.median(reference))}, "
          f"p99 {ratio(percentile(ours, 99), percentile(reference, 99))}")


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, load average {load}"


def timed_call(anki: AnkiProcess, action: str, **params: Any) -> tuple[Any, float]:
    """One HTTP request (new connection); milliseconds from sending to the parsed reply.

    The request body is encoded before the clock starts: the client's own JSON encoding
    is not the server's cost.
    """
    body = json.dumps({"action": action, "version": 6, "params": params}).encode()
    conn = anki.connection(timeout=600)
    try:
        start = time.perf_counter()
        conn.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        reply = json.loads(response.read())
        elapsed = (time.perf_counter() - start) * 1000
    finally:
        conn.close()
    if response.status != 200 or reply.get("error") is not None:
        raise RuntimeError(f"{action}: HTTP {response.status}, error {reply.get('error')!r}")
    return reply["result"], elapsed


def rss_kib(pid: int) -> int:
    """Resident memory of process ``pid`` (VmRSS from /proc), in KiB."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")
