"""Text that Anki's own parsers would crash on, sent to a real Anki.

Anki parses searches and templates, and builds the Browser's tag tree, in Rust on its main
thread, recursing once per nesting level: deep enough input overflows the stack and Anki
dies with a segmentation fault, no error and no reply. The add-on must refuse such input with an error and stay up.

This module starts an Anki of its own: on broken code these requests kill the process,
which must not take the shared session Anki (and every other e2e test) down with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.anki_process import AnkiProcess

#: far beyond the few thousand levels at which Anki's parsers overflow an 8 MiB stack
CRASHING_DEPTH = 20_000


@pytest.fixture(scope="module")
def own_anki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnkiProcess]:
    anki = AnkiProcess(tmp_path_factory.mktemp("hostile-parsers"))
    try:
        yield anki
    finally:
        anki.stop()


def assert_alive(anki: AnkiProcess) -> None:
    assert anki.proc.poll() is None, anki.log_tail()
    assert anki("version") == 6
    assert isinstance(anki("deckNames"), list)  # the main thread still answers


def test_a_search_nested_deep_enough_to_crash_anki_is_an_error(own_anki: AnkiProcess) -> None:
    query = "(" * CRASHING_DEPTH + "front:x" + ")" * CRASHING_DEPTH
    for action in ("findNotes", "findCards", "notesInfo", "guiBrowse"):
        assert own_anki.error(action, query=query).startswith("Invalid search: brackets nested more than"), action
        assert_alive(own_anki)


def test_a_template_nested_deep_enough_to_crash_anki_is_an_error(own_anki: AnkiProcess) -> None:
    front = "{{#Front}}" * CRASHING_DEPTH + "{{Front}}" + "{{/Front}}" * CRASHING_DEPTH
    error = own_anki.error("updateModelTemplates", model={"name": "Basic", "templates": {"Card 1": {"Front": front}}})
    assert error.startswith("card template Card 1 nests its sections more than"), error
    assert_alive(own_anki)
    assert own_anki("modelTemplates", modelName="Basic")["Card 1"]["Front"] == "{{Front}}"


def test_a_tag_nested_deep_enough_to_crash_the_browser_is_an_error(own_anki: AnkiProcess) -> None:
    """Such a tag is stored; Anki then crashes whenever a Browser opens (its sidebar builds
    the tag tree). 20,000 levels only stall Anki for seconds and break the sidebar."""
    tag = "::".join(["t"] * 60_000)
    note = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": "deep tag", "Back": ""}, "tags": [tag]}
    assert own_anki.error("addNote", note=note).startswith("tag nested more than")
    assert isinstance(own_anki("guiBrowse", query="deck:Default"), list)
    assert_alive(own_anki)
