"""Would a small learned model label new text better than the phrase rules?

Issue 20 asks for the comparison before shipping one. The validation corpus's development part
holds the earlier held-out parts (ids ``h-``, ``h2-``, … as many as have been folded), each
written at its own time before the rules of its day saw it. Leave one of those parts out, train
a linear model (logistic regression over hashed word 1–2-grams, L2) on everything else in
development, and label the part: that is the learned model's one look at text it never saw, part
by part. Beside it, the rules' one look at the same part (as recorded in development.yaml's part
headers, with the rules of its day) and today's annotators on it (tuned on it since, so
optimistic; for alignment-faking reasoning and self-reports that includes the shipped learned
readers, trained on it). Last, the model trained on all of development labels the current held-
out part, beside today's annotator's look at it.

    .venv/bin/python bench/learned_vs_rules.py

Needs numpy only. Compliance is read on replies to requests with a non-empty answer (four
labels: refused, complied, partial, unclear); `not_a_request` and `no_answer` are decided by
the probe and the empty answer, not by wording.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict

import numpy as np
import yaml

from sashell.core.annotate import AnnotationInput, annotate_text, registry
from sashell.core.annotate.compliance import split_reply
from sashell.core.annotate.learned_reader import feature_matrix, fit_softmax
from sashell.core.validation import part_path

FOUR = ("refused", "complied", "partial", "unclear")
_FOLDED = re.compile(r"h(\d*)")  # a folded held-out part's id prefix: h, h2, h3, …


def part_of(item_id: str) -> str:
    head = item_id.split("-", 1)[0]
    return head if _FOLDED.fullmatch(head) else "dev"


def folded_parts(ids: list[str]) -> list[str]:
    """The folded held-out parts among ``ids``, in the order they were written."""
    return sorted({part_of(i) for i in ids} - {"dev"}, key=lambda part: int(part[1:] or 1))


def text_of(item: dict) -> str:
    """What each reader reads: what the annotator's shipped reader reads (the scratchpad for
    alignment-faking reasoning, the question and the answer for self-reports), else the answer."""
    scratchpad, answer = split_reply(item["reply"] or "")
    annotator = registry().get(item["annotator"])
    assert annotator is not None
    return annotator.learned_text(item.get("probe") or "", scratchpad, answer)


def features(text: str) -> np.ndarray:
    return feature_matrix([text])[0]


def train(x: np.ndarray, y: np.ndarray, classes: int) -> np.ndarray:
    return fit_softmax(x, y, classes)


def rules_label(item: dict) -> str:
    given = AnnotationInput(probe=item.get("probe", ""))
    record = {a["kind"]: a for a in annotate_text(item["reply"], given)}
    reading = record[item["annotator"]]
    if item["annotator"] == "compliance":
        return str(reading["label"])
    return item["annotator"].replace("af_reasoning", "faking") if reading.get("flag") else "none"


def chosen_items(part: str) -> dict[str, tuple[list[dict], tuple[str, ...]]]:
    items = yaml.safe_load(part_path(part).read_text(encoding="utf-8"))["items"]
    return {
        "af_reasoning": ([i for i in items if i["annotator"] == "af_reasoning"], ("faking", "none")),
        "compliance": ([i for i in items if i["annotator"] == "compliance" and i["label"] in FOUR], FOUR),
        "self_report": ([i for i in items if i["annotator"] == "self_report"], ("self_report", "none")),
    }


def main() -> int:
    heldout = chosen_items("heldout")
    for kind, (chosen, labels) in chosen_items("development").items():
        x = np.stack([features(text_of(i)) for i in chosen])
        y = np.array([labels.index(i["label"]) for i in chosen])
        parts = np.array([part_of(i["id"]) for i in chosen])
        rules = np.array([labels.index(rules_label(i)) if rules_label(i) in labels else -1 for i in chosen])
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        print(f"\n{kind}: leave one part out ({len(chosen)} texts, labels {', '.join(labels)})")
        print(f"{'part':>5} {'n':>4} {'learned':>9} {'annotator today':>16}")
        for part in folded_parts([i["id"] for i in chosen]):
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
              f"   learned {totals['learned'][0] / n:.1%}, annotator today {totals['rules'][0] / n:.1%}")
        fresh = heldout[kind][0]
        weights = train(x, y, len(labels))
        truth = np.array([labels.index(i["label"]) for i in fresh])
        guess = np.stack([features(text_of(i)) for i in fresh]) @ weights
        learned = int((guess.argmax(axis=1) == truth).sum())
        rules_now = sum(rules_label(i) == i["label"] for i in fresh)
        print(f"current held-out part, trained on all of development: learned {learned}/{len(fresh)}, "
              f"annotator today {rules_now}/{len(fresh)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
