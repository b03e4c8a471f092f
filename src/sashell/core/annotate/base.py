"""The annotator protocol: fed streamed text incrementally, read at any time.

Every annotator reads a reply in blocks of completed lines. ``LineAnnotator`` provides the
streaming protocol (``feed`` / ``current`` / ``finish``) on top of two methods a concrete
annotator writes: ``take`` (a block of completed lines with their scratchpad/output region events)
and ``read`` (the reading, given the lines not yet taken, without changing state). Feeding a delta
costs work proportional to the delta. ``AnnotationSet`` splits lines and regions once for all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sashell.core.annotate.lines import Block, LineBatcher
from sashell.core.annotate.regions import Event


@dataclass(frozen=True)
class Annotation:
    kind: str
    flag: bool
    data: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return {"kind": self.kind, "flag": self.flag, **self.data}


@dataclass(frozen=True)
class AnnotationInput:
    """What an annotator may know besides the reply: the probe and the context it ran in."""

    probe: str = ""
    targets: tuple[str, ...] = ("HELLO",)
    scratchpad: bool = False


class LineAnnotator:
    kind = "annotator"

    feed: Callable[[str], object]
    """Streamed text in: blocks of completed lines go to ``take`` (one call per chunk)."""

    def __init__(self, given: AnnotationInput) -> None:
        self._batcher = LineBatcher(sink=self.take)
        self.feed = self._batcher.feed

    # -- what a concrete annotator implements -------------------------------------------------
    def take(self, block: Block) -> None:
        """Completed lines of the reply, with their region events."""
        raise NotImplementedError

    def read(self, pending: Block | None) -> Annotation:
        """The reading so far, counting ``pending`` (lines not yet taken, the unfinished last
        line among them) without changing any state."""
        raise NotImplementedError

    def end(self) -> None:
        """The reply is complete (its last lines already taken); settle anything still open."""

    # -- the streaming protocol ---------------------------------------------------------------
    def current(self) -> Annotation:
        return self.read(self._batcher.peek())

    def finish(self) -> Annotation:
        block = self._batcher.flush()
        if block is not None:
            self.take(block)
        self.end()
        return self.read(None)


class EventAnnotator(LineAnnotator):
    """An annotator whose state is built from region events alone: ``take`` and ``read`` are
    written once here; a concrete one supplies a copyable state, ``apply`` and ``reading``."""

    def __init__(self, given: AnnotationInput) -> None:
        super().__init__(given)
        self._state = self.new_state()

    def new_state(self) -> Any:
        raise NotImplementedError

    def apply(self, state: Any, event: Event) -> None:
        raise NotImplementedError

    def reading(self, state: Any) -> Annotation:
        raise NotImplementedError

    def take(self, block: Block) -> None:
        for event in block.events:
            self.apply(self._state, event)

    def read(self, pending: Block | None) -> Annotation:
        state = self._state
        if pending is not None and pending.events:
            state = state.copy()  # count the unfinished lines without changing the real state
            for event in pending.events:
                self.apply(state, event)
        return self.reading(state)


Annotator = LineAnnotator
