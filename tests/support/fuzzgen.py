"""Seeded request generator for the fuzz run: every action, every parameter.

Parameters are generated from each action's Python signature (the registry), by name: a
parameter called ``cards`` gets card ids that exist, ``deck`` a deck name that exists,
``note`` a note object shaped for the action, and so on - mixed with junk (wrong types,
huge and negative numbers, NaN, unicode, lone surrogates, very long strings, deep
nesting) and with missing or unknown parameters. Everything comes from one
``random.Random(seed)``, so a seed gives the same sequence of request shapes; ids and
names are taken from the live collection (``World``), so their values follow it.

Paths and URLs are kept inside the run's temporary folder and a loopback file server:
the run must never write outside it nor touch the network.
"""

from __future__ import annotations

import base64
import inspect
import json
import os
import random
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ankiconnect_ws.actions import registry

#: Actions left out of the fuzz, and why: each would end the run by design. (``sync``
#: stays in: the test profile has no AnkiWeb login, so it answers an error at once and
#: never reaches the network; ``requestPermission`` from a trusted client answers at
#: once without a prompt; ``upgrade`` finds no AnkiWeb add-on id and answers false.)
EXCLUDED = {
    "guiExitAnki": "closes Anki",
    "unloadProfile": "closes the profile: every later case would only see 'collection is not available'",
    "loadProfile": "switches profile (and needs unloadProfile first)",
}

#: GUI and file actions that take 30-400 ms each (windows, webviews, exports): fewer
#: cases, so that the run fits CI time; every one still runs.
HEAVY = {
    "guiAddCards": 0.15, "guiAddNoteSetData": 0.3, "guiBrowse": 0.3, "guiEditNote": 0.2,
    "guiDeckReview": 0.2, "guiDeckOverview": 0.3, "guiDeckBrowser": 0.3, "guiImportFile": 0.15,
    "guiCheckDatabase": 0.1, "reloadCollection": 0.2, "exportPackage": 0.3, "importPackage": 0.2,
    "getCollectionStatsHTML": 0.3, "guiSelectCard": 0.3, "guiSelectNote": 0.3, "guiAnswerCard": 0.5,
    "guiUndo": 0.5, "upgrade": 0.3, "removeEmptyNotes": 0.3, "createModel": 0.4, "createNewModel": 0.4,
}

CARD_KEYS = ["flags", "odue", "due", "ivl", "factor", "left", "reps", "lapses", "type", "queue", "mod",
             "usn", "odid", "did", "data", "custom_data", "original_position", "nid", "id", "ord", "bogus"]
BROWSER_COLUMNS = ["noteCrt", "noteFld", "cardDue", "cardEase", "deck", "question", "answer", "template",
                   "noteMod", "cardMod", "cardReps", "cardLapses", "cardIvl", "note", "tags", "bogus", ""]
EVENT_TOPICS = ["review", "note", "card", "deck", "model", "collection", "sync", "state", "*", "bogus"]

INTS = [0, 1, -1, 2, 3, 4, 5, 7, 100, 2**31 - 1, 2**31, -(2**31), 2**53 + 1, 2**63 - 1, 2**63, -(2**63),
        -(2**63) - 1, 2**64, 10**30, -(10**30), 10**400]
FLOATS = [0.0, -0.0, 0.5, -1.5, 1.0, 3.0, 1e-300, 1e308, -1e308, 2.5e15, float("nan"), float("inf"),
          float("-inf")]
STRINGS = [
    "", " ", "x", "Default", "deck:Default", "*", "\u0000", "\t\n\r", "日本語のテキスト", "emoji 🎉🧠",
    "\u202eright-to-left", "e\u0301 combining", "\ud800", "\udfff lone", "<b>html</b><script>alert(1)</script>",
    "' or 1=1 --", "\"; drop table notes; --", "%s %d {0} {{Front}}", "{{c1::cloze}}", "::", "a::b::",
    "../..", "null", "true", "NaN", "0", "-1", "1e999", "\\", "tag with space", "[sound:x.mp3]",
    "<img src=\"x.png\">", "x" * 300,
]


def _random_text(rng: random.Random, length: int) -> str:
    alphabet = string.ascii_letters + string.digits + " _-:*\"'()<>/\\" + "äöüßéçñ漢字かなДЖ🙂\u200b"
    return "".join(rng.choice(alphabet) for _ in range(length))


def junk(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value (and NaN/Infinity, which JSON forbids but Python's json writes)."""
    roll = rng.random()
    if roll < 0.18:
        return rng.choice(INTS)
    if roll < 0.24:
        return rng.randint(-(10**6), 10**6)
    if roll < 0.32:
        return rng.choice(FLOATS)
    if roll < 0.38:
        return rng.choice([True, False])
    if roll < 0.44:
        return None
    if roll < 0.62:
        return rng.choice(STRINGS)
    if roll < 0.66:
        return _random_text(rng, rng.randint(1, 40))
    if roll < 0.667:
        return "long " * rng.choice([20_000, 100_000])  # 100 KB - 500 KB
    if depth >= 3:
        return rng.choice(STRINGS)
    if roll < 0.82:
        return [junk(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if roll < 0.825:
        return list(range(rng.choice([2_000, 20_000])))  # a long list
    if roll < 0.83:
        return _deep(rng.randint(100, 600))
    return {rng.choice(STRINGS + ["id", "cardId", "name", "deckName"]): junk(rng, depth + 1)
            for _ in range(rng.randint(0, 4))}


def _deep(levels: int) -> Any:
    value: Any = 1
    for index in range(levels):
        value = [value] if index % 2 else {"k": value}
    return value


@dataclass
class World:
    """What exists in the collection (refreshed during the run) and on disk."""

    tmp: Path
    url_base: str
    note_ids: list[int] = field(default_factory=list)
    card_ids: list[int] = field(default_factory=list)
    deck_names: list[str] = field(default_factory=lambda: ["Default"])
    deck_ids: list[int] = field(default_factory=lambda: [1])
    model_names: list[str] = field(default_factory=lambda: ["Basic"])
    model_ids: list[int] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)
    templates: dict[str, list[str]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    deck_config: dict[str, Any] = field(default_factory=dict)
    config_ids: list[int] = field(default_factory=lambda: [1])
    review_ids: list[int] = field(default_factory=list)

    def refresh(self, call: Callable[..., Any]) -> None:
        """Re-read the collection; ``call(action, **params)`` returns the result or raises.
        A failing read keeps the previous values (the fuzz may have broken something:
        the cases themselves report it)."""
        readers: list[tuple[str, Callable[[], None]]] = [
            ("notes", lambda: setattr(self, "note_ids", call("findNotes", query="")[-400:])),
            ("cards", lambda: setattr(self, "card_ids", call("findCards", query="")[-400:])),
            ("decks", lambda: self._set_decks(call("deckNamesAndIds"))),
            ("models", lambda: self._set_models(call, call("modelNamesAndIds"))),
            ("tags", lambda: setattr(self, "tags", call("getTags")[:200])),
            ("media", lambda: setattr(self, "media", call("getMediaFilesNames", pattern="*")[:200])),
            ("config", lambda: self._set_config(call("getDeckConfig", deck="Default"))),
            ("reviews", lambda: self._set_reviews(call)),
        ]
        for _name, read in readers:
            try:
                read()
            except Exception:  # noqa: BLE001 - see docstring
                pass

    def _set_decks(self, decks: dict[str, int]) -> None:
        self.deck_names = sorted(decks) or ["Default"]
        self.deck_ids = sorted(decks.values()) or [1]

    def _set_models(self, call: Callable[..., Any], models: dict[str, int]) -> None:
        self.model_names = sorted(models) or ["Basic"]
        self.model_ids = sorted(models.values())
        for name in self.model_names[:12]:
            self.fields[name] = call("modelFieldNames", modelName=name)
            self.templates[name] = list(call("modelTemplates", modelName=name))

    def _set_config(self, config: Any) -> None:
        if isinstance(config, dict):
            self.deck_config = config
            self.config_ids = sorted({1, config.get("id", 1)})

    def _set_reviews(self, call: Callable[..., Any]) -> None:
        reviews = call("cardReviews", deck="Default", startID=0)
        self.review_ids = [row[0] for row in reviews[-50:]]


class Generator:
    """``case()`` gives the next request dict (or raw bytes: a broken body)."""

    def __init__(self, seed: int, world: World, actions: list[str]) -> None:
        self.rng = random.Random(seed)
        self.world = world
        self.actions = actions
        self.weights = [HEAVY.get(name, 1.0) for name in actions]
        self.serial = 0
        self.signatures = {name: _signature(name) for name in actions}

    # --- whole requests ---------------------------------------------------------------

    def case(self) -> dict[str, Any] | bytes:
        self.serial += 1
        if self.rng.random() < 0.03:
            return self.broken_body()
        name = self.rng.choices(self.actions, self.weights)[0]
        return {"action": name, "version": 6, "params": self.params(name)}

    def broken_body(self) -> bytes:
        """A body that is not a well-formed request (all must still get an answer)."""
        rng = self.rng
        choices: list[bytes] = [
            b"", b"{", b"}", b"null", b"[]", b"42", b'"deckNames"', b"{}", b'{"action": 5}',
            b'{"action": ""}', b'{"action": null, "version": 6}', b'{"action": "deckNames", "version": "6"}',
            b'{"action": "deckNames", "version": 6, "params": []}', b'{"action": "deckNames", "params": null}',
            b'{"action": "version", "version": NaN}', b'{"action": "version", "version": Infinity}',
            b'{"action": "findNotes", "version": 6, "params": {"query": NaN}}',
            b'{"action": "multi", "version": 6, "params": {"actions": [{"action": "version", "params": {"x": -Infinity}}]}}',
            b'{"action": "version", "version": 1e999}', b'{"action": "version", "version": 99999999999999999999999}',
            b'{"action": "version", "version": 6.0}', b'{"action": "version", "version": 4}',
            b'{"action": "deckNames", "version": 3}', b'{"action": "deckNames"}',
            b'\xef\xbb\xbf{"action": "version", "version": 6}', b'\xff\xfe\x00{', b'{"action": "\xc3\x28"}',
            b'{"action": "\\ud800", "version": 6}', b'{"action": "version", "version": 6, "version": 5}',
            b'{"action": "version", "version": 6} trailing', b'{"action": "version", "version": 6}\n\n',
            b"[" * 100_000, b'{"a":' * 5_000, b'{"action": "version", "key": ["x"], "version": 6}',
            b'{"action": "deckNames", "version": 6, "key": "\\u0000"}', ("{\"action\": \"" + "x" * 100_000 + "\"}").encode(),
            b'{"action": "notesInfo", "version": 6, "params": {"notes": [' + b"1," * 20_000 + b"1]}}",
        ]
        return rng.choice(choices)

    # --- parameters -------------------------------------------------------------------

    def params(self, name: str) -> dict[str, Any]:
        rng = self.rng
        names, required = self.signatures[name]
        if name == "findAndReplaceInModels":
            names, required = ["model"], ["model"]
        params = {p: self.plausible(name, p) for p in names if p in required or rng.random() < 0.6}
        roll = rng.random()
        if roll < 0.25 and params:  # one or two values of the wrong kind
            for key in rng.sample(sorted(params), min(len(params), rng.randint(1, 2))):
                params[key] = junk(rng)
        elif roll < 0.31 and required:
            params.pop(rng.choice(required), None)
        elif roll < 0.36:
            params[rng.choice(["bogus", "Query", "note ", "", "params"])] = junk(rng)
        elif roll < 0.40:
            params = {p: junk(rng) for p in names}
        return params

    def plausible(self, action: str, name: str) -> Any:
        """A value that fits the parameter's meaning (and often refers to real things)."""
        rng, w = self.rng, self.world
        special = getattr(self, f"p_{name}", None)
        if special is not None:
            return special(action)
        if name == "card":
            return self.card_id()
        if name == "cards":
            return self.id_list(self.card_id)
        if name == "deckName":
            return self.deck_name()
        if name == "decks":
            return [self.deck_name() for _ in range(rng.randint(0, 3))]
        if name == "modelNames":
            return [self.model_name() for _ in range(rng.randint(0, 3))]
        if name == "modelId":
            return rng.choice(w.model_ids or [0])
        if name == "modelIds":
            return [rng.choice(w.model_ids or [0]) for _ in range(rng.randint(0, 3))]
        if name == "deckId":
            return rng.choice(w.deck_ids + [0, -1, 2**62])
        if name in ("fieldName", "oldFieldName"):
            return self.field_name()
        if name == "newFieldName":
            return rng.choice([f"F{self.serial}", self.field_name(), "", "Front"])
        if name in ("templateName", "oldTemplateName"):
            return self.template_name()
        if name == "newTemplateName":
            return rng.choice([f"T{self.serial}", self.template_name(), ""])
        if name == "configId":
            return rng.choice(w.config_ids + [0, 999999, "1"])
        if name in ("tag_to_replace", "replace_with_tag"):
            return rng.choice(w.tags + ["fuzz", "new::tag", ""]) if w.tags else "fuzz"
        if name == "index":
            return rng.choice([0, 1, 2, -1, 99, None])
        if name in ("isCloze", "add", "cardsToo", "includeSched", "complete", "wholeCollection", "append",
                    "warning_check", "suspend", "deleteExisting", "skipHash", "allowed"):
            if name == "skipHash":
                return rng.choice([None, "d41d8cd98f00b204e9800998ecf8427e", "x"])
            return rng.choice([True, False])
        if name == "css":
            return rng.choice([".card { color: red; }", "", "x" * 10_000])
        if name == "description":
            return rng.choice(["a description", "", "<b>x</b>"])
        if name == "font":
            return rng.choice(["Arial", "Noto Sans", ""])
        if name == "fontSize":
            return rng.choice([10, 20, 0, -5, 1000])
        if name == "ease":
            return rng.choice([1, 2, 3, 4, 0, 5])
        if name in ("startID", "since"):
            return rng.choice([0, 1, -1, 2**62, None] + w.review_ids[-3:])
        if name == "pattern":
            return rng.choice(["*", "*.png", "fuzz*", "[", "", "**/*"])
        if name == "origin":
            return rng.choice(["http://localhost", "https://example.com", None])
        if name == "run":
            return rng.choice([None, "abc", ""])
        return junk(rng)

    # --- per-parameter generators (p_<name>) -----------------------------------------

    def p_note(self, action: str) -> Any:
        rng = self.rng
        if action in ("addNote", "canAddNote", "canAddNoteWithErrorDetail", "guiAddCards", "guiAddNoteSetData"):
            return self.note_spec()
        if action in ("updateNote", "updateNoteFields", "updateNoteModel"):
            return self.note_update(action)
        if action in ("getNoteTags", "guiEditNote", "guiSelectNote", "updateNoteTags"):
            return rng.choice([self.note_id(), self.note_id(), str(self.note_id())])
        return rng.choice([self.note_id(), self.note_spec()])

    def p_notes(self, action: str) -> Any:
        rng = self.rng
        if action in ("addNotes", "canAddNotes", "canAddNotesWithErrorDetail"):
            count = rng.choice([0, 1, 3, 10, 50] + ([300] if rng.random() < 0.1 else []))
            return [self.note_spec() for _ in range(count)]
        return self.id_list(self.note_id)

    def p_tags(self, action: str) -> Any:
        rng = self.rng
        pool = self.world.tags + ["fuzz", "fuzz::child", "ünïcödé", "with space", ""]
        if action == "updateNoteTags":
            return [rng.choice(pool) for _ in range(rng.randint(0, 3))]
        return rng.choice([" ".join(rng.choice(pool) for _ in range(rng.randint(1, 3))), rng.choice(pool)])

    def p_query(self, action: str) -> Any:
        rng, w = self.rng, self.world
        return rng.choice([
            "", "deck:Default", f'"deck:{self.deck_name()}"', "tag:fuzz", "is:new", "is:due", "added:1",
            f"nid:{self.note_id()}", f"cid:{self.card_id()}", "(", ")", "deck:", "front:*", "re:(", "prop:ivl>",
            "note:Basic", "*", "-", "\"", "日本語", "dupe:1,x", f"mid:{rng.choice(w.model_ids or [1])}",
            "flag:9", "rated:99999", "x" * 5_000,
        ])

    def p_scopes(self, action: str) -> Any:
        return self.rng.choice([["actions"], [], ["actions", "bogus"], "actions"])

    def p_actions(self, action: str) -> Any:
        rng = self.rng
        if action == "apiReflect":
            return rng.choice([None, ["version", "bogus"], [], rng.sample(self.actions, 5)])
        # multi: a few inner requests; never an excluded action, rarely a nested multi
        inner: list[Any] = []
        for _ in range(rng.randint(0, 5)):
            name = rng.choices(self.actions, self.weights)[0]
            if name == "multi" and rng.random() < 0.7:
                name = "version"
            request: dict[str, Any] = {"action": name, "params": self.params(name)}
            if rng.random() < 0.7:
                request["version"] = rng.choice([6, 6, 4, 5])
            inner.append(request if rng.random() < 0.95 else junk(rng))
        return inner

    def p_answers(self, action: str) -> Any:
        rng = self.rng
        return [{"cardId": self.card_id(), "ease": rng.choice([1, 2, 3, 4, 4, 0, 7])}
                for _ in range(rng.randint(0, 5))]

    def p_name(self, action: str) -> Any:
        if action == "cloneDeckConfigId":
            return self.rng.choice([f"Fuzz config {self.serial}", "", "Default"])
        return self.deck_name()

    def p_deck(self, action: str) -> Any:
        if action == "createDeck":
            return self.rng.choice([f"Fuzz::{self.serial}", f"Fuzz {self.serial} 日本", "Default", "", " ",
                                    "a::::b", "::x", "Fuzz::" + "y" * 500])
        return self.deck_name()

    def p_modelName(self, action: str) -> Any:
        if action in ("createModel", "createNewModel") and self.rng.random() < 0.8:
            return f"Fuzz model {self.serial}"
        return self.model_name()

    def p_inOrderFields(self, action: str) -> Any:
        return self.rng.choice([["Front", "Back"], ["One"], [], ["A", "A"], ["X", ""], [f"F{i}" for i in range(30)]])

    def p_cardTemplates(self, action: str) -> Any:
        rng = self.rng
        template = {"Name": f"Card {self.serial}", "Front": "{{Front}}", "Back": "{{FrontSide}}<hr>{{Back}}"}
        return rng.choice([[template], [], [{"Front": "{{One}}"}], [{**template, "Front": "no fields"}],
                           [{**template, "Front": "{{c1::One}}"}], [template, dict(template)]])

    def p_template(self, action: str) -> Any:
        return self.rng.choice([{"Name": f"T{self.serial}", "Front": "{{Front}}", "Back": "{{Back}}"},
                                {"Name": "", "Front": "", "Back": ""}, {"Front": "{{Front}}"}])

    def p_model(self, action: str) -> Any:
        rng = self.rng
        name = self.model_name()
        if action == "updateModelStyling":
            return {"name": name, "css": rng.choice([".card{}", "", "x" * 1_000])}
        if action == "updateModelTemplates":
            templates = {t: {"Front": rng.choice(["{{Front}}", "{{Text}}", "", "{{#x}}"]),
                             "Back": rng.choice(["{{Back}}", ""])} for t in self.world.templates.get(name, ["Card 1"])}
            return {"name": name, "templates": templates}
        # findAndReplaceInModels
        return {"modelName": rng.choice([name, None, ""]), "findText": rng.choice(["Front", "x", "", "("]),
                "replaceText": rng.choice(["Front", "y", ""]), "front": rng.choice([True, False]),
                "back": rng.choice([True, False]), "css": rng.choice([True, False])}

    def p_reorderCards(self, action: str) -> Any:
        rng = self.rng
        return rng.choice([None, {"order": rng.choice(["ascending", "descending", "up"]),
                                  "columnId": rng.choice(BROWSER_COLUMNS)}, {"order": "ascending"}])

    def p_reviews(self, action: str) -> Any:
        rng = self.rng
        rows = []
        for _ in range(rng.randint(0, 4)):
            rows.append([rng.choice([1_700_000_000_000 + rng.randint(0, 10**9)] + self.world.review_ids[-2:]),
                         self.card_id(), -1, rng.choice([1, 2, 3, 4, 0]), rng.choice([1, -600, 30]),
                         rng.choice([0, 1]), rng.choice([2500, 0]), rng.choice([1000, 0]), rng.choice([0, 1, 2, 3])])
        return rows

    def p_config(self, action: str) -> Any:
        rng = self.rng
        config = json.loads(json.dumps(self.world.deck_config or {"id": 1}))
        if config and rng.random() < 0.6:
            key = rng.choice(sorted(config))
            config[key] = junk(rng)
        if rng.random() < 0.2:
            config.pop("id", None)
        return config

    def p_days(self, action: str) -> Any:
        return self.rng.choice(["0", "1", "1-3", "5!", "-1", "x", "", "3-1", "99999999"])

    def p_easeFactors(self, action: str) -> Any:
        return [self.rng.choice([2500, 1300, 0, -1, 10**9]) for _ in range(self.rng.randint(0, 4))]

    def p_keys(self, action: str) -> Any:
        return [self.rng.choice(CARD_KEYS) for _ in range(self.rng.randint(0, 3))]

    def p_newValues(self, action: str) -> Any:
        return [self.rng.choice([0, 1, -1, "2", 2500, "x", None, 2**40]) for _ in range(self.rng.randint(0, 3))]

    def p_filename(self, action: str) -> Any:
        rng = self.rng
        return rng.choice(self.world.media[:20] + [
            f"fuzz_{self.serial}.txt", f"_fuzz_{self.serial}.png", "日本語.mp3", "", ".", "..",
            f"../fuzz-escape-{self.serial}.txt", f"../../fuzz-escape-{self.serial}.txt",
            f"{self.world.tmp}/fuzz-escape-{self.serial}.txt", "a/b.txt", "c:\\x.txt", "con", "x" * 300,
            "nul\u0000.txt",
        ])

    def p_data(self, action: str) -> Any:
        return self.rng.choice([base64.b64encode(b"hello").decode(), "", "not base64!!", "aGk", base64.b64encode(os.urandom(64)).decode(),
                                base64.b64encode(b"x" * 300_000).decode()])

    def p_path(self, action: str) -> Any:
        rng = self.rng
        tmp = self.world.tmp
        if action == "exportPackage":
            return rng.choice([str(tmp / f"export-{self.serial}.apkg"), str(tmp / "exports" / "no-such-dir" / "x.apkg"),
                               str(tmp / f"export-{self.serial}.colpkg"), str(tmp), "", f"relative-{self.serial}.apkg",
                               str(tmp / "files" / "fifo"), 0, 2**70])
        if action in ("importPackage", "guiImportFile") and rng.random() < 0.5:
            return str(tmp / "files" / "deck.apkg")
        return rng.choice(self.world_paths() + [0, 1, 2, rng.randint(3, 40), -1, 2**70, 1.5, True])

    def world_paths(self) -> list[str]:
        files = self.world.tmp / "files"
        return [str(files / "small.txt"), str(files / "image.png"), str(files / "empty.txt"), str(files / "notes.csv"),
                str(files / "deck.apkg"), str(files / "data.colpkg"), str(files), str(files / "missing.apkg"),
                str(files / "fifo"), "/proc/self/fd/0", "", "relative.txt", str(files / "small.txt") + "\u0000x"]

    def p_url(self, action: str) -> Any:
        rng = self.rng
        base = self.world.url_base
        return rng.choice([f"{base}/small.txt", f"{base}/image.png", f"{base}/missing", f"{base}/big",
                           "http://127.0.0.1:1/refused", "not a url", "", "ftp://127.0.0.1/x",
                           f"file://{self.world.tmp}/files/small.txt", f"{base}/with space.txt", "http://[::1"])

    def p_events(self, action: str) -> Any:
        rng = self.rng
        return rng.choice(["*", [], [rng.choice(EVENT_TOPICS) for _ in range(rng.randint(1, 3))], "note"])

    def p_cloneFrom(self, action: str) -> Any:
        return self.rng.choice(self.world.config_ids + ["1", 0, -1, 99999])

    # --- building blocks --------------------------------------------------------------

    def note_id(self) -> int:
        rng = self.rng
        if self.world.note_ids and rng.random() < 0.85:
            return rng.choice(self.world.note_ids)
        return rng.choice([0, 1, -1, 1_700_000_000_000, 2**62])

    def card_id(self) -> int:
        rng = self.rng
        if self.world.card_ids and rng.random() < 0.85:
            return rng.choice(self.world.card_ids)
        return rng.choice([0, 1, -1, 1_700_000_000_000, 2**62])

    def id_list(self, one: Callable[[], int]) -> list[Any]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.1:
            return []
        if roll < 0.15:
            pool = self.world.card_ids if one == self.card_id else self.world.note_ids
            return list(pool) * 3  # hundreds of ids, with repeats
        return [one() for _ in range(rng.randint(1, 6))]

    def deck_name(self) -> str:
        rng = self.rng
        if rng.random() < 0.85:
            return rng.choice(self.world.deck_names)
        return rng.choice(["No such deck", "", "Default::Child", "日本語"])

    def model_name(self) -> str:
        rng = self.rng
        if rng.random() < 0.85:
            return rng.choice(self.world.model_names)
        return rng.choice(["No such model", "", "basic"])

    def field_name(self) -> str:
        rng = self.rng
        names = [f for fields in self.world.fields.values() for f in fields]
        return rng.choice(names + ["Missing", ""]) if names else "Front"

    def template_name(self) -> str:
        rng = self.rng
        names = [t for templates in self.world.templates.values() for t in templates]
        return rng.choice(names + ["Missing", ""]) if names else "Card 1"

    def field_value(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.7:
            return f"fuzz {self.serial}.{rng.randint(0, 10**9)} {rng.choice(['', '日本語', '<b>b</b>', '{{c1::c}}'])}"
        if roll < 0.8:
            return ""
        return rng.choice(STRINGS)

    def note_spec(self) -> dict[str, Any]:
        rng, w = self.rng, self.world
        model = self.model_name()
        names = w.fields.get(model, ["Front", "Back"])
        fields: dict[str, Any] = {f: self.field_value() for f in names if rng.random() < 0.9}
        if rng.random() < 0.1:
            fields[rng.choice(["Bogus", "", "front"])] = "x"
        spec: dict[str, Any] = {"deckName": self.deck_name(), "modelName": model, "fields": fields}
        if rng.random() < 0.7:
            spec["tags"] = [rng.choice(["fuzz", "fuzz::tag", "ü"]) for _ in range(rng.randint(0, 2))]
        if rng.random() < 0.3:
            spec["options"] = {"allowDuplicate": rng.choice([True, False, "yes"]),
                               "duplicateScope": rng.choice(["deck", "collection", None, 5]),
                               "duplicateScopeOptions": {"deckName": rng.choice([None, self.deck_name()]),
                                                         "checkChildren": rng.choice([True, False]),
                                                         "checkAllModels": rng.choice([True, False])}}
        if rng.random() < 0.15:
            kind = rng.choice(["audio", "video", "picture"])
            source = rng.choice([{"url": self.p_url("addNote")}, {"path": rng.choice(self.world_paths())},
                                 {"data": self.p_data("addNote")}, {}])
            spec[kind] = [{**source, "filename": self.p_filename("addNote"),
                           "fields": rng.choice([names[:1], [], ["Bogus"]]), "skipHash": None}]
        return spec

    def note_update(self, action: str) -> dict[str, Any]:
        rng, w = self.rng, self.world
        model = self.model_name()
        update: dict[str, Any] = {"id": self.note_id()}
        if action != "updateNoteFields" or rng.random() < 0.9:
            update["fields"] = {f: self.field_value() for f in w.fields.get(model, ["Front"]) if rng.random() < 0.7}
        if action in ("updateNote", "updateNoteModel") or rng.random() < 0.2:
            update["tags"] = [rng.choice(["fuzz", "upd"]) for _ in range(rng.randint(0, 2))]
        if action == "updateNoteModel":
            update["modelName"] = model
        return update


def _signature(name: str) -> tuple[list[str], list[str]]:
    """Parameter names of an action, and those without a default."""
    func = inspect.unwrap(registry.REGISTRY[name].func)
    names: list[str] = []
    required: list[str] = []
    for parameter in inspect.signature(func).parameters.values():
        if parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
            continue
        names.append(parameter.name)
        if parameter.default is parameter.empty:
            required.append(parameter.name)
    return names, required


def fuzzed_actions(reflected: list[str]) -> list[str]:
    """Every action the server reports, minus those that would end the run."""
    return [name for name in reflected if name not in EXCLUDED]
