"""macOS App Nap is held off while the server runs, through Anki's own helper (25.09+).

There is no Mac here: a stand-in ``aqt._macos_helper`` module, put where Anki's is, records
the calls (the one stand-in these tests allow). Everything else is the real import path.
"""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import Iterator
from typing import Any, List

import pytest

from ankiconnect_ws.appnap import AppNapGuard
from ankiconnect_ws.config import Config


class StandInHelper:
    """Anki's ``macos_helper`` (anki_mac_helper._MacOSHelper), recording calls."""

    def __init__(self) -> None:
        self.calls: List[str] = []

    def disable_appnap(self) -> None:
        self.calls.append("disable_appnap")

    def enable_appnap(self) -> None:
        self.calls.append("enable_appnap")


class HelperBefore2509:
    """An anki_mac_helper without the App Nap calls (dark mode and recording only)."""

    def system_is_dark(self) -> bool:
        return False


class HelperWithoutEnable:
    def __init__(self) -> None:
        self.calls: List[str] = []

    def disable_appnap(self) -> None:
        self.calls.append("disable_appnap")


class FailingHelper:
    def disable_appnap(self) -> None:
        raise OSError("dlsym(libankihelper.dylib, disable_appnap): symbol not found")


@pytest.fixture
def anki_helper(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``put(helper)`` makes ``from aqt._macos_helper import macos_helper`` give ``helper``;
    ``put(None)`` as off macOS; ``remove()`` as an Anki without the module."""

    class Slot:
        def put(self, helper: object) -> None:
            module = types.ModuleType("aqt._macos_helper")
            module.macos_helper = helper  # type: ignore[attr-defined]
            monkeypatch.setitem(sys.modules, "aqt._macos_helper", module)

        def remove(self) -> None:
            monkeypatch.setitem(sys.modules, "aqt._macos_helper", None)  # import raises ImportError

    yield Slot()


def test_app_nap_is_held_off_while_the_server_runs_and_given_back_when_it_stops(anki_helper: Any) -> None:
    helper = StandInHelper()
    anki_helper.put(helper)
    guard = AppNapGuard()
    guard.apply(Config())  # on by default
    assert helper.calls == ["disable_appnap"] and guard.held
    guard.apply(Config())  # a config reload: already held, not again
    assert helper.calls == ["disable_appnap"]
    guard.release()  # the server stops
    assert helper.calls == ["disable_appnap", "enable_appnap"] and not guard.held
    guard.release()
    assert helper.calls == ["disable_appnap", "enable_appnap"]


def test_the_setting_off_leaves_app_nap_alone(anki_helper: Any) -> None:
    helper = StandInHelper()
    anki_helper.put(helper)
    guard = AppNapGuard()
    guard.apply(Config(preventAppNap=False))
    guard.release()
    assert helper.calls == [] and not guard.held


def test_turning_the_setting_off_gives_app_nap_back_at_once(anki_helper: Any) -> None:
    helper = StandInHelper()
    anki_helper.put(helper)
    guard = AppNapGuard()
    guard.apply(Config())
    guard.apply(Config(preventAppNap=False))
    assert helper.calls == ["disable_appnap", "enable_appnap"] and not guard.held
    guard.release()
    assert helper.calls == ["disable_appnap", "enable_appnap"]


@pytest.mark.parametrize("anki", ["without the module (before 25.09)", "off macOS (helper None)",
                                  "a helper without disable_appnap"])
def test_no_helper_means_nothing_is_done_and_nothing_fails(anki_helper: Any, anki: str) -> None:
    if anki.startswith("without"):
        anki_helper.remove()
    elif anki.startswith("off"):
        anki_helper.put(None)
    else:
        anki_helper.put(HelperBefore2509())
    guard = AppNapGuard()
    guard.apply(Config())
    assert not guard.held
    guard.release()


def test_this_machines_real_anki_has_no_helper() -> None:
    """Linux and Windows: Anki's module is there, its helper is None."""
    guard = AppNapGuard()
    guard.apply(Config())
    assert not guard.held


def test_a_helper_without_enable_appnap_is_not_asked_for_it(anki_helper: Any) -> None:
    helper = HelperWithoutEnable()
    anki_helper.put(helper)
    guard = AppNapGuard()
    guard.apply(Config())
    guard.release()
    assert helper.calls == ["disable_appnap"] and not guard.held


def test_a_failing_helper_is_logged_never_raised(anki_helper: Any, caplog: pytest.LogCaptureFixture) -> None:
    anki_helper.put(FailingHelper())
    guard = AppNapGuard()
    with caplog.at_level(logging.WARNING, logger="ankiconnect_ws"):
        guard.apply(Config())
    assert not guard.held and "App Nap" in caplog.text
