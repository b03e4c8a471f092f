"""Splits reply lines at <SCRATCHPAD_REASONING> / <OUTPUT> tags into region events.

Annotators that care which part of a reply they read (the hidden scratchpad, the final answer)
consume these events instead of re-parsing the reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Region = Literal["plain", "scratchpad", "output"]
_TAG = re.compile(r"<(/?)(SCRATCHPAD_REASONING|OUTPUT)>")
_NAMES: dict[str, Region] = {"SCRATCHPAD_REASONING": "scratchpad", "OUTPUT": "output"}


@dataclass(frozen=True)
class Text:
    region: Region
    text: str


@dataclass(frozen=True)
class Tag:
    region: Region
    opening: bool


Event = Text | Tag


class RegionSplitter:
    """Tracks the region across lines; each completed line becomes a list of events."""

    def __init__(self) -> None:
        self.region: Region = "plain"

    def split(self, line: str) -> list[Event]:
        if "<" not in line:  # the common case: no tag on this line
            return [Text(self.region, line)]
        events: list[Event] = []
        position = 0
        for match in _TAG.finditer(line):
            if match.start() > position:
                events.append(Text(self.region, line[position:match.start()]))
            region = _NAMES[match.group(2)]
            opening = not match.group(1)
            events.append(Tag(region, opening))
            self.region = region if opening else "plain"
            position = match.end()
        rest = line[position:]
        if rest or position == 0:
            events.append(Text(self.region, rest))
        return events

    def peek(self, line: str) -> list[Event]:
        """Events of an unfinished line, leaving the region as it was."""
        region = self.region
        events = self.split(line)
        self.region = region
        return events
