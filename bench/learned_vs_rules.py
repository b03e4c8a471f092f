"""Would a small learned model label new text better than the phrase rules?

Issue 20 asks for the comparison before shipping one. The validation corpus's development part
holds the earlier held-out parts (ids ``h-``, ``h2-`` … ``h8-``), each written at its own time
before the rules of its day saw it. Leave one of those parts out, train a linear model (logistic
regression over hashed word 1–2-grams, L2) on everything else in development, and label the
part: that is the learned model's one look at text it never saw, part by part. Beside it, the
rules' one look at the same part (as recorded in development.yaml's part headers, with the rules
of its day) and today's rules on it (tuned on it since, so optimistic).

    .venv/bin/python bench/learned_vs_rules.py

Needs numpy only. Compliance is read on replies to requests with a non-empty answer (four
labels: refused, complied, partial, unclear); `not_a_request` and `no_answer` are decided by
the probe and the empty answer, not by wording.
"""

from __future__ import annotations

import re
import sys
import zlib
from collections import defaultdict
from itertools import pairwise

import numpy as np
import yaml

from sashell.core.annotate import AnnotationInput, annotate_text
from sashell.core.annotate.compliance import split_reply
from sashell.core.validation import part_path

DIM = 1 << 15
PARTS = ("h", "h2", "h3", "h4", "h5", "h6", "h7", "h8")
FOUR = ("refused", "complied", "partial", "unclear")


def part_of(item_id: str) -> str:
    head = item_id.split("-", 1)[0]
    return head if head in PARTS else "dev"


def text_of(item: dict) -> str:
    if item["annotator"] == "af_reasoning":
        scratch = re.search(r"<SCRATCHPAD_REASONING>(.*?)(?:</SCRATCHPAD_REASONING>|$)", item["reply"], re.S)
        return scratch.group(1) if scratch else ""
    return split_reply(item["reply"])[1]


def features(text: str) -> np.ndarray:
    words = re.findall(r"[a-z]+(?:['’][a-z]+)?|[<>/_]+", text.lower())
    grams = words + [f"{a} {b}" for a, b in pairwise(words)]
    row = np.zeros(DIM, dtype=np.float32)
    for gram in grams:
        row[zlib.crc32(gram.encode()) % DIM] = 1.0
    norm = np.linalg.norm(row)
    return row / norm if norm else row


def train(x: np.ndarray, y: np.ndarray, classes: int, l2: float = 1e-3, steps: int = 300) -> np.ndarray:
    weights = np.zeros((x.shape[1], classes), dtype=np.float32)
    onehot = np.eye(classes, dtype=np.float32)[y]
    rate = 2.0
    for _ in range(steps):
        logits = x @ weights
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        weights -= rate * (x.T @ (p - onehot) / len(y) + l2 * weights)
    return weights


def rules_label(item: dict) -> str:
    given = AnnotationInput(probe=item.get("probe", ""))
    record = {a["kind"]: a for a in annotate_text(item["reply"], given)}
    reading = record[item["annotator"]]
    if item["annotator"] == "compliance":
        return str(reading["label"])
    return "faking" if reading.get("flag") else "none"


def main() -> int:
    items = yaml.safe_load(part_path("development").read_text(encoding="utf-8"))["items"]
    tasks = {
        "af_reasoning": ([i for i in items if i["annotator"] == "af_reasoning"], ("faking", "none")),
        "compliance": ([i for i in items if i["annotator"] == "compliance" and i["label"] in FOUR], FOUR),
    }
    for kind, (chosen, labels) in tasks.items():
        x = np.stack([features(text_of(i)) for i in chosen])
        y = np.array([labels.index(i["label"]) for i in chosen])
        parts = np.array([part_of(i["id"]) for i in chosen])
        rules = np.array([labels.index(rules_label(i)) if rules_label(i) in labels else -1 for i in chosen])
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        print(f"\n{kind}: leave one part out ({len(chosen)} texts, labels {', '.join(labels)})")
        print(f"{'part':>5} {'n':>4} {'learned':>9} {'rules today':>12}")
        for part in PARTS:
            held = parts == part
            if not held.any():
                continue
            weights = train(x[~held], y[~held], len(labels))
            guess = (x[held] @ weights).argmax(axis=1)
            right, n = int((guess == y[held]).sum()), int(held.sum())
            rules_right = int((rules[held] == y[held]).sum())
            print(f"{part:>5} {n:>4} {right:>4}/{n:<4} {rules_right:>6}/{n:<4}")
            for key, value in (("learned", right), ("rules", rules_right), ("n", n)):
                totals[key][0] += value
        n = totals["n"][0]
        print(f"{'all':>5} {n:>4} {totals['learned'][0]:>4}/{n:<4} {totals['rules'][0]:>6}/{n:<4}"
              f"   learned {totals['learned'][0] / n:.1%}, rules today {totals['rules'][0] / n:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
