"""Reliability runs: fuzz, concurrent clients, SIGKILL under load. Each module starts its
own real Anki (bench/anki_process.py), so the shared e2e instance is not disturbed."""

from __future__ import annotations

from ..support.report import LINES


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    if LINES:
        terminalreporter.section("reliability runs")
        for line in LINES:
            terminalreporter.write_line(line)
