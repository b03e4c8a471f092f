"""Annotators and the set that runs them together over one reply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sashell.core.annotate.base import Annotation, AnnotationInput
from sashell.core.annotate.lines import Block, LineBatcher
from sashell.core.annotate.registry import AnnotatorRegistry, annotations_of, registry


class AnnotationSet:
    """All registered annotators over one reply; lines and regions are split once for all.

    ``feed`` only keeps the chunk (it is a list's append: a streamed token costs no Python call);
    the text kept since the last reading is split into lines and annotated when a reading is
    asked for (``current``, at a front end's redraw, or ``finish``). Each reading therefore
    costs work in proportion to the text that arrived since the one before."""

    feed: Callable[[str], object]
    """Streamed text in, one chunk per call."""

    def __init__(self, given: AnnotationInput, kinds: list[str] | None = None) -> None:
        known = registry()
        classes = known.classes if kinds is None else [
            cls for kind in kinds if (cls := known.get(kind)) is not None]
        self.annotators = [cls(given) for cls in classes]
        self._batcher = LineBatcher(sink=self._take)
        self._chunks: list[str] = []
        self.feed = self._chunks.append

    def _take(self, block: Block) -> None:
        for annotator in self.annotators:
            annotator.take(block)

    def catch_up(self) -> None:
        """Annotate the text fed since the last reading (without computing a reading)."""
        if self._chunks:
            text = "".join(self._chunks)
            self._chunks.clear()
            self._batcher.feed(text)

    def current(self) -> list[Annotation]:
        self.catch_up()
        pending = self._batcher.peek()
        return [a.read(pending) for a in self.annotators]

    def finish(self) -> list[Annotation]:
        self.catch_up()
        block = self._batcher.flush()
        for annotator in self.annotators:
            if block is not None:
                annotator.take(block)
            annotator.end()
        return [a.read(None) for a in self.annotators]


FEED_CHUNK = 1 << 20  # a long text is annotated a megabyte at a time (memory stays bounded)


def annotate_text(text: str, given: AnnotationInput | None = None) -> list[dict[str, Any]]:
    annotations = AnnotationSet(given or AnnotationInput())
    if len(text) <= FEED_CHUNK:
        annotations.feed(text)
    else:
        for start in range(0, len(text), FEED_CHUNK):
            annotations.feed(text[start:start + FEED_CHUNK])
            annotations.catch_up()
    return [a.record() for a in annotations.finish()]


__all__ = ["Annotation", "AnnotationInput", "AnnotationSet", "AnnotatorRegistry", "annotate_text",
           "annotations_of", "registry"]
