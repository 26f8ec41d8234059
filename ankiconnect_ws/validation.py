"""Params are checked against the action's schema before the action runs.

The schema (ankiconnect_ws.schema) is applied as :func:`schema.validation_schema` gives
it: parts marked ``x-lenient`` accept anything, because there the action itself keeps
upstream's leniency or answers its own or upstream's error text, which clients and tests
read. Two more things are left to the action, for the same reason:

* errors about the params object as a whole (a missing or an unknown parameter, and
  ``findAndReplaceInModels``' two forms): Python's binding answers them with upstream's
  exact TypeError text (``AnkiConnect.createDeck() missing 1 required positional
  argument: 'deck'``), which clients match;
* params that are not an object (only possible in a ``multi`` item): Python's own
  "argument after ** must be a mapping", as upstream.

Everything else that the schema refuses - a wrong type, a missing or unknown key of a
nested object, a value out of range - gets one error naming the parameter and what was
expected (errors.PARAM_INVALID).

The validators are built once per action and kept (the add-on builds them all at
start-up, in a thread: :func:`prepare`). Valid params - nearly every request - are
answered by plain Python checks compiled from the schema (:func:`_quick`); jsonschema
(which ships with Anki: ``aqt`` depends on it) runs only to word an error, or for a
schema beyond those checks.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from . import errors, schema
from .wire import JsonValue

__all__ = ["check_params", "prepare", "describe"]

log = logging.getLogger(__name__)


#: a check that says True only for values the schema accepts (False: maybe not; ask
#: jsonschema, which also says why)
Quick = Callable[[Any], bool]


@dataclass(frozen=True)
class _Compiled:
    validator: Draft202012Validator
    #: ``{}`` passes: no parameter is required (the common case of actions without
    #: params, answered without running the validator)
    accepts_empty: bool
    #: the schema as plain Python checks, when it is simple enough (most are): jsonschema
    #: walks a 30,000-id list in about 100 ms, this in about 1 ms
    quick: Quick | None
    #: the parameters there are, and those required (None: the params are one of several
    #: forms, findAndReplaceInModels)
    names: frozenset[str] | None
    required: frozenset[str]


#: errors read from jsonschema before one is chosen
_MOST_ERRORS = 20

_compiled: dict[str, _Compiled | None] = {}
_lock = threading.Lock()


def _compile(action: str) -> _Compiled:
    document = schema.validation_schema(schema.params_schema(action))
    validator = Draft202012Validator(document)
    names = frozenset(document["properties"]) if "properties" in document else None
    return _Compiled(validator, accepts_empty=validator.is_valid({}), quick=_quick(document, document.get("$defs", {})),
                     names=names, required=frozenset(document.get("required", ())))


def _for(action: str) -> _Compiled | None:
    """The action's validator, built on first use; None if its schema cannot be built
    (a bug: logged once, and the action's params go unchecked rather than refused)."""
    try:
        return _compiled[action]
    except KeyError:
        pass
    with _lock:  # the server thread and prepare() may ask at once
        if action not in _compiled:
            try:
                _compiled[action] = _compile(action)
            except Exception:
                log.exception("ankiconnect-ws: no params validator for %s", action)
                _compiled[action] = None
        return _compiled[action]


def prepare() -> None:
    """Build every action's validator now (any thread), so that no request waits for
    the schemas to be built."""
    for action in schema.action_names():
        _for(action)


def check_params(action: str, params: JsonValue) -> None:
    """ActionError (errors.PARAM_INVALID) when ``params`` do not fit ``action``'s schema
    in a part that is ours to check; see the module's docstring for what is not."""
    if not isinstance(params, dict):
        return
    compiled = _for(action)
    if compiled is None or (not params and compiled.accepts_empty):
        return
    if compiled.quick is not None and compiled.quick(params):
        return
    if compiled.names is not None and not compiled.required <= params.keys() <= compiled.names:
        return  # a missing or unknown parameter: Python's binding answers it, as upstream
    # the first errors are enough to name one: a huge list of junk is not walked to its end
    found = list(itertools.islice(compiled.validator.iter_errors(params), _MOST_ERRORS))
    try:
        if not found or any(not error.absolute_path for error in found):
            return  # valid, or a problem of the whole object: Python's binding answers it, as upstream
        message = describe(action, best_match(found))
    finally:
        _unlink(found)
    raise errors.ActionError(message)


def _unlink(found: list[ValidationError]) -> None:
    """Break the errors' parent <-> context cycles: Anki runs with automatic garbage
    collection off, so cycles would stay until its next collection."""
    pending = list(found)
    while pending:
        error = pending.pop()
        pending.extend(error.context)
        error.context = []
        error.parent = None


# --- the quick check ----------------------------------------------------------------------

#: keywords that do not constrain a value
_ANNOTATIONS = frozenset({"description", "default", "examples", "title", "x-lenient", "$schema", "$defs"})
#: JSON type -> the Python values that certainly are one (bool is no integer; a float
#: that is a whole number, which JSON Schema counts as an integer, is left to jsonschema)
_IS_TYPE: dict[str, Quick] = {
    "string": lambda v: type(v) is str,
    "integer": lambda v: type(v) is int,
    "number": lambda v: type(v) in (int, float),
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "array": lambda v: type(v) is list,
    "object": lambda v: type(v) is dict,
}


def _any(_value: Any) -> bool:
    return True


def _quick(node: Any, defs: dict[str, Any], depth: int = 0) -> Quick | None:
    """``node`` as a Python check, or None when it uses more than types, items,
    properties, required and additionalProperties (jsonschema then checks it all)."""
    if depth > 8 or not isinstance(node, dict):
        return None
    keys = set(node) - _ANNOTATIONS
    if not keys:
        return _any
    ref = node.get("$ref", "")
    if keys == {"$ref"} and ref.startswith("#/$defs/"):
        return _quick(defs[ref[len("#/$defs/"):]], defs, depth + 1)
    if keys == {"allOf"} and len(node["allOf"]) == 1:
        return _quick(node["allOf"][0], defs, depth + 1)
    if keys == {"anyOf"}:
        branches = [_quick(each, defs, depth + 1) for each in node["anyOf"]]
        if None in branches:
            return None
        if _any in branches:
            return _any
        return lambda v: any(branch(v) for branch in branches)  # type: ignore[misc]
    if not keys <= {"type", "items", "properties", "required", "additionalProperties"}:
        return None
    kinds = node.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if not isinstance(kinds, list) or not set(kinds) <= set(_IS_TYPE):
        return None
    checks = [_IS_TYPE[kind] for kind in kinds]
    of_type: Quick = checks[0] if len(checks) == 1 else (lambda v: any(check(v) for check in checks))
    if keys == {"type"}:
        return of_type
    if kinds == ["array"] and keys == {"type", "items"}:
        item = _quick(node["items"], defs, depth + 1)
        if item is None:
            return None
        return of_type if item is _any else (lambda v: type(v) is list and all(map(item, v)))
    if kinds == ["object"]:
        return _quick_object(node, defs, depth)
    return None


def _quick_object(node: dict[str, Any], defs: dict[str, Any], depth: int) -> Quick | None:
    properties = {key: _quick(value, defs, depth + 1) for key, value in node.get("properties", {}).items()}
    extra_schema = node.get("additionalProperties", True)
    extra = extra_schema if isinstance(extra_schema, bool) else _quick(extra_schema, defs, depth + 1)
    if None in properties.values() or extra is None:
        return None
    required = tuple(node.get("required", ()))
    checked = [(key, check) for key, check in properties.items() if check is not _any]

    def check(value: Any) -> bool:
        if type(value) is not dict or any(key not in value for key in required):
            return False
        if extra is not True and any(key not in properties and (extra is False or not extra(value[key]))
                                     for key in value):
            return False
        return all(check(value[key]) for key, check in checked if key in value)

    return check


# --- the error text ---------------------------------------------------------------------

_ARTICLES = {"array": "an array", "object": "an object", "string": "a string", "integer": "an integer",
             "number": "a number", "boolean": "a boolean", "null": "null"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _path(error: ValidationError) -> str:
    """``notes[0].fields``: the parameter, then keys and indexes into it."""
    parts = list(error.absolute_path)
    text = str(parts[0])
    for part in parts[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _expected(node: Any) -> str:
    """What a (sub)schema wants, in words; "" when it cannot be said shortly."""
    if not isinstance(node, dict):
        return ""
    kinds = node.get("type")
    if isinstance(kinds, str):
        return _ARTICLES.get(kinds, kinds)
    if isinstance(kinds, list):
        return _either([_ARTICLES.get(kind, kind) for kind in kinds])
    if "enum" in node or "const" in node:
        return "one of " + ", ".join(map(_literal, node.get("enum", [node.get("const")])))
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in node:
            words = [_expected(each) for each in node[combinator]]
            return _either(list(dict.fromkeys(words))) if all(words) else ""
    return ""


def _either(words: list[str]) -> str:
    """"a", "a or b", "a, b or c"."""
    return " or ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def _literal(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def _problem(error: ValidationError) -> str:
    got = _ARTICLES[_json_type(error.instance)]
    kind = error.validator
    if kind == "type":
        return errors.PARAM_TYPE.format(expected=_expected(error.schema), got=got)
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [key for key in error.validator_value if key not in instance]
        return errors.PARAM_KEY_MISSING.format(key=missing[0] if missing else "?")
    if kind in ("additionalProperties", "unevaluatedProperties"):
        known = error.schema.get("properties", {})
        instance = error.instance if isinstance(error.instance, dict) else {}
        extra = [key for key in instance if key not in known]
        return errors.PARAM_KEY_UNKNOWN.format(key=extra[0] if extra else "?")
    if kind in ("enum", "const"):
        values = error.validator_value if kind == "enum" else [error.validator_value]
        return errors.PARAM_TYPE.format(expected="one of " + ", ".join(map(_literal, values)), got=_literal(error.instance))
    if kind in ("anyOf", "oneOf"):
        expected = _expected(error.schema)
        if expected:
            return errors.PARAM_TYPE.format(expected=expected, got=got)
    # minimum, minLength, pattern...: jsonschema's own sentence (its first line) says it
    return errors.PARAM_RULE.format(rule=error.message.split("\n", 1)[0][:200])


def describe(action: str, error: ValidationError) -> str:
    """The error text for the parameter ``error`` is about."""
    return errors.PARAM_INVALID.format(action=action, param=_path(error), problem=_problem(error))
