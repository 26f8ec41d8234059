"""What a user may type in Anki's config editor (Tools > Add-ons > Config): every value
that cannot be used is reported and replaced by its default, so the server keeps working."""

from __future__ import annotations

import json

from ankiconnect_ws.config import Config, load_config
from ankiconnect_ws.events import EventBus


def test_huge_and_non_finite_numbers_fall_back_to_defaults() -> None:
    # what Anki's config editor hands over: it parses with Python's json (NaN, Infinity)
    raw = json.loads('{"eventBufferSize": 1000000000000000000000000000000, "headerTimeout": NaN, '
                     '"bodyTimeout": Infinity}')
    config, problems = load_config(raw, environ={})
    assert (config.eventBufferSize, config.bodyTimeout) == (Config().eventBufferSize, Config().bodyTimeout)
    assert config.headerTimeout == Config().headerTimeout
    assert len(problems) == 3 and all("using" in problem for problem in problems)
    EventBus(lambda: config)  # the add-on builds its bus from it when Anki loads it
