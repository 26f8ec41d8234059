"""Stock Anki from PyPI, each version in its own virtual environment on the Python its
official build runs on: only ``aqt`` and what it depends on, as Anki's launcher installs.

The environments are kept in ``~/.cache/ankiconnect-ws/stock/<anki>-py<python>/`` (or
under ``$XDG_CACHE_HOME``), outside the checkout so that a fresh clone (CI) reuses them:
made on first use (15-60 s each with a warm pip cache), reused while complete, and made
by one test run at a time (a lock file), so that two suites running at once share them.
"""

from __future__ import annotations

import fcntl
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ankiconnect_ws.build import AnkiRelease

STOCK_ROOT = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ankiconnect-ws" / "stock"
#: written last: a half-made environment (interrupted install) is made again
COMPLETE_MARK = ".complete"


def find_python(version: str) -> Path:
    """An interpreter of Python ``version`` (major.minor): pyenv's newest, else on PATH
    (a pyenv shim on PATH may refuse to run when that version is not selected)."""
    found = shutil.which(f"python{version}")
    candidates = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python")),
                        key=_version_key, reverse=True) + ([found] if found else [])
    for candidate in candidates:
        check = f"import sys; sys.exit(sys.version_info[:2] != ({version.replace('.', ', ')}))"
        if subprocess.run([candidate, "-c", check], capture_output=True).returncode == 0:
            return Path(candidate)
    raise AssertionError(f"no Python {version} here; Anki's official build runs on it (install it with pyenv)")


def _version_key(path: str) -> tuple[int, ...]:
    name = Path(path).parent.parent.name
    return tuple(int(part) if part.isdigit() else -1 for part in name.split("."))


def stock_python(anki: AnkiRelease) -> Path:
    """The interpreter of a stock Anki ``anki.version`` environment, made if missing."""
    folder = STOCK_ROOT / f"{anki.version}-py{anki.python}"
    python = folder / "bin" / "python"
    if _complete(anki, folder):
        return python
    STOCK_ROOT.mkdir(parents=True, exist_ok=True)
    with open(STOCK_ROOT / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run may be making it: wait, then look again
        if not _complete(anki, folder):
            _make(anki, folder, python)
    return python


def _complete(anki: AnkiRelease, folder: Path) -> bool:
    """Made, and with what ``anki`` asks for now (the mark lists it)."""
    mark = folder / COMPLETE_MARK
    return (folder / "bin" / "python").is_file() and mark.is_file() and mark.read_text().split() == anki.requirements()


def _make(anki: AnkiRelease, folder: Path, python: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    _run([str(find_python(anki.python)), "-m", "venv", str(folder)])
    # The qt extra brings Qt (pinned where Anki's own build of this version differs).
    _run([str(python), "-m", "pip", "install", "--quiet", *anki.requirements()])
    (folder / COMPLETE_MARK).write_text("\n".join(anki.requirements()) + "\n")


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"


def importable(python: Path, module: str) -> bool:
    """Whether ``module`` can be imported in that environment (run from a neutral folder,
    so this checkout is not on its path)."""
    code = f"import importlib.util, sys; sys.exit(0 if importlib.util.find_spec({module!r}) else 1)"
    return subprocess.run([str(python), "-I", "-c", code], cwd="/").returncode == 0


def main(argv: list[str]) -> int:
    """``python -m tests.install.stock VERSION``: print the interpreter of that stock
    Anki (one of TESTED_ANKI, e.g. 2.1.66), making its environment if missing."""
    from ankiconnect_ws.build import TESTED_ANKI

    wanted = {anki.version: anki for anki in TESTED_ANKI}
    if len(argv) != 1 or argv[0] not in wanted:
        print(f"usage: python -m tests.install.stock {{{','.join(wanted)}}}", file=sys.stderr)
        return 2
    print(stock_python(wanted[argv[0]]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
