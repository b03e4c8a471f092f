"""Annotating many replies on a second core gives exactly what annotating them one by one
gives, in order: the replies of the labelled corpus and the shipped example sessions, with
the worker forked and the caller helping from the far end."""

from __future__ import annotations

import json
from pathlib import Path

from sashell.core.annotate import AnnotationInput, annotate_text
from sashell.core.annotate.parallel import annotate_many
from sashell.core.validation import load_corpus, part_path

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "sashell" / "data" / "examples"


def _items() -> list[tuple[str, AnnotationInput]]:
    items = [(item["reply"], AnnotationInput(probe=item["probe"], targets=("HELLO",)))
             for part in ("development", "heldout") for item in load_corpus(part_path(part))]
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("type") == "turn":
                items.append((record.get("reply", ""), AnnotationInput(
                    probe=record.get("probe", ""), targets=("HELLO", "CAT"), scratchpad=True)))
    return items


def test_annotating_on_a_second_core_gives_the_same_records_in_order() -> None:
    items = _items()
    assert len(items) > 800
    expected = [annotate_text(text, given) for text, given in items]
    assert list(annotate_many(items, parallel_from=0)) == expected
    assert list(annotate_many(items[:3])) == expected[:3]  # few: in this process


def test_closing_early_stops_the_worker() -> None:
    items = _items()
    annotated = annotate_many(items, parallel_from=0)
    first = [next(annotated) for _ in range(5)]
    annotated.close()
    assert first == [annotate_text(text, given) for text, given in items[:5]]
