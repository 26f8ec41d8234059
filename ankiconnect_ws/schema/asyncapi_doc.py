"""The AsyncAPI 3.0 document of the WebSocket protocol.

The document describes the add-on (the server): it *receives* each action's request on
the one channel (``ws://host:port/``) and *replies* on it, matched by ``id``; it *sends*
the events of docs/events.md to subscribers. Payload schemas are AsyncAPI's default
format (a superset of JSON Schema draft 07), so the action schemas (2020-12) are written
in draft-07 form here (:func:`to_draft7`).
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from .actions import Catalogue
from .convert import rebase_refs
from .events import event_catalogue
from .openapi_doc import COMPONENTS, add_components, request_schema

__all__ = ["build_asyncapi", "to_draft7"]

JsonSchema = dict[str, Any]

CHANNEL = "api"
_CHANNEL_REF = {"$ref": f"#/channels/{CHANNEL}"}

_DESCRIPTION = """\
The WebSocket API of ankiconnect-ws, on the same port as AnkiConnect's HTTP API \
(`ws://127.0.0.1:8765/`). Every AnkiConnect action is available: send \
`{"id": ..., "action": ..., "version": 6, "params": {...}}` (and `key` when an \
`apiKey` is set); the reply `{"id": ..., "result": ..., "error": ...}` echoes the \
request's `id`, so many requests can be in flight on one socket and replies may come \
in any order. WebSocket replies always have the `{result, error}` form, whatever the \
version.

`subscribe` starts live events: frames `{"event": ..., "seq": n, "time": ms, "data": \
{...}}` (no `id`). See docs/events.md for ordering, replay with `since`, and slow \
readers. The browser's origin must be trusted, as for HTTP. Params and result schemas \
are the same as in openapi.json; `x-` keywords are explained there."""


def build_asyncapi(catalogue: Catalogue) -> JsonSchema:
    schemas: dict[str, JsonSchema] = {name: rebase_refs(s, COMPONENTS) for name, s in catalogue.defs.items()}
    add_components(schemas, _shared())
    messages: dict[str, JsonSchema] = {}
    operations: dict[str, JsonSchema] = {}
    for name, action in catalogue.actions.items():
        add_components(schemas, {
            f"{name}Params": rebase_refs(action.params, COMPONENTS),
            f"{name}Result": rebase_refs(action.result, COMPONENTS),
            f"{name}Request": _ws_request(request_schema(action, COMPONENTS)),
            f"{name}Reply": _ws_reply(name),
        })
        messages[f"{name}.request"] = _message(name, f"the {name} request", f"{name}Request")
        messages[f"{name}.reply"] = _message(f"{name}Reply", f"the reply to {name}", f"{name}Reply")
        operations[name] = {
            "action": "receive",
            "channel": _CHANNEL_REF,
            "summary": name,
            "tags": [{"name": action.group}],
            "messages": [_message_ref(f"{name}.request")],
            "reply": {"channel": _CHANNEL_REF, "messages": [_message_ref(f"{name}.reply")]},
            **action.extensions,
        }
    add_components(schemas, _event_schemas(messages, operations))
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "ankiconnect-ws WebSocket API",
            "version": __version__,
            "description": _DESCRIPTION,
            "license": {"name": "GPL-3.0-or-later"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "{host}:{port}",
                "protocol": "ws",
                "pathname": "/",
                "description": "the add-on in a running Anki (webBindAddress, webBindPort)",
                "variables": {"host": {"default": "127.0.0.1"}, "port": {"default": "8765"}},
            }
        },
        "channels": {
            CHANNEL: {
                "address": "/",
                "title": "requests, replies and events",
                "messages": {key: {"$ref": f"#/components/messages/{key}"} for key in messages},
            }
        },
        "operations": operations,
        "components": {"schemas": to_draft7(schemas), "messages": messages},
    }


def _shared() -> dict[str, JsonSchema]:
    return {
        "RequestId": {"description": "any JSON value: echoed in the reply"},
        "ApiKey": {"type": ["string", "null"], "description": "the add-on's apiKey, when one is set"},
        "Version": {"type": "integer", "default": 4, "description": "the API version the client speaks"},
        "Error": {
            "type": "object",
            "properties": {"id": {"$ref": f"{COMPONENTS}RequestId"}, "result": {"type": "null"},
                           "error": {"type": "string"}},
            "required": ["result", "error"],
            "additionalProperties": False,
            "description": "a failed request (id is null when the request's own id could not be read)",
        },
    }


def _ws_request(request: JsonSchema) -> JsonSchema:
    return {**request, "properties": {"id": {"$ref": f"{COMPONENTS}RequestId"}, **request["properties"]}}


def _ws_reply(name: str) -> JsonSchema:
    return {
        "anyOf": [
            {
                "type": "object",
                "properties": {"id": {"$ref": f"{COMPONENTS}RequestId"}, "result": {"$ref": f"{COMPONENTS}{name}Result"},
                               "error": {"type": "null"}},
                "required": ["id", "result", "error"],
                "additionalProperties": False,
            },
            {"$ref": f"{COMPONENTS}Error"},
        ]
    }


def _message(name: str, title: str, schema: str, correlated: bool = True) -> JsonSchema:
    message: JsonSchema = {"name": name, "title": title, "payload": {"$ref": f"{COMPONENTS}{schema}"}}
    if correlated:
        message["correlationId"] = {"description": "the request's id, echoed in its reply",
                                    "location": "$message.payload#/id"}
    return message


def _message_ref(key: str) -> JsonSchema:
    return {"$ref": f"#/channels/{CHANNEL}/messages/{key}"}


def _event_schemas(messages: dict[str, JsonSchema], operations: dict[str, JsonSchema]) -> dict[str, JsonSchema]:
    events = event_catalogue()
    frames: dict[str, JsonSchema] = {}
    for name, frame in events.frames.items():
        schema_name = "Event_" + name.replace(".", "_")
        frames[schema_name] = rebase_refs(frame, COMPONENTS)
        key = f"event.{name}"
        when = events.when[name]
        messages[key] = {**_message(name, when, schema_name, correlated=False), "summary": when}
        operations[key] = {
            "action": "send",
            "channel": _CHANNEL_REF,
            "summary": when,
            "description": f"sent to clients subscribed to {events.topics[name]!r} or '*'" if name != "reset"
            else "sent to any subscriber that missed events",
            "tags": [{"name": "events"}],
            "messages": [_message_ref(key)],
        }
    return {**{n: rebase_refs(s, COMPONENTS) for n, s in events.defs.items()}, **frames}


def to_draft7(schema: Any) -> Any:
    """A copy of a 2020-12 schema in draft-07 terms: tuples (``prefixItems``) become an
    ``items`` list with ``additionalItems``."""
    if isinstance(schema, list):
        return [to_draft7(each) for each in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: to_draft7(value) for key, value in schema.items()}
    if "prefixItems" in out:
        rest = out.get("items", True)
        out["items"] = out.pop("prefixItems")
        out["additionalItems"] = rest
    return out
