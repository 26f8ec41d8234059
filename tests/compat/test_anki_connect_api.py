"""Drive a real Anki with the PyPI client anki-connect-api: every function it exposes, with
the result shapes its docstrings show (the checks live in anki_connect_api_run.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ankiconnect_ws.build import TESTED_ANKI, AnkiRelease

from ..install.stock import stock_python
from ..support.client_runs import run_client

COMPAT = Path(__file__).resolve().parent
PACKAGE = "anki-connect-api==24.2.26.0"  # pure Python, no dependencies
TARGET = COMPAT / ".pydeps" / PACKAGE.replace("==", "-")
SCRIPT_TIMEOUT = 240  # the script itself runs in about 10-20 s
HEADER = re.compile(r"anki-connect-api (\S+): (\d+) functions")


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


#: this checkout's Anki, and each older Anki tested (on Python 3.9), as a user has it
OLDER_ANKI = [anki for anki in TESTED_ANKI if anki.python == "3.9"]


@pytest.mark.parametrize("anki", [None, *OLDER_ANKI],
                         ids=lambda anki: "checkout" if anki is None else f"stock-anki{anki.version}")
def test_every_anki_connect_api_function_gives_its_documented_shape(
    tmp_path: Path, anki: AnkiRelease | None, request: pytest.FixtureRequest,
) -> None:
    _install_client()
    anki_python, anki_args = None, ()
    if anki is not None:  # the built file installed by Anki's add-on manager into stock Anki
        anki_python = str(stock_python(anki))
        anki_args = ("--addon", str(request.getfixturevalue("addon_file")))
    run = run_client([sys.executable, str(COMPAT / "anki_connect_api_run.py")], tmp_path / "acapi", HEADER,
                     SCRIPT_TIMEOUT, cwd=tmp_path, env={"PYTHONPATH": str(TARGET)}, anki_python=anki_python,
                     anki_args=anki_args)
    assert run.returncode is not None and run.exposed is not None and run.passed is not None, run.log
    # one check per function at least (some functions get several), and none failed
    assert run.failed == 0 and run.passed >= run.exposed, run.log
    assert run.returncode == 0, run.log
    assert run.anki_exit == 0, f"Anki exit code after guiExitAnki: {run.anki_exit}\n{run.log}"
