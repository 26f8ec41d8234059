"""Shared fixtures. Unit tests run actions on a real anki Collection in a temp folder;
end-to-end tests (tests/e2e) talk to one real Anki started through the CLI."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from anki.collection import Collection

from bench.anki_process import ApiCalls

from .support.clock import far_day_start
from .support.local_api import LocalApi
from .support.schema_check import check_call

# Every successful api(...) / anki(...) call of the suite must match the action's schema.
ApiCalls.success_checks.append(check_call)

_SESSION_START = time.time()


@pytest.fixture
def collection(tmp_path: Path):
    col = Collection(str(tmp_path / "collection.anki2"))
    col.set_config("rollover", far_day_start())
    try:
        yield col
    finally:
        col.close()


@pytest.fixture
def api(collection: Collection) -> LocalApi:
    return LocalApi(collection)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    """Say where the status page screenshots were saved (test artefacts)."""
    artifacts = Path(__file__).resolve().parents[1] / "test-artifacts"
    shots = sorted(p for p in artifacts.glob("*.png") if p.stat().st_mtime >= _SESSION_START) if artifacts.is_dir() else []
    if shots:
        terminalreporter.write_line(f"test artefacts (screenshots): {artifacts}")
        for shot in shots:
            terminalreporter.write_line(f"  {shot.name}")


@pytest.fixture(scope="session")
def addon_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The add-on file under test, built once per session from this checkout (what
    tests/install and the clients' runs on stock Anki install)."""
    from ankiconnect_ws.build import build

    return build(tmp_path_factory.mktemp("dist") / "ankiconnect-ws.ankiaddon")
