"""Train the learned second readers (core/annotate/learned_reader.py) on the validation corpus's
development part only, and write their weights into the package:

    .venv/bin/python scripts/train_learned_readers.py

One model per registered annotator that names a weights file (``learned_weights``): alignment-
faking reasoning, self-reports and compliance. Each reads what its annotator's ``learned_text``
gives of a labelled item and learns its ``learned_labels`` (its flag's label against ``none``;
for compliance refused, complied, partial and unclear, of which it keeps refused over complied).
Deterministic (full-batch gradient descent from zero weights): running it again on the same
corpus writes the same files. `tests/test_learned_readers.py` checks the shipped files are what
this script makes from today's development part.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from sashell.core.annotate import registry
from sashell.core.annotate.base import LineAnnotator
from sashell.core.annotate.compliance import split_reply
from sashell.core.annotate.learned_reader import encode, train
from sashell.core.validation import part_path

MODELS = Path(__file__).resolve().parents[1] / "src" / "sashell" / "data" / "models"


def readers() -> list[type[LineAnnotator]]:
    return [cls for cls in registry().classes if cls.learned_weights]


def build(annotator: type[LineAnnotator]) -> bytes:
    items = yaml.safe_load(part_path("development").read_text(encoding="utf-8"))["items"]
    labels = annotator.learned_labels()
    chosen = [i for i in items if i["annotator"] == annotator.kind and i["label"] in labels]
    texts = []
    for item in chosen:
        scratchpad, answer = split_reply(item["reply"] or "")
        texts.append(annotator.learned_text(item.get("probe") or "", scratchpad, answer))
    return encode(train(texts, [labels.index(i["label"]) for i in chosen], len(labels)))


def main() -> int:
    for annotator in readers():
        blob, out = build(annotator), MODELS / str(annotator.learned_weights)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(blob)
        print(f"{annotator.kind}: wrote {out} ({len(blob):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
