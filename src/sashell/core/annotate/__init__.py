"""Annotators and the set that runs them together over one reply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sashell.core.annotate.acrostic import AcrosticAnnotator
from sashell.core.annotate.base import Annotation, AnnotationInput, Annotator
from sashell.core.annotate.compliance import ComplianceAnnotator

# The registry: adding an annotator is a new module plus one line here.
ANNOTATORS: dict[str, Callable[[AnnotationInput], Annotator]] = {
    "acrostic": AcrosticAnnotator,
    "compliance": ComplianceAnnotator,
}


class AnnotationSet:
    """All registered annotators over one reply, fed together."""

    def __init__(self, given: AnnotationInput, kinds: list[str] | None = None) -> None:
        self.annotators = [ANNOTATORS[k](given) for k in (kinds or list(ANNOTATORS))]

    def feed(self, delta: str) -> None:
        for annotator in self.annotators:
            annotator.feed(delta)

    def current(self) -> list[Annotation]:
        return [a.current() for a in self.annotators]

    def finish(self) -> list[Annotation]:
        return [a.finish() for a in self.annotators]


def annotate_text(text: str, given: AnnotationInput | None = None) -> list[dict[str, Any]]:
    annotations = AnnotationSet(given or AnnotationInput())
    annotations.feed(text)
    return [a.record() for a in annotations.finish()]


__all__ = ["ANNOTATORS", "Annotation", "AnnotationInput", "AnnotationSet", "annotate_text"]
