"""Train the learned alignment-faking reader (core/annotate/af_learned.py) on the validation
corpus's development part only, and write its weights into the package:

    .venv/bin/python scripts/train_af_model.py

Deterministic (full-batch gradient descent from zero weights): running it again on the same
corpus writes the same file. `tests/test_af_learned.py` checks the shipped file is what this
script makes from today's development part.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from sashell.core.annotate.af_learned import WEIGHTS, encode, train
from sashell.core.annotate.compliance import split_reply
from sashell.core.validation import part_path

OUT = Path(__file__).resolve().parents[1] / "src" / "sashell" / "data" / "models" / WEIGHTS


def build() -> bytes:
    items = yaml.safe_load(part_path("development").read_text(encoding="utf-8"))["items"]
    chosen = [i for i in items if i["annotator"] == "af_reasoning"]
    model = train([split_reply(i["reply"])[0] for i in chosen], [i["label"] == "faking" for i in chosen])
    return encode(model)


def main() -> int:
    blob = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(blob)
    print(f"wrote {OUT} ({len(blob):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
