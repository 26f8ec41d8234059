"""A missing or unknown parameter is answered with the TypeError text of upstream's
Python (3.10+), which clients match, on every Python the add-on runs on: the registry
words it itself (Python 3.9, Anki up to 25.02, leaves out the class name)."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from ankiconnect_ws.actions import registry

#: keys no action has: one plain, one with a quote (Python puts the key in quotes as is)
UNKNOWN = ("foobar", "it's")


def _python_twin(spec: registry.ActionSpec) -> Callable[..., Any]:
    """A function with the action's parameters (no body, defaults None) and name: what
    Python itself says when binding fails."""
    parts: list[str] = []
    star = False
    for parameter in inspect.signature(spec.func).parameters.values():
        default = "" if parameter.default is parameter.empty else "=None"
        if parameter.kind is parameter.VAR_POSITIONAL:
            parts.append(f"*{parameter.name}")
            star = True
        elif parameter.kind is parameter.VAR_KEYWORD:
            parts.append(f"**{parameter.name}")
        elif parameter.kind is parameter.KEYWORD_ONLY:
            if not star:
                parts.append("*")
                star = True
            parts.append(parameter.name + default)
        else:
            assert parameter.kind is parameter.POSITIONAL_OR_KEYWORD, (spec.name, parameter)
            parts.append(parameter.name + default)
    namespace: dict[str, Any] = {}
    exec(f"def twin({', '.join(parts)}): pass", namespace)
    twin = namespace["twin"]
    twin.__qualname__ = spec.func.__qualname__
    return twin


def _python_says(twin: Callable[..., Any], params: dict[str, Any]) -> str | None:
    try:
        twin(**params)
    except TypeError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("name", sorted(registry.REGISTRY))
def test_every_action_words_binding_errors_as_python_does(name: str) -> None:
    spec = registry.REGISTRY[name]
    twin = _python_twin(spec)
    declared = list(inspect.signature(spec.func).parameters)
    keys = [key for key in declared if not key.startswith("*")] + list(UNKNOWN)
    checked = 0
    for size in range(min(len(keys), 4) + 1):
        for chosen in itertools.permutations(keys, size) if size <= 2 else itertools.combinations(keys, size):
            params = dict.fromkeys(chosen)
            assert spec.binding_error(params) == _python_says(twin, params), params
            checked += 1
    assert checked > 1


def test_the_words_are_upstreams() -> None:
    # the twin above is this Python's wording: on 3.9 these would fail without the registry
    create_deck = registry.REGISTRY["createDeck"]
    assert create_deck.binding_error({}) == "AnkiConnect.createDeck() missing 1 required positional argument: 'deck'"
    assert create_deck.binding_error({"deck": "a", "name": 1}) == (
        "AnkiConnect.createDeck() got an unexpected keyword argument 'name'")


def test_an_action_handing_its_params_on_words_them_as_itself() -> None:
    def helper(modelName: str, findText: str, replaceText: str, front: bool = True) -> str:
        return modelName + findText + replaceText

    assert registry.call_with(helper, "findAndReplaceInModels", {"modelName": "M", "findText": "a",
                                                                   "replaceText": "b"}) == "Mab"
    with pytest.raises(TypeError) as missing:
        registry.call_with(helper, "findAndReplaceInModels", {"findText": "a"})
    assert str(missing.value) == (
        "AnkiConnect.findAndReplaceInModels() missing 2 required positional arguments: 'modelName' and 'replaceText'")
    with pytest.raises(TypeError) as unknown:
        registry.call_with(helper, "findAndReplaceInModels", {"css": False})
    assert str(unknown.value) == "AnkiConnect.findAndReplaceInModels() got an unexpected keyword argument 'css'"
