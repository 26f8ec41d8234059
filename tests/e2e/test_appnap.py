"""In a real Anki, the add-on holds macOS App Nap off while its server runs, as the
setting says, and gives it back when Anki quits. A probe add-on, loaded before ours
(add-ons load in name order), puts a stand-in for Anki's macOS helper where Anki's is
(``aqt._macos_helper``) and writes down each call: there is no Mac here."""

from __future__ import annotations

import json
from pathlib import Path

from bench.anki_process import AnkiProcess

from ..support.waiting import wait_until

PROBE = '''"""Test probe (tests/e2e/test_appnap.py): Anki's macOS helper, recording its calls."""

import sys
import types
from pathlib import Path

_calls = Path(__file__).resolve().parents[2] / "appnap-calls"


def _record(call):
    with open(_calls, "a") as out:
        out.write(call + "\\n")


class _Helper:
    def disable_appnap(self):
        _record("disable_appnap")

    def enable_appnap(self):
        _record("enable_appnap")

    def system_is_dark(self):
        return False

    def set_darkmode_enabled(self, enabled):
        return False


_module = types.ModuleType("aqt._macos_helper")
_module.macos_helper = _Helper()
sys.modules["aqt._macos_helper"] = _module
'''


def test_app_nap_follows_the_server_and_the_setting(tmp_path: Path) -> None:
    base = tmp_path / "appnap"
    process = AnkiProcess(base, files={"addons21/aaa_appnap_probe/__init__.py": PROBE})
    calls = base / "appnap-calls"

    def recorded() -> list[str]:
        return calls.read_text().split() if calls.exists() else []

    def reopen_profile_with(config: dict[str, object]) -> None:
        """The setting takes effect at the next profile open (or when the config is saved)."""
        (base / "addons21" / "ankiconnect_ws" / "meta.json").write_text(json.dumps({"config": config}))
        assert process("unloadProfile") is True
        assert process("loadProfile", name="User 1") is True

    try:
        assert recorded() == ["disable_appnap"]  # since the server started
        reopen_profile_with({"preventAppNap": False})
        assert recorded() == ["disable_appnap", "enable_appnap"]
        reopen_profile_with({"preventAppNap": True})
        assert recorded() == ["disable_appnap", "enable_appnap", "disable_appnap"]
    finally:
        code = process.stop()
    assert code == 0, process.log_tail()
    wait_until(lambda: len(recorded()) == 4, timeout=5)
    assert recorded() == ["disable_appnap", "enable_appnap", "disable_appnap", "enable_appnap"]
