"""The add-on file under test, built once per session from this checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from ankiconnect_ws.build import build


@pytest.fixture(scope="session")
def addon_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("dist") / "ankiconnect-ws.ankiaddon")
