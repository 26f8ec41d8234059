"""Check real calls against the API's schema (ankiconnect_ws.schema).

Every successful call the tests make through :class:`tests.api_calls.ApiCalls` (unit
tests on a real Collection, e2e tests on the real Anki) goes through
:func:`check_call`: its result must match the action's result schema, and its params
the action's params schema as a validator would apply it (``validation_schema``: an
action that succeeded was given params it accepts, so the schema must accept them too).
A wrong schema fails the test that made the call, naming the action and the place.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from jsonschema import Draft202012Validator

from ankiconnect_ws import schema
from ankiconnect_ws.wire import encode_reply


@functools.cache
def _validator(action: str, part: str) -> Draft202012Validator:
    if part == "result":
        document = schema.result_schema(action)
    else:
        document = schema.validation_schema(schema.params_schema(action))
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)


def problems(action: str, part: str, value: Any) -> list[str]:
    """What is wrong with ``value`` as ``action``'s ``part`` ("result" or "params")."""
    errors = sorted(_validator(action, part).iter_errors(value), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:300]}" for e in errors]


def check_result(action: str, result: Any) -> None:
    found = problems(action, "result", result)
    assert not found, f"{action}'s result does not match its schema: {found}\nresult: {str(result)[:500]}"


def check_params(action: str, params: dict[str, Any]) -> None:
    found = problems(action, "params", params)
    assert not found, f"{action} succeeded with params its schema refuses: {found}\nparams: {str(params)[:500]}"


def check_call(action: str, params: dict[str, Any], result: Any) -> None:
    if action not in schema.action_names():
        return  # an unknown action's call cannot succeed; the test says what it expects
    check_params(action, as_json(params))
    check_result(action, as_json(result))


def as_json(value: Any) -> Any:
    """``value`` as a client sees it (in-process results may hold tuples, int keys)."""
    return json.loads(encode_reply(value))
