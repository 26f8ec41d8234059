"""Running a third-party client's script against an Anki of our own (tests/compat).

Each script prints a header line (``<client> <version>: <N> <things>``) first and a
``<passed> passed, <failed> failed`` line last, and finally closes Anki with
guiExitAnki (``--exit``), so that Anki's own exit code is checked too."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.anki_process import AnkiProcess

SUMMARY = re.compile(r"(\d+) passed, (\d+) failed")


@dataclass(frozen=True)
class ClientRun:
    output: str
    #: the script's exit code; None when it was killed at its timeout
    returncode: int | None
    anki_exit: int | None
    #: N of the header line, and the summary's counts (None when a line is missing)
    exposed: int | None
    passed: int | None
    failed: int | None
    #: the output with the tail of Anki's log, for assertion messages
    log: str


def run_client(command: list[str], anki_dir: Path, header: re.Pattern[str], timeout: float,
               cwd: Path, env: dict[str, str] | None = None, anki_python: str | None = None,
               anki_args: tuple[str, ...] = ()) -> ClientRun:
    """Start an Anki in ``anki_dir`` (on ``anki_python`` with ``anki_args``: a stock
    Anki, see AnkiProcess), run ``command`` with its URL and ``--exit`` appended, and
    stop Anki (killing it if it hangs)."""
    anki = AnkiProcess(anki_dir, python=anki_python, args=anki_args)
    children = anki_children(anki)
    returncode: int | None = None
    try:
        run = subprocess.run([*command, anki.url, "--exit"], cwd=cwd, env={**os.environ, **(env or {})},
                             capture_output=True, text=True, timeout=timeout)
        output, returncode = run.stdout + run.stderr, run.returncode
    except subprocess.TimeoutExpired as expired:
        output = f"{text(expired.stdout)}{text(expired.stderr)}\n(killed after {timeout} s)"
    finally:
        anki_exit = anki.stop(timeout=30)
        kill_if_left(children)  # a hung Anki must not outlive the test
    print(output)
    lines = output.strip().splitlines()
    found = header.fullmatch(lines[0]) if lines else None
    summary = SUMMARY.fullmatch(lines[-1]) if lines else None
    return ClientRun(
        output=output,
        returncode=returncode,
        anki_exit=anki_exit,
        exposed=int(found.group(2)) if found else None,
        passed=int(summary.group(1)) if summary else None,
        failed=int(summary.group(2)) if summary else None,
        log=f"{output}\n--- Anki log ---\n{anki.log_tail()}",
    )


def anki_children(anki: AnkiProcess) -> list[int]:
    """The real Anki under the CLI wrapper (Linux): stop() may kill only the wrapper."""
    pid = anki.proc.pid
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def kill_if_left(pids: list[int]) -> None:
    for pid in pids:
        try:
            if "aqt" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"):
                os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass


def text(data: bytes | str | None) -> str:
    """TimeoutExpired carries bytes on POSIX even in text mode."""
    return data.decode(errors="replace") if isinstance(data, bytes) else data or ""
