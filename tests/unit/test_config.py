"""What a user may type in Anki's config editor (Tools > Add-ons > Config): every value
that cannot be used is reported and replaced by its default, so the server keeps working."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import ankiconnect_ws
from ankiconnect_ws.config import Config, load_config
from ankiconnect_ws.events import EventBus
from ankiconnect_ws.protocol import key_matches


def test_huge_and_non_finite_numbers_fall_back_to_defaults() -> None:
    # what Anki's config editor hands over: it parses with Python's json (NaN, Infinity)
    raw = json.loads('{"eventBufferSize": 1000000000000000000000000000000, "headerTimeout": NaN, '
                     '"bodyTimeout": Infinity}')
    config, problems = load_config(raw, environ={})
    assert (config.eventBufferSize, config.bodyTimeout) == (Config().eventBufferSize, Config().bodyTimeout)
    assert config.headerTimeout == Config().headerTimeout
    assert len(problems) == 3 and all("using" in problem for problem in problems)
    EventBus(lambda: config)  # the add-on builds its bus from it when Anki loads it


def test_limits_that_would_shut_every_client_out_fall_back_to_defaults() -> None:
    """0 connections, a 0-byte body or head, or no time to send a head: a dead server."""
    raw = {"maxConnections": 0, "maxBodyBytes": 0, "maxHeaderBytes": 10, "wsMaxMessageBytes": 0,
           "headerTimeout": 0, "bodyTimeout": 0.5}
    config, problems = load_config(raw, environ={})
    assert all(getattr(config, key) == getattr(Config(), key) for key in raw)
    assert len(problems) == len(raw) and all("must be at least" in problem for problem in problems)
    smallest = {"maxConnections": 1, "maxBodyBytes": 1024, "headerTimeout": 1}
    config, problems = load_config(smallest, environ={})
    assert not problems and all(getattr(config, key) == value for key, value in smallest.items())


def test_an_api_key_of_the_wrong_type_refuses_every_request() -> None:
    """``"apiKey": 12345`` (a number) means the user wants a key: falling back to no key
    would open the API to everyone."""
    for wrong in (12345, True, ["secret"]):
        config, problems = load_config({"apiKey": wrong}, environ={})
        assert config.apiKey is not None
        assert not any(key_matches(key, config.apiKey) for key in (None, wrong, str(wrong), ""))
        assert problems == [f"apiKey must be a string or null (got {wrong!r}); every request is refused until it is fixed"]


def test_an_api_log_path_no_file_can_have_is_refused() -> None:
    """open() raises ValueError (not OSError) for it: the config editor's Save showed a
    traceback, and Anki could not load the add-on at start."""
    config, problems = load_config({"apiLogPath": "api\u0000.log"}, environ={})
    assert config.apiLogPath is None
    assert problems == ["apiLogPath must not contain a NUL character (got 'api\\x00.log'); using None"]


def test_a_misspelt_key_is_named_and_a_new_one_is_not() -> None:
    """A setting under a misspelt name is otherwise ignored without a word."""
    config, problems = load_config({"webBindport": 9000, "apikey": "k", "someFutureSetting": 1}, environ={})
    assert config.webBindPort == 8765 and config.apiKey is None
    assert problems == ["unknown key 'webBindport' is ignored: did you mean 'webBindPort'?",
                        "unknown key 'apikey' is ignored: did you mean 'apiKey'?"]


#: AnkiConnect's keys its own config.json leaves out (so an environment variable or the
#: default applies); config.md documents them all the same
_UNLISTED = {"apiVersion", "webCorsOrigin"}


def test_the_shipped_config_lists_every_setting_with_its_default_and_config_md_explains_it() -> None:
    package = Path(ankiconnect_ws.__file__).parent
    shipped = json.loads((package / "config.json").read_text(encoding="utf-8"))
    documented = (package / "config.md").read_text(encoding="utf-8")
    defaults = {field.name: field.default for field in dataclasses.fields(Config)}
    assert set(shipped) == set(defaults) - _UNLISTED
    config, problems = load_config(shipped, environ={})
    assert problems == [] and config == Config()  # each listed value is the default
    assert [name for name in defaults if f"`{name}`" not in documented] == []
