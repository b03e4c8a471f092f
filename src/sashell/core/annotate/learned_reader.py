"""Learned second readers: logistic regression over hashed word 1–2-grams, trained on the
validation corpus's development part (``scripts/train_learned_readers.py`` writes one weights
file per annotator under ``data/models/``). Issue 20 asked whether such a model labels new text
better than the phrase rules; for alignment-faking reasoning and self-reports it did on text
neither had seen (README, "How often the annotators are right"), so it reads beside them. An
annotator with a reader names its weights file (``learned_weights``) and what the reader reads
of a reply (``learned_text``).

Reading needs no numpy: the score is a sum of the weights of the grams present, divided by the
square root of how many distinct grams there are (the training rows are unit-length binary
vectors). Training imports numpy when it is called.
"""

from __future__ import annotations

import math
import re
import struct
import zlib
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

DIM = 1 << 15  # hashed feature space; indices fit in 16 bits
_WORDS = re.compile(r"[a-z]+(?:['’][a-z]+)?|[<>/_]+")
_MAGIC = b"SANG1"


def feature_indices(text: str) -> set[int]:
    """The hashed unigrams and bigrams of ``text`` (lowercased words, apostrophes kept)."""
    words = _WORDS.findall(text.lower())
    grams = words + [f"{a} {b}" for a, b in pairwise(words)]
    return {zlib.crc32(gram.encode()) % DIM for gram in grams}


class GramReader:
    """The same grams as ``feature_indices`` over text that arrives a line at a time (a bigram
    may span two lines), up to ``max_chars``; the probability under the weights in
    ``weights_file`` is recomputed only when the grams change."""

    def __init__(self, weights_file: str, max_chars: int) -> None:
        self.weights_file, self.max_chars = weights_file, max_chars
        self.present: set[int] = set()
        self.last_word = ""
        self.chars = 0
        self._memo: tuple[int, float | None] = (0, None)

    def copy(self) -> GramReader:
        other = GramReader(self.weights_file, self.max_chars)
        other.present, other.last_word, other.chars = set(self.present), self.last_word, self.chars
        other._memo = self._memo
        return other

    def add(self, text: str) -> None:
        if self.chars >= self.max_chars:
            return
        text = text[:self.max_chars - self.chars]
        self.chars += len(text) + 1
        words = _WORDS.findall(text.lower())
        if not words:
            return
        joined = [self.last_word, *words] if self.last_word else words  # a bigram across lines
        grams = words + [f"{a} {b}" for a, b in pairwise(joined)]
        self.last_word = words[-1]
        self.present.update(zlib.crc32(gram.encode()) % DIM for gram in grams)

    def probability(self) -> float | None:
        if self._memo[0] != len(self.present):
            self._memo = (len(self.present), score(self.present, weights(self.weights_file)))
        return self._memo[1]


@cache
def weights(weights_file: str) -> dict[int, float]:
    """A shipped model: feature index → weight of the positive label over "none" (sparse)."""
    blob = resources.files("sashell").joinpath("data/models", weights_file).read_bytes()
    return decode(blob)


def encode(sparse: Mapping[int, float]) -> bytes:
    items = sorted(sparse.items())
    return _MAGIC + struct.pack("<I", len(items)) + b"".join(
        struct.pack("<Hf", index, value) for index, value in items)


def decode(blob: bytes) -> dict[int, float]:
    if not blob.startswith(_MAGIC):
        raise ValueError("not a sashell n-gram model")
    (count,) = struct.unpack_from("<I", blob, len(_MAGIC))
    start = len(_MAGIC) + 4
    return {index: value for index, value in struct.iter_unpack("<Hf", blob[start:start + 6 * count])}


def probability(text: str, table: Mapping[int, float]) -> float | None:
    """P(positive label) for a text under a model, or None when it has no words to read."""
    return score(feature_indices(text), table)


def score(present: set[int], table: Mapping[int, float]) -> float | None:
    if not present:
        return None
    margin = sum(table.get(index, 0.0) for index in present) / math.sqrt(len(present))
    return 1.0 / (1.0 + math.exp(-margin))


def feature_matrix(texts: Sequence[str]) -> Any:
    """One unit-length binary row of hashed grams per text (numpy, for training)."""
    import numpy as np

    x = np.zeros((len(texts), DIM), dtype=np.float32)
    for row, text in enumerate(texts):
        present = sorted(feature_indices(text))
        if present:
            x[row, present] = 1.0 / math.sqrt(len(present))
    return x


def fit_softmax(x: Any, y: Any, classes: int, l2: float = 1e-3, steps: int = 300) -> Any:
    """Multinomial logistic regression by full-batch gradient descent (no intercept): the
    (features × classes) weights."""
    import numpy as np

    w = np.zeros((x.shape[1], classes), dtype=np.float32)
    onehot = np.eye(classes, dtype=np.float32)[y]
    for _ in range(steps):
        logits = x @ w
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        w -= 2.0 * (x.T @ (p - onehot) / len(y) + l2 * w)
    return w


def train(texts: Sequence[str], labels: Sequence[int], classes: int = 2) -> dict[int, float]:
    """A model from labelled texts (each label a class index): the sparse weight of class 0 over
    class 1 in a softmax over all ``classes``, so a probability of class 0 against class 1."""
    import numpy as np

    w = fit_softmax(feature_matrix(texts), np.array(labels), classes)
    margin = w[:, 0] - w[:, 1]
    return {int(i): float(margin[i]) for i in np.flatnonzero(margin)}
