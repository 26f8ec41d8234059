"""The API describes itself (ankiconnect_ws.schema): a schema per action from its
registered function, the OpenAPI and AsyncAPI documents made from them, and checks
that the schemas say what the actions really do.

Results of real calls are checked against their schemas in every test that calls
``api(...)`` (tests/support/schema_check.py); the calls here cover what other unit tests do
not, and upstream's leniency, which the params schemas must accept.
"""

from __future__ import annotations

import ast
import copy
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, NotRequired, TypedDict

import pytest
from anki.collection import Collection
from jsonschema import Draft7Validator, Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from ankiconnect_ws import schema
from ankiconnect_ws.actions import registry
from ankiconnect_ws.events.payloads import EVENTS
from ankiconnect_ws.schema.convert import Converter
from ankiconnect_ws.schema.hints import Keywords, Lenient, open_keys

from ..conftest import LocalApi
from ..support.messages import missing, unexpected

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
WEB = ROOT / "web"
SPECS = ROOT / "tests" / "specs"
ASYNCAPI_SCHEMA = SPECS / "node_modules" / "@asyncapi" / "specs" / "schemas" / "3.0.0.json"


def _committed(name: str) -> dict[str, Any]:
    return json.loads((DOCS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def asyncapi_validator() -> Draft7Validator:
    """The official AsyncAPI 3.0.0 JSON Schema (npm @asyncapi/specs, pinned in
    tests/specs/package-lock.json; installed with npm ci on first use)."""
    if not ASYNCAPI_SCHEMA.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to install @asyncapi/specs (install Node.js 20+)")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=SPECS, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    return Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text(encoding="utf-8")))


# --- the documents -----------------------------------------------------------------------


def test_committed_documents_are_what_the_code_generates() -> None:
    stale = schema.write_documents(DOCS, check=True, types_folder=WEB)
    assert not stale, f"run python -m ankiconnect_ws schema: {stale} differ"


@pytest.mark.parametrize("hash_seed", ["1", "2"])
def test_the_schema_command_checks_the_committed_documents(hash_seed: str) -> None:
    """The same bytes whatever the process (set order depends on the hash seed)."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-m", "ankiconnect_ws", "schema", "--check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_command_writes_the_documents(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "ankiconnect_ws", "schema", "--output", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for name in schema.DOCUMENTS:
        assert (tmp_path / name).read_bytes() == (DOCS / name).read_bytes()
    assert (tmp_path / "ankiconnect-ws.d.ts").read_bytes() == (WEB / "ankiconnect-ws.d.ts").read_bytes()
    (tmp_path / "openapi.json").write_text("{}")
    check = subprocess.run([sys.executable, "-m", "ankiconnect_ws", "schema", "--check", "--output", str(tmp_path)],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert check.returncode == 1 and "openapi.json" in check.stdout


def test_openapi_document_is_valid() -> None:
    document = _committed("openapi.json")
    validate_openapi(document)
    broken = copy.deepcopy(document)
    broken["paths"]["/#addNote"]["post"]["operationId"] = "addNotes"
    with pytest.raises(Exception, match="not unique"):
        validate_openapi(broken)


def test_asyncapi_document_is_valid(asyncapi_validator: Draft7Validator) -> None:
    document = _committed("asyncapi.json")
    assert [error.message for error in asyncapi_validator.iter_errors(document)] == []
    broken = copy.deepcopy(document)
    broken["operations"]["addNote"]["action"] = "call"
    assert list(asyncapi_validator.iter_errors(broken))


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@pytest.mark.parametrize("name", schema.DOCUMENTS)
def test_every_reference_resolves(name: str) -> None:
    document = _committed(name)
    refs = set(_refs(document))
    assert len(refs) > 300
    for ref in sorted(refs):
        _resolve(document, ref)


def test_component_schemas_are_valid_json_schemas() -> None:
    for schema_of in _committed("openapi.json")["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema_of)
    for schema_of in _committed("asyncapi.json")["components"]["schemas"].values():
        Draft7Validator.check_schema(schema_of)
        assert "prefixItems" not in json.dumps(schema_of)  # draft 07 has no prefixItems


def _examples_in(node: Any, path: str = "") -> list[tuple[str, dict[str, Any], Any]]:
    """Every ``examples`` entry under ``node``: (where, the schema it belongs to, the example)."""
    found: list[tuple[str, dict[str, Any], Any]] = []
    if isinstance(node, dict):
        for index, example in enumerate(node.get("examples", [])):
            found.append((f"{path}/examples/{index}", node, example))
        for key, value in node.items():
            if key != "examples":
                found += _examples_in(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _examples_in(value, f"{path}/{index}")
    return found


def test_every_example_is_valid_against_its_schema() -> None:
    catalogue = schema.catalogue()
    checked = 0
    for name in schema.action_names():
        params = catalogue.standalone(schema.params_schema(name))
        for where, node, example in _examples_in(params):
            owner = {**{k: v for k, v in node.items() if k != "examples"}, "$defs": params.get("$defs", {})}
            errors = [e.message for e in Draft202012Validator(owner).iter_errors(example)]
            assert not errors, f"{name} params{where}: {example!r} is not valid: {errors}"
            checked += 1
    # the stock note type's examples reach the actions that name one (refine.PARAM_EXAMPLES)
    assert schema.params_schema("modelFieldNames")["properties"]["modelName"]["examples"] == ["Basic"]
    assert checked > 40


def test_model_part_actions_declare_their_not_found_errors(api: LocalApi) -> None:
    for name, missing_one, template in [("modelFieldRename", {"oldFieldName": "Nope", "newFieldName": "X"},
                                         "field was not found in {}: {}"),
                                        ("modelTemplateRemove", {"templateName": "Nope"},
                                         "template was not found in {}: {}")]:
        assert api.error(name, modelName="Basic", **missing_one) == template.format("Basic", "Nope")
        declared = schema.action_schema(name).extensions["x-errors"]
        assert template in declared and "model was not found: {}" in declared, name


def test_every_action_has_an_operation(api: LocalApi) -> None:
    listed = api("apiReflect", scopes=["actions"])["actions"]
    openapi = _committed("openapi.json")
    posts = {path: item["post"] for path, item in openapi["paths"].items() if "post" in item}
    assert sorted(posts) == sorted(f"/#{name}" for name in listed)
    assert all(posts[f"/#{name}"]["operationId"] == name for name in listed)
    assert openapi["components"]["schemas"]["Request"]["discriminator"]["mapping"].keys() == set(listed)
    operations = _committed("asyncapi.json")["operations"]
    receives = sorted(key for key, op in operations.items() if op["action"] == "receive")
    assert receives == sorted(listed)


def _events_md_names() -> list[str]:
    text = (DOCS / "events.md").read_text(encoding="utf-8")
    table = text.split("## The events", 1)[1].split("\n\n", 2)[1]
    names = []
    for line in table.splitlines()[2:]:
        first_cell = line.split("|")[1]
        names += re.findall(r"`([a-z]+(?:\.[a-z]+)?)`", first_cell)
    return names


def test_every_event_of_events_md_is_in_the_asyncapi_document() -> None:
    documented = _events_md_names()
    assert len(documented) == len(set(documented)) == 20
    sent = {op["messages"][0]["$ref"].rsplit("/", 1)[1][len("event."):]
            for op in _committed("asyncapi.json")["operations"].values() if op["action"] == "send"}
    assert sent == set(documented) == set(EVENTS) == set(schema.event_names())


def test_every_event_the_code_publishes_is_described() -> None:
    """Event names written in hooks.py and changes.py (literals, and the f"{kind}.added"
    family of decks and note types) are all in events/payloads.py."""
    from ankiconnect_ws.events import bus, changes, hooks

    published: set[str] = set()
    for module in (hooks, changes, bus):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                    "publish", "_publish") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    published.add(first.value)
                elif isinstance(first, ast.JoinedStr):
                    suffix = "".join(part.value for part in first.values if isinstance(part, ast.Constant))
                    published |= {kind + suffix for kind in ("deck", "model")}
            if isinstance(node, ast.Dict):  # bus frames: {"event": "reset", ...}
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and key.value == "event" and isinstance(value, ast.Constant):
                        published.add(value.value)
    assert len(published) >= 15
    assert published <= set(EVENTS), sorted(published - set(EVENTS))


def test_operation_facts_come_from_the_registry() -> None:
    operations = _committed("openapi.json")["paths"]
    for name, spec in registry.REGISTRY.items():
        operation = operations[f"/#{name}"]["post"]
        assert operation["x-main-thread"] is spec.main_thread
        assert operation["x-async"] is spec.is_async
        assert operation["x-needs-collection"] is spec.needs_collection
        assert operation["x-transport"] == ("websocket" if name in ("subscribe", "unsubscribe") else "any")
    assert operations["/#guiBrowse"]["post"]["x-needs-gui"] is True
    assert operations["/#deckNames"]["post"]["x-needs-gui"] is False
    assert operations["/#createNewModel"]["post"]["x-alias-of"] == "createModel"


# --- the schemas against the actions' behaviour --------------------------------------------


def _property_sets(params: dict[str, Any]) -> list[dict[str, Any]]:
    """The params object's alternatives (findAndReplaceInModels has two)."""
    branches = params.get("anyOf", [params])
    resolved = []
    for branch in branches:
        if "$ref" in branch:
            branch = schema.catalogue().defs[branch["$ref"].rsplit("/", 1)[1]]
        resolved.append(branch)
    return resolved


@pytest.mark.parametrize("name", sorted(registry.REGISTRY))
def test_unknown_params_are_refused_as_the_schema_says(api: LocalApi, name: str) -> None:
    for branch in _property_sets(schema.action_schema(name).params):
        assert branch["additionalProperties"] is False
    own_name = schema.action_schema(name).extensions.get("x-alias-of", name)
    assert api.error(name, notAParameter=1) == unexpected(own_name, "notAParameter")


@pytest.mark.parametrize("name", sorted(n for n in registry.REGISTRY if schema.action_schema(n).required_params()))
def test_required_params_are_those_of_the_schema(api: LocalApi, name: str) -> None:
    required = _property_sets(schema.action_schema(name).params)[0]["required"]
    assert schema.action_schema(name).required_params() == required
    name_in_errors = schema.action_schema(name).extensions.get("x-alias-of", name)
    error = api.error(name)
    assert re.fullmatch(rf"AnkiConnect\.{name_in_errors}\(\) missing \d required positional arguments?: .*", error), error
    assert re.findall(r"'(\w+)'", error) == required
    if len(required) == 1:
        assert error == missing(name_in_errors, required[0])


def test_websocket_only_actions_say_so(api: LocalApi) -> None:
    for name, action in schema.catalogue().actions.items():
        if action.extensions["x-transport"] == "websocket":
            assert api.error(name) == f"{name} is only available over a WebSocket connection"


def _basic_card(collection: Collection, front: str = "front") -> tuple[int, int]:
    note = collection.new_note(collection.models.by_name("Basic"))
    note["Front"] = front
    collection.add_note(note, 1)
    return note.id, note.card_ids()[0]


def test_params_schemas_accept_upstreams_leniency(api: LocalApi, collection: Collection) -> None:
    """Calls that succeed with values upstream accepts (each is checked against the
    action's validation schema by api(); see tests/support/schema_check.py)."""
    note_id, card_id = _basic_card(collection)
    model_id = collection.models.by_name("Basic")["id"]
    good_note = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": "other", "Back": 2}}
    assert api("getDecks", cards=[card_id, "x", None]) == {"Default": [card_id, "x", None]}
    assert api("suspend", cards=[card_id], suspend=1) is True
    assert api("getIntervals", cards=[card_id], complete=1) == [0]
    assert api("addTags", notes=[note_id], tags="a b", add=0) is None
    assert api("getCollectionStatsHTML", wholeCollection=0)
    assert api("deckNameFromId", deckId="1") == "Default"
    assert api("setDeckConfigId", decks=["Default"], configId="1") is True
    assert isinstance(api("cloneDeckConfigId", name="Copy", cloneFrom=1), int)
    assert api("notesInfo", notes=["x", note_id])[0] == {}
    assert api("notesModTime", notes=[1.5]) == [{}]
    assert api("getReviewsOfCards", cards=[str(card_id)]) == {str(card_id): []}
    assert api("canAddNote", note="not a note") is False
    assert api("canAddNotes", notes=[1, good_note]) == [False, True]
    assert api("canAddNoteWithErrorDetail", note={"deckName": "Default"})["canAdd"] is False
    added = api("addNotes", notes=[None, good_note])
    assert added[0] is None and isinstance(added[1], int)
    assert api("setSpecificValueOfCard", card=[card_id], keys=["flags"], newValues=[1]) is False
    assert api("updateNoteTags", note=str(note_id), tags=["x", "y"]) is None
    assert api("findModelsById", modelIds=[str(model_id)])[0]["id"] == model_id
    assert api("findAndReplaceInModels", model={"modelName": None, "findText": "zz", "replaceText": "y",
                                                 "front": 0}) == 0
    assert api("deleteDecks", decks=["Nothing"], cardsToo=1) is None


def test_lenient_parts_are_documented_but_not_checked() -> None:
    strict = Draft202012Validator(schema.params_schema("addTags"))
    relaxed = Draft202012Validator(schema.validation_schema(schema.params_schema("addTags")))
    params = {"notes": [1], "tags": "a", "add": 0}
    assert not strict.is_valid(params) and relaxed.is_valid(params)
    assert not relaxed.is_valid({"tags": "a", "add": 0})  # what is not lenient is still checked (notes is required)
    assert schema.action_schema("addTags").params["properties"]["add"] == {
        "type": "boolean", "x-lenient": "any value, read as true or false (as upstream)", "default": True,
    }


def test_results_of_actions_no_other_unit_test_calls(api: LocalApi, collection: Collection) -> None:
    """Checked against their result schemas by api()."""
    assert api("version") == 6
    status = api("serverStatus")
    assert set(status) == {"server", "anki", "permissionRequests"}
    assert api("requestPermission")["permission"] == "granted"
    assert api("apiReflect", scopes=["actions", "other"], actions=["version", "nope"]) == {
        "scopes": ["actions"], "actions": ["version"]}
    replies = api("multi", actions=[{"action": "deckNames"}, {"action": "deckNames", "version": 6},
                                    {"action": "nope", "version": 6}])
    assert replies == [["Default"], {"result": ["Default"], "error": None},
                       {"result": None, "error": "unsupported action"}]


def test_a_result_that_differs_from_its_schema_is_caught(api: LocalApi) -> None:
    from ..support.schema_check import check_result

    check_result("deckNames", ["Default"])
    with pytest.raises(AssertionError, match="deckNames's result does not match its schema"):
        check_result("deckNames", [1])
    with pytest.raises(AssertionError, match="cardsInfo"):
        check_result("cardsInfo", [{"cardId": 1}])


# --- type hints -> JSON Schema --------------------------------------------------------------


@open_keys
class _Open(TypedDict):
    a: int


class _Closed(TypedDict):
    """A closed shape.

    Second paragraph, not in the description."""

    #: a field's description,
    #: from the ``#:`` lines above it
    b: NotRequired[str | None]


class _Extended(_Closed):
    c: int


def test_converter_types() -> None:
    converter = Converter()
    assert converter.schema(int | str | None) == {"type": ["integer", "string", "null"]}
    assert converter.schema(list[Any]) == {"type": "array"}
    assert converter.schema(dict[str, int]) == {"type": "object", "additionalProperties": {"type": "integer"}}
    assert converter.schema(Literal["x", "y"]) == {"enum": ["x", "y"]}
    assert converter.schema(Literal[False]) == {"const": False}
    assert converter.schema(tuple[str, int]) == {
        "type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False,
        "minItems": 2, "maxItems": 2}
    assert converter.schema(Annotated[int, Keywords(minimum=1)]) == {"type": "integer", "minimum": 1}
    assert converter.schema(_Open | None) == {"anyOf": [{"$ref": "#/$defs/_Open"}, {"type": "null"}]}
    assert converter.schema(Annotated[_Closed, Lenient("why")]) == {
        "allOf": [{"$ref": "#/$defs/_Closed"}], "x-lenient": "why"}
    assert converter.defs == {
        "_Open": {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
        "_Closed": {"type": "object", "properties": {"b": {
            "type": ["string", "null"], "description": "a field's description, from the `#:` lines above it"}},
            "additionalProperties": False, "description": "A closed shape."},
    }
    extended = converter.defs[converter.schema(_Extended)["$ref"].rsplit("/", 1)[1]]
    assert extended["properties"]["b"] == converter.defs["_Closed"]["properties"]["b"]  # inherited, described
    assert extended["required"] == ["c"]
    with pytest.raises(TypeError):
        converter.schema(dict[int, str])
    with pytest.raises(TypeError):
        converter.schema(bytes)
