"""The OpenAPI 3.1 document of the HTTP API.

AnkiConnect has one endpoint, ``POST /``, and the body's ``action`` says what to do.
OpenAPI keys operations by path and method, so each action gets a path of its own that
still means ``POST /``: ``/#addNote`` (the fragment never leaves the client, and the
server answers a POST on any path alike). That makes one operation per action, with its
own request and reply schemas, for documentation, code generators and API testers.
``components.schemas.Request`` is the union of every request, discriminated by
``action``.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from .actions import ActionSchema, Catalogue
from .convert import rebase_refs

__all__ = ["build_openapi", "action_path", "add_components", "COMPONENTS"]

JsonSchema = dict[str, Any]

COMPONENTS = "#/components/schemas/"
DEFAULT_VERSION = 4

_DESCRIPTION = """\
AnkiConnect's HTTP API as served by ankiconnect-ws: every request is a `POST` to `/` \
with a JSON body `{"action": ..., "version": 6, "params": {...}, "key": ...}`. The \
paths `/#<action>` below all mean `POST /` (the fragment is never sent): one operation \
per action.

Replies: `{"result": ..., "error": null}` on success for `version` 5 and newer, \
`{"result": null, "error": "..."}` for every error, and the bare result for a \
successful request of `version` 4 or older (the default when `version` is missing).

`key` is needed when the add-on has an `apiKey` set. A page whose origin is not trusted \
may only call `requestPermission` (anything else: HTTP 403). An empty body gets \
`{"apiVersion": "AnkiConnect v.6"}`. The same actions are available over the WebSocket \
(see asyncapi.json), where `subscribe` and `unsubscribe` add live events.

`x-` keywords: `x-main-thread` (runs on Anki's main thread), `x-async` (waits on the \
server thread, e.g. for downloads), `x-needs-collection` (answers `collection is not \
available` without an open profile), `x-needs-gui` (needs Anki's main window), \
`x-transport` (`websocket`: answered only over a WebSocket), `x-alias-of`, and \
`x-lenient` on a parameter schema: the action also accepts other values there, as \
upstream does (a flag read by its truthiness, a batch answering bad items in place), or \
checks them itself with upstream's error text."""


def action_path(name: str) -> str:
    return f"/#{name}"


def build_openapi(catalogue: Catalogue) -> JsonSchema:
    schemas: dict[str, JsonSchema] = {name: rebase_refs(schema, COMPONENTS) for name, schema in catalogue.defs.items()}
    add_components(schemas, _envelopes())
    paths: dict[str, Any] = {}
    for name, action in catalogue.actions.items():
        add_components(schemas, _action_components(action))
        paths[action_path(name)] = {"post": _operation(action)}
    schemas["Request"] = {
        "oneOf": [{"$ref": f"{COMPONENTS}{name}Request"} for name in catalogue.actions],
        "discriminator": {
            "propertyName": "action",
            "mapping": {name: f"{COMPONENTS}{name}Request" for name in catalogue.actions},
        },
        "description": "any request: the union of every action's request, told apart by action",
    }
    paths["/openapi.json"] = {"get": _document_operation("getOpenApi", "this document")}
    paths["/asyncapi.json"] = {"get": _document_operation("getAsyncApi", "the AsyncAPI document of the WebSocket API")}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ankiconnect-ws HTTP API (AnkiConnect)",
            "version": __version__,
            "description": _DESCRIPTION,
            "license": {"name": "GPL-3.0-or-later", "identifier": "GPL-3.0-or-later"},
        },
        "servers": [{
            "url": "http://{host}:{port}",
            "description": "the add-on in a running Anki (webBindAddress, webBindPort)",
            "variables": {"host": {"default": "127.0.0.1"}, "port": {"default": "8765"}},
        }],
        "tags": [{"name": group} for group in sorted({a.group for a in catalogue.actions.values()} | {"documents"})],
        "paths": paths,
        "components": {"schemas": schemas},
    }


def add_components(schemas: dict[str, JsonSchema], more: dict[str, JsonSchema]) -> None:
    """Add ``more`` to a document's component schemas; a name taken twice is an error
    (the asyncapi document's components are gathered the same way)."""
    clash = schemas.keys() & more.keys()
    if clash:
        raise ValueError(f"two component schemas named {sorted(clash)}")
    schemas.update(more)


def _envelopes() -> dict[str, JsonSchema]:
    return {
        "Error": {
            "type": "object",
            "properties": {"result": {"type": "null"}, "error": {"type": "string"}},
            "required": ["result", "error"],
            "additionalProperties": False,
            "description": "a failed request, whatever its version",
        },
        "ApiKey": {
            "type": ["string", "null"],
            "description": "the add-on's apiKey, when one is set",
        },
        "Version": {
            "type": "integer",
            "default": DEFAULT_VERSION,
            "description": "the API version the client speaks: 4 and older get bare results",
        },
    }


def _action_components(action: ActionSchema) -> dict[str, JsonSchema]:
    name = action.name
    return {
        f"{name}Params": rebase_refs(action.params, COMPONENTS),
        f"{name}Result": rebase_refs(action.result, COMPONENTS),
        f"{name}Request": request_schema(action, COMPONENTS),
        f"{name}Reply": _reply(name),
    }


def request_schema(action: ActionSchema, components: str) -> JsonSchema:
    """The request object of ``action`` (``components``: where the shared schemas are)."""
    required = ["action", "params"] if action.needs_params() else ["action"]
    return {
        "type": "object",
        "properties": {
            "action": {"const": action.name},
            "version": {"$ref": f"{components}Version"},
            "key": {"$ref": f"{components}ApiKey"},
            "params": {"$ref": f"{components}{action.name}Params"},
        },
        "required": required,
    }


def _reply(name: str) -> JsonSchema:
    result = {"$ref": f"{COMPONENTS}{name}Result"}
    return {
        "anyOf": [
            {
                "type": "object",
                "properties": {"result": result, "error": {"type": "null"}},
                "required": ["result", "error"],
                "additionalProperties": False,
                "description": "success, version 5 and newer",
            },
            {"$ref": f"{COMPONENTS}Error"},
            {"allOf": [result], "description": "success, version 4 and older: the bare result"},
        ]
    }


def _operation(action: ActionSchema) -> JsonSchema:
    name = action.name
    operation: JsonSchema = {
        "operationId": name,
        "summary": name,
        "tags": [action.group],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"{COMPONENTS}{name}Request"}}},
        },
        "responses": {
            "200": {
                "description": "the reply: {result, error}, or the bare result for version 4 and older",
                "content": {"application/json": {"schema": {"$ref": f"{COMPONENTS}{name}Reply"}}},
            },
            "403": {"description": "the caller's origin is not trusted (only requestPermission is allowed)"},
        },
    }
    if action.extensions.get("x-transport") == "websocket":
        operation["description"] = f"WebSocket only: over HTTP the error is `{name} is only available over a" \
                                   " WebSocket connection`."
    operation.update(action.extensions)
    return operation


def _document_operation(operation_id: str, what: str) -> JsonSchema:
    return {
        "operationId": operation_id,
        "summary": f"{what} (JSON)",
        "tags": ["documents"],
        "responses": {"200": {"description": what, "content": {"application/json": {"schema": {"type": "object"}}}}},
    }
