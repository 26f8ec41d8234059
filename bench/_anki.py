"""Shared by the benchmarks: start the real Anki through the CLI on a throw-away base."""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.anki_process import AnkiProcess  # noqa: E402


def start_anki(name: str = "bench", files: dict[str, str | bytes] | None = None, **kwargs) -> AnkiProcess:
    """Start Anki on a fresh base; ``files`` (path relative to the base -> content) are
    written before Anki starts, e.g. an extra add-on under ``addons21/``."""
    base = Path(tempfile.mkdtemp(prefix=f"ankiconnect-ws-{name}-")) / "base"
    for relative, content in (files or {}).items():
        target = base / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    return AnkiProcess(base, **kwargs)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} ms, p99 {percentile(values, 99):.3f} ms, n={len(values)}"
