"""Check real calls and events against the API's schema (ankiconnect_ws.schema).

Every successful call the tests make through ``ApiCalls`` (bench/anki_process.py; unit
tests on a real Collection, e2e tests on the real Anki) goes through
:func:`check_call`: its result must match the action's result schema, and its params
the action's params schema as a validator would apply it (``validation_schema``: an
action that succeeded was given params it accepts, so the schema must accept them too).
Events pushed to tests' subscribers (and published by the change detector in unit
tests) go through :func:`check_event`. A wrong schema fails the test that made the
call, naming the action or event and the place.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from jsonschema import Draft202012Validator

from ankiconnect_ws import schema
from ankiconnect_ws.wire import encode_reply


@functools.cache
def _validator(name: str, part: str) -> Draft202012Validator:
    if part == "result":
        document = schema.result_schema(name)
    elif part == "params":
        document = schema.validation_schema(schema.params_schema(name))
    else:
        document = schema.event_schema(name)
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)


def problems(name: str, part: str, value: Any) -> list[str]:
    """What is wrong with ``value`` as action ``name``'s ``part`` ("result" or "params"),
    or as the frame of event ``name`` (part "event")."""
    errors = sorted(_validator(name, part).iter_errors(value), key=lambda e: list(e.absolute_path))
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


def check_event(frame: dict[str, Any]) -> None:
    """A pushed event frame ``{event, seq, time, data}`` must match its event's schema."""
    name = frame.get("event")
    assert name in schema.event_names(), f"an event the schema does not know: {frame}"
    found = problems(name, "event", as_json(frame))
    assert not found, f"event {name} does not match its schema: {found}\nframe: {str(frame)[:500]}"


def check_event_data(name: str, data: dict[str, Any]) -> None:
    """What a publisher hands the bus: ``data`` must match event ``name``'s schema."""
    check_event({"event": name, "seq": 1, "time": 0, "data": data})
