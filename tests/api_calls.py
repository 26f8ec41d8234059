"""The call helpers shared by the in-process API (unit tests) and the real Anki (e2e)."""

from __future__ import annotations

import json
from typing import Any

from .schema_check import check_call


class ApiCalls:
    """``envelope(action, **params)`` gives the version-6 reply; these build on it."""

    def envelope(self, action: str, **params: Any) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def __call__(self, action: str, **params: Any) -> Any:
        """The result; an AssertionError if the action failed, or if the call does not
        match the action's schema (see tests/schema_check.py)."""
        reply = self.envelope(action, **params)
        assert reply["error"] is None, reply["error"]
        check_call(action, params, reply["result"])
        return reply["result"]

    def error(self, action: str, **params: Any) -> str:
        """The error string; an AssertionError if the action succeeded."""
        reply = self.envelope(action, **params)
        assert reply["error"] is not None, f"{action} unexpectedly succeeded: {reply}"
        assert reply["result"] is None
        return reply["error"]


def strict_loads(data: bytes | str) -> Any:
    """Parse JSON as RFC 8259 defines it: NaN and Infinity are not JSON (Python's json
    and AnkiConnect accept and write them; browsers' JSON.parse does not)."""

    def refuse(word: str) -> Any:
        raise ValueError(f"not JSON: {word}")

    return json.loads(data, parse_constant=refuse)
