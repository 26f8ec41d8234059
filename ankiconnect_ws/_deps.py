"""The third-party libraries Anki does not ship (h11, websockets), from one place.

The built add-on carries its own copies in ``_vendor/`` (see ``build.py``) and always
uses them, imported under this package's name. Putting them on ``sys.path`` instead
would let another add-on's ``websockets`` (or ours, theirs) win: Python keeps the first
module imported under a name. A source checkout has no ``_vendor/`` and uses the
installed libraries. orjson ships with Anki and is imported directly.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

__all__ = ["VENDORED", "h11", "Opcode", "ServerProtocol", "State", "WsHeaders", "WsRequest"]

#: True in the built add-on, which always uses its own copies
VENDORED = (Path(__file__).resolve().parent / "_vendor" / "__init__.py").is_file()


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{__package__}._vendor.{name}" if VENDORED else name)


h11 = _module("h11")
Opcode = _module("websockets.frames").Opcode
WsRequest = _module("websockets.http11").Request
WsHeaders = _module("websockets.datastructures").Headers
State = _module("websockets.protocol").State
ServerProtocol = _module("websockets.server").ServerProtocol
