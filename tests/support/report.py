"""Figures of the reliability runs, shown in the terminal summary (CI output) whether or
not pytest captures output (see conftest.pytest_terminal_summary)."""

from __future__ import annotations

import json
from pathlib import Path

LINES: list[str] = []


def report(line: str) -> None:
    LINES.append(line)
    print(line)  # also in the captured output of a failing test


def save_violations(artifact: Path, rows: list[dict[str, str]]) -> None:
    """Every violation with its exact request, one JSON object per line, for
    reproduction; no file when there is none (no stale findings from an earlier run)."""
    if not rows:
        artifact.unlink(missing_ok=True)
        return
    artifact.parent.mkdir(exist_ok=True)
    with artifact.open("w") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")
