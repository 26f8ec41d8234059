"""Drive a real Anki with the PyPI client anki-connect-api: every function it exposes, with
the result shapes its docstrings show (the checks live in anki_connect_api_run.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bench.anki_process import AnkiProcess

from ..support.client_runs import anki_children, kill_if_left, text

COMPAT = Path(__file__).resolve().parent
PACKAGE = "anki-connect-api==24.2.26.0"  # pure Python, no dependencies
TARGET = COMPAT / ".pydeps" / PACKAGE.replace("==", "-")
SCRIPT_TIMEOUT = 240  # the script itself runs in about 10-20 s
HEADER = re.compile(r"anki-connect-api (\S+): (\d+) functions")
SUMMARY = re.compile(r"(\d+) passed, (\d+) failed")


def _install_client() -> None:
    """The suite installs what it needs: the pinned wheel, into a cache beside this file
    (not into the shared virtualenv)."""
    if (TARGET / "anki_connect_api.py").exists():
        return
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(TARGET),
            PACKAGE,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"pip install {PACKAGE} failed:\n{done.stdout}\n{done.stderr}"


def test_every_anki_connect_api_function_gives_its_documented_shape(
    tmp_path: Path,
) -> None:
    _install_client()
    # Our own Anki: the script changes a lot and finally closes Anki (guiExitAnki).
    anki = AnkiProcess(tmp_path / "acapi")
    children = anki_children(anki)
    try:
        run = subprocess.run(
            [
                sys.executable,
                str(COMPAT / "anki_connect_api_run.py"),
                anki.url,
                "--exit",
            ],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(TARGET)},
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT,
        )
        output = run.stdout + run.stderr
    except subprocess.TimeoutExpired as timeout:
        output = f"{text(timeout.stdout)}{text(timeout.stderr)}\n(script killed after {SCRIPT_TIMEOUT} s)"
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
    # One check per function at least (some functions get several), and none failed.
    passed, failed = int(summary.group(1)), int(summary.group(2))
    assert failed == 0 and passed >= int(header.group(2)), log
    assert run.returncode == 0, log
    assert anki_exit == 0, f"Anki exit code after guiExitAnki: {anki_exit}\n{log}"
