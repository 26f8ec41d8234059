"""The CLI: the add-on it runs is the one built for users; failures are reported and
the command stops (no dialog waits for anyone)."""

from __future__ import annotations

import json
import subprocess
import sys
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
