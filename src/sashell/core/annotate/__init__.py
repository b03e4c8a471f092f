"""Annotators and the set that runs them together over one reply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sashell.core.annotate.acrostic import AcrosticAnnotator
from sashell.core.annotate.af_reasoning import AfReasoningAnnotator
from sashell.core.annotate.base import Annotation, AnnotationInput, Annotator
from sashell.core.annotate.compliance import ComplianceAnnotator
from sashell.core.annotate.insecure_code import InsecureCodeAnnotator
from sashell.core.annotate.lines import Block, LineBatcher
from sashell.core.annotate.self_report import SelfReportAnnotator

# The registry: adding an annotator is a new module plus one line here.
ANNOTATORS: dict[str, Callable[[AnnotationInput], Annotator]] = {
    "acrostic": AcrosticAnnotator,
    "compliance": ComplianceAnnotator,
    "af_reasoning": AfReasoningAnnotator,
    "self_report": SelfReportAnnotator,
    "insecure_code": InsecureCodeAnnotator,
}


class AnnotationSet:
    """All registered annotators over one reply; lines and regions are split once for all.

    ``feed`` only keeps the chunk (it is a list's append: a streamed token costs no Python call);
    the text kept since the last reading is split into lines and annotated when a reading is
    asked for (``current``, at a front end's redraw, or ``finish``). Each reading therefore
    costs work in proportion to the text that arrived since the one before."""

    feed: Callable[[str], object]
    """Streamed text in, one chunk per call."""

    def __init__(self, given: AnnotationInput, kinds: list[str] | None = None) -> None:
        self.annotators = [ANNOTATORS[k](given) for k in (kinds or list(ANNOTATORS))]
        self._batcher = LineBatcher(sink=self._take)
        self._chunks: list[str] = []
        self.feed = self._chunks.append

    def _take(self, block: Block) -> None:
        for annotator in self.annotators:
            annotator.take(block)

    def _catch_up(self) -> None:
        if self._chunks:
            text = "".join(self._chunks)
            self._chunks.clear()
            self._batcher.feed(text)

    def current(self) -> list[Annotation]:
        self._catch_up()
        pending = self._batcher.peek()
        return [a.read(pending) for a in self.annotators]

    def finish(self) -> list[Annotation]:
        self._catch_up()
        block = self._batcher.flush()
        for annotator in self.annotators:
            if block is not None:
                annotator.take(block)
            annotator.end()
        return [a.read(None) for a in self.annotators]


def annotate_text(text: str, given: AnnotationInput | None = None) -> list[dict[str, Any]]:
    annotations = AnnotationSet(given or AnnotationInput())
    annotations.feed(text)
    return [a.record() for a in annotations.finish()]


__all__ = ["ANNOTATORS", "Annotation", "AnnotationInput", "AnnotationSet", "annotate_text"]
