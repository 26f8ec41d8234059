"""The package stays readable (issue "One clear path per request"): no module grows past
about 400 lines (a module that needs more is several modules), docs/architecture.md
follows each path in a few hops that are real functions, and no ``Any`` crosses a seam."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import ankiconnect_ws
from ankiconnect_ws.actions import context
from ankiconnect_ws.events.bus import Subscriber

MOST_LINES = 400


def test_no_package_module_is_longer_than_400_lines() -> None:
    package = Path(ankiconnect_ws.__file__).parent
    modules = [p for p in package.rglob("*.py") if "_vendor" not in p.parts]
    assert len(modules) > 50  # the package itself was found, not an empty folder
    long = {str(p.relative_to(package)): n for p in modules if (n := len(p.read_text().splitlines())) > MOST_LINES}
    assert not long, f"split these modules: {long}"


# --- docs/architecture.md: each path in a few hops, each a real function --------------

ARCHITECTURE = Path(__file__).parents[2] / "docs" / "architecture.md"
MOST_HOPS = 8
#: a backticked callable and the package file it lives in: `Session.run` (`server/websocket.py`)
_NAMED_IN_FILE = re.compile(r"`([A-Za-z_][\w.]*)(?:\(\))?` \(`([\w/]+\.py)`")


def _paths() -> dict[str, list[str]]:
    """The numbered hops of each "## One ..." section."""
    sections = re.split(r"^## ", ARCHITECTURE.read_text(encoding="utf-8"), flags=re.M)[1:]
    paths = {}
    for section in sections:
        title, _, body = section.partition("\n")
        if title.startswith("One "):
            paths[title] = [hop.strip() for hop in re.split(r"^\d+\. ", body, flags=re.M)[1:]]
    return paths


def _resolve(dotted: str, path: str) -> object:
    """``Class.method``, ``function`` or ``module.function`` in the package file ``path``."""
    module = importlib.import_module("ankiconnect_ws." + path.removesuffix(".py").replace("/", "."))
    names = dotted.split(".")
    if names[0] == module.__name__.rsplit(".", 1)[1]:
        names = names[1:]  # written module-qualified: `http_api.respond`
    found: object = module
    for name in names:
        found = getattr(found, name)
    return found


def _named_hops() -> list[tuple[str, str, object]]:
    named = []
    for hops in _paths().values():
        for hop in hops:
            named += [(dotted, path, _resolve(dotted, path)) for dotted, path in _NAMED_IN_FILE.findall(hop)]
    return named


def test_architecture_describes_each_path_in_a_few_hops() -> None:
    paths = _paths()
    assert {"One HTTP request", "One WebSocket request", "One review event"} <= set(paths)
    for title, hops in paths.items():
        assert 3 <= len(hops) <= MOST_HOPS, (title, len(hops))


def test_every_hop_named_with_its_file_is_a_real_function_there() -> None:
    named = _named_hops()
    assert len(named) >= 15
    for dotted, path, found in named:
        function = getattr(found, "fget", found)  # a property (Lifecycle.collection)
        assert inspect.isfunction(function), f"{dotted} in {path} is not a function: {found!r}"


def test_no_any_at_the_seams() -> None:
    """The hops of architecture.md and what actions may ask of the add-on are typed
    without ``Any`` (``wire.JsonValue`` where JSON crosses)."""
    seams: list[object] = [getattr(found, "fget", found) for _, _, found in _named_hops()]
    seams += [context.Environment, context.RequestInfo, context.StatusFigures, context.PromptAnswer,
              context.MainThread.__call__, context.Dispatch.handle_many, context.Subscriptions.subscribe,
              context.Subscriptions.unsubscribe, context.StatusSource.status, Subscriber.events_ready]
    with_any = {}
    for seam in seams:
        annotations = {name: str(hint) for name, hint in inspect.get_annotations(seam).items()}
        if found := [name for name, hint in annotations.items() if re.search(r"\bAny\b", hint)]:
            with_any[getattr(seam, "__qualname__", repr(seam))] = found
    assert not with_any, with_any
