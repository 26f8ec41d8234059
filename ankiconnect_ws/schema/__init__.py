"""The API describes itself: a JSON Schema (2020-12) for every action's params and
result, built from the registered functions, and the documents made from them.

* :func:`action_schema` / :func:`action_names`: each action's schemas and facts.
* :func:`params_schema` / :func:`result_schema`: standalone JSON Schema documents (with
  ``$schema`` and the ``$defs`` they use), ready for a validator.
* :func:`event_names` / :func:`event_schema`: every WebSocket event frame, from
  events/payloads.py.
* :func:`validation_schema`: a schema without its ``x-lenient`` parts, which only
  document what clients should send (the action accepts more, as upstream).
* :func:`openapi` / :func:`asyncapi`: the documents served at ``GET /openapi.json`` and
  ``GET /asyncapi.json``; :func:`document_bytes` gives them as served, and
  :func:`write_documents` writes them to docs/ (``python -m ankiconnect_ws schema``).
* :func:`typescript_declarations`: the same as TypeScript declarations, web/ankiconnect-ws.d.ts
  (typescript.py; written and checked with the documents).

Standard library only. Building imports the actions (``ankiconnect_ws.actions``), so
it is done on first use, not on import: the action modules import :mod:`.hints`.

Building evaluates the actions' type hints, which needs Python 3.11+. The built add-on
does not build: ``build.py`` writes what the add-on reads at run time (each action's
params schema and the two documents) into ``prebuilt/`` inside the add-on file, so Anki
on Python 3.9 (up to 25.02) runs it too, and no Anki spends its start-up building
schemas. A checkout has no ``prebuilt/`` and builds on first use.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .actions import ActionSchema, Catalogue

__all__ = [
    "DOCUMENTS",
    "action_names",
    "action_schema",
    "asyncapi",
    "catalogue",
    "document_bytes",
    "event_names",
    "event_schema",
    "openapi",
    "params_schema",
    "prebuilt_files",
    "render",
    "result_schema",
    "typescript_declarations",
    "validation_schema",
    "write_documents",
]

JsonSchema = dict[str, Any]

#: the documents, by file name (served at ``/<name>``, committed as ``docs/<name>``)
DOCUMENTS = ("openapi.json", "asyncapi.json")

#: in the built add-on: what build.py wrote from this code (absent in a checkout)
PREBUILT = Path(__file__).resolve().parent / "prebuilt"
#: action name -> its params schema (standalone), in apiReflect's order
PARAMS_FILE = "params.json"


@functools.cache
def _prebuilt_params() -> dict[str, JsonSchema] | None:
    path = PREBUILT / PARAMS_FILE
    if not path.is_file():
        return None
    loaded: dict[str, JsonSchema] = json.loads(path.read_bytes())
    return loaded


def prebuilt_files() -> dict[str, bytes]:
    """What build.py puts into ``prebuilt/`` (file name -> content), made from the code."""
    params = {name: params_schema(name) for name in action_names()}
    files = {PARAMS_FILE: (json.dumps(params, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")}
    files.update((name, document_bytes(name)) for name in DOCUMENTS)
    return files


def catalogue() -> Catalogue:
    from .actions import catalogue as build

    return build()


def action_names() -> list[str]:
    prebuilt = _prebuilt_params()
    if prebuilt is not None:
        return list(prebuilt)
    return list(catalogue().actions)


def action_schema(name: str) -> ActionSchema:
    """The schemas of ``name`` (KeyError for an unknown action); refs are ``#/$defs/X``
    into ``catalogue().defs``."""
    return catalogue().actions[name]


def params_schema(name: str) -> JsonSchema:
    """The ``params`` object of ``name`` as a standalone JSON Schema document."""
    prebuilt = _prebuilt_params()
    if prebuilt is not None:
        return copy.deepcopy(prebuilt[name])
    shapes = catalogue()
    return shapes.standalone(shapes.actions[name].params)


def result_schema(name: str) -> JsonSchema:
    """The result of ``name`` as a standalone JSON Schema document."""
    shapes = catalogue()
    return shapes.standalone(shapes.actions[name].result)


def event_names() -> list[str]:
    from .events import event_catalogue

    return list(event_catalogue().frames)


def event_schema(name: str) -> JsonSchema:
    """The frame ``{event, seq, time, data}`` of the event ``name`` as a standalone
    JSON Schema document (KeyError for an unknown event)."""
    from .events import event_catalogue

    return event_catalogue().standalone(name)


def validation_schema(schema: JsonSchema) -> JsonSchema:
    """A copy of ``schema`` in which every part marked ``x-lenient`` accepts any value:
    what a validator keeping upstream's leniency (and upstream's own error texts) checks."""
    return _relaxed(copy.deepcopy(schema))


def _relaxed(node: Any) -> Any:
    # A module-level function, not a closure calling itself: that closure would be a
    # reference cycle left for Anki's rare garbage collections, one per action.
    if isinstance(node, dict):
        if "x-lenient" in node:
            return {key: node[key] for key in ("x-lenient", "description", "default") if key in node}
        return {key: _relaxed(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_relaxed(each) for each in node]
    return node


@functools.cache
def openapi() -> JsonSchema:
    from .openapi_doc import build_openapi

    return build_openapi(catalogue())


@functools.cache
def asyncapi() -> JsonSchema:
    from .asyncapi_doc import build_asyncapi

    return build_asyncapi(catalogue())


@functools.cache
def typescript_declarations() -> str:
    """The TypeScript declarations of the actions, events and client (web/ankiconnect-ws.d.ts)."""
    from .events import event_catalogue
    from .typescript import build_typescript

    return build_typescript(catalogue(), event_catalogue())


def render(document: JsonSchema) -> bytes:
    """The document as committed and served: sorted keys, two-space indent, UTF-8."""
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


@functools.cache
def document_bytes(name: str) -> bytes:
    """``openapi.json`` or ``asyncapi.json``, rendered (built on first use, then kept)."""
    if name in DOCUMENTS and (PREBUILT / name).is_file():
        return (PREBUILT / name).read_bytes()
    if name == "openapi.json":
        return render(openapi())
    if name == "asyncapi.json":
        return render(asyncapi())
    raise KeyError(name)


def write_documents(folder: Path, check: bool = False, types_folder: Path | None = None) -> list[Path]:
    """Write the documents into ``folder`` (and, given ``types_folder``, the TypeScript
    declarations there); with ``check``, write nothing and return the files whose content
    differs from what the code generates."""
    files = [(folder / name, document_bytes(name)) for name in DOCUMENTS]
    if types_folder is not None:
        from .typescript import FILE_NAME

        files.append((types_folder / FILE_NAME, typescript_declarations().encode("utf-8")))
    differing = []
    for path, content in files:
        current = path.read_bytes() if path.exists() else None
        if current != content:
            differing.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
    return differing
