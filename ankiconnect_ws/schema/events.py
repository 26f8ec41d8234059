"""The schema of every event frame the WebSocket sends, from events/payloads.py."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from .convert import Converter, standalone

__all__ = ["EventCatalogue", "event_catalogue", "event_frame_schema"]

JsonSchema = dict[str, Any]


@dataclass(frozen=True)
class EventCatalogue:
    #: event name -> the whole frame ``{event, seq, time, data}`` (refs: ``#/$defs/X``)
    frames: dict[str, JsonSchema]
    #: event name -> when it is sent
    when: dict[str, str]
    topics: dict[str, str]
    defs: dict[str, JsonSchema]

    def standalone(self, name: str) -> JsonSchema:
        return standalone(self.frames[name], self.defs)


def event_frame_schema(name: str, data: JsonSchema) -> JsonSchema:
    return {
        "type": "object",
        "properties": {
            "event": {"const": name},
            "seq": {"type": "integer", "description": "strictly increasing within one Anki run"},
            "time": {"type": "integer", "description": "when it happened, ms since the epoch"},
            "data": data,
        },
        "required": ["event", "seq", "time", "data"],
        "additionalProperties": False,
    }


@functools.cache
def event_catalogue() -> EventCatalogue:
    from ..events.payloads import EVENTS

    converter = Converter()
    names = sorted(EVENTS)
    return EventCatalogue(
        frames={name: event_frame_schema(name, converter.schema(EVENTS[name].data)) for name in names},
        when={name: EVENTS[name].when for name in names},
        topics={name: EVENTS[name].topic for name in names},
        defs=converter.defs,
    )
