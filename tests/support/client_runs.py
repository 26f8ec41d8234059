"""Running a third-party client's script against an Anki of our own (tests/compat)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from bench.anki_process import AnkiProcess


def anki_children(anki: AnkiProcess) -> list[int]:
    """The real Anki under the CLI wrapper (Linux): stop() may kill only the wrapper."""
    pid = anki.proc.pid
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def kill_if_left(pids: list[int]) -> None:
    for pid in pids:
        try:
            if "aqt" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"):
                os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass


def text(data: bytes | str | None) -> str:
    """TimeoutExpired carries bytes on POSIX even in text mode."""
    return data.decode(errors="replace") if isinstance(data, bytes) else data or ""
