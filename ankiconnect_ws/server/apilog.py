"""``apiLogPath``: every request and reply written to a file, as AnkiConnect does.

Format as upstream: ``[request]`` / ``[reply]`` then the JSON, indented, keys sorted.
The file is truncated when logging starts. API keys are written as ``"<redacted>"``:
a log file is easily shared in a bug report.
"""

from __future__ import annotations

import contextlib
import json
import threading
from typing import TextIO

__all__ = ["ApiLog"]


def _redacted(value: object) -> object:
    if isinstance(value, dict):
        return {k: ("<redacted>" if k == "key" and v is not None else _redacted(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


class ApiLog:
    def __init__(self, path: str) -> None:
        self.path = path
        self._file: TextIO = open(path, "w", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, kind: str, value: object) -> None:
        """``value``: a request or a reply (a request may hold any JSON a client sent)."""
        text = json.dumps(_redacted(value), indent=4, sort_keys=True, default=str)
        with self._lock:
            self._file.write(f"[{kind}]\n{text}\n\n")
            self._file.flush()

    def close(self) -> None:
        # On a full disk the last flush fails; the file is closed all the same.
        with self._lock, contextlib.suppress(OSError):
            self._file.close()
