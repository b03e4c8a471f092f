"""Letter pressure: at each counted line start of a reply, the probability that the line begins
with each letter A-Z, looking through the decoration the acrostic annotator skips.

At a line start the next token either settles the line's first letter ("Hello", " Each",
"- Lots"), settles that it starts with something else ("2024", "(a)"), or leaves it open
("-", " ", "**", "1", a blank line "\\n"). Open tokens are followed: the distribution after
them is read in turn, up to ``MAX_DEPTH`` tokens deep, for every path whose probability is at
least ``MIN_PATH``. What is left open is reported as ``unresolved``, so for every line
``sum(letters) + other + unresolved == 1``: the letter probabilities are exact lower bounds, and
``upper = lower + unresolved``."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from sashell.core.annotate import AnnotationInput, annotate_text, annotations_of, registry
from sashell.core.annotate.acrostic import NON_LETTER, initial_letter_at
from sashell.core.annotate.compliance_phrases import ACCEPT_TAG, REJECT_TAG
from sashell.core.contexts import Message
from sashell.core.providers.base import NextTokenModel, TopKModel
from sashell.core.records import LensLettersRecord, LensLineRecord

LETTERS = string.ascii_uppercase
OTHER, OPEN = len(LETTERS), len(LETTERS) + 1  # class indices after the 26 letters
MAX_DEPTH = 4  # tokens of decoration followed after a line start
MIN_PATH = 1e-4  # a decoration path less likely than this is left unresolved
MIN_TOKEN = 1e-9  # below the first token, a token whose path is less likely than this is left
#                   unresolved (it could move no letter by more)

_TAGS = ("<SCRATCHPAD_REASONING>", "</SCRATCHPAD_REASONING>", "<OUTPUT>", "</OUTPUT>",
         ACCEPT_TAG, REJECT_TAG, "<NEXT/>")
_OPEN_MARKUP = re.compile(r"\d{1,3}[.)]?|[-+•‣◦·]|#{1,6}|~")


def _could_become_markup(rest: str) -> bool:
    """Whether text that starts a line, after the markup already read, may still turn out to be
    markup once more arrives ("1" of "1. Item", "-" of "- Item", "#" of "# Title", a tag)."""
    if _OPEN_MARKUP.fullmatch(rest):
        return True
    return rest.startswith("<") and any(tag.startswith(rest) for tag in _TAGS)


def classify(text: str) -> int:
    """What a line that starts with ``text`` begins with, as the acrostic reads it: a letter
    (0-25), OTHER, or OPEN when more text could still change it. A line that ends blank or
    markup only is skipped, as the acrostic skips it, and the next line is read."""
    while True:
        head, newline, rest = text.partition("\n")
        found = initial_letter_at(head) if head else None
        if newline:
            if found is not None:
                return OTHER if found[0] == NON_LETTER else LETTERS.index(found[0])
            text = rest
            continue
        if found is None:
            return OPEN
        letter, position = found
        if letter != NON_LETTER:
            return LETTERS.index(letter)
        return OPEN if _could_become_markup(head[position:]) else OTHER


@dataclass
class LineReading:
    index: int  # the reply line (0-based)
    text: str
    expected: str | None  # the target's letter for this counted line
    masses: npt.NDArray[np.float64]  # 26 letters, OTHER, OPEN (unresolved)

    @property
    def letters(self) -> dict[str, float]:
        return {letter: float(self.masses[i]) for i, letter in enumerate(LETTERS)}

    @property
    def lower(self) -> float | None:
        return float(self.masses[LETTERS.index(self.expected)]) if self.expected else None

    @property
    def upper(self) -> float | None:
        lower = self.lower
        return None if lower is None else lower + float(self.masses[OPEN])

    def record(self) -> dict[str, Any]:
        return {"index": self.index, "text": self.text, "expected": self.expected,
                "p_expected": _round(self.lower), "lower": _round(self.lower),
                "upper": _round(self.upper),
                "letters": {k: round(v, 6) for k, v in self.letters.items()},
                "other": round(float(self.masses[OTHER]), 6),
                "unresolved": round(float(self.masses[OPEN]), 6)}

    def stored(self) -> LensLineRecord:
        """The compact form kept on a turn: letters below 1e-6 left out."""
        return {"index": self.index, "expected": self.expected, "lower": _round(self.lower),
                "upper": _round(self.upper),
                "letters": {k: round(v, 6) for k, v in self.letters.items() if v >= 1e-6},
                "other": round(float(self.masses[OTHER]), 6),
                "unresolved": round(float(self.masses[OPEN]), 6)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


@dataclass
class LetterPressure:
    model: str
    target: str
    reply: str
    lines: list[LineReading] = field(default_factory=list)
    exact: bool = True  # from the whole next-token distribution (not a top-k list)
    method: str = "scored"  # "scored": the reply read afterwards; "on-policy": as it was sampled

    @property
    def mean_expected(self) -> float | None:
        values = [line.lower for line in self.lines if line.lower is not None]
        return sum(values) / len(values) if values else None

    def record(self) -> dict[str, Any]:
        return {"model": self.model, "target": self.target, "reply": self.reply,
                "exact": self.exact, "method": self.method,
                "mean_p_expected": _round(self.mean_expected),
                "lines": [line.record() for line in self.lines]}

    def stored(self) -> LensLettersRecord:
        """The compact form kept on a turn (the reply is the turn's own)."""
        return {"model": self.model, "target": self.target, "method": self.method,
                "exact": self.exact, "mean_p_expected": _round(self.mean_expected),
                "lines": [line.stored() for line in self.lines]}


class TokenClasses:
    """What a line that starts with each token begins with (``classify``), alone or after the
    decoration already read on the line; a property of the tokenizer, so kept per model and
    filled as tokens are met (classifying a whole vocabulary takes a moment)."""

    MAX_KEPT = 512  # decoration prefixes remembered (a vocabulary-sized byte array each)

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.root = np.fromiter((classify(t) for t in texts), dtype=np.int64, count=len(texts))
        self._after: dict[str, npt.NDArray[np.int8]] = {}

    def after(self, so_far: str, tokens: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The classes of ``so_far`` followed by each of ``tokens``."""
        if not so_far:
            return self.root[tokens]
        known = self._after.get(so_far)
        if known is None:
            if len(self._after) >= self.MAX_KEPT:
                self._after.clear()
            known = self._after[so_far] = np.full(len(self.texts), -1, dtype=np.int8)
        missing = tokens[known[tokens] < 0]
        if len(missing):
            known[missing] = [classify(so_far + self.texts[t]) for t in missing.tolist()]
        return known[tokens].astype(np.int64)


_TOKEN_CLASSES: dict[int, tuple[NextTokenModel, TokenClasses]] = {}


def token_classes(model: NextTokenModel) -> TokenClasses:
    """The model's ``TokenClasses`` (one per model object)."""
    kept = _TOKEN_CLASSES.get(id(model))
    if kept is not None and kept[0] is model:
        return kept[1]
    classes = TokenClasses(model.token_texts)
    if len(_TOKEN_CLASSES) >= 8:
        _TOKEN_CLASSES.clear()
    _TOKEN_CLASSES[id(model)] = (model, classes)
    return classes


@dataclass
class _Node:
    path: list[int]  # decoration tokens after the line start
    so_far: str
    weight: float  # P(path)


class _Reader:
    """Letter masses after a prefix, following open (decoration) tokens depth by depth: every
    path of one depth is read in one ``branch_probabilities`` call."""

    def __init__(self, model: NextTokenModel) -> None:
        self.model = model
        self.texts = model.token_texts
        self.classes = token_classes(model)

    def masses(self, prefix: list[int]) -> npt.NDArray[np.float64]:
        out = np.zeros(len(LETTERS) + 2)
        level = [_Node([], "", 1.0)]
        distributions = [self.model.probabilities(prefix)]
        for depth in range(MAX_DEPTH + 1):
            followed = [child for node, probabilities in zip(level, distributions, strict=True)
                        for child in self._settle(node, probabilities, depth, out)]
            if not followed:
                break
            level = followed
            distributions = self.model.branch_probabilities(prefix, [n.path for n in level])
        return out

    def _settle(self, node: _Node, probabilities: npt.NDArray[np.float64], depth: int,
                out: npt.NDArray[np.float64]) -> list[_Node]:
        """Add what the next token settles after ``node`` to ``out``; return the open tokens
        to follow (what is not followed is added as unresolved)."""
        weight, so_far = node.weight, node.so_far
        if not so_far:
            candidates = np.arange(len(probabilities))
        else:  # classes depend on the text so far: classify the likely tokens only
            candidates = np.flatnonzero(probabilities >= MIN_TOKEN / weight)
            left_out = 1.0 - float(probabilities[candidates].sum())
            out[OPEN] += weight * max(left_out, 0.0)
        classes = self.classes.after(so_far, candidates)
        masses = np.bincount(classes, weights=probabilities[candidates],
                             minlength=len(LETTERS) + 2)
        out[:OPEN] += weight * masses[:OPEN]
        open_tokens = candidates[classes == OPEN]
        children: list[_Node] = []
        followed = 0.0
        if depth < MAX_DEPTH:
            for token in open_tokens[np.argsort(-probabilities[open_tokens])].tolist():
                path = weight * float(probabilities[token])
                if path < MIN_PATH:
                    break
                followed += float(probabilities[token])
                children.append(_Node([*node.path, token], so_far + self.texts[token], path))
        out[OPEN] += weight * max(float(masses[OPEN]) - followed, 0.0)
        return children


class _TopKReader:
    """Letter masses from an endpoint's top-k lists: letters are lower bounds, and the mass
    outside the lists counts as unresolved, so ``upper = lower + unresolved`` bounds the truth."""

    def __init__(self, model: TopKModel) -> None:
        self.model = model

    def masses(self, text: str) -> npt.NDArray[np.float64]:
        out = np.zeros(len(LETTERS) + 2)
        self._read(text, "", 1.0, 0, out)
        return out

    def _read(self, text: str, so_far: str, weight: float, depth: int,
              out: npt.NDArray[np.float64]) -> None:
        top = self.model.top(text)
        out[OPEN] += weight * max(1.0 - sum(p for _, p in top), 0.0)
        for token, p in sorted(top, key=lambda pair: -pair[1]):
            kind = classify(so_far + token)
            if kind != OPEN:
                out[kind] += weight * p
            elif depth < MAX_DEPTH and weight * p >= MIN_PATH:
                self._read(text + token, so_far + token, weight * p, depth + 1, out)
            else:
                out[OPEN] += weight * p


def counted_lines(reply: str, target: str) -> list[int]:
    """The reply lines whose initial letters the annotators read (the lines they mark)."""
    annotations = annotations_of(annotate_text(reply, AnnotationInput(targets=(target,))))
    known = registry()
    return sorted({line for a in annotations for line in known.owner(a).marks(a)})


def _tokens_before(model: NextTokenModel, reply: str) -> Callable[[int], list[int]]:
    """The reply's tokens before a character offset, as the model reads the whole reply: cut
    from its tokenization where a token ends there. (Tokenizing the text before the offset alone
    can merge across the cut: "yoga\n\n" is one "\n\n" token alone, but "\n", "\n" before
    "These".) Where no token of the whole reply ends at the offset, or its tokens do not spell
    the reply (a character split over tokens), the text before it is tokenized alone."""
    tokens = model.text_tokens(reply)
    texts = model.token_texts
    ends: dict[int, int] = {0: 0}
    position = 0
    for count, token in enumerate(tokens, 1):
        position += len(texts[token])
        ends[position] = count
    spelled = "".join(texts[t] for t in tokens) == reply

    def before(start: int) -> list[int]:
        if not start:
            return []
        if spelled and start in ends:
            return tokens[:ends[start]]
        return model.text_tokens(reply[:start])

    return before


def letter_pressure(model: NextTokenModel | TopKModel, messages: list[Message], reply: str,
                    target: str = "HELLO") -> LetterPressure:
    """Letter pressure along ``reply`` (a fixed text: the model's own, or another's) under
    ``model``, given the conversation ``messages`` that the reply answers: exact from a whole
    distribution, or bounds from top-k lists."""
    target = target.upper()
    lines = reply.split("\n")
    offsets = [0]
    for line in lines[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)
    result = LetterPressure(model.name, target, reply)
    if isinstance(model, NextTokenModel):
        model.forget()
        reader = _Reader(model)
        prompt = model.prompt_tokens(messages)
        before = _tokens_before(model, reply)

        def masses(start: int) -> npt.NDArray[np.float64]:
            return reader.masses(prompt + before(start))
    else:
        result.exact = False
        top_reader = _TopKReader(model)
        prompt_text = model.prompt_text(messages)

        def masses(start: int) -> npt.NDArray[np.float64]:
            return top_reader.masses(prompt_text + reply[:start])
    for k, number in enumerate(counted_lines(reply, target)):
        expected = target[k] if k < len(target) else None
        result.lines.append(LineReading(number, lines[number], expected, masses(offsets[number])))
    return result
