"""scripts/test.sh (what .ci/run calls) must fail when a test fails or none ran."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(["bash", str(ROOT / "scripts" / "test.sh"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_ci_runs_the_test_script_and_nothing_else() -> None:
    lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert lines == ["exec bash scripts/test.sh"]


def test_failing_test_gives_non_zero_exit(tmp_path: Path) -> None:
    (tmp_path / "test_fails.py").write_text("def test_fails():\n    assert 1 == 2\n")
    result = run_script("-q", "-p", "no:cacheprovider", str(tmp_path / "test_fails.py"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout


def test_no_test_ran_gives_non_zero_exit(tmp_path: Path) -> None:
    (tmp_path / "test_passes.py").write_text("def test_passes():\n    pass\n")
    passing = run_script("-q", "-p", "no:cacheprovider", str(tmp_path / "test_passes.py"))
    assert passing.returncode == 0, passing.stdout + passing.stderr
    none = run_script("-q", "-p", "no:cacheprovider", str(tmp_path / "test_passes.py"), "-k", "no_such_test")
    assert none.returncode == 1
    assert "no tests ran" in none.stderr
