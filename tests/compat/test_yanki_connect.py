"""Drive a real Anki with the npm client yanki-connect: every action it exposes, with the
result shapes its TypeScript types declare (the checks live in yanki.mjs)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bench.anki_process import AnkiProcess

from ..support.client_runs import anki_children, kill_if_left, text

COMPAT = Path(__file__).resolve().parent
SCRIPT_TIMEOUT = 240  # the script itself runs in about 20-40 s
HEADER = re.compile(r"yanki-connect (\S+): (\d+) actions")
SUMMARY = re.compile(r"(\d+) passed, (\d+) failed")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is needed for the yanki-connect compatibility test (install Node.js 20+)")
    return found


def _install_client(npm: str) -> None:
    """The suite installs what it needs: npm ci from the committed package-lock.json."""
    if (COMPAT / "node_modules" / "yanki-connect" / "package.json").exists():
        return
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=COMPAT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"


def test_every_yanki_connect_action_gives_its_declared_shape(tmp_path: Path) -> None:
    node, npm = _tool("node"), _tool("npm")
    _install_client(npm)
    # Our own Anki: the script changes a lot and finally closes Anki (guiExitAnki).
    anki = AnkiProcess(tmp_path / "yanki")
    children = anki_children(anki)
    try:
        run = subprocess.run(
            [node, "yanki.mjs", anki.url, "--exit"],
            cwd=COMPAT,
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT,
        )
        output = run.stdout + run.stderr
    except subprocess.TimeoutExpired as timeout:
        output = f"{text(timeout.stdout)}{text(timeout.stderr)}\n(yanki.mjs killed after {SCRIPT_TIMEOUT} s)"
        run = None
    finally:
        anki_exit = anki.stop(timeout=30)
        kill_if_left(children)  # a hung Anki must not outlive the test
    print(output)
    log = f"{output}\n--- Anki log ---\n{anki.log_tail()}"

    assert run is not None, log
    lines = output.strip().splitlines()
    header = HEADER.fullmatch(lines[0]) if lines else None
    summary = SUMMARY.fullmatch(lines[-1]) if lines else None
    assert header and summary, log
    exposed = int(header.group(2))
    passed, failed = int(summary.group(1)), int(summary.group(2))
    assert failed == 0 and passed == exposed, log
    assert run.returncode == 0, log
    assert anki_exit == 0, f"Anki exit code after guiExitAnki: {anki_exit}\n{log}"
