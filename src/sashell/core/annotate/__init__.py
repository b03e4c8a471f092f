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
    """All registered annotators over one reply; lines and regions are split once for all."""

    feed: Callable[[str], object]
    """Streamed text in (one call per chunk; completed blocks go to every annotator)."""

    def __init__(self, given: AnnotationInput, kinds: list[str] | None = None) -> None:
        self.annotators = [ANNOTATORS[k](given) for k in (kinds or list(ANNOTATORS))]
        self._batcher = LineBatcher(sink=self._take)
        self.feed = self._batcher.feed

    def _take(self, block: Block) -> None:
        for annotator in self.annotators:
            annotator.take(block)

    def current(self) -> list[Annotation]:
        pending = self._batcher.peek()
        return [a.read(pending) for a in self.annotators]

    def finish(self) -> list[Annotation]:
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
