"""The package stays readable: no module grows past about 400 lines (issue "One clear
path per request"); a module that needs more is several modules."""

from __future__ import annotations

from pathlib import Path

import ankiconnect_ws

MOST_LINES = 400


def test_no_package_module_is_longer_than_400_lines() -> None:
    package = Path(ankiconnect_ws.__file__).parent
    modules = [p for p in package.rglob("*.py") if "_vendor" not in p.parts]
    assert len(modules) > 50  # the package itself was found, not an empty folder
    long = {str(p.relative_to(package)): n for p in modules if (n := len(p.read_text().splitlines())) > MOST_LINES}
    assert not long, f"split these modules: {long}"
