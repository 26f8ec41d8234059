"""Build the file users install: ``dist/ankiconnect-ws.ankiaddon``.

``bash scripts/build.sh`` (``python -m ankiconnect_ws build``) writes it; the CLI
(``python -m ankiconnect_ws run``) rebuilds it when the sources changed and installs it,
so what the tests run is what users install.

The file is a zip in Anki's add-on format: the package's files at the root, the status
page in ``web/``, a generated ``manifest.json``, and the pure-Python libraries Anki does
not ship (pinned in ``scripts/vendor-requirements.txt``) in ``_vendor/`` with their
licences. Their absolute imports of themselves are rewritten to relative ones so that
they live under this package's name (see ``_deps.py``). This module is not shipped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .vendoring import (
    VENDOR_DIR, BuildError, Pin, absolute_imports_of, fetch_wheels, read_pins as _read_pins, relativize_imports,
    vendored_files,
)

__all__ = ["VENDOR_DIR", "TESTED_ANKI", "AnkiRelease", "Pin", "BuildError", "build", "ensure_built", "read_pins",
           "relativize_imports", "absolute_imports_of", "requires_python", "project_version"]

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
DIST_FILE = ROOT / "dist" / "ankiconnect-ws.ankiaddon"
VENDOR_REQUIREMENTS = ROOT / "scripts" / "vendor-requirements.txt"
WHEEL_CACHE = ROOT / "build" / "vendor-wheels"
MANIFEST_TEMPLATE = ROOT / "manifest.json"
#: marks a built file's zip comment; the rest is the digest of what it was built from
COMMENT_PREFIX = b"ankiconnect-ws build "
#: never shipped: the builder itself and anything a run leaves in the package folder
EXCLUDED_NAMES = {"build.py", "vendoring.py", "meta.json", "__pycache__", "user_files", VENDOR_DIR, "web"}
EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".orig", ".rej", "~")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class AnkiRelease:
    """One Anki release the install tests run (tests/install), on its own Python."""

    version: str  # as on PyPI
    python: str  # the Python its official build runs on (major.minor)
    #: the PyQt6 its official Linux build bundles, where PyPI's newest differs in a way
    #: that matters: Anki 2.1.66 with PyQt6 6.10 crashes in PyQt's exit cleanup (about
    #: one exit in three, after profile switches; never with its own Qt 6.5)
    pyqt: str | None = None

    @property
    def point_version(self) -> int:
        """The number Anki's add-on manager compares a manifest's min/max_point_version
        with: ``int_version()`` from 23.10 on (250700 for 25.7), the last part of the
        version before (66 for 2.1.66, its ``point_version()``)."""
        parts = [int(part) for part in self.version.split(".")] + [0]
        if parts[0] == 2:
            return parts[2]
        return parts[0] * 10_000 + parts[1] * 100 + parts[2]

    @property
    def qt_extra(self) -> str:
        """The extra of ``aqt`` that brings the Qt Anki's own build of it uses: ``qt6``
        up to 24.11, none in 25.02 (Qt is a plain dependency), ``qt`` from 25.07 on."""
        if self.point_version < 250200:
            return "[qt6]"
        return "" if self.point_version < 250700 else "[qt]"

    def requirements(self) -> list[str]:
        """What pip installs for a stock environment of this Anki."""
        wanted = [f"aqt{self.qt_extra}=={self.version}"]
        if self.pyqt is not None:
            webengine = ".".join(self.pyqt.split(".")[:2]) + ".0"  # its WebEngine bindings are x.y.0
            wanted += [f"PyQt6=={self.pyqt}", f"PyQt6-Qt6=={self.pyqt}", f"PyQt6-WebEngine=={webengine}",
                       f"PyQt6-WebEngine-Qt6=={self.pyqt}"]
        return wanted


#: Oldest first. The built manifest's min/max_point_version come from here, so they
#: say what is tested. Anki's official builds up to 25.02 bundle Python 3.9; from 25.07
#: on, Anki's launcher runs it on Python 3.13. Anki 2.1.66 (June 2023) is the oldest:
#: see docs/compatibility.md, "Anki and Python versions".
TESTED_ANKI = (
    AnkiRelease("2.1.66", "3.9", pyqt="6.5.2"),
    AnkiRelease("23.12.1", "3.9"),
    AnkiRelease("24.11", "3.9"),
    AnkiRelease("25.2.7", "3.9"),
    AnkiRelease("25.7", "3.13"),
    AnkiRelease("26.9.3", "3.13"),
)



def read_pins(path: Path = VENDOR_REQUIREMENTS) -> list[Pin]:
    return _read_pins(path)


def _pyproject() -> dict:
    if sys.version_info < (3, 11):
        raise BuildError("building the add-on needs Python 3.11+ (the add-on itself runs on 3.9+)")
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def project_version() -> str:
    return _pyproject()["project"]["version"]


def requires_python() -> tuple[int, int]:
    """The minimum in pyproject's ``requires-python`` (a plain ``>=X.Y``)."""
    spec = _pyproject()["project"]["requires-python"]
    match = re.fullmatch(r">=\s*(\d+)\.(\d+)", spec.strip())
    if not match:
        raise BuildError(f"requires-python must be '>=X.Y', not {spec!r}")
    return int(match.group(1)), int(match.group(2))


# --- the add-on file -----------------------------------------------------------------


def _excluded(relative: Path) -> bool:
    return any(part in EXCLUDED_NAMES for part in relative.parts[:1]) or any(
        part == "__pycache__" for part in relative.parts) or relative.name.endswith(EXCLUDED_SUFFIXES)


def source_files() -> dict[str, Path]:
    """What the add-on ships from this checkout: archive name -> file."""
    files: dict[str, Path] = {}
    for path in sorted(PACKAGE_DIR.rglob("*")):
        relative = path.relative_to(PACKAGE_DIR)
        if path.is_file() and not _excluded(relative):
            files[relative.as_posix()] = path
    for path in sorted((ROOT / "web").rglob("*")):
        relative = path.relative_to(ROOT / "web")
        if path.is_file() and "node_modules" not in relative.parts and not _excluded(relative):
            files["web/" + relative.as_posix()] = path
    files["LICENSE"] = ROOT / "LICENSE"
    return files


def inputs_digest() -> str:
    """Changes whenever anything the built file is made from changes."""
    digest = hashlib.sha256()
    inputs = {**source_files(), "<build.py>": Path(__file__), "<vendoring.py>": PACKAGE_DIR / "vendoring.py",
              "<manifest>": MANIFEST_TEMPLATE,
              "<pins>": VENDOR_REQUIREMENTS, "<pyproject>": ROOT / "pyproject.toml"}
    for name in sorted(inputs):
        digest.update(name.encode() + b"\0" + inputs[name].read_bytes() + b"\0")
    digest.update(repr(TESTED_ANKI).encode())
    return digest.hexdigest()


def manifest() -> dict:
    data = json.loads(MANIFEST_TEMPLATE.read_text())
    data.update({
        "human_version": project_version(),
        "mod": int(time.time()),
        "min_point_version": TESTED_ANKI[0].point_version,
        # positive: the newest version tested on, shown to users, not a hard limit
        "max_point_version": TESTED_ANKI[-1].point_version,
    })
    return data


def prebuilt_entries() -> dict[str, bytes]:
    """The schemas the add-on reads at run time, made here from the code (on this
    Python, 3.11+): Anki's own Python may be 3.9, which cannot evaluate the hints they
    are made from (see ankiconnect_ws/schema/__init__.py)."""
    from ankiconnect_ws import schema

    folder = schema.PREBUILT.relative_to(PACKAGE_DIR).as_posix()
    return {f"{folder}/{name}": data for name, data in schema.prebuilt_files().items()}


def built_digest(path: Path) -> str | None:
    """The digest a built file was made from (its zip comment), if it is one of ours."""
    try:
        with zipfile.ZipFile(path) as archive:
            comment = archive.comment
    except (OSError, zipfile.BadZipFile):
        return None
    return comment[len(COMMENT_PREFIX):].decode() if comment.startswith(COMMENT_PREFIX) else None


def build(target: Path = DIST_FILE) -> Path:
    """Write the add-on file (atomically: a reader never sees half a file)."""
    digest = inputs_digest()
    entries: dict[str, bytes] = {name: path.read_bytes() for name, path in source_files().items()}
    for name, data in vendored_files(fetch_wheels(read_pins(), WHEEL_CACHE, requires_python())).items():
        if name in entries:
            raise BuildError(f"{name} is both in the package and vendored")
        entries[name] = data
    for name, data in prebuilt_entries().items():
        if name in entries:
            raise BuildError(f"{name} is both in the package and generated")
        entries[name] = data
    entries["manifest.json"] = (json.dumps(manifest(), indent=4) + "\n").encode()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".building-", suffix=".zip")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp_name, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(entries):
                info = zipfile.ZipInfo(name, ZIP_TIME)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, entries[name])
            archive.comment = COMMENT_PREFIX + digest.encode()
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def ensure_built(target: Path = DIST_FILE) -> Path:
    """The add-on file, rebuilt only if the sources changed since it was built."""
    if built_digest(target) == inputs_digest():
        return target
    return build(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ankiconnect_ws build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DIST_FILE, help=f"default {DIST_FILE.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    try:
        path = build(args.output)
    except BuildError as exc:
        sys.stderr.write(f"build: {exc}\n")
        return 1
    print(path)
    return 0
