"""What the built add-on file holds, its manifest, the vendoring, and the Python version
it needs (vermin), checked against pyproject.toml and the Anki versions tested."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ankiconnect_ws.build import (
    PACKAGE_DIR,
    ROOT,
    TESTED_ANKI,
    VENDOR_DIR,
    BuildError,
    absolute_imports_of,
    build,
    built_digest,
    ensure_built,
    inputs_digest,
    project_version,
    read_pins,
    relativize_imports,
    requires_python,
)

VENDORED_TOPS = {"h11", "websockets"}


def names(addon_file: Path) -> list[str]:
    with zipfile.ZipFile(addon_file) as archive:
        return archive.namelist()


def read(addon_file: Path, name: str) -> bytes:
    with zipfile.ZipFile(addon_file) as archive:
        return archive.read(name)


def test_files_at_the_root_and_nothing_that_is_not_the_add_on(tmp_path: Path) -> None:
    # Byte code as Python leaves it in a checkout (unless PYTHONDONTWRITEBYTECODE is set)
    junk = [PACKAGE_DIR / "__pycache__" / "probe.cpython-311.pyc", PACKAGE_DIR / "server" / "probe.pyc"]
    made = [path for path in junk if not path.exists()]
    made_dirs = [path.parent for path in made if not path.parent.exists()]
    try:
        for path in made:
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(b"")
        listed = names(build(tmp_path / "with-junk.ankiaddon"))
    finally:
        for path in made:
            path.unlink(missing_ok=True)
        for folder in made_dirs:
            folder.rmdir()
    assert {"__init__.py", "manifest.json", "config.json", "config.md", "LICENSE", "_deps.py",
            "server/http.py", f"{VENDOR_DIR}/__init__.py"} <= set(listed)
    assert not [n for n in listed if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert not [n for n in listed if n.startswith("tests/") or "/tests/" in n or re.search(r"(^|/)test_[^/]*\.py$", n)]
    assert "build.py" not in listed and "meta.json" not in listed
    assert not [n for n in listed if n.endswith((".so", ".pyd", ".c", ".h"))]  # no C speed-up


def test_status_page_comes_from_the_top_level_web_folder(addon_file: Path) -> None:
    web = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "web").rglob("*") if p.is_file())
    assert web and sorted(n for n in names(addon_file) if n.startswith("web/")) == web
    assert read(addon_file, "web/index.html") == (ROOT / "web" / "index.html").read_bytes()


def test_every_vendored_library_ships_with_its_licence(addon_file: Path) -> None:
    listed = names(addon_file)
    versions = read(addon_file, f"{VENDOR_DIR}/__init__.py").decode()
    for pin in read_pins():
        assert f"{VENDOR_DIR}/{pin.name}/__init__.py" in listed
        assert f'"{pin.name}": "{pin.version}"' in versions
        licences = [n for n in listed if n.startswith(f"{VENDOR_DIR}/licenses/{pin.name}-{pin.version}/")]
        assert licences, pin
        assert all(b"Copyright" in read(addon_file, n) for n in licences)


def test_manifest_is_what_anki_reads_and_what_is_tested(addon_file: Path) -> None:
    from aqt.addons import AddonManager

    with zipfile.ZipFile(addon_file) as archive:
        accepted = object.__new__(AddonManager).readManifestFile(archive)  # needs no main window
    manifest = json.loads(read(addon_file, "manifest.json"))
    assert accepted == manifest  # every key valid for Anki's schema
    assert manifest["package"] == "ankiconnect_ws" and manifest["name"] == "ankiconnect-ws"
    assert manifest["human_version"] == project_version()
    # Anki 2.1.66 compares it with its point_version(), 66; Anki 23.10+ with int_version()
    assert manifest["min_point_version"] == TESTED_ANKI[0].point_version == 66
    assert manifest["max_point_version"] == TESTED_ANKI[-1].point_version > 0  # positive: tested on, not a cap
    assert manifest["homepage"].startswith("http") and isinstance(manifest["mod"], int)
    # AnkiConnect (same port): from AnkiWeb, and copied by hand as its README once said
    assert manifest["conflicts"] == ["2055492159", "AnkiConnect"]


def test_vendored_code_imports_itself_relatively(addon_file: Path) -> None:
    sources = [n for n in names(addon_file) if n.startswith(f"{VENDOR_DIR}/") and n.endswith(".py")]
    assert len(sources) > 20
    for name in sources:
        assert absolute_imports_of(read(addon_file, name).decode(), VENDORED_TOPS) == [], name


def test_import_rewriting() -> None:
    source = ('"""from h11 import nothing (a docstring, left alone)"""\n'
              "from h11._events import Data\n"
              "import h11\n"
              "import h11 as other; x = 1\n"
              "def f():\n"
              "    from websockets.frames import Opcode\n"
              "from h11 import (\n    Request,\n)\n")
    rewritten = relativize_imports(source, "websockets.asyncio", VENDORED_TOPS)
    assert rewritten.splitlines() == [
        '"""from h11 import nothing (a docstring, left alone)"""',
        "from ...h11._events import Data",
        "from ... import h11",
        "from ... import h11 as other; x = 1",
        "def f():",
        "    from ..frames import Opcode",
        "from ...h11 import (", "    Request,", ")"]
    assert relativize_imports("from h11._state import IDLE\n", "h11", VENDORED_TOPS) == "from ._state import IDLE\n"
    with pytest.raises(BuildError, match="unhandled absolute import"):
        relativize_imports("import h11._state\n", "h11", VENDORED_TOPS)


def test_source_tree_holds_no_vendored_copies() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert not [path for path in tracked if path.startswith("ankiconnect_ws/") and (
        f"/{VENDOR_DIR}/" in path or path.split("/")[1] in VENDORED_TOPS)]
    assert not (PACKAGE_DIR / VENDOR_DIR).exists() and not (PACKAGE_DIR / "web").exists()
    assert (ROOT / "web" / "index.html").is_file()


def test_an_up_to_date_file_is_reused_and_a_stale_one_rebuilt(tmp_path: Path, addon_file: Path) -> None:
    target = tmp_path / "a.ankiaddon"
    target.write_bytes(addon_file.read_bytes())
    assert built_digest(target) == inputs_digest()
    before = target.stat().st_mtime_ns
    assert ensure_built(target) == target and target.stat().st_mtime_ns == before  # not rewritten
    with zipfile.ZipFile(target, "a") as archive:
        archive.comment = b"ankiconnect-ws build stale"
    ensure_built(target)
    assert built_digest(target) == inputs_digest()
    assert build(tmp_path / "b.ankiaddon").is_file()


def _vermin_minimum(*paths: Path) -> tuple[int, int]:
    files = [str(p) for path in paths for p in ([path] if path.is_file() else sorted(path.rglob("*.py")))]
    command = [sys.executable, "-c", "import sys, vermin; sys.exit(vermin.main())", "--no-tips", "--no-parse-comments"]
    result = subprocess.run(command + files, capture_output=True, text=True)
    match = re.search(r"Minimum required versions:.*?3\.(\d+)", result.stdout)
    assert match, result.stdout + result.stderr
    return 3, int(match.group(1))


def _vendored_modules_loaded(unpacked: Path) -> list[Path]:
    """The files of ``_vendor/`` that the add-on's server imports (the add-on file
    unpacked as a package beside this checkout's, in a fresh interpreter)."""
    package = unpacked.parent / "addon" / "ankiconnect_ws"
    package.parent.mkdir()
    shutil.copytree(unpacked, package)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import ankiconnect_ws.server, ankiconnect_ws._deps as d; "
            "assert d.VENDORED; print('\\n'.join(sorted(m.__file__ for n, m in list(sys.modules.items()) "
            "if '._vendor.' in n and getattr(m, '__file__', None))))")
    result = subprocess.run([sys.executable, "-c", code, str(package.parent)], capture_output=True, text=True,
                            cwd=package.parent)
    assert result.returncode == 0, result.stderr
    files = [Path(line) for line in result.stdout.split()]
    assert any(file.name == "server.py" and file.parent.name == "websockets" for file in files), files
    return files


def test_minimum_python_is_the_one_declared_and_every_tested_anki_has_it(addon_file: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(addon_file) as archive:
        archive.extractall(tmp_path)
    ours = _vermin_minimum(*[p for p in tmp_path.iterdir() if p.name != VENDOR_DIR])
    # Of the bundled libraries, the modules the add-on loads: websockets' asyncio and
    # legacy servers (never loaded) use 3.11 features behind version checks vermin cannot read
    vendored = _vermin_minimum(*_vendored_modules_loaded(tmp_path))
    # what Anki runs needs no more than declared (3.9), and the declared minimum is what
    # our code needs (build.py, which is not shipped, needs 3.11)
    declared = requires_python()
    assert declared == (3, 9)
    assert ours == declared and vendored <= declared, (ours, vendored, declared)
    assert _vermin_minimum(PACKAGE_DIR / "build.py") == (3, 11)
    for anki in TESTED_ANKI:
        assert tuple(int(part) for part in anki.python.split(".")) >= declared, anki


def test_the_package_imports_h11_and_websockets_only_through_deps() -> None:
    # A plain `import websockets` would work in a checkout and fail in stock Anki (or
    # pick up another add-on's copy): everything goes through _deps.py.
    offenders = {str(path.relative_to(ROOT)): found for path in sorted(PACKAGE_DIR.rglob("*.py"))
                 if path.name != "_deps.py" and (found := absolute_imports_of(path.read_text(), VENDORED_TOPS))}
    assert offenders == {}
