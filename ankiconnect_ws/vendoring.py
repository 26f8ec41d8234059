"""The libraries the add-on bundles (scripts/vendor-requirements.txt): their pinned,
hash-checked wheels, and their files as the add-on ships them in ``_vendor/``, with their
absolute imports of themselves made relative so that they live under this package's name
(see ``_deps.py``). Used by build.py; like it, not shipped.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BuildError", "Pin", "read_pins", "fetch_wheels", "vendored_files", "relativize_imports",
           "absolute_imports_of", "VENDOR_DIR"]

VENDOR_DIR = "_vendor"
#: parts of a pure wheel that are no Python: the C speed-up's sources and stubs
SKIPPED_VENDOR_SUFFIXES = (".c", ".h", ".pyi")
COMPILED_SUFFIXES = (".so", ".pyd", ".dylib", ".dll")


class BuildError(Exception):
    """The add-on cannot be built as asked (bad pin, download failed, unhandled import)."""


@dataclass(frozen=True)
class Pin:
    """One vendored library: exact version and the sha256 of its pure-Python wheel."""

    name: str
    version: str
    sha256: str

    def requirement(self) -> str:
        return f"{self.name}=={self.version} --hash=sha256:{self.sha256}"


_PIN_LINE = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)\s+--hash=sha256:([0-9a-f]{64})")


def read_pins(path: Path) -> list[Pin]:
    pins = []
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _PIN_LINE.fullmatch(line)
        if not match:
            raise BuildError(f"{path.name}:{number}: expected 'name==version --hash=sha256:...'")
        pins.append(Pin(*match.groups()))
    return pins


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_wheels(pins: list[Pin], cache: Path, python: tuple[int, int]) -> dict[Pin, Path]:
    """The pinned pure-Python wheels, from ``cache`` or else downloaded from PyPI by pip
    (only the hash-checked py3-none-any file, no C speed-up, for Python ``python``)."""
    cache.mkdir(parents=True, exist_ok=True)

    def cached(pin: Pin) -> Path | None:
        prefix = pin.name.replace("-", "_") + "-" + pin.version + "-"
        for path in cache.glob("*.whl"):
            if path.name.lower().startswith(prefix.lower()) and _sha256(path) == pin.sha256:
                return path
        return None

    missing = [pin for pin in pins if cached(pin) is None]
    if missing:
        major, minor = python
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            requirements = Path(tmp) / "requirements.txt"
            requirements.write_text("".join(pin.requirement() + "\n" for pin in missing))
            command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                       "--only-binary=:all:", "--platform", "any", "--implementation", "py",
                       "--abi", "none", "--python-version", f"{major}.{minor}", "--require-hashes",
                       "-r", str(requirements), "-d", str(Path(tmp) / "wheels")]
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                raise BuildError(f"pip download failed:\n{result.stderr.strip()}")
            for wheel in (Path(tmp) / "wheels").glob("*.whl"):
                os.replace(wheel, cache / wheel.name)  # atomic: a parallel build sees all or nothing
    wheels = {}
    for pin in pins:
        path = cached(pin)
        if path is None:
            raise BuildError(f"no wheel of {pin.name}=={pin.version} with the pinned hash")
        wheels[pin] = path
    return wheels


def _vendored_tops(names: Iterable[str]) -> set[str]:
    """The importable top-level names a wheel provides (packages and single modules)."""
    tops = set()
    for name in names:
        top = name.split("/", 1)[0]
        if top.endswith(".dist-info") or ("/" not in name and not name.endswith(".py")):
            continue
        tops.add(top.removesuffix(".py"))
    return tops


def _is_licence(name: str) -> bool:
    base = name.rsplit("/", 1)[-1].upper()
    return "/licenses/" in name or base.startswith(("LICENSE", "LICENCE", "COPYING", "NOTICE"))


def vendored_files(wheels: dict[Pin, Path]) -> dict[str, bytes]:
    """``_vendor/...`` entries: each library's package, imports made relative, and its
    licence files under ``_vendor/licenses/<name>-<version>/``."""
    members: dict[Pin, list[zipfile.ZipInfo]] = {}
    for pin, path in wheels.items():
        with zipfile.ZipFile(path) as wheel:
            members[pin] = [info for info in wheel.infolist() if not info.is_dir()]
    tops = set().union(*(_vendored_tops(info.filename for info in infos) for infos in members.values()))
    files: dict[str, bytes] = {}
    for pin, path in wheels.items():
        licences = 0
        with zipfile.ZipFile(path) as wheel:
            for info in members[pin]:
                name = info.filename
                top = name.split("/", 1)[0]
                if top.endswith(".dist-info"):
                    if _is_licence(name):
                        files[f"{VENDOR_DIR}/licenses/{pin.name}-{pin.version}/{name.rsplit('/', 1)[-1]}"] = wheel.read(info)
                        licences += 1
                    continue
                if name.endswith(COMPILED_SUFFIXES):
                    raise BuildError(f"{path.name} holds compiled code ({name}); vendor its pure wheel")
                if name.endswith(SKIPPED_VENDOR_SUFFIXES):
                    continue
                data = wheel.read(info)
                if name.endswith(".py"):
                    data = relativize_imports(data.decode("utf-8"), _package_of(name), tops).encode("utf-8")
                files[f"{VENDOR_DIR}/{name}"] = data
        if not licences:
            raise BuildError(f"{path.name} has no licence file to ship")
    versions = ", ".join(f'"{pin.name}": "{pin.version}"' for pin in wheels)
    files[f"{VENDOR_DIR}/__init__.py"] = (
        '"""Libraries Anki does not ship, bundled by build.py from scripts/vendor-requirements.txt.\n\n'
        "Imported through ``_deps.py`` only; their licences are in ``licenses/``.\n"
        '"""\n\n'
        f"VERSIONS = {{{versions}}}\n"
    ).encode()
    return files


def _package_of(wheel_path: str) -> str:
    """The dotted package a module file belongs to: ``websockets/asyncio/client.py`` ->
    ``websockets.asyncio``; ``h11/__init__.py`` -> ``h11``."""
    return ".".join(wheel_path.split("/")[:-1])


def _import_nodes(tree: ast.AST, tops: set[str]) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in tops:
                yield node
        elif isinstance(node, ast.Import) and any(alias.name.split(".")[0] in tops for alias in node.names):
            yield node


def absolute_imports_of(source: str, tops: set[str]) -> list[str]:
    """The import statements in ``source`` that import one of ``tops`` absolutely."""
    return [ast.unparse(node) for node in _import_nodes(ast.parse(source), tops)]


def _relative(package: str, target: str) -> str:
    """``target`` as seen from ``package`` (both dotted, both under ``_vendor``)."""
    here = package.split(".") if package else []
    there = target.split(".") if target else []
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    return "." * (len(here) - common + 1) + ".".join(there[common:])


def relativize_imports(source: str, package: str, tops: set[str]) -> str:
    """Rewrite ``from h11._x import y`` (in package ``h11``) to ``from ._x import y`` and
    ``import h11`` to ``from .. import h11``, in place (line numbers are kept).

    Anything else that imports a vendored library absolutely (``import h11.x``) is a
    BuildError: it would load a second copy from ``sys.path``.
    """
    lines = source.splitlines(keepends=True)
    for node in _import_nodes(ast.parse(source), tops):
        row = node.lineno - 1
        line = lines[row]
        start = len(line.encode("utf-8")[:node.col_offset].decode("utf-8"))
        if isinstance(node, ast.ImportFrom):
            pattern = re.compile(r"from\s+" + re.escape(node.module or "") + r"(?=[\s(\\])")
            new, count = pattern.subn(f"from {_relative(package, node.module or '')}", line[start:], count=1)
            if count != 1:
                raise BuildError(f"cannot rewrite {ast.unparse(node)!r} in {package}")
            lines[row] = line[:start] + new
            continue
        if node.end_lineno != node.lineno or any("." in alias.name or alias.name not in tops for alias in node.names):
            raise BuildError(f"unhandled absolute import {ast.unparse(node)!r} in {package}")
        end = len(line.encode("utf-8")[:node.end_col_offset].decode("utf-8"))
        names = ", ".join(alias.name + (f" as {alias.asname}" if alias.asname else "") for alias in node.names)
        lines[row] = line[:start] + f"from {_relative(package, '')} import {names}" + line[end:]
    result = "".join(lines)
    left = absolute_imports_of(result, tops)
    if left:
        raise BuildError(f"absolute imports left in {package}: {left}")
    return result
