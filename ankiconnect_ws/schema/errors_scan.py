"""Each action's error strings (``x-errors``), found in its code.

An action may answer the errors its function names (``errors.DECK_NOT_FOUND``, or a
name imported from ankiconnect_ws/errors.py) and those of every function of this
package it calls or refers to (and of the methods of this package's classes and objects
it uses, with the error strings such an object holds), followed through the calls. What the code cannot say
(strings built elsewhere) is added from refine.py's ``ERRORS`` table. The strings are
the templates of errors.py: ``{}`` stands for a value (a name, an id, a message).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
from typing import Any

from .. import errors

__all__ = ["error_templates", "templates_of"]

_PACKAGE = __name__.rsplit(".", 2)[0]  # "ankiconnect_ws", or the AnkiWeb id
#: errors.py's error strings, by constant name
_TEMPLATES = {name: value for name, value in vars(errors).items() if name.isupper() and isinstance(value, str)}
_BY_VALUE = {value: name for name, value in _TEMPLATES.items()}


def error_templates(func: Any) -> list[str]:
    """The errors.py templates ``func`` and the package functions it reaches name."""
    found: set[str] = set()
    _walk(inspect.unwrap(func), found, set())
    return sorted(found)


def templates_of(names: tuple[str, ...]) -> list[str]:
    """errors.py's templates for constant names (KeyError for a misspelt one)."""
    return [_TEMPLATES[name] for name in names]


def _walk(func: Any, found: set[str], seen: set[Any]) -> None:
    if func in seen:
        return
    seen.add(func)
    tree = _tree(func)
    if tree is None:
        return
    scope = func.__globals__
    for node in ast.walk(tree):
        target = _resolve(node, scope)
        if isinstance(target, str):
            found.add(target)
        elif isinstance(target, types.FunctionType) and target.__module__.startswith(_PACKAGE + "."):
            _walk(target, found, seen)
        elif isinstance(target, type) and target.__module__.startswith(_PACKAGE + "."):
            _walk_class(target, found, seen)
        elif _is_package_object(target):  # a helper object (e.g. models/parts.py's FIELDS)
            found.update(value for value in vars(target).values() if isinstance(value, str) and value in _BY_VALUE)
            _walk_class(type(target), found, seen)


def _walk_class(cls: type, found: set[str], seen: set[Any]) -> None:
    """A helper class: its methods."""
    for member in vars(cls).values():
        member = getattr(member, "__func__", member)
        if isinstance(member, types.FunctionType):
            _walk(member, found, seen)


def _is_package_object(value: Any) -> bool:
    """An instance of one of this package's own classes (with attributes of its own)."""
    cls = type(value)
    return cls.__module__.startswith(_PACKAGE + ".") and hasattr(value, "__dict__") and not isinstance(value, type)


def _tree(func: Any) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):  # built without source (e.g. a lambda in a table)
        return None


def _resolve(node: ast.AST, scope: dict[str, Any]) -> Any:
    """What a ``name`` or ``module.name`` expression refers to: an error template (its
    text), a function, a class, or None."""
    if isinstance(node, ast.Name):
        value = scope.get(node.id)
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        owner = scope.get(node.value.id)
        if not isinstance(owner, types.ModuleType) or not owner.__name__.startswith(_PACKAGE):
            return None
        value = getattr(owner, node.attr, None)
        if owner is errors and node.attr in _TEMPLATES:
            return _TEMPLATES[node.attr]
    else:
        return None
    if isinstance(node, ast.Name) and isinstance(value, str) and _BY_VALUE.get(value) == node.id:
        return value  # a template imported by name
    return value if isinstance(value, (types.FunctionType, type)) or _is_package_object(value) else None
