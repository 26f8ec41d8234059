"""Every action, fed wrong types, answers with a clear error string (or a result) and
leaves the collection intact: never an exception escaping, never a hang."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from ankiconnect_ws.actions import registry

from ..support.local_api import LocalApi

WEIRD: list[Any] = [None, 1234567890123, -1, "x", "", [], ["x", None], {}, {"id": "x"}, True, 1.5]
#: actions that would really do something outside the collection with odd input
SKIP = {"sync", "upgrade", "guiExitAnki", "multi", "subscribe", "unsubscribe", "serverStatus",
        "exportPackage", "importPackage"}


def parameters(name: str) -> list[str]:
    func = registry.REGISTRY[name].func
    target = inspect.unwrap(func)
    return [p for p in inspect.signature(target).parameters if p not in ("params",)]


@pytest.mark.parametrize("name", sorted(set(registry.REGISTRY) - SKIP))
def test_wrong_types_give_a_clear_answer(api: LocalApi, name: str) -> None:
    params = parameters(name)
    for value in WEIRD:
        reply = api.request({"action": name, "version": 6, "params": {p: value for p in params}})
        assert set(reply) == {"result", "error"}, reply
        assert reply["error"] is None or (isinstance(reply["error"], str) and reply["error"]), (name, value, reply)
    assert api.col.db.scalar("pragma integrity_check") == "ok"
