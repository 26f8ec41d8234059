"""Figures of the reliability runs, shown in the terminal summary (CI output) whether or
not pytest captures output (see conftest.pytest_terminal_summary)."""

from __future__ import annotations

LINES: list[str] = []


def report(line: str) -> None:
    LINES.append(line)
    print(line)  # also in the captured output of a failing test
