"""TypeScript declarations of the API, from the same schemas as the documents:
``web/ankiconnect-ws.d.ts``, the declaration file of the page's client
(web/ankiconnect-ws.js), so a TypeScript or ``// @ts-check`` JavaScript client gets
typed calls (``request("deckNames")`` is a ``Promise<string[]>``) and typed events.

JSON Schema -> TypeScript, for the keywords the schemas use: ``type`` (a list is a
union), ``properties``/``required``/``additionalProperties`` (closed objects, index
signatures), ``items``/``prefixItems`` (arrays, tuples), ``const``/``enum`` (literals),
``anyOf`` (union), ``allOf`` (intersection) and ``$ref`` (the shared shapes, as named
interfaces). A value any JSON may take is ``unknown``. Validation-only keywords
(``minimum``, ``pattern``...) have no TypeScript form and are left out; ``x-lenient``
parts are typed as documented (clients should send what is documented).
``description`` and ``default`` become JSDoc comments. The fixed part of the file (header,
envelopes, the client) is in :mod:`.typescript_text`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .actions import Catalogue
from .convert import DEFS_PREFIX
from .events import EventCatalogue
from .typescript_text import ENVELOPES, HEADER

__all__ = ["FILE_NAME", "build_typescript", "ts_type"]

JsonSchema = dict[str, Any]

#: committed as web/<FILE_NAME>, next to the client it describes
FILE_NAME = "ankiconnect-ws.d.ts"

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_SCALARS = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean", "null": "null"}
_INDENT = "  "


def build_typescript(catalogue: Catalogue, events: EventCatalogue) -> str:
    """The whole declaration file."""
    clash = catalogue.defs.keys() & events.defs.keys()
    if clash:
        raise ValueError(f"an action shape and an event shape share the names {sorted(clash)}")
    needing = [name for name, action in catalogue.actions.items() if action.needs_params()]
    topic = _topic_schema(catalogue)
    parts = [
        HEADER,
        ENVELOPES,
        "// --- the actions and events, by name ------------------------------------------------------",
        _actions_map(catalogue),
        ("/** The actions whose requests must carry ``params``. */\n"
         f"export type ActionsNeedingParams =\n{_union_lines([json.dumps(n) for n in needing])};"),
        ("/** What ``subscribe`` takes in ``events``: a topic, or ``*`` for all. */\n"
         f"export type Topic = {ts_type(topic)};"),
        _events_map(events),
        "// --- shared shapes -------------------------------------------------------------------------",
        *(_named(name, schema) for name, schema in sorted({**catalogue.defs, **events.defs}.items())),
    ]
    # the templates' ``code`` (docstring style) as Markdown, which editors show in JSDoc
    return ("\n\n".join(parts) + "\n").replace("``", "`")


def _topic_schema(catalogue: Catalogue) -> JsonSchema:
    """``subscribe``'s ``events`` is a topic or a list of them: the topic's schema."""
    events = catalogue.actions["subscribe"].params["properties"]["events"]
    return next(branch for branch in events["anyOf"] if branch.get("type") == "string")


def _actions_map(catalogue: Catalogue) -> str:
    lines = ["/** Every action: its ``params`` object and the ``result`` of a successful reply. */",
             "export interface Actions {"]
    for name, action in catalogue.actions.items():
        facts = [f"group: {action.group}"]
        if "x-alias-of" in action.extensions:
            facts.append(f"alias of {action.extensions['x-alias-of']}")
        if action.extensions.get("x-transport") == "websocket":
            facts.append("WebSocket only")
        lines.append(f"{_INDENT}/** {', '.join(facts)} */")
        lines.append(f"{_INDENT}{_key(name)}: {{")
        lines.append(f"{_INDENT * 2}params: {ts_type(action.params, 2)};")
        lines.append(f"{_INDENT * 2}result: {ts_type(action.result, 2)};")
        lines.append(f"{_INDENT}}};")
    lines.append("}")
    return "\n".join(lines)


def _events_map(events: EventCatalogue) -> str:
    lines = ["/** Every event the WebSocket sends to subscribers: its ``data``. */", "export interface Events {"]
    for name, frame in events.frames.items():
        lines.append(f"{_INDENT}/** {_comment_text(events.when[name])} (topic {events.topics[name]}) */")
        lines.append(f"{_INDENT}{_key(name)}: {ts_type(frame['properties']['data'], 1)};")
    lines.append("}")
    return "\n".join(lines)


def _named(name: str, schema: JsonSchema) -> str:
    doc = _doc_comment(schema, 0)
    if _is_plain_object(schema):
        return f"{doc}export interface {name} {_object_body(schema, 0)}"
    return f"{doc}export type {name} = {ts_type(schema, 0)};"


def _union_lines(members: list[str]) -> str:
    return "\n".join(f"{_INDENT}| {member}" for member in members) if members else f"{_INDENT}never"


# --- JSON Schema -> a TypeScript type ---------------------------------------------------------


def ts_type(schema: JsonSchema | bool, depth: int = 0) -> str:
    """The TypeScript type of ``schema``; ``depth``: the indentation level it is written at."""
    return _ts(schema, depth).text


class _Type:
    """A type's text and its top-level operator ("|", "&" or "" for none), which says
    where it needs parentheses."""

    def __init__(self, text: str, operator: str = "") -> None:
        self.text = text
        self.operator = operator


def _ts(schema: JsonSchema | bool, depth: int) -> _Type:
    if schema is True:
        return _Type("unknown")
    if schema is False:
        return _Type("never")
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith(DEFS_PREFIX):
            raise ValueError(f"a $ref outside $defs: {ref}")
        return _Type(ref[len(DEFS_PREFIX):])
    if "const" in schema:
        return _Type(_literal(schema["const"]))
    if "enum" in schema:
        return _union([_Type(_literal(value)) for value in schema["enum"]])
    if "anyOf" in schema:
        return _union([_ts(branch, depth) for branch in schema["anyOf"]])
    if "allOf" in schema:
        return _intersection([_ts(part, depth) for part in schema["allOf"]])
    kinds = schema.get("type")
    if kinds is None:
        return _Type("unknown")
    if isinstance(kinds, str):
        return _of_type(kinds, schema, depth)
    return _union([_of_type(kind, schema, depth) for kind in kinds])


def _of_type(kind: str, schema: JsonSchema, depth: int) -> _Type:
    if kind in _SCALARS:
        return _Type(_SCALARS[kind])
    if kind == "array":
        return _Type(_array(schema, depth))
    if kind == "object":
        return _Type(_object_body(schema, depth))
    raise ValueError(f"no TypeScript type for the JSON type {kind!r}")


def _array(schema: JsonSchema, depth: int) -> str:
    if "prefixItems" in schema:
        items = [ts_type(each, depth) for each in schema["prefixItems"]]
        rest = schema.get("items", True)
        if rest is not False:
            items.append(f"...{_element(_ts(rest, depth))}[]")
        return f"[{', '.join(items)}]"
    return f"{_element(_ts(schema.get('items', True), depth))}[]"


def _object_body(schema: JsonSchema, depth: int) -> str:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    extra = schema.get("additionalProperties", True)
    if not properties:
        if extra is False:
            return "Record<string, never>"
        return f"{{ [key: string]: {ts_type(extra, depth)} }}"
    inner = _INDENT * (depth + 1)
    lines = ["{"]
    for key, value in properties.items():
        lines.append(_doc_comment(value, depth + 1) + f"{inner}{_key(key)}{'' if key in required else '?'}: "
                     f"{ts_type(value, depth + 1)};")
    if extra is not False:
        # the known keys' types must fit the index signature: open shapes take any value
        lines.append(f"{inner}[key: string]: unknown;")
    lines.append(_INDENT * depth + "}")
    return "\n".join(lines)


def _is_plain_object(schema: JsonSchema) -> bool:
    return schema.get("type") == "object" and bool(schema.get("properties"))


def _literal(value: Any) -> str:
    if value is None or isinstance(value, (bool, int, float, str)):
        return json.dumps(value)
    raise ValueError(f"no TypeScript literal for {value!r}")


def _union(members: list[_Type]) -> _Type:
    texts = list(dict.fromkeys(member.text for member in members))
    if "unknown" in texts:
        return _Type("unknown")
    if len(texts) == 1:
        return next(m for m in members if m.text == texts[0])
    return _Type(" | ".join(texts), "|")  # & binds tighter than |: no parentheses needed


def _intersection(members: list[_Type]) -> _Type:
    unique = list({m.text: m for m in members if m.text != "unknown"}.values())
    if not unique:
        return _Type("unknown")
    if len(unique) == 1:
        return unique[0]
    return _Type(" & ".join(f"({m.text})" if m.operator == "|" else m.text for m in unique), "&")


def _element(item: _Type) -> str:
    """An array's element type: ``(A | B)[]``, not ``A | B[]``."""
    return f"({item.text})" if item.operator else item.text


def _key(name: str) -> str:
    return name if _IDENTIFIER.match(name) else json.dumps(name)


# --- comments ---------------------------------------------------------------------------------


def _doc_comment(schema: JsonSchema | bool, depth: int) -> str:
    """A JSDoc comment from ``description`` and ``default`` (empty when neither)."""
    if not isinstance(schema, dict):
        return ""
    lines = []
    if schema.get("description"):
        lines.append(_comment_text(schema["description"]))
    if "default" in schema:
        lines.append(f"@default {json.dumps(schema['default'])}")
    if not lines:
        return ""
    indent = _INDENT * depth
    if len(lines) == 1 and "\n" not in lines[0]:
        return f"{indent}/** {lines[0]} */\n"
    body = "\n".join(f"{indent} * {line}" for text in lines for line in text.splitlines())
    return f"{indent}/**\n{body}\n{indent} */\n"


def _comment_text(text: str) -> str:
    return text.replace("*/", "*\\/")
