"""The CLI: the add-on it runs is the one built for users; failures are reported and
the command stops (no dialog waits for anyone)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.anki_process import ROOT, AnkiProcess
from .conftest import TEST_CONFIG


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


def test_runs_the_add_on_as_built_and_keeps_the_config(anki: AnkiProcess) -> None:
    # Installed from dist/ankiconnect-ws.ankiaddon by Anki's add-on manager, which wrote
    # the manifest's keys into meta.json beside the config written before the start.
    folder = anki.base / "addons21" / "ankiconnect_ws"
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["config"]["maxBodyBytes"] == TEST_CONFIG["maxBodyBytes"]
    assert meta["human_version"] and meta["min_point_version"] and meta["disabled"] is False
    assert (folder / "_vendor" / "h11" / "__init__.py").is_file() and (folder / "web" / "index.html").is_file()
    assert not (folder / "build.py").exists()


def test_a_stop_arriving_as_anki_exits_by_itself_keeps_exit_code_0(tmp_path: Path) -> None:
    """guiExitAnki closes Anki; a caller that stops the command at the same moment (as
    a test harness or a service manager does) must not turn a clean exit into -15.
    SIGTERMs are sent without pause until the command has exited, so one lands while
    Python shuts down, when it has put the default handlers back."""
    process = AnkiProcess(tmp_path / "exit-race")
    try:
        process("guiExitAnki")
        while process.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.proc.pid, signal.SIGTERM)
            time.sleep(0.0005)
        assert process.proc.wait() == 0
    finally:
        process.stop()
