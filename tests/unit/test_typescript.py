"""The TypeScript declarations (web/ankiconnect-ws.d.ts, generated with the documents by
``python -m ankiconnect_ws schema``) compile under ``tsc --strict``, type a client's calls
tightly enough (tests/types/usage.ts: its ``@ts-expect-error`` lines must fail to compile),
and the status page's own JavaScript type-checks against them (``checkJs``).

The compiler is npm's typescript, pinned in tests/types/package-lock.json and installed
with ``npm ci`` on first use."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ankiconnect_ws.schema.typescript import ts_type

ROOT = Path(__file__).resolve().parents[2]
TYPES = ROOT / "tests" / "types"
TSC = TYPES / "node_modules" / "typescript" / "bin" / "tsc"


@pytest.fixture(scope="module")
def tsc() -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js 20+ is needed to run the TypeScript compiler")
    if not TSC.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to install typescript (install Node.js 20+)")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=TYPES, capture_output=True, text=True,
                              timeout=300, check=False)
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    return [node, str(TSC)]


def _compile(tsc: list[str], project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*tsc, "--project", str(project), "--pretty", "false"], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, check=False)


def test_declarations_client_and_page_type_check(tsc: list[str]) -> None:
    done = _compile(tsc, TYPES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_too_loose_types_fail_the_check(tsc: list[str], tmp_path: Path) -> None:
    """The same project with a looser declaration file: addNote's params typed ``any``
    must make the ``@ts-expect-error`` lines about addNote fail."""
    loose = tmp_path / "web"
    loose.mkdir()
    for name in ("ankiconnect-ws.js", "status.js", "explorer.js"):
        if (ROOT / "web" / name).exists():
            shutil.copy(ROOT / "web" / name, loose / name)
    declarations = (ROOT / "web" / "ankiconnect-ws.d.ts").read_text(encoding="utf-8")
    addnote = "  addNote: {\n    params: {\n      note: NoteSpec;\n    };"
    assert addnote in declarations
    (loose / "ankiconnect-ws.d.ts").write_text(declarations.replace(addnote, "  addNote: {\n    params: any;"),
                                               encoding="utf-8")
    project = tmp_path / "types"
    project.mkdir()
    usage = (TYPES / "usage.ts").read_text(encoding="utf-8")
    (project / "usage.ts").write_text(usage.replace("../../web/", "../web/"), encoding="utf-8")
    config = (TYPES / "tsconfig.json").read_text(encoding="utf-8")
    (project / "tsconfig.json").write_text(config.replace("../../web/", "../web/"), encoding="utf-8")
    done = _compile(tsc, project)
    assert done.returncode != 0
    errors = done.stdout.splitlines()
    assert errors and all("usage.ts" in line and "error TS2578: Unused '@ts-expect-error' directive" in line
                          for line in errors), done.stdout
    flagged = {int(line.split("(", 1)[1].split(",", 1)[0]) for line in errors}
    about_the_note = ("a note is an object", "a deck name is a string", "a field's value", "deckName is required")
    expected = {number for number, line in enumerate(usage.splitlines(), 1)
                if "@ts-expect-error" in line and any(what in line for what in about_the_note)}
    assert len(expected) == 4 and flagged == expected, done.stdout


def test_schema_to_typescript() -> None:
    assert ts_type({"type": ["string", "null"]}) == "string | null"
    assert ts_type({"type": "array", "items": {"anyOf": [{"type": "integer"}, {"$ref": "#/$defs/X"}]}}) == \
        "(number | X)[]"
    assert ts_type({"type": "array", "prefixItems": [{"const": False}, {"type": "string"}], "items": False}) == \
        '[false, string]'
    assert ts_type({"enum": ["a", "b"]}) == '"a" | "b"'
    assert ts_type({}) == "unknown"
    assert ts_type({"type": "object", "properties": {}, "additionalProperties": False}) == "Record<string, never>"
    assert ts_type({"type": "object", "additionalProperties": {"type": "integer"}}) == "{ [key: string]: number }"
    assert ts_type({"type": "object", "properties": {"a-b": {"type": "integer", "description": "why"}},
                    "required": ["a-b"], "additionalProperties": False}) == '{\n  /** why */\n  "a-b": number;\n}'
    assert ts_type({"allOf": [{"$ref": "#/$defs/X"}, {"anyOf": [{"$ref": "#/$defs/Y"}, {"type": "null"}]}]}) == \
        "X & (Y | null)"
    assert ts_type({"allOf": [{"$ref": "#/$defs/X"}], "x-lenient": "why"}) == "X"
