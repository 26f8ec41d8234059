"""Drive a real Anki with the npm client yanki-connect: every action it exposes, with the
result shapes its TypeScript types declare (the checks live in yanki.mjs)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ..support.client_runs import run_client

COMPAT = Path(__file__).resolve().parent
SCRIPT_TIMEOUT = 240  # the script itself runs in about 20-40 s
HEADER = re.compile(r"yanki-connect (\S+): (\d+) actions")


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
    run = run_client([node, "yanki.mjs"], tmp_path / "yanki", HEADER, SCRIPT_TIMEOUT, cwd=COMPAT)
    assert run.returncode is not None and run.exposed is not None and run.passed is not None, run.log
    assert run.failed == 0 and run.passed == run.exposed, run.log  # one check per action
    assert run.returncode == 0, run.log
    assert run.anki_exit == 0, f"Anki exit code after guiExitAnki: {run.anki_exit}\n{run.log}"
