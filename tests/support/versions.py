"""Which Anki the suite runs against: this checkout's, or an older stock one
(ANKICONNECT_WS_ANKI_PYTHON, see bench/anki_process.py), where Anki's own texts and a few
actions differ (docs/compatibility.md, "Anki and Python versions")."""

from __future__ import annotations

from bench.anki_process import AnkiProcess


def anki_version(anki: AnkiProcess) -> tuple[int, ...]:
    """The version of the Anki under test, comparable: (2, 1, 66), (26, 9, 3)."""
    return tuple(int(part) for part in anki("serverStatus")["anki"]["version"].split("."))
