"""ankiconnect-ws: AnkiConnect's HTTP API plus a WebSocket API with live events.

Anki imports this package as an add-on; the add-on starts only inside a running Anki
(``aqt.mw`` set). Imported anywhere else (tests, the CLI) it does nothing.
"""

from __future__ import annotations

import sys

__version__ = "0.1.0"


def _start_inside_anki() -> None:
    aqt = sys.modules.get("aqt")
    if aqt is None or getattr(aqt, "mw", None) is None:
        return
    from .addon import start

    start(aqt.mw, __name__)


_start_inside_anki()
