"""The annotator protocol: fed streamed text incrementally, read at any time.

Each annotator keeps its own incremental state, so feeding a delta costs work proportional to the
delta (plus, for some, a bounded look-back), never a re-scan of the whole reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


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


class Annotator(Protocol):
    kind: str

    def feed(self, delta: str) -> None:
        """Take the next piece of the reply."""

    def current(self) -> Annotation:
        """The reading so far (cheap; called as often as a front end redraws)."""

    def finish(self) -> Annotation:
        """The reading of the complete reply."""
