"""The CLI's failure path: a busy port is reported and the command stops (no dialog
waits for anyone)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .anki_process import ROOT, AnkiProcess


def test_busy_port_is_reported_and_the_command_exits(anki: AnkiProcess, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "ankiconnect_ws", "run", "--base", str(tmp_path / "busy"),
               "--port", str(anki.port), "--headless"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{anki.port}" in result.stderr
    assert "listening on" not in result.stdout
    assert f"cannot listen on 127.0.0.1:{anki.port}" in (tmp_path / "busy" / "anki.log").read_text()
    assert anki("version") == 6  # the first instance is untouched


def test_no_server_in_time_is_a_failure(tmp_path: Path) -> None:
    # No Anki starts in 0.1 s (Qt alone takes longer): the command must say so and fail.
    command = [sys.executable, "-m", "ankiconnect_ws", "run", "--base", str(tmp_path / "slow"),
               "--port", "0", "--headless", "--timeout", "0.1"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "no server after 0.1s" in result.stderr
    assert result.returncode == 1 and "listening on" not in result.stdout
