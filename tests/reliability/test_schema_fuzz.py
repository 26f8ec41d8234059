"""Property-based fuzz driven by the OpenAPI document, against a real headless Anki.

``schemathesis`` reads the document Anki serves at ``GET /openapi.json`` and generates,
for every operation (one per action), requests whose ``params`` match the action's
params schema (Hypothesis, a fixed number of cases per action, derandomized: the same
cases on every run of the same document). Each request is sent as ``POST /`` with
``version`` 6. Random values almost never name an existing note, card, deck or note type,
so each operation first gets the document's own ``examples`` (schemathesis' examples
strategies), and three generated cases in four get real names and ids from the collection
(tests/support/fuzz_seeds.py); at least :data:`MIN_SUCCEEDING_SHARE` of the actions that can succeed
must succeed at least once. For every reply:

* no HTTP 5xx, and the reply conforms to the operation's response (schemathesis'
  own checks: status code, content type, response schema);
* a well-formed envelope ``{result, error}`` (tests/support/wire.py), error a string
  or null;
* a success's ``result`` matches the action's result schema exactly (the document's
  reply schema also admits version 4's bare result, so it is checked on its own);
* an error is one the action declares in ``x-errors`` (its exact error strings) or of a
  generic class any action may answer (see :data:`GENERIC_ERRORS`).

At the end Anki still answers ``version`` and ``deckNames``, closes cleanly, and its
collection passes SQLite's integrity check and Anki's Check Database.

All violations are collected and reported together with their exact requests (no
shrinking against a live collection: the collection changes between cases, so a shrunk
case would not mean the same thing). ``SCHEMA_FUZZ_CASES`` changes the cases per action.
"""

from __future__ import annotations

import collections
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from ankiconnect_ws import schema
from bench.anki_process import AnkiProcess

from ..support.fuzz_seeds import FUZZ_MODEL, MODEL_CHANGING, Pool, add_notes, create_fuzz_model, seed
from ..support.integrity import check_collection
from ..support.report import report, save_violations
from ..support.schema_check import problems as schema_problems
from ..support.wire import describe, envelope_problem, strict_json

pytestmark = pytest.mark.reliability

#: cases per action; GUI actions (windows, webviews: 30-400 ms each) get fewer
CASES = int(os.environ.get("SCHEMA_FUZZ_CASES", "8"))
GUI_CASES = max(1, CASES // 4)
#: past this the run stops and fails with what it found (the CI run takes about a minute)
BUDGET_SECONDS = 150.0
REPLY_TIMEOUT = 15.0
MAX_REPORTED = 30
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "schema-fuzz-violations.jsonl"

#: Operations not fuzzed, and why: each would end the run, switch its profile, or
#: reach the network or files outside the run's folder by design.
EXCLUDED = {
    "guiExitAnki": "closes Anki",
    "unloadProfile": "closes the profile: every later case would only see 'collection is not available'",
    "loadProfile": "switches profile",
    "sync": "talks to AnkiWeb",
    "upgrade": "looks for an add-on update on AnkiWeb",
}

#: what a nested request of ``multi`` may run: read-only actions (a generated nested
#: request could otherwise name anything, guiExitAnki included)
MULTI_SAFE = ("version", "deckNames", "findNotes", "getTags", "cardsInfo", "modelNames", "notesInfo")

#: Errors any action may answer besides its own ``x-errors``:
GENERIC_ERRORS = [
    # checks of the params made before the action runs (matched loosely: their texts
    # name the parameter and what was expected)
    re.compile(r"\bparam", re.IGNORECASE),
    # Python's own text for a missing or unknown keyword argument, as upstream answers
    re.compile(r"^AnkiConnect\.\w+\(\) (got an unexpected keyword argument|missing \d+ required)"),
    # Anki's and Python's exception texts, passed on as str(exc) like upstream does
    # (ankiconnect_ws/errors.py): not part of the contract, so not in x-errors
    re.compile(r"^Value out of range: -?\d+$"),
    re.compile(r"^Integer exceeds 64-bit range$"),
    re.compile(r"^invalid literal for int\(\) with base 10: "),
    re.compile(r"^Invalid base64-encoded string|^string argument should contain only ASCII characters$"
               r"|^Incorrect padding$"),
    re.compile(r"^Card template .* has a problem", re.DOTALL),
    re.compile(r"^Empty (field|notetype|template) name$"),
    re.compile(r"^(must have 1 template|1 field required)$"),  # removing a note type's last template or field
    re.compile(r"^Field name: "),  # a field name Anki refuses (e.g. "}")
    # an index past what Python's lists take (modelFieldAdd, model*Reposition)
    re.compile(r"^Python int too large to convert to C ssize_t$"),
    re.compile(r"^replacement name cannot contain a space$"),
    re.compile(r"^Your database appears to be in an inconsistent state\. .*No such (note|notetype)", re.DOTALL),
]

#: actions whose errors are Anki's own text whatever it is: setDueDate's days parser
#: answers the days text itself, or the backend's error kind (InvalidInput, Config)
OPEN_ERRORS = {"setDueDate"}

#: actions that cannot succeed here by design, and why
NEVER_SUCCEED = {
    "subscribe": "WebSocket only: over HTTP always 'only available over a WebSocket connection'",
    "unsubscribe": "WebSocket only, as subscribe",
}
#: at least this share of the other fuzzed actions must succeed at least once (the run
#: had 117 of 121 when this was set): coverage of success paths cannot silently fall back
MIN_SUCCEEDING_SHARE = 0.9

#: actions that take a file path: it is kept inside the run's folder
PATH_ACTIONS = {"exportPackage", "importPackage", "guiImportFile"}


class Run:
    def __init__(self, anki: AnkiProcess, folder: Path) -> None:
        self.anki = anki
        self.folder = folder
        self.session = requests.Session()
        self.cases: collections.Counter[str] = collections.Counter()
        self.ok: collections.Counter[str] = collections.Counter()
        self.errors: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        self.failures: list[tuple[str, str, str]] = []  # (action, problem, request)
        self.deadline = time.monotonic() + BUDGET_SECONDS
        self.pool = Pool()

    def problem(self, action: str, body: Any, text: str) -> None:
        self.failures.append((action, text, describe(body, limit=600)))

    def save(self) -> None:
        save_violations(ARTIFACT, [{"action": action, "problem": text, "request": request}
                                   for action, text, request in self.failures])

    def summary(self) -> str:
        lines = [f"{len(self.failures)} violations (every request in {ARTIFACT}):"]
        for action, text, request in self.failures[:MAX_REPORTED]:
            lines.append(f"- {action}: {text[:600]}\n    request: {request}")
        return "\n".join(lines)

    # --- one case -----------------------------------------------------------------------

    def send(self, action: str, case: Any, draw: Any = None) -> None:
        params = case.body.get("params") if isinstance(case.body, dict) else None
        # most cases name real things (see tests/support/fuzz_seeds.py); one in four stays as generated
        if draw is not None and isinstance(params, dict) and draw(st.integers(0, 3)):
            seed(action, params, self.pool, draw)
        self.constrain(action, case)
        self.cases[action] += 1
        try:
            response = case.call(base_url=self.anki.url, session=self.session, timeout=REPLY_TIMEOUT)
        except requests.RequestException as exc:
            self.problem(action, case.body, f"no reply: {type(exc).__name__}: {exc}")
            return
        self.check(action, case, response)

    def constrain(self, action: str, case: Any) -> None:
        """Keep the generated request inside what the run may do (see the module doc)."""
        body = case.body if isinstance(case.body, dict) else {}
        body["action"] = action
        body["version"] = 6  # the envelope for every reply (version 4 gets bare results)
        body.pop("key", None)  # no apiKey is set: any key is refused before the action runs
        params = body.get("params")
        if isinstance(params, dict):
            _drop_keys(params, {"url", "path"})  # media downloads and reads of host files
            if action in PATH_ACTIONS and self.cases[action] % 2:
                exported = sorted(self.folder.glob("exportPackage-*.apkg"))
                # importPackage reads what exportPackage wrote (a GUI import would open a dialog)
                if action == "importPackage" and exported:
                    params["path"] = str(exported[0])
                else:
                    params["path"] = str(self.folder / f"{action}-{self.cases[action]}.apkg")
            if action in MODEL_CHANGING:  # the stock note types stay as they are (tests/support/fuzz_seeds.py)
                _own_model(params, self.pool.stock_models)
            if action == "multi" and isinstance(params.get("actions"), list):
                for index, item in enumerate(params["actions"]):
                    if isinstance(item, dict):
                        item["action"] = MULTI_SAFE[index % len(MULTI_SAFE)]
                        item.pop("key", None)
        case.body = body

    def check(self, action: str, case: Any, response: Any) -> None:
        if response.status_code >= 500:
            self.problem(action, case.body, f"HTTP {response.status_code}: {response.content[:300]!r}")
            return
        try:
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                     content_type_conformance, response_schema_conformance])
        except FailureGroup as group:  # (a BaseExceptionGroup) one failure per failed check
            for failure in group.exceptions:
                self.problem(action, case.body, f"schemathesis {failure.title}: {str(failure.message)[:400]}")
        try:
            reply = strict_json(response.content)
        except ValueError as exc:
            self.problem(action, case.body, f"reply is not strict JSON ({exc}): {response.content[:300]!r}")
            return
        found = envelope_problem(reply)
        if found:
            self.problem(action, case.body, f"{found}: {response.content[:300]!r}")
        elif reply["error"] is None:
            self.ok[action] += 1
            mismatch = schema_problems(action, "result", reply["result"])
            if mismatch:
                self.problem(action, case.body, f"result does not match the schema: {mismatch[:3]}")
        else:
            self.errors[action][reply["error"][:120]] += 1
            if not self.declared(case, reply["error"]):
                self.problem(action, case.body, f"an error its x-errors do not declare: {reply['error'][:300]!r}")

    @staticmethod
    def declared(case: Any, error: str) -> bool:
        if case.operation.definition.raw.get("operationId") in OPEN_ERRORS:
            return True
        patterns = [template_pattern(each) for each in case.operation.definition.raw.get("x-errors", [])]
        return any(p.fullmatch(error) for p in patterns) or any(p.search(error) for p in GENERIC_ERRORS)

    # --- every operation ------------------------------------------------------------------

    def fuzz(self, operation: Any, action: str) -> None:
        count = GUI_CASES if schema.action_schema(action).extensions.get("x-needs-gui") else CASES
        self.pool.refresh(self.anki)
        self.examples(operation, action, count)

        # derandomize: the same cases on every run (CI is reproducible); database=None:
        # nothing remembered between runs; no deadline: the time is Anki's, not ours;
        # only the generate phase: failures are collected, never raised, so there is
        # nothing to shrink or replay. Health checks: the action schemas (notes with
        # nested objects, multi) make large and slow-to-generate examples by nature
        # (too_slow, data_too_large, large_base_example, filter_too_much), which says
        # nothing about the API: without suppressing them runs fail at random.
        @settings(max_examples=count, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.large_base_example, HealthCheck.filter_too_much],
                  print_blob=False)
        @given(case=operation.as_strategy(), data=st.data())
        def one(case: Any, data: Any) -> None:
            if time.monotonic() < self.deadline:
                self.send(action, case, data.draw)

        one()

    def examples(self, operation: Any, action: str, count: int) -> None:
        """First the schema's own examples (schemathesis' examples phase), as they are:
        one case from each of the first few combinations (fewer for GUI actions)."""
        for strategy in operation.get_strategies_from_examples()[:max(1, count // 4)]:
            @settings(max_examples=1, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck), print_blob=False)
            @given(case=strategy)
            def example(case: Any) -> None:
                if time.monotonic() < self.deadline:
                    self.send(action, case)

            example()


def template_pattern(template: str) -> re.Pattern[str]:
    """An errors.py template as a pattern: ``{}``, ``{0}`` stand for any text."""
    parts = re.split(r"\{\d*\}", template)
    return re.compile(".*".join(re.escape(part) for part in parts), re.DOTALL)


def _own_model(params: dict[str, Any], stock: frozenset[str]) -> None:
    """A stock note type named by a case of a model-changing action becomes the run's own."""
    for holder in (params, params.get("model")):
        for key in ("modelName", "name"):
            if isinstance(holder, dict) and holder.get(key) in stock:
                holder[key] = FUZZ_MODEL


def _drop_keys(value: Any, keys: set[str]) -> None:
    if isinstance(value, dict):
        for key in keys & set(value):
            del value[key]
        for each in value.values():
            _drop_keys(each, keys)
    elif isinstance(value, list):
        for each in value:
            _drop_keys(each, keys)


@pytest.fixture(scope="module")
def anki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnkiProcess]:
    root = tmp_path_factory.mktemp("schemafuzz")
    process = AnkiProcess(root / "base")
    try:
        add_notes(process, 20)
        create_fuzz_model(process)
        yield process
    finally:
        code = process.stop(timeout=60)
        if code != 0:
            print(process.log_tail())


def test_every_operation_of_the_openapi_document(anki: AnkiProcess, tmp_path: Path) -> None:
    document = schemathesis.openapi.from_url(f"{anki.url}/openapi.json", timeout=REPLY_TIMEOUT)
    run = Run(anki, tmp_path)
    started = time.monotonic()
    fuzzed: list[str] = []
    for result in document.get_all_operations():
        operation = result.ok()
        action = operation.definition.raw.get("operationId", "")
        if operation.method.lower() != "post" or action in EXCLUDED:
            continue
        fuzzed.append(action)
        run.fuzz(operation, action)
    seconds = time.monotonic() - started
    if time.monotonic() >= run.deadline:
        run.failures.append(("(run)", f"over the {BUDGET_SECONDS:.0f} s budget: later cases were not sent", ""))

    for action in ("version", "deckNames"):  # the server thread, then Anki's main thread
        status, _, body = anki.post({"action": action, "version": 6})
        if status != 200 or json.loads(body)["error"] is not None:
            run.failures.append((action, f"Anki does not answer at the end: {status} {body[:200]!r}", ""))
    code = anki.stop(timeout=60)
    if code != 0:
        run.failures.append(("(stop)", f"Anki did not close cleanly: exit code {code}", ""))
        print(anki.log_tail(150))  # with each thread's stack when the CLI had to kill Anki
    integrity, database = check_collection(anki.base / "User 1" / "collection.anki2")
    if integrity != "ok":
        run.failures.append(("(collection)", f"PRAGMA integrity_check: {integrity}", ""))
    if "Error" in database:  # Anki's check could not read the collection (repairs are fine)
        run.failures.append(("(collection)", f"Anki's Check Database failed: {database}", ""))

    total = sum(run.cases.values())
    report(f"schema fuzz: {total} cases over {len(fuzzed)} operations in {seconds:.1f} s "
           f"({sum(run.ok.values())} successes); excluded: {', '.join(sorted(EXCLUDED))}")
    report(f"schema fuzz: {sum(1 for name in fuzzed if run.ok[name])} of {len(fuzzed)} actions succeeded at least once;"
           " never (most frequent error): " + "; ".join(
               f"{name} ({run.errors[name].most_common(1)[0][0][:80] if run.errors[name] else '-'!r})"
               for name in fuzzed if not run.ok[name]))
    report("schema fuzz: cases (successes) per action: "
           + ", ".join(f"{name} {run.cases[name]} ({run.ok[name]})" for name in fuzzed))
    report(f"schema fuzz: {len(run.failures)} violations; integrity_check {integrity!r}; "
           f"Anki's check database: {database or 'no problems'}")
    run.save()
    assert not run.failures, run.summary()
    assert all(run.cases[name] for name in fuzzed), f"no cases: {[n for n in fuzzed if not run.cases[n]]}"
    can_succeed = [name for name in fuzzed if name not in NEVER_SUCCEED]
    never = [name for name in can_succeed if not run.ok[name]]
    needed = int(MIN_SUCCEEDING_SHARE * len(can_succeed))
    assert len(can_succeed) - len(never) >= needed, (
        f"only {len(can_succeed) - len(never)} of {len(can_succeed)} actions succeeded at least once"
        f" (at least {needed} should); never: {never}")
