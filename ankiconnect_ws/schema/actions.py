"""One schema per action, from its registered function.

The params schema comes from the signature (names, defaults, which are required) and
the type hints; the result schema from the return hint; the ``x-`` facts from the
registry (which thread, whether it needs the collection or the GUI) and refine.py.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, get_type_hints

from .convert import Converter, standalone
from .errors_scan import error_templates, templates_of
from .refine import ERRORS, NEEDS_GUI, PARAM_EXAMPLES, WEBSOCKET_ONLY, refinement

__all__ = ["ActionSchema", "Catalogue", "catalogue", "build_catalogue"]

JsonSchema = dict[str, Any]

#: "ankiconnect_ws.actions." - or "<AnkiWeb id>.actions." in an add-on installed from AnkiWeb
_ACTIONS_PACKAGE = __name__.rsplit(".", 2)[0] + ".actions."


@dataclass(frozen=True)
class ActionSchema:
    name: str
    #: the ``params`` object (JSON Schema; refs are ``#/$defs/<Shape>``)
    params: JsonSchema
    #: the result (``result`` of a ``{result, error}`` reply, or the bare v4 reply)
    result: JsonSchema
    #: where it is: "notes", "cards", "gui", ... (the domain module)
    group: str
    #: ``x-`` keywords: x-main-thread, x-async, x-needs-collection, x-needs-gui,
    #: x-transport, and x-alias-of for an alias
    extensions: dict[str, Any] = field(default_factory=dict)

    #: the parameters that must be given (in the first form, for an action that takes
    #: two: findAndReplaceInModels)
    required: tuple[str, ...] = ()

    def required_params(self) -> list[str]:
        return list(self.required)

    def needs_params(self) -> bool:
        """A request must carry ``params``."""
        return bool(self.required_params())


@dataclass(frozen=True)
class Catalogue:
    """Every action's schema and the shapes they share (``$defs``)."""

    actions: dict[str, ActionSchema]
    defs: dict[str, JsonSchema]

    def standalone(self, schema: JsonSchema) -> JsonSchema:
        """``schema`` as a document of its own: ``$schema`` and the ``$defs`` it uses."""
        return standalone(schema, self.defs)


@functools.cache
def catalogue() -> Catalogue:
    """The schemas of every registered action (built once)."""
    import anki.collection  # noqa: F401 - first: anki.config, which the actions import, cannot be imported before it

    from ..actions import registry

    return build_catalogue(registry.REGISTRY)


def build_catalogue(registry: dict[str, Any]) -> Catalogue:
    converter = Converter()
    actions = {name: _action_schema(registry[name], converter) for name in sorted(registry)}
    return Catalogue(actions=actions, defs=converter.defs)


def _action_schema(spec: Any, converter: Converter) -> ActionSchema:
    hints = get_type_hints(spec.func, include_extras=True)
    refined = refinement(spec.name)
    params = refined.params_object(converter) if refined.params_object else _params(spec, hints, converter)
    for name, examples in PARAM_EXAMPLES.items():
        if name in params.get("properties", {}):
            params["properties"][name]["examples"] = list(examples)
    for name, keywords in refined.params.items():
        params["properties"][name].update(keywords)
    result = converter.schema(hints.get("return", Any))
    if refined.result:
        result = {"allOf": [result], **refined.result} if "$ref" in result else {**result, **refined.result}
    return ActionSchema(
        name=spec.name,
        required=_required(params, converter.defs),
        params=params,
        result=result,
        group=_group(spec.func),
        extensions=_extensions(spec),
    )


def _params(spec: Any, hints: dict[str, Any], converter: Converter) -> JsonSchema:
    properties: dict[str, JsonSchema] = {}
    required: list[str] = []
    for parameter in inspect.signature(spec.func).parameters.values():
        if parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
            raise TypeError(f"{spec.name}: **{parameter.name} needs a params_object in schema/refine.py")
        schema = converter.schema(hints.get(parameter.name, Any))
        if parameter.default is parameter.empty:
            required.append(parameter.name)
        else:
            schema = {**schema, "default": parameter.default}
        properties[parameter.name] = schema
    params: JsonSchema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        params["required"] = required
    return params


def _required(params: JsonSchema, defs: dict[str, JsonSchema]) -> tuple[str, ...]:
    first = params.get("anyOf", [params])[0]
    ref = first.get("$ref", "")
    if ref:
        first = defs[ref.rsplit("/", 1)[1]]
    return tuple(first.get("required", []))


def _group(func: Any) -> str:
    module = func.__module__
    rest = module[len(_ACTIONS_PACKAGE):] if module.startswith(_ACTIONS_PACKAGE) else module
    return rest.split(".", 1)[0]


def _extensions(spec: Any) -> dict[str, Any]:
    extensions: dict[str, Any] = {
        "x-main-thread": spec.main_thread,
        "x-async": spec.is_async,
        "x-needs-collection": spec.needs_collection,
        "x-needs-gui": _group(spec.func) == "gui" or spec.name in NEEDS_GUI,
        "x-transport": "websocket" if spec.name in WEBSOCKET_ONLY else "any",
    }
    own_name = spec.func.__name__
    if own_name != spec.name:
        extensions["x-alias-of"] = own_name
    extensions["x-errors"] = _errors(spec, extensions)
    return extensions


def _errors(spec: Any, extensions: dict[str, Any]) -> list[str]:
    """The action's own error strings (errors.py templates, ``{}`` for a value): those
    its code names, those of where it runs, and refine.py's ``ERRORS``."""
    names = ["COLLECTION_NOT_AVAILABLE"] if extensions["x-needs-collection"] else []
    names += ["NO_MAIN_WINDOW"] if extensions["x-needs-gui"] else []
    names += ["WEBSOCKET_ONLY"] if extensions["x-transport"] == "websocket" else []
    names += ERRORS.get(spec.name, ())
    return sorted(set(error_templates(spec.func)) | set(templates_of(tuple(names))))
