"""Python's parameter-binding errors as AnkiConnect reports them (see protocol rules)."""

from __future__ import annotations


def missing(action: str, param: str) -> str:
    return f"AnkiConnect.{action}() missing 1 required positional argument: '{param}'"


def unexpected(action: str, param: str) -> str:
    return f"AnkiConnect.{action}() got an unexpected keyword argument '{param}'"
