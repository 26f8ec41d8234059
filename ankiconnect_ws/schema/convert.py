"""Python type hints -> JSON Schema (2020-12).

Named shapes (TypedDicts) become ``{"$ref": "#/$defs/Name"}``, their schemas collected
in :attr:`Converter.defs`; everything else is written inline. Documents that keep their
schemas elsewhere (OpenAPI's ``components``) rewrite the refs (:func:`rebase_refs`).
"""

from __future__ import annotations

import ast
import copy
import inspect
import re
import sys
import textwrap
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from .hints import Keywords, Lenient, NotRequired, Required, is_open

__all__ = ["Converter", "rebase_refs", "standalone", "defs_used", "JSON_TYPES", "is_typeddict"]

JsonSchema = dict[str, Any]

#: Python scalar types and their JSON Schema ``type``
JSON_TYPES: dict[Any, str] = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}

DEFS_PREFIX = "#/$defs/"


#: ``X | Y`` (Python 3.10+); this builder runs on 3.11+, the add-on it builds on 3.9 too
_UNION_TYPE = getattr(types, "UnionType", Union)


def is_typeddict(hint: Any) -> bool:
    return isinstance(hint, type) and hasattr(hint, "__required_keys__") and issubclass(hint, dict)


class Converter:
    """Turns hints into schemas; shapes seen on the way are kept in ``defs``."""

    def __init__(self) -> None:
        self.defs: dict[str, JsonSchema] = {}
        self._named: dict[str, type] = {}

    def schema(self, hint: Any) -> JsonSchema:
        if hint is Any or hint is object:
            return {}
        if hint is None or hint is type(None):
            return {"type": "null"}
        if hint in JSON_TYPES:
            return {"type": JSON_TYPES[hint]}
        if is_typeddict(hint):
            return self._ref(hint)
        origin = get_origin(hint)
        if origin is typing.Annotated:
            return self._annotated(hint)
        if origin in (Required, NotRequired):
            return self.schema(get_args(hint)[0])
        if origin is Literal:
            return _literal(get_args(hint))
        if origin in (Union, _UNION_TYPE):
            return _union([self.schema(each) for each in get_args(hint)])
        if origin in (list, Sequence, set, frozenset):
            (item,) = get_args(hint) or (Any,)
            return _array(self.schema(item))
        if origin is tuple:
            return self._tuple(get_args(hint))
        if origin in (dict, Mapping):
            key, value = get_args(hint) or (str, Any)
            if key is not str:
                raise TypeError(f"JSON object keys are strings, not {key!r}")
            values = self.schema(value)
            return {"type": "object"} if values == {} else {"type": "object", "additionalProperties": values}
        if hint in (list, tuple, set):
            return {"type": "array"}
        if hint is dict:
            return {"type": "object"}
        raise TypeError(f"no JSON Schema for the type hint {hint!r}")

    # --- parts -------------------------------------------------------------------------

    def _annotated(self, hint: Any) -> JsonSchema:
        inner, *metadata = get_args(hint)
        schema = self.schema(inner)
        if "$ref" in schema and any(isinstance(m, (Keywords, Lenient)) for m in metadata):
            schema = {"allOf": [schema]}  # keep the shared definition unchanged
        for meta in metadata:
            if isinstance(meta, Keywords):
                schema.update(copy.deepcopy(dict(meta)))
            elif isinstance(meta, Lenient):
                schema["x-lenient"] = meta.reason
        return schema

    def _tuple(self, args: tuple[Any, ...]) -> JsonSchema:
        if len(args) == 2 and args[1] is Ellipsis:
            return _array(self.schema(args[0]))
        items = [self.schema(each) for each in args]
        return {"type": "array", "prefixItems": items, "items": False, "minItems": len(items), "maxItems": len(items)}

    def _ref(self, shape: type) -> JsonSchema:
        name = shape.__name__
        known = self._named.get(name)
        if known is not None and known is not shape:
            raise TypeError(f"two shapes are named {name}: {known!r} and {shape!r}")
        if known is None:
            self._named[name] = shape
            self.defs[name] = {}  # placeholder: a shape may refer to itself
            self.defs[name] = self._object(shape)
        return {"$ref": DEFS_PREFIX + name}

    def _object(self, shape: type) -> JsonSchema:
        hints = get_type_hints(shape, include_extras=True)
        required = [key for key, hint in hints.items() if _is_required(shape, key, hint)]
        docs = field_docs(shape)
        properties = {}
        for key, hint in hints.items():
            properties[key] = self.schema(hint)
            if key in docs:
                properties[key] = _described(properties[key], docs[key])
        schema: JsonSchema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        if not is_open(shape):
            schema["additionalProperties"] = False
        description = _first_paragraph(shape.__doc__)
        if description:
            schema["description"] = description
        return schema


_FIELD = re.compile(r"^\s+(\w+)\s*:")
_FIELD_DOC = re.compile(r"^\s+#:\s?(.*)$")


def field_docs(shape: type) -> dict[str, str]:
    """The ``#:`` comments above a class's fields (read from its source, which the
    add-on ships): the fields' descriptions."""
    try:
        source = inspect.getsource(shape)
    except (OSError, TypeError):
        return {}
    docs: dict[str, str] = {}
    for base in _typeddict_bases(shape, source):
        docs.update(field_docs(base))
    lines = source.splitlines()
    pending: list[str] = []
    for line in lines[1:]:
        comment = _FIELD_DOC.match(line)
        if comment:
            pending.append(comment.group(1).strip())
            continue
        field = _FIELD.match(line)
        if field and pending:
            docs[field.group(1)] = _markdown(" ".join(pending))
        pending = []
    return docs


def _typeddict_bases(shape: type, source: str) -> list[type]:
    """The TypedDicts ``shape`` extends, by the names in its ``class`` line (Python 3.11
    keeps no trace of a TypedDict's bases at run time)."""
    definition = ast.parse(textwrap.dedent(source)).body[0]
    module = vars(sys.modules[shape.__module__])
    bases = [module.get(base.id) for base in getattr(definition, "bases", []) if isinstance(base, ast.Name)]
    return [base for base in bases if is_typeddict(base)]


def _described(schema: JsonSchema, text: str) -> JsonSchema:
    if "$ref" in schema:  # keep the shared definition's own description
        return {"allOf": [schema], "description": text}
    return {**schema, "description": text}


def _is_required(shape: type, key: str, hint: Any) -> bool:
    """From the hint's own ``Required``/``NotRequired`` first: a TypedDict defined under
    ``from __future__ import annotations`` cannot see them (Python 3.11)."""
    wrapper = get_origin(hint)
    if wrapper is Required:
        return True
    if wrapper is NotRequired:
        return False
    return key in shape.__required_keys__  # type: ignore[attr-defined]


def _first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    return _markdown(" ".join(doc.strip().split("\n\n", 1)[0].split()))


def _markdown(text: str) -> str:
    """Docstring markup (``x``) as Markdown (`x`), which OpenAPI descriptions use."""
    return text.replace("``", "`")


def _array(items: JsonSchema) -> JsonSchema:
    return {"type": "array"} if items == {} else {"type": "array", "items": items}


def _literal(values: tuple[Any, ...]) -> JsonSchema:
    if len(values) == 1:
        return {"const": values[0]}
    return {"enum": list(values)}


def _union(members: list[JsonSchema]) -> JsonSchema:
    """``A | B``: one ``type`` list when every member is a bare type, else ``anyOf``."""
    if any(member == {} for member in members):
        return {}
    if all(set(member) == {"type"} and isinstance(member["type"], str) for member in members):
        return {"type": list(dict.fromkeys(member["type"] for member in members))}
    flat: list[JsonSchema] = []
    for member in members:
        flat.extend(member["anyOf"] if set(member) == {"anyOf"} else [member])
    return {"anyOf": flat}


def rebase_refs(schema: Any, prefix: str) -> Any:
    """A copy of ``schema`` whose ``#/$defs/X`` refs point to ``prefix + X``."""
    if isinstance(schema, dict):
        return {
            key: (prefix + value[len(DEFS_PREFIX):] if key == "$ref" and isinstance(value, str)
                  and value.startswith(DEFS_PREFIX) else rebase_refs(value, prefix))
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [rebase_refs(each, prefix) for each in schema]
    return schema


def defs_used(schema: Any, defs: dict[str, JsonSchema]) -> set[str]:
    """The shapes of ``defs`` that ``schema`` refers to, directly or through others."""
    found: set[str] = set()
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(DEFS_PREFIX):
                name = ref[len(DEFS_PREFIX):]
                if name not in found:
                    found.add(name)
                    pending.append(defs[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


def standalone(schema: JsonSchema, defs: dict[str, JsonSchema]) -> JsonSchema:
    """``schema`` as a document of its own: ``$schema`` and the ``$defs`` it uses."""
    out: JsonSchema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **copy.deepcopy(schema)}
    used = defs_used(schema, defs)
    if used:
        out["$defs"] = {name: copy.deepcopy(defs[name]) for name in sorted(used)}
    return out
